"""Reviews in the browser: a tutor replies once from /tutor/reviews; an admin hides a
review from the tutor's public page (reason required, audited) and undoes it."""

from __future__ import annotations


import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import query, ADMIN_EMAIL, TIMEOUT, TUTOR_EMAIL, goto, toast

pytestmark = pytest.mark.e2e


def test_a_tutor_replies_once_to_a_review(browser, live_app, demo_login, db, artifacts):
    tutor_id = query(db, "select id from users where email = :e", e=TUTOR_EMAIL)[0][0]
    unanswered = query(db, "select count(*) from reviews where tutor_id = :t and reply_body is null and hidden_at is null",
                       t=tutor_id)[0][0]
    assert unanswered > 0, "the demo tutor needs a review without a reply"
    context = browser.new_context(base_url=live_app.base_url, storage_state=demo_login(TUTOR_EMAIL))
    page = context.new_page()
    try:
        goto(page, "/tutor/reviews")
        expect(page.locator(".tutor-review").first).to_be_visible(timeout=TIMEOUT)
        page.locator(".reply-open").first.click()
        page.click("#reply-send")  # empty: refused with a message, nothing stored
        expect(page.locator("#reply-error")).to_contain_text("Enter the reply", timeout=TIMEOUT)
        page.fill("#reply-text", "Thank you! Keep practising the mixed problems.")
        # The text reaches the server debounced (Reflex's DebounceInput), and its arrival
        # clears the error above the button, moving it. Wait for that before clicking: a
        # click during the move missed the button (shuffled clean-clone run 46).
        expect(page.locator("#reply-error")).to_have_count(0, timeout=TIMEOUT)
        page.click("#reply-send")
        expect(toast(page, "Your reply is published")).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_text("Thank you! Keep practising the mixed problems.")).to_be_visible()
        page.screenshot(path=str(artifacts / "tutor-reviews-desktop.png"), full_page=True)
        after = query(db, "select count(*) from reviews where tutor_id = :t and reply_body is null and hidden_at is null",
                      t=tutor_id)[0][0]
        assert after == unanswered - 1
        assert query(db, "select count(*) from reviews where reply_body = 'Thank you! Keep practising the mixed problems.'")[0][0] == 1
    finally:
        context.close()


def test_an_admin_hides_a_review_with_a_reason_and_can_undo(browser, live_app, demo_login, db):
    slug, tutor_id, count = query(db, """
        select p.slug, p.user_id, p.rating_count from tutor_profiles p
        where p.status = 'approved' and p.rating_count >= 2 order by p.rating_count, p.slug limit 1""")[0]
    context = browser.new_context(base_url=live_app.base_url, storage_state=demo_login(ADMIN_EMAIL))
    page = context.new_page()
    try:
        goto(page, f"/tutors/{slug}")
        expect(page.locator(".review").first).to_be_visible(timeout=TIMEOUT)
        page.locator(".review-hide").first.click()
        page.fill("#hide-reason", "no")
        page.click("#hide-confirm")
        expect(page.locator("#hide-error")).to_contain_text("at least 5", timeout=TIMEOUT)
        assert query(db, "select rating_count from tutor_profiles where user_id = :t", t=tutor_id)[0][0] == count
        page.fill("#hide-reason", "Contains a phone number")
        page.click("#hide-confirm")
        hidden = toast(page, "The review is hidden")
        expect(hidden).to_be_visible(timeout=TIMEOUT)
        assert query(db, "select rating_count from tutor_profiles where user_id = :t", t=tutor_id)[0][0] == count - 1
        assert query(db, "select count(*) from audit_log where action = 'review.hidden'")[0][0] >= 1
        hidden.get_by_role("button", name="Undo").click()
        expect(toast(page, "The review is visible again")).to_be_visible(timeout=TIMEOUT)
        assert query(db, "select rating_count from tutor_profiles where user_id = :t", t=tutor_id)[0][0] == count
    finally:
        context.close()


def test_students_and_visitors_see_no_hide_button(browser, live_app, db):
    slug = query(db, "select slug from tutor_profiles where status = 'approved' and rating_count > 0 order by slug limit 1")[0][0]
    context = browser.new_context(base_url=live_app.base_url)
    page = context.new_page()
    try:
        goto(page, f"/tutors/{slug}")
        expect(page.locator(".review").first).to_be_visible(timeout=TIMEOUT)
        expect(page.locator(".review-hide")).to_have_count(0)
    finally:
        context.close()
