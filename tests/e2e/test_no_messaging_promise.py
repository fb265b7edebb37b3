"""No page promises messaging until it exists (issue #14, item 24): the home page does not
say tutors "talk with students" here, and a tutor's page has no Message button or
"messaging opens soon" dialog."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import TIMEOUT, goto, query, settled

pytestmark = pytest.mark.e2e

PROMISE = re.compile(r"messag|talk with|chat with", re.I)


def test_the_home_page_and_a_tutor_page_promise_no_messaging(page, db, artifacts):
    goto(page, "/")
    expect(page.locator("#featured-tutors")).to_be_visible(timeout=TIMEOUT)
    assert not PROMISE.search(page.locator("body").inner_text())

    slug = query(db, "select slug from tutor_profiles where status = 'approved' order by slug limit 1")[0][0]
    goto(page, f"/tutors/{slug}")
    expect(page.locator("#tutor-page")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#book-button")).to_be_visible()
    expect(page.locator("#message-button")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("message", re.I))).to_have_count(0)
    assert not PROMISE.search(page.locator("body").inner_text())
    settled(page)
    page.screenshot(path=str(artifacts / "tutor-page-no-message-button.png"))
