"""/notifications/settings in real Chromium: the grid of topics x channels, switched with
the keyboard, saved at once with a toast and kept after a reload; the locked account row;
the mobile number for text messages; and what a notification the person switched off
does (no email queued). Screenshots: light, dark, phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import STUDENT_EMAIL, TIMEOUT, TUTOR_EMAIL, goto, next_query, path_is, query, toast, settled

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _prefs(db, email: str) -> list[tuple]:
    return [tuple(r) for r in query(
        db, "SELECT p.event_type, p.channel, p.enabled FROM notification_preferences p JOIN users u ON u.id = p.user_id "
            "WHERE u.email = :e ORDER BY 1, 2", e=email)]


def _switch(page, topic: str, channel: str):
    return page.locator(f"button[role=switch][data-topic='{topic}'][data-channel='{channel}']")


def _open(browser, live_app, demo_login, email, **kwargs):
    context = browser.new_context(base_url=live_app.base_url, storage_state=demo_login(email), **kwargs)
    page = context.new_page()
    goto(page, "/notifications")
    page.locator("#notification-settings-link").click()
    expect(page.locator("#prefs-grid")).to_be_visible(timeout=TIMEOUT)
    return context, page


def test_a_student_switches_an_email_off_and_on_with_the_keyboard(browser, live_app, demo_login, db, artifacts):
    context, page = _open(browser, live_app, demo_login, STUDENT_EMAIL, viewport=DESKTOP)
    try:
        grid = page.locator("#prefs-grid")
        expect(grid).to_contain_text("Lesson reminders")
        expect(grid).to_contain_text("Refunds")
        expect(grid).not_to_contain_text("Profile review")  # a tutor's topic
        # the account row is locked: email always on, no switch to change it
        account = page.locator("tr[data-topic='account.security']")
        expect(account).to_contain_text("Always on")
        expect(account.locator("button[role=switch]")).to_have_count(0)
        expect(account.get_by_role("img", name="Account and security: Email, always on")).to_be_visible()
        page.screenshot(path=str(artifacts / "notification-settings-light.png"), full_page=True)

        email = _switch(page, "booking.reminder", "email")
        expect(email).to_have_attribute("aria-checked", "true")
        expect(email).to_have_attribute("aria-label", "Lesson reminders: Email")
        email.focus()
        page.keyboard.press("Space")
        expect(toast(page, "Saved: Lesson reminders, email off.")).to_be_visible(timeout=TIMEOUT)
        expect(email).to_have_attribute("aria-checked", "false")
        assert ("booking.reminder", "email", False) in _prefs(db, STUDENT_EMAIL)

        page.reload()
        expect(page.locator("#prefs-grid")).to_be_visible(timeout=TIMEOUT)
        expect(_switch(page, "booking.reminder", "email")).to_have_attribute("aria-checked", "false")
        # Tab moves between switches; Enter flips it back on (the default: nothing stored)
        _switch(page, "booking.reminder", "in_app").focus()
        page.keyboard.press("Tab")
        expect(_switch(page, "booking.reminder", "email")).to_be_focused()
        page.keyboard.press("Enter")
        expect(toast(page, "Saved: Lesson reminders, email on.")).to_be_visible(timeout=TIMEOUT)
        expect(_switch(page, "booking.reminder", "email")).to_have_attribute("aria-checked", "true")
        assert ("booking.reminder", "email", False) not in _prefs(db, STUDENT_EMAIL)

        page.emulate_media(color_scheme="dark")
        page.evaluate("document.documentElement.classList.add('dark')")
        page.screenshot(path=str(artifacts / "notification-settings-dark.png"), full_page=True)
    finally:
        context.close()


def test_text_messages_need_a_mobile_number(browser, live_app, demo_login, db, artifacts):
    context, page = _open(browser, live_app, demo_login, TUTOR_EMAIL, viewport=DESKTOP)
    try:
        expect(page.locator("#prefs-grid")).to_contain_text("Profile review")
        sms = _switch(page, "booking.reminder", "sms")
        expect(sms).to_be_disabled()  # no number yet
        page.fill("#phone", "12345")
        page.locator("#save-phone").click()
        expect(toast(page, "country code")).to_be_visible(timeout=TIMEOUT)
        page.fill("#phone", "+91 98765 43210")
        page.locator("#save-phone").click()
        expect(toast(page, "Mobile number saved")).to_be_visible(timeout=TIMEOUT)
        expect(sms).to_be_enabled(timeout=TIMEOUT)
        sms.click()
        expect(toast(page, "Saved: Lesson reminders, text message on.")).to_be_visible(timeout=TIMEOUT)
        assert ("booking.reminder", "sms", True) in _prefs(db, TUTOR_EMAIL)
        assert query(db, "SELECT phone_e164 FROM users WHERE email = :e", e=TUTOR_EMAIL)[0][0] == "+919876543210"
        page.locator("#remove-phone").click()
        expect(toast(page, "Mobile number removed")).to_be_visible(timeout=TIMEOUT)
        expect(sms).to_have_attribute("aria-checked", "false")
        assert [p for p in _prefs(db, TUTOR_EMAIL) if p[1] == "sms"] == []
    finally:
        context.close()


def test_phone_width(browser, live_app, demo_login, artifacts):
    context, page = _open(browser, live_app, demo_login, STUDENT_EMAIL, viewport=PHONE)
    try:
        settled(page)
        page.screenshot(path=str(artifacts / "notification-settings-phone.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
        box = _switch(page, "booking.cancelled", "email").bounding_box()
        assert box and box["x"] + box["width"] <= PHONE["width"]
    finally:
        context.close()


def test_signed_out_is_sent_to_sign_in(page):
    goto(page, "/notifications/settings")
    expect(page).to_have_url(path_is("/login", next_query("/notifications/settings")), timeout=TIMEOUT)
