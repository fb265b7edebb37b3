"""The tutor's public page and the student's favorites, in a real browser against the live
app (demo data loaded)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import query, STUDENT_EMAIL, TIMEOUT, TUTOR_EMAIL, goto, next_query, path_is, toast, settled

pytestmark = pytest.mark.e2e

XSS_BIO = "I teach with care.\n<script>window.__tcXss = 1</script><img src=x onerror=\"window.__tcXss = 2\"> <b>not bold</b>"


@pytest.fixture(scope="module")
def reviewed_slug(db) -> str:
    """The approved demo tutor with the most visible reviews."""
    rows = query(db, "select slug from tutor_profiles where status = 'approved' order by rating_count desc, slug limit 1")
    return rows[0][0]


def _open_tutor(page, slug: str) -> None:
    goto(page, f"/tutors/{slug}")
    expect(page.locator("#tutor-page")).to_be_visible(timeout=TIMEOUT)


def test_a_visitor_opens_a_tutor_from_the_home_page_and_sees_prices_and_reviews(page, db):
    goto(page, "/")
    cards = page.locator("#featured-tutors a.tutor-card")
    expect(cards.first).to_be_visible(timeout=TIMEOUT)
    slugs = [h.rsplit("/", 1)[-1] for h in cards.evaluate_all("els => els.map(e => e.getAttribute('href'))")]
    assert slugs and all(slugs)
    counts = dict(query(db, "select slug, rating_count from tutor_profiles where slug = any(:s)", s=slugs))
    slug = max(slugs, key=lambda s: (counts.get(s, 0), s))
    name = query(db, "select coalesce(nullif(p.display_name, ''), u.full_name) from tutor_profiles p join users u on u.id = p.user_id where slug = :s", s=slug)[0][0]
    page.locator(f'#featured-tutors a[href="/tutors/{slug}"]').click()
    page.wait_for_url(path_is(f"/tutors/{slug}"), timeout=TIMEOUT)
    expect(page.locator("#tutor-page")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#tutor-name")).to_have_text(name)
    expect(page.locator("#tutor-prices")).to_contain_text("₹")
    expect(page.locator("#tutor-prices")).to_contain_text("60 min lesson")
    expect(page.locator("#tutor-local-time")).to_contain_text(re.compile(r"\d\d:\d\d"))

    count = counts[slug]
    assert count > 0, "the demo data should give some featured tutor reviews"
    expect(page.locator("#rating-distribution > div")).to_have_count(5)
    expect(page.locator("#reviews .review")).to_have_count(min(count, 10))
    if count > 10:
        first = page.locator("#reviews .review").first.inner_text()
        page.click("#reviews-next")
        expect(page.locator("#reviews-page")).to_contain_text("Page 2 of")
        expect(page.locator("#reviews-section").get_by_role("heading", name="Reviews")).to_be_in_viewport()
        expect(page.locator("#reviews .review")).to_have_count(min(count - 10, 10))
        assert page.locator("#reviews .review").first.inner_text() != first

    # Booking leads to the slot picker; there is no messaging, so no Message button (issue #14).
    expect(page.locator("#book-button")).to_have_attribute("href", f"/book/{slug}")
    expect(page.locator("#message-button")).to_have_count(0)

    # A signed-out visitor who taps the heart is asked to sign in first.
    page.click("#favorite-toggle")
    expect(page).to_have_url(path_is("/login", next_query(f"/tutors/{slug}")), timeout=TIMEOUT)


@pytest.mark.parametrize("slug", ["no-such-tutor", "00000000-0000-0000-0000-000000000000", "x" * 300])
def test_an_unknown_tutor_shows_a_friendly_not_found_state(page, slug):
    goto(page, f"/tutors/{slug}")
    expect(page.locator("#tutor-not-found")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Tutor not found")).to_be_visible()
    expect(page.locator("#tutor-not-found a[href='/tutors']")).to_be_visible()


def test_a_suspended_tutor_is_not_found(page, db):
    slug, tutor_id = query(db, "select slug, user_id from tutor_profiles where status = 'approved' order by slug desc limit 1")[0]
    query(db, "update tutor_profiles set status = 'suspended' where user_id = :t", t=tutor_id)
    try:
        goto(page, f"/tutors/{slug}")
        expect(page.locator("#tutor-not-found")).to_be_visible(timeout=TIMEOUT)
    finally:
        query(db, "update tutor_profiles set status = 'approved' where user_id = :t", t=tutor_id)


def test_the_bio_is_plain_text(page, db, reviewed_slug):
    old = query(db, "select bio from tutor_profiles where slug = :s", s=reviewed_slug)[0][0]
    query(db, "update tutor_profiles set bio = :b where slug = :s", b=XSS_BIO, s=reviewed_slug)
    try:
        _open_tutor(page, reviewed_slug)
        expect(page.locator("#tutor-bio")).to_contain_text("<script>window.__tcXss = 1</script>")
        expect(page.locator("#tutor-bio")).to_contain_text("<b>not bold</b>")
        expect(page.locator("#tutor-bio b")).to_have_count(0)
        settled(page)
        assert page.evaluate("window.__tcXss") is None
    finally:
        query(db, "update tutor_profiles set bio = :b where slug = :s", b=old, s=reviewed_slug)


def test_a_student_saves_a_tutor_sees_it_in_favorites_and_removes_it(new_context, demo_login, db, reviewed_slug, artifacts):
    query(db, "delete from favorites where student_id = (select id from users where email = :e)", e=STUDENT_EMAIL)
    page = new_context(storage_state=demo_login(STUDENT_EMAIL)).new_page()
    _open_tutor(page, reviewed_slug)
    name = page.locator("#tutor-name").inner_text()
    heart = page.locator("#favorite-toggle")
    expect(heart).to_have_text("Save")
    heart.click()
    expect(heart).to_have_text("Saved")
    saved = toast(page, "saved to your favorites")
    expect(saved).to_be_visible()
    saved.get_by_role("button", name="View favorites").click()
    page.wait_for_url(path_is("/favorites"), timeout=TIMEOUT)

    cards = page.locator("#favorites-list .favorite-card")
    expect(cards).to_have_count(1, timeout=TIMEOUT)
    expect(cards.first).to_contain_text(name)
    expect(cards.first.locator(f'a[href="/tutors/{reviewed_slug}"]')).to_be_visible()
    settled(page)
    page.screenshot(path=artifacts / "favorites-light.png", full_page=True)

    cards.first.locator(".favorite-remove").click()
    expect(page.locator("#favorites-empty")).to_be_visible()
    toast(page, "removed from your favorites").get_by_role("button", name="Undo").click()
    expect(cards).to_have_count(1)
    cards.first.locator(".favorite-remove").click()
    expect(page.locator("#favorites-empty")).to_be_visible()
    expect(page.locator("#favorites-empty a[href='/tutors']")).to_be_visible()
    page.screenshot(path=artifacts / "favorites-empty-light.png", full_page=True)

    # The heart remembers the choice across visits.
    _open_tutor(page, reviewed_slug)
    expect(page.locator("#favorite-toggle")).to_have_text("Save")
    assert query(db, "select count(*) from favorites f join users u on u.id = f.student_id where u.email = :e", e=STUDENT_EMAIL)[0][0] == 0


def test_tutors_do_not_see_the_heart_and_favorites_is_for_students(new_context, demo_login, page, reviewed_slug):
    tutor = new_context(storage_state=demo_login(TUTOR_EMAIL)).new_page()
    _open_tutor(tutor, reviewed_slug)
    expect(tutor.locator("#user-menu")).to_be_attached(timeout=TIMEOUT)
    expect(tutor.locator("#favorite-toggle")).to_have_count(0)
    goto(tutor, "/favorites")
    expect(tutor.locator("#favorites-list")).to_have_count(0)
    goto(page, "/favorites")
    expect(page).to_have_url(path_is("/login", next_query("/favorites")), timeout=TIMEOUT)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_tutor_page_screenshots(new_context, artifacts, reviewed_slug, mode):
    page = new_context(color_scheme=mode, viewport={"width": 1280, "height": 800}).new_page()
    _open_tutor(page, reviewed_slug)
    settled(page)
    page.screenshot(path=artifacts / f"tutor-page-{mode}.png", full_page=True)
    phone = new_context(color_scheme=mode, viewport={"width": 390, "height": 844}).new_page()
    _open_tutor(phone, reviewed_slug)
    settled(phone)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.screenshot(path=artifacts / f"tutor-page-phone-{mode}.png", full_page=True)
