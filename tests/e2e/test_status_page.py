"""The footer's "Status" link opens a page a person can read (issue #14, item 21): the
database, Redis and the background worker in plain words, from the checks /ready uses."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import TIMEOUT, goto, path_is, settled

pytestmark = pytest.mark.e2e


def test_the_footer_status_link_opens_a_status_page_in_plain_words(page, artifacts):
    goto(page, "/")
    link = page.locator("footer").get_by_role("link", name="Status")
    expect(link).to_have_attribute("href", "/status")
    link.click()
    page.wait_for_url(path_is("/status"), timeout=TIMEOUT)  # the same tab, not raw JSON in a new one
    expect(page.get_by_role("heading", name="TutorConnect status")).to_be_visible()
    expect(page.locator("#status-summary")).to_have_text("All systems are working.")
    expect(page.locator("#status-database")).to_contain_text("Working")
    expect(page.locator("#status-redis")).to_contain_text("Working")  # the live app runs with Redis
    expect(page.locator("#status-worker")).to_contain_text("Working")
    text = page.locator("body").inner_text()
    assert "{" not in text and '"ok"' not in text and "revision" not in text
    settled(page)
    page.screenshot(path=str(artifacts / "status-page.png"), full_page=True)
    page.get_by_role("link", name="Back to TutorConnect").click()
    page.wait_for_url(path_is("/"), timeout=TIMEOUT)
