"""The Google Calendar card on /account in Chromium, through the live app's Google emulator:
a tutor connects (Google's account chooser, consent with offline access) and lands back on
the card connected as the chosen account, with a toast; the refresh token is stored
encrypted and works at the emulator; a cancelled consent shows the error banner; the tutor
disconnects through the confirmation dialog and the token stops working at Google.
Students see no card. Screenshots light, dark and at phone width."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import STUDENT_EMAIL, TIMEOUT, TUTOR_EMAIL, goto, path_is, query, toast, settled
from tutorconnect.services.calendar_connections import _fernet_for

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LIVE_SECRET_KEY = "live-test-secret-key-" + "x" * 32  # tests/support/live_app.py
GOOGLE_ACCOUNT = "priya.sharma@gmail.com"


def _row(db):
    rows = query(db, "select c.google_email, c.refresh_token_enc from calendar_connections c "
                     "join users u on u.id = c.user_id where u.email = :e", e=TUTOR_EMAIL)
    return rows[0] if rows else None


def _refresh_works(live_app, token: str) -> bool:
    answer = httpx.post(f"{live_app.google_url}/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": token,
        "client_id": "tutorconnect-local.apps.googleusercontent.com", "client_secret": "local-google-secret"})
    return answer.status_code == 200


def _open(browser, live_app, demo_login, email=TUTOR_EMAIL, **kwargs):
    context = browser.new_context(base_url=live_app.base_url, storage_state=demo_login(email), **kwargs)
    page = context.new_page()
    goto(page, "/account")
    expect(page.locator("#feed-status")).to_be_visible(timeout=TIMEOUT)
    if email == TUTOR_EMAIL:
        expect(page.locator("#gcal-status")).to_be_visible(timeout=TIMEOUT)  # the card has loaded
    return context, page


def _shot(page, artifacts, name):
    settled(page)
    page.locator("#google-calendar-section").screenshot(path=str(artifacts / name))


def _disconnect_if_connected(page):
    if page.locator("#gcal-disconnect").count():
        page.click("#gcal-disconnect")
        expect(page.get_by_role("alertdialog")).to_be_visible(timeout=TIMEOUT)
        page.click("#gcal-confirm-disconnect")
        expect(page.locator("#gcal-status")).to_contain_text("Not connected", timeout=TIMEOUT)


def _through_google(page, live_app, *, cancel: bool = False):
    page.click("#gcal-connect")
    page.wait_for_url(f"{live_app.google_url}/o/oauth2/v2/auth?*", timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Choose an account")).to_be_visible(timeout=TIMEOUT)
    url = page.url
    assert "access_type=offline" in url and "prompt=consent" in url and "code_challenge_method=S256" in url
    page.click("#cancel" if cancel else "#account-" + GOOGLE_ACCOUNT.replace("@", "-").replace(".", "-"))
    page.wait_for_url(path_is("/account"), timeout=TIMEOUT)  # the result code is dropped from the address
    expect(page.locator("#hydrated")).to_be_attached(timeout=TIMEOUT)


def test_connect_through_google_then_disconnect(browser, live_app, demo_login, db, artifacts):
    context, page = _open(browser, live_app, demo_login, viewport=DESKTOP, color_scheme="light")
    try:
        card = page.locator("#google-calendar-section")
        expect(card).to_contain_text("Google Calendar")
        _disconnect_if_connected(page)
        expect(page.locator("#gcal-status")).to_contain_text("Not connected", timeout=TIMEOUT)
        _shot(page, artifacts, "account-google-calendar-none-light.png")

        _through_google(page, live_app)
        expect(toast(page, "Google Calendar connected")).to_be_visible(timeout=TIMEOUT)
        status = page.locator("#gcal-status")
        expect(status).to_contain_text(f"Connected as {GOOGLE_ACCOUNT} since", timeout=TIMEOUT)
        row = _row(db)
        assert row is not None and row.google_email == GOOGLE_ACCOUNT
        token = _fernet_for(LIVE_SECRET_KEY).decrypt(row.refresh_token_enc.encode()).decode()
        assert token not in row.refresh_token_enc and _refresh_works(live_app, token)
        _shot(page, artifacts, "account-google-calendar-connected-light.png")

        # a reload keeps showing the connection, without the toast again
        page.reload()
        expect(status).to_contain_text(f"Connected as {GOOGLE_ACCOUNT}", timeout=TIMEOUT)

        # disconnecting asks first; keeping it changes nothing
        page.click("#gcal-disconnect")
        dialog = page.get_by_role("alertdialog")
        expect(dialog).to_contain_text("Disconnect Google Calendar?", timeout=TIMEOUT)
        page.click("#gcal-keep")
        expect(dialog).to_be_hidden(timeout=TIMEOUT)
        assert _row(db) is not None
        page.click("#gcal-disconnect")
        expect(dialog).to_be_visible(timeout=TIMEOUT)
        page.keyboard.press("Escape")  # the keyboard closes it too
        expect(dialog).to_be_hidden(timeout=TIMEOUT)
        page.click("#gcal-disconnect")
        page.click("#gcal-confirm-disconnect")
        expect(toast(page, "Google Calendar disconnected")).to_be_visible(timeout=TIMEOUT)
        expect(status).to_contain_text("Not connected", timeout=TIMEOUT)
        assert _row(db) is None
        assert not _refresh_works(live_app, token)  # revoked at Google
    finally:
        context.close()


def test_a_cancelled_consent_shows_the_banner(browser, live_app, demo_login, db, artifacts):
    context, page = _open(browser, live_app, demo_login, viewport=DESKTOP, color_scheme="light")
    try:
        _disconnect_if_connected(page)
        _through_google(page, live_app, cancel=True)
        banner = page.locator("#gcal-banner")
        expect(banner).to_contain_text("request was cancelled on Google's page", timeout=TIMEOUT)
        expect(page.locator("#gcal-status")).to_contain_text("Not connected")
        assert _row(db) is None
        _shot(page, artifacts, "account-google-calendar-cancelled-light.png")
        page.click("#gcal-banner-dismiss")
        expect(banner).to_have_count(0, timeout=TIMEOUT)
    finally:
        context.close()


@pytest.mark.parametrize("mode,viewport", [("dark", DESKTOP), ("light", PHONE)], ids=["dark", "phone"])
def test_the_card_in_dark_mode_and_at_phone_width(browser, live_app, demo_login, db, artifacts, mode, viewport):
    context, page = _open(browser, live_app, demo_login, viewport=viewport, color_scheme=mode)
    try:
        _disconnect_if_connected(page)
        name = "dark" if mode == "dark" else "phone"
        _shot(page, artifacts, f"account-google-calendar-none-{name}.png")
        _through_google(page, live_app)
        expect(page.locator("#gcal-status")).to_contain_text(GOOGLE_ACCOUNT, timeout=TIMEOUT)
        _shot(page, artifacts, f"account-google-calendar-connected-{name}.png")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.click("#gcal-disconnect")
        expect(page.get_by_role("alertdialog")).to_be_visible(timeout=TIMEOUT)
        settled(page)
        page.screenshot(path=str(artifacts / f"account-google-calendar-dialog-{name}.png"))
        page.click("#gcal-confirm-disconnect")
        expect(page.locator("#gcal-status")).to_contain_text("Not connected", timeout=TIMEOUT)
    finally:
        context.close()


def test_students_see_no_google_calendar_card(browser, live_app, demo_login):
    context, page = _open(browser, live_app, demo_login, email=STUDENT_EMAIL, viewport=DESKTOP)
    try:
        expect(page.locator("#calendar-feed-section")).to_be_visible()
        expect(page.locator("#google-calendar-section")).to_have_count(0)
    finally:
        context.close()
