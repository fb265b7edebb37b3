"""Meeting links in Chromium on the live app (Redis, a real Celery worker, the Google
emulator started by `python -m emulators`): a tutor connected to Google
Calendar accepts a paid request while the student's bookings page is open; the worker
makes the Calendar event with a Meet link and the student's card shows "Join lesson"
without a reload. A tutor without Google gets a fallback room. The link is on the student's
/pay confirmation and the tutor's schedule; pages photographed (light, dark, 390px)."""

from __future__ import annotations

import time
import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import TIMEOUT, goto, query
from tests.e2e.test_bookings_pages import (
    _card,
    _shots,
    _signed_in,
    accept,
    future,
    make_booking,
    make_person,
)

pytestmark = pytest.mark.e2e
LIVE_SECRET_KEY = "live-test-secret-key-" + "x" * 32  # tests/support/live_app.py


def _connect_google(db, live_app, tutor_id, email: str) -> None:
    """A Calendar connection as the connect flow stores it: a real grant from the live
    app's Google emulator, encrypted under the live app's SECRET_KEY."""
    from tutorconnect.services.calendar_connections import _fernet_for

    answer = httpx.post(f"{live_app.google_url}/_emulator/calendar/grant", json={"email": email}, timeout=5)
    assert answer.status_code == 201, answer.text
    enc = _fernet_for(LIVE_SECRET_KEY).encrypt(answer.json()["refresh_token"].encode()).decode()
    query(db, "INSERT INTO calendar_connections (user_id, google_email, scopes, refresh_token_enc) "
              "VALUES (:u, :e, :s, :t)", u=tutor_id, e=email,
          s="openid https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.freebusy",
          t=enc)


def _meeting(db, booking_id, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = query(db, "SELECT provider, status, join_url FROM meetings WHERE booking_id = :b", b=booking_id)
        if rows and rows[0].status == "ready":
            return dict(rows[0]._mapping)
        time.sleep(0.2)
    raise AssertionError(f"no ready meeting for {booking_id} after {timeout}s")


def test_join_links_reach_the_pages(browser, live_app, db, artifacts):
    google_tutor, _ = make_person(db, "tutor", "Meera Iyer")
    room_tutor, room_tutor_email = make_person(db, "tutor", "Ravi Menon")
    learner, learner_email = make_person(db, "student", "Kabir Shah")
    mail = f"meera.{google_tutor.hex[:8]}@gmail.com"
    _connect_google(db, live_app, google_tutor, mail)
    with_google = make_booking(db, learner, google_tutor, future(4, 9))
    with_room = make_booking(db, learner, room_tutor, future(5, 11))

    context, page = _signed_in(browser, live_app, learner_email)
    try:
        goto(page, "/bookings")
        card = _card(page, with_google.reference)
        expect(card).to_be_visible(timeout=TIMEOUT)
        expect(card.locator(".booking-join")).to_have_count(0)  # awaiting the tutor: no link yet

        accept(db, google_tutor, with_google.id)  # -> confirmed -> outbox -> worker -> Google
        accept(db, room_tutor, with_room.id)
        google_meeting = _meeting(db, with_google.id)
        room_meeting = _meeting(db, with_room.id)
        assert google_meeting["provider"] == "google" and google_meeting["join_url"].startswith("https://meet.google.com/")
        assert room_meeting["provider"] == "fallback"
        assert room_meeting["join_url"].startswith("https://meet.jit.si/TutorConnect-")
        events = httpx.get(f"{live_app.google_url}/_emulator/calendar/events", params={"email": mail}, timeout=5).json()
        assert [e["hangoutLink"] for e in events] == [google_meeting["join_url"]]

        # The open page updates by itself (live updates) and shows the link on both cards.
        join = card.locator(".booking-join")
        expect(join).to_have_attribute("href", google_meeting["join_url"], timeout=TIMEOUT)
        expect(join).to_have_attribute("target", "_blank")
        expect(join).to_have_attribute("rel", "noopener noreferrer")
        expect(_card(page, with_room.reference).locator(".booking-join")).to_have_attribute(
            "href", room_meeting["join_url"], timeout=TIMEOUT)
        join.locator("button").focus()
        _shots(page, artifacts, "meeting-links-student-bookings", "/bookings")

        # The /pay confirmation of the same booking.
        page.set_viewport_size({"width": 1280, "height": 900})
        goto(page, f"/pay/{with_google.reference}")
        expect(page.locator("#payment-confirmed")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#confirmation-join")).to_have_attribute("href", google_meeting["join_url"])
        expect(page.locator("#confirmation-join-pending")).to_have_count(0)
        page.screenshot(path=str(artifacts / "meeting-links-pay-confirmation.png"), full_page=True)
    finally:
        context.close()

    # The tutor without Google sees the room link on their schedule.
    context, page = _signed_in(browser, live_app, room_tutor_email)
    try:
        goto(page, "/tutor/schedule")
        expect(_card(page, with_room.reference).locator(".booking-join")).to_have_attribute(
            "href", room_meeting["join_url"], timeout=TIMEOUT)
        page.screenshot(path=str(artifacts / "meeting-links-tutor-schedule.png"), full_page=True)
    finally:
        context.close()
