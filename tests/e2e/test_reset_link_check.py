"""A password-reset link is checked when the page opens (issue #14, item 30): a used,
expired or unknown link says so at once, with a way to ask for a new one, instead of
showing a form that fails only after the new password was typed. Opening the page does not
use the link up."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import STUDENT_EMAIL, TIMEOUT, goto, path_is, query, settled
from tutorconnect.services.tokens import hash_secret, new_secret

pytestmark = pytest.mark.e2e

UNUSABLE = "This link was already used or has expired"


def _reset_link(db, *, used: bool = False, expired: bool = False) -> tuple[str, str]:
    """A reset link for the demo student, as request_password_reset stores it; (path, hash)."""
    raw = new_secret()
    query(db, "INSERT INTO auth_tokens (id, user_id, purpose, token_hash, expires_at, used_at) "
              "SELECT :id, id, 'password_reset', :h, now() + make_interval(mins => :m), "
              "CASE WHEN :used THEN now() END FROM users WHERE email = :e",
          id=uuid.uuid4(), h=hash_secret(raw), m=-1 if expired else 30, used=used, e=STUDENT_EMAIL)
    return f"/reset-password?token={raw}", hash_secret(raw)


@pytest.mark.parametrize("kind", ["used", "expired", "unknown"])
def test_an_unusable_reset_link_says_so_as_soon_as_the_page_opens(page, db, artifacts, kind):
    if kind == "unknown":
        path = f"/reset-password?token={new_secret()}"
    else:
        path, _ = _reset_link(db, used=kind == "used", expired=kind == "expired")
    goto(page, path)
    notice = page.locator("#reset-link-unusable")
    expect(notice).to_contain_text(UNUSABLE, timeout=TIMEOUT)
    expect(page.locator("#reset-form")).to_have_count(0)
    expect(page.locator("#password")).to_have_count(0)
    if kind == "used":
        settled(page)
        page.screenshot(path=str(artifacts / "reset-link-used.png"), full_page=True)
    notice.get_by_role("link", name="Request a new link").click()
    page.wait_for_url(path_is("/forgot-password"), timeout=TIMEOUT)
    expect(page.locator("#forgot-form")).to_be_visible(timeout=TIMEOUT)


def test_a_usable_reset_link_shows_the_form_and_stays_usable(page, db, artifacts):
    path, token_hash = _reset_link(db)
    goto(page, path)
    expect(page.locator("#reset-form")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#reset-link-unusable")).to_have_count(0)
    settled(page)
    page.screenshot(path=str(artifacts / "reset-link-usable.png"), full_page=True)
    # Opening the page only looked at the link: it is still there to use.
    assert query(db, "SELECT used_at FROM auth_tokens WHERE token_hash = :h", h=token_hash) == [(None,)]
