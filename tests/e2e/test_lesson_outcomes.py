"""#14 in Chromium: lesson outcomes on /bookings and /tutor/schedule.

- Upcoming shows active lessons only (awaiting payment, awaiting the tutor, confirmed);
  cancelled, expired and declined ones are under Past, and only active lessons offer
  "Add to calendar" (item 14).
- "Report no-show" appears only once the grace period after the start has passed, and the
  policy text says so (item 31).
- The tutor's cards say what they earn only where the lesson will or did pay them:
  "Cancelled — no earning", or what a late cancellation leaves them (item 32).

People and bookings are made fresh through the services; each page is photographed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests.e2e.helpers import TIMEOUT, goto, query, settled
from tests.e2e.test_bookings_pages import (
    _card,
    _signed_in,
    accept,
    as_,
    booking_row,
    future,
    make_booking,
    make_person,
)
from tutorconnect.services import bookings

pytestmark = pytest.mark.e2e


def _cancel(db, actor, booking_id, reason: str, *, now: datetime | None = None) -> None:
    with Session(db) as s:
        bookings.cancel(s, as_(actor), booking_id, reason, now=now)
        s.commit()


def _started(db, booking_id, minutes_ago: int) -> None:
    """The lesson started `minutes_ago` minutes ago and runs for an hour."""
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=minutes_ago)
    query(db, "update bookings set starts_at = :s, ends_at = :e, blocked_from = :s, blocked_until = :e where id = :id",
          s=start, e=start + timedelta(hours=1), id=booking_id)


def test_upcoming_shows_active_lessons_and_past_the_cancelled_and_expired(browser, live_app, db, artifacts):
    tutor, _ = make_person(db, "tutor", "Odile Fournier", "Europe/Paris")
    learner, email = make_person(db, "student", "Tanvi Desai")
    confirmed = make_booking(db, learner, tutor, future(3))
    accept(db, tutor, confirmed.id)
    waiting = make_booking(db, learner, tutor, future(4))  # paid, awaiting the tutor
    unpaid = make_booking(db, learner, tutor, future(5), paid=False)
    cancelled = make_booking(db, learner, tutor, future(6))
    accept(db, tutor, cancelled.id)
    _cancel(db, learner, cancelled.id, "My exam moved to that day.")
    expired = make_booking(db, learner, tutor, future(7), paid=False)
    query(db, "update bookings set status = 'expired', expires_at = now() where id = :id", id=expired.id)
    context, page = _signed_in(browser, live_app, email)
    try:
        goto(page, "/bookings")
        expect(page.locator(".booking-card")).to_have_count(3, timeout=TIMEOUT)
        for active in (confirmed, waiting, unpaid):
            card = _card(page, active.reference)
            expect(card).to_be_visible()
            expect(card.locator("a.booking-ics")).to_have_attribute("href", f"/api/bookings/{active.id}.ics")
        expect(_card(page, cancelled.reference)).to_have_count(0)
        expect(_card(page, expired.reference)).to_have_count(0)
        settled(page)
        page.screenshot(path=str(artifacts / "issue14-student-upcoming.png"), full_page=True)

        page.click("#tab-past")
        expect(page.locator(".booking-card")).to_have_count(2, timeout=TIMEOUT)
        gone = _card(page, cancelled.reference)
        expect(gone.locator(".booking-status")).to_have_text("Cancelled")
        expect(gone.locator(".booking-outcome")).to_have_text(
            "Cancelled by you: “My exam moved to that day.” · Your refund: ₹1,000")
        expect(_card(page, expired.reference).locator(".booking-status")).to_have_text("Expired (not paid)")
        expect(page.locator(".booking-ics")).to_have_count(0)  # no "Add to calendar" on either
        settled(page)
        page.screenshot(path=str(artifacts / "issue14-student-past.png"), full_page=True)
    finally:
        context.close()


def test_report_no_show_waits_for_the_grace_period_and_the_policy_says_so(browser, live_app, db, artifacts):
    tutor, _ = make_person(db, "tutor", "Bruno Keller", "Europe/Zurich")
    learner, email = make_person(db, "student", "Meher Kapoor")
    lesson = make_booking(db, learner, tutor, future(3))
    accept(db, tutor, lesson.id)
    _started(db, lesson.id, 1)
    ahead = make_booking(db, learner, tutor, future(5))
    accept(db, tutor, ahead.id)
    context, page = _signed_in(browser, live_app, email)
    try:
        goto(page, "/bookings")
        card = _card(page, lesson.reference)
        expect(card).to_be_visible(timeout=TIMEOUT)
        expect(card.locator(".booking-status")).to_have_text("Confirmed")
        expect(card.locator(".booking-cancel")).to_have_count(0)  # started: no cancel ...
        expect(card.locator(".booking-no-show")).to_have_count(0)  # ... and a minute in, no no-show yet
        settled(page)
        page.screenshot(path=str(artifacts / "issue14-no-show-too-early.png"), full_page=True)

        _started(db, lesson.id, 16)  # the same lesson, 16 minutes in
        goto(page, "/bookings")
        expect(card.locator(".booking-no-show")).to_be_visible(timeout=TIMEOUT)
        settled(page)
        page.screenshot(path=str(artifacts / "issue14-no-show-after-grace.png"), full_page=True)

        _card(page, ahead.reference).locator(".booking-cancel").click()
        expect(page.locator("#dialog-policy")).to_contain_text(
            "A no-show can be reported from 15 minutes after the start.", timeout=TIMEOUT)
        page.screenshot(path=str(artifacts / "issue14-policy-text.png"))
        page.click("#dialog-back")

        card.locator(".booking-no-show").click()
        page.locator(".booking-no-show-confirm").click()
        expect(card).to_have_count(0, timeout=TIMEOUT)  # an outcome now: under Past
        assert booking_row(db, lesson.id)[0] == "no_show_tutor"
        page.click("#tab-past")
        expect(card.locator(".booking-status")).to_have_text("Tutor did not attend", timeout=TIMEOUT)
    finally:
        context.close()


def test_the_tutor_sees_earnings_only_where_the_lesson_pays_them(browser, live_app, db, artifacts):
    tutor, email = make_person(db, "tutor", "Ines Duarte", "Europe/Lisbon")
    students = [make_person(db, "student", name)[0] for name in ("Kiran Bose", "Lea Roth", "Omar Haddad")]
    confirmed = make_booking(db, students[0], tutor, future(3))
    accept(db, tutor, confirmed.id)
    by_tutor = make_booking(db, students[1], tutor, future(4))
    accept(db, tutor, by_tutor.id)
    _cancel(db, tutor, by_tutor.id, "I have to travel that week.")  # the student gets everything back
    late_start = future(5)
    late = make_booking(db, students[2], tutor, late_start)
    accept(db, tutor, late.id)
    _cancel(db, students[2], late.id, "Something came up.", now=late_start - timedelta(hours=3))  # 50% back
    context, page = _signed_in(browser, live_app, email)
    try:
        goto(page, "/tutor/schedule?tab=upcoming")
        expect(_card(page, confirmed.reference).locator(".booking-price")).to_have_text(
            "₹1,000 · you earn ₹850", timeout=TIMEOUT)
        expect(_card(page, by_tutor.reference)).to_have_count(0)
        page.click("#tab-past")
        expect(_card(page, by_tutor.reference).locator(".booking-price")).to_have_text(
            "₹1,000 · Cancelled — no earning", timeout=TIMEOUT)
        expect(_card(page, late.reference).locator(".booking-price")).to_have_text(
            "₹1,000 · Cancelled late — you keep ₹425")
        assert not [t for t in page.locator(".booking-card .booking-price").all_inner_texts() if "you earn" in t]
        settled(page)
        page.screenshot(path=str(artifacts / "issue14-tutor-past-earnings.png"), full_page=True)
    finally:
        context.close()
