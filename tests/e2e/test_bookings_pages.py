"""The bookings pages in Chromium. A student cancels a paid lesson (the refund is shown
before confirming, a reason is required) and reschedules another to a free slot; a tutor
accepts one request and declines another with a reason. Every person and booking here is
made fresh through the services (the demo data is shared with other tests), and each page
is photographed: desktop light and dark, and 390px wide."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests.e2e.helpers import TIMEOUT, goto, query, session_cookie_for, toast, settled
from tutorconnect.models import TutorProfile, User
from tutorconnect.models.scheduling import AvailabilityRule, TutorSchedule
from tutorconnect.services import bookings
from tutorconnect.services.context import RequestContext
from tutorconnect.services.passwords import hash_password

pytestmark = pytest.mark.e2e
PASSWORD = "demo-password-1"
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}


# -- builders (also used by test_security_bookings_pages.py) -------------------------------------
def as_(user_id) -> RequestContext:
    return RequestContext(ip="10.4.5.6", user_agent="pytest-e2e", request_id="e2e", actor_user_id=user_id)


_HASH: dict[str, str] = {}


def make_person(db, role: str, name: str, zone: str = "Asia/Kolkata") -> tuple[uuid.UUID, str]:
    """A verified account (password PASSWORD); tutors get an approved, bookable profile
    (available around the clock, no notice, INR 1,000 an hour, 30/60 minutes)."""
    if "h" not in _HASH:
        _HASH["h"] = hash_password(PASSWORD)
    uid = uuid.uuid4()
    email = f"bk-{role}-{uid.hex[:10]}@example.org"
    with Session(db) as s:
        s.add(User(id=uid, email=email, full_name=name, role=role, time_zone=zone, password_hash=_HASH["h"],
                   email_verified_at=datetime.now(timezone.utc)))
        s.commit()
    if role == "tutor":
        with Session(db) as s:
            s.add(TutorProfile(user_id=uid, slug=f"zz-bookings-{uid.hex[:12]}", headline="Bookings test tutor",
                               hourly_rate_minor=1000_00, status="approved", lesson_lengths=[30, 60],
                               requires_confirmation=True, photo_path="/avatars/priya-sharma.svg"))
            s.flush()
            s.add(TutorSchedule(tutor_id=uid, buffer_before_minutes=0, buffer_after_minutes=0, min_notice_minutes=0,
                                horizon_days=60))
            for weekday in range(7):
                s.add(AvailabilityRule(tutor_id=uid, weekday=weekday, start_minute=0, end_minute=1440))
            s.commit()
    return uid, email


def future(days: int, hour: int = 10) -> datetime:
    base = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days, hours=hour)


def make_booking(db, student_id, tutor_id, starts_at, *, paid: bool = True, length: int = 60):
    """A booking as the picker makes it; paid -> awaiting_tutor (the tutors here confirm by hand)."""
    with Session(db) as s:
        view = bookings.create_booking(s, as_(student_id), student_id, tutor_id, starts_at, length)
        s.commit()
    if paid:
        with Session(db) as s:
            view = bookings.mark_paid(s, view.id)
            s.commit()
    return view


def accept(db, tutor_id, booking_id):
    with Session(db) as s:
        bookings.accept(s, as_(tutor_id), booking_id)
        s.commit()


def booking_row(db, booking_id):
    return query(db, "select status, starts_at, reschedule_count, refund_minor, cancel_reason, cancelled_by "
                     "from bookings where id = :id", id=booking_id)[0]


# -- the browser -------------------------------------------------------------------------------------
def _signed_in(browser, live_app, email, **context_args):
    """A browser context signed in as `email`, on its dashboard. The session comes from the
    sign-in handler and /api/auth/session as the login form gets it (the form itself is
    tested in test_account_flows), each from a loopback address of its own."""
    context = browser.new_context(base_url=live_app.base_url, viewport=DESKTOP, **context_args)
    context.add_cookies([session_cookie_for(live_app, email)])
    page = context.new_page()
    goto(page, "/dashboard")
    return context, page


def _card(page, reference):
    return page.locator(f'.booking-card[data-reference="{reference}"]')


def _shots(page, artifacts, name, url, ready=".booking-card"):
    """Desktop light (as shown), desktop dark and 390px wide; nothing may scroll sideways."""
    settled(page)
    page.screenshot(path=str(artifacts / f"{name}-desktop-light.png"), full_page=True)
    page.emulate_media(color_scheme="dark")
    goto(page, url)
    expect(page.locator(ready).first).to_be_visible(timeout=TIMEOUT)
    assert page.evaluate("document.documentElement.classList.contains('dark')")
    settled(page)
    page.screenshot(path=str(artifacts / f"{name}-desktop-dark.png"), full_page=True)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(MOBILE)
    goto(page, url)
    expect(page.locator(ready).first).to_be_visible(timeout=TIMEOUT)
    settled(page)
    page.screenshot(path=str(artifacts / f"{name}-mobile.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"the page scrolls sideways at 390px: {width}px"
    page.set_viewport_size(DESKTOP)
    goto(page, url)
    expect(page.locator(ready).first).to_be_visible(timeout=TIMEOUT)


def test_a_student_cancels_seeing_the_refund_first_and_reschedules(browser, live_app, db, artifacts):
    tutor, _ = make_person(db, "tutor", "Helga Brandt", "Europe/Berlin")
    learner, email = make_person(db, "student", "Rohan Mehta")
    to_cancel = make_booking(db, learner, tutor, future(5))
    accept(db, tutor, to_cancel.id)
    to_move = make_booking(db, learner, tutor, future(6, 12))
    unpaid = make_booking(db, learner, tutor, future(7, 9), paid=False)
    context, page = _signed_in(browser, live_app, email)
    try:
        goto(page, "/bookings")
        expect(page.locator(".booking-card")).to_have_count(3, timeout=TIMEOUT)
        card = _card(page, to_cancel.reference)
        expect(card.locator(".booking-status")).to_have_text("Confirmed")
        expect(card).to_contain_text("Helga Brandt")
        expect(card.locator(".booking-when")).to_contain_text("IST")
        expect(card.locator(".booking-other-time")).to_contain_text("Europe/Berlin")
        expect(card.locator(".booking-price")).to_contain_text("₹1,000")
        expect(card.locator(".booking-ics a, a.booking-ics")).to_have_attribute("href", f"/api/bookings/{to_cancel.id}.ics")
        expect(_card(page, unpaid.reference).locator(".booking-status")).to_have_text(
            re.compile(r"^Awaiting payment · expires \d\d:\d\d IST$"))
        expect(_card(page, to_move.reference).locator(".booking-status-note")).to_contain_text("The tutor confirms by")
        _shots(page, artifacts, "student-bookings", "/bookings")

        # Cancel: the refund and the policy are shown before anything happens.
        card.locator(".booking-cancel").click()
        expect(page.locator("#dialog-refund")).to_have_text("You get back ₹1,000 of ₹1,000.", timeout=TIMEOUT)
        expect(page.locator("#dialog-policy")).to_contain_text("24 h or more before: full refund")
        page.screenshot(path=str(artifacts / "student-bookings-cancel-dialog.png"))
        page.click("#dialog-confirm")  # no reason: refused, nothing changes
        expect(page.locator("#dialog-error")).to_contain_text("Please give a reason", timeout=TIMEOUT)
        assert booking_row(db, to_cancel.id)[0] == "confirmed"
        page.fill("#reason", "My exam was moved to that day.")
        page.click("#dialog-confirm")
        expect(toast(page, f"Booking {to_cancel.reference} cancelled. Refund: ₹1,000.")).to_be_visible(timeout=TIMEOUT)
        status, _, _, refund, reason, by = booking_row(db, to_cancel.id)
        assert (status, refund, reason, by) == ("cancelled", 1000_00, "My exam was moved to that day.", "student")
        expect(card).to_have_count(0, timeout=TIMEOUT)  # no longer upcoming: under Past (#14)

        # Reschedule to the first free time the dialog offers.
        before = booking_row(db, to_move.id)
        _card(page, to_move.reference).locator(".booking-reschedule").click()
        expect(page.locator("#reschedule-dialog")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#reschedule-dialog")).to_contain_text("2 more times")
        expect(page.locator(".move-slot").first).to_be_visible(timeout=TIMEOUT)
        week = page.locator("#move-week").inner_text()
        page.click("#move-next")  # a time next week, not minutes from now
        expect(page.locator("#move-week")).not_to_have_text(week, timeout=TIMEOUT)
        slot = page.locator(".move-slot").first
        expect(slot).to_be_visible(timeout=TIMEOUT)
        page.screenshot(path=str(artifacts / "student-bookings-reschedule-dialog.png"))
        page.set_viewport_size(MOBILE)
        page.screenshot(path=str(artifacts / "student-bookings-reschedule-dialog-mobile.png"))
        page.set_viewport_size(DESKTOP)
        new_start = datetime.fromisoformat(slot.get_attribute("data-start"))
        slot.click()
        expect(toast(page, f"Booking {to_move.reference} moved to")).to_be_visible(timeout=TIMEOUT)
        status, starts_at, count, *_ = booking_row(db, to_move.id)
        assert (status, starts_at, count) == (before[0], new_start, 1) and starts_at != before[1]
        expect(_card(page, to_move.reference).locator(".booking-left")).to_have_text("1 reschedule left")
        _card(page, to_move.reference).locator(".booking-history-toggle").click()
        history = _card(page, to_move.reference).locator(".booking-history")
        expect(history).to_contain_text("You booked the lesson", timeout=TIMEOUT)
        expect(history).to_contain_text("Payment received; waiting for the tutor to confirm")
        expect(history).to_contain_text("You moved it to")
        page.screenshot(path=str(artifacts / "student-bookings-history.png"), full_page=True)

        page.click("#tab-past")
        expect(card.locator(".booking-outcome")).to_have_text(
            "Cancelled by you: “My exam was moved to that day.” · Your refund: ₹1,000", timeout=TIMEOUT)
        expect(card.locator(".booking-ics")).to_have_count(0)  # nothing to add to a calendar
    finally:
        context.close()


def test_an_empty_list_offers_to_find_a_tutor(browser, live_app, db):
    _, email = make_person(db, "student", "Nisha Verma")
    context, page = _signed_in(browser, live_app, email)
    try:
        goto(page, "/bookings")
        empty = page.locator("#bookings-empty")
        expect(empty).to_be_visible(timeout=TIMEOUT)
        expect(empty.get_by_role("link")).to_have_attribute("href", "/tutors")
    finally:
        context.close()


def test_a_tutor_accepts_one_request_and_declines_another(browser, live_app, db, artifacts):
    tutor, email = make_person(db, "tutor", "Farah Khan", "Europe/Berlin")
    first_student, _ = make_person(db, "student", "Ishaan Gupta")
    second_student, _ = make_person(db, "student", "Zoya Ali", "America/New_York")
    yes = make_booking(db, first_student, tutor, future(3))
    no = make_booking(db, second_student, tutor, future(4))
    context, page = _signed_in(browser, live_app, email)
    try:
        goto(page, "/tutor/schedule?tab=requests")
        expect(page.locator(".tab-requests-count").first).to_have_text("2", timeout=TIMEOUT)
        expect(page.locator(".booking-card")).to_have_count(2, timeout=TIMEOUT)
        expect(page.locator(".booking-card").first).to_have_attribute("data-reference", yes.reference)  # soonest first
        expect(page.locator("#tutor-cancellations")).to_have_text("0")
        expect(_card(page, no.reference).locator(".booking-other-time")).to_contain_text("America/New_York")
        expect(_card(page, no.reference).locator(".booking-status-note")).to_contain_text("Respond by")
        expect(_card(page, no.reference).locator(".booking-price")).to_contain_text("you earn ₹850")
        _shots(page, artifacts, "tutor-schedule", "/tutor/schedule?tab=requests")

        _card(page, yes.reference).locator(".booking-accept").click()
        expect(toast(page, f"Booking {yes.reference} accepted")).to_be_visible(timeout=TIMEOUT)
        assert booking_row(db, yes.id)[0] == "confirmed"
        expect(page.locator(".tab-requests-count").first).to_have_text("1", timeout=TIMEOUT)

        _card(page, no.reference).locator(".booking-decline").click()
        expect(page.locator("#dialog-refund")).to_have_text("The student gets a full refund: ₹1,000.", timeout=TIMEOUT)
        page.fill("#reason", "I am away at a conference that week.")
        page.click("#dialog-confirm")
        expect(toast(page, f"Booking {no.reference} declined")).to_be_visible(timeout=TIMEOUT)
        status, _, _, refund, reason, by = booking_row(db, no.id)
        assert (status, refund, reason, by) == ("declined", 1000_00, "I am away at a conference that week.", "tutor")
        expect(page.locator("#schedule-empty-requests")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator(".tab-requests-count")).to_have_count(0)

        page.click("#tab-upcoming")
        expect(_card(page, yes.reference).locator(".booking-status")).to_have_text("Confirmed", timeout=TIMEOUT)
        expect(_card(page, no.reference)).to_have_count(0)  # declined: under Past (#14)
        page.screenshot(path=str(artifacts / "tutor-schedule-upcoming-desktop-light.png"), full_page=True)
        page.click("#tab-past")
        expect(_card(page, no.reference).locator(".booking-outcome")).to_have_text(
            "Declined by you: “I am away at a conference that week.” · Refund to the student: ₹1,000",
            timeout=TIMEOUT)
        expect(_card(page, no.reference).locator(".booking-price")).to_have_text("₹1,000 · Declined — no earning")
    finally:
        context.close()


def _into_the_past(db, booking_id, hours_ago: float, status: str | None = None) -> None:
    start = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=hours_ago)
    query(db, "update bookings set starts_at = :s, ends_at = :e, blocked_from = :s, blocked_until = :e"
              + (", status = :status" if status else "") + " where id = :id",
          s=start, e=start + timedelta(hours=1), id=booking_id, **({"status": status} if status else {}))


def test_a_student_reviews_a_completed_lesson_and_reports_a_tutor_no_show(browser, live_app, db, artifacts):
    tutor, _ = make_person(db, "tutor", "Lena Vogel", "Europe/Berlin")
    learner, email = make_person(db, "student", "Aditi Rao")
    done = make_booking(db, learner, tutor, future(8))
    _into_the_past(db, done.id, 72, "completed")
    missed = make_booking(db, learner, tutor, future(9))
    accept(db, tutor, missed.id)
    _into_the_past(db, missed.id, 0.3)  # started 18 min ago (past the no-show grace), still running
    context, page = _signed_in(browser, live_app, email)
    try:
        goto(page, "/bookings")
        card = _card(page, missed.reference)
        expect(card.locator(".booking-no-show")).to_be_visible(timeout=TIMEOUT)
        expect(card.locator(".booking-cancel")).to_have_count(0)  # started: no cancel, no reschedule
        expect(card.locator(".booking-reschedule")).to_have_count(0)
        card.locator(".booking-no-show").click()
        page.locator(".booking-no-show-confirm").click()
        expect(toast(page, "reported that the tutor did not attend")).to_be_visible(timeout=TIMEOUT)
        assert booking_row(db, missed.id)[0] == "no_show_tutor"
        expect(card).to_have_count(0, timeout=TIMEOUT)  # an outcome now: under Past (#14)

        page.click("#tab-past")
        expect(_card(page, missed.reference).locator(".booking-outcome")).to_have_text("Your refund: ₹1,000",
                                                                                       timeout=TIMEOUT)
        card = _card(page, done.reference)
        expect(card.locator(".booking-status")).to_have_text("Completed", timeout=TIMEOUT)
        card.locator(".booking-review").click()
        expect(page.locator("#review-dialog")).to_be_visible(timeout=TIMEOUT)
        page.click("#review-submit")  # no stars yet
        expect(page.locator("#review-error")).to_have_text("Choose from 1 to 5 stars.", timeout=TIMEOUT)
        page.click("#star-4")
        page.fill("#body", "Clear explanations and good exercises.")
        page.screenshot(path=str(artifacts / "student-bookings-review-dialog.png"))
        page.click("#review-submit")
        expect(toast(page, "Your review is published")).to_be_visible(timeout=TIMEOUT)
        expect(card.locator(".booking-reviewed")).to_be_visible(timeout=TIMEOUT)
        expect(card.locator(".booking-review")).to_have_count(0)
        assert query(db, "select rating, body from reviews where booking_id = :b", b=done.id) == [
            (4, "Clear explanations and good exercises.")]
        page.screenshot(path=str(artifacts / "student-bookings-past-desktop-light.png"), full_page=True)
    finally:
        context.close()
