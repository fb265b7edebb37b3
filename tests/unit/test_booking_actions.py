"""What a person may do next with a booking (services/bookings/actions.py): the rule's
table of cases lives here, at its own level; the cards only show these flags
(tests/integration/test_booking_lists.py) and the commands refuse the same cases
(tests/integration/test_bookings_service.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tutorconnect.services import bookings

START = datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc)
BEFORE = START - timedelta(days=1)
AT_START = START  # a lesson has started at its start time
AFTER = START + timedelta(minutes=30)
GRACE = timedelta(minutes=15)  # NO_SHOW_GRACE_MINUTES' default


def acts(role, status, now, *, count=0, limit=2, expires_at=None, reviewed=False):
    return bookings.actions_for(role=role, status=status, starts_at=START, now=now, reschedule_count=count,
                                reschedule_limit=limit, expires_at=expires_at, reviewed=reviewed)


def on(a: bookings.Actions) -> set[str]:
    return {name for name in ("cancel", "reschedule", "respond", "no_show", "review", "pay") if getattr(a, name)}


@pytest.mark.parametrize(("role", "status", "now", "expected"), [
    # before the start: the parties may cancel and reschedule an active booking
    ("student", "confirmed", BEFORE, {"cancel", "reschedule"}),
    ("tutor", "confirmed", BEFORE, {"cancel", "reschedule"}),
    ("student", "awaiting_tutor", BEFORE, {"cancel", "reschedule"}),
    # a tutor answers a request (accept/decline), never cancels it
    ("tutor", "awaiting_tutor", BEFORE, {"respond", "reschedule"}),
    ("student", "pending_payment", BEFORE, {"cancel", "reschedule", "pay"}),
    ("tutor", "pending_payment", BEFORE, {"cancel", "reschedule"}),
    # from the start time on: no cancel or move by the parties; a no-show can be reported
    # once the grace period after the start has passed (#14 item 31)
    ("student", "confirmed", AT_START, set()),
    ("student", "confirmed", START + GRACE, {"no_show"}),
    ("tutor", "confirmed", AFTER, {"no_show"}),
    ("student", "awaiting_tutor", AFTER, set()),
    ("tutor", "awaiting_tutor", AFTER, {"respond"}),
    # an admin may cancel after the start too, and never reschedules or reports a no-show
    ("admin", "confirmed", AFTER, {"cancel"}),
    ("admin", "confirmed", BEFORE, {"cancel"}),
    # ended states: only the student's review of a completed lesson
    ("student", "completed", AFTER, {"review"}),
    ("tutor", "completed", AFTER, set()),
    *[(role, status, BEFORE, set()) for role in ("student", "tutor", "admin")
      for status in ("cancelled", "declined", "expired", "no_show_student", "no_show_tutor")],
])
def test_the_actions_open_to_each_role_by_status_and_time(role, status, now, expected):
    assert on(acts(role, status, now)) == expected


def test_rescheduling_stops_at_the_limit_and_counts_what_is_left():
    assert acts("student", "confirmed", BEFORE, count=1).reschedules_left == 1
    limited = acts("student", "confirmed", BEFORE, count=2)
    assert not limited.reschedule and limited.reschedules_left == 0 and limited.cancel
    assert acts("tutor", "confirmed", BEFORE, count=5).reschedules_left == 0  # never below zero
    assert acts("admin", "confirmed", BEFORE).reschedules_left == 0  # admins do not move lessons


def test_paying_ends_with_the_payment_window_and_a_review_is_written_once():
    assert acts("student", "pending_payment", BEFORE, expires_at=BEFORE + timedelta(minutes=15)).pay
    assert not acts("student", "pending_payment", BEFORE, expires_at=BEFORE).pay  # the window has closed
    assert not acts("student", "completed", AFTER, reviewed=True).review


def test_an_unknown_role_is_refused():
    with pytest.raises(ValueError):
        acts("guest", "confirmed", BEFORE)


@pytest.mark.parametrize(("status", "expires_at", "phase"), [
    ("pending_payment", BEFORE + timedelta(minutes=15), "payable"),
    ("pending_payment", None, "payable"),
    ("pending_payment", BEFORE, "expired"),  # the window has closed; the sweep has not run yet
    ("expired", BEFORE - timedelta(minutes=1), "expired"),
    ("awaiting_tutor", None, "paid"),
    ("confirmed", None, "paid"),
    ("completed", None, "paid"),
    ("cancelled", None, "closed"),
    ("declined", None, "closed"),
])
def test_the_checkout_page_phase_follows_the_same_payment_window(status, expires_at, phase):
    from tutorconnect.services import payments

    assert payments.checkout_phase(status, expires_at, BEFORE) == phase
    # the booking card's Pay link and the checkout page agree on whether paying is open
    assert acts("student", status, BEFORE, expires_at=expires_at).pay is (phase == "payable")


# -- #14 item 31: a no-show only after the grace period -----------------------------------------
@pytest.mark.parametrize("role", ["student", "tutor"])
def test_a_no_show_is_offered_only_once_the_grace_period_after_the_start_has_passed(role):
    assert not acts(role, "confirmed", START + timedelta(seconds=33)).no_show  # the reported case
    assert not acts(role, "confirmed", START + GRACE - timedelta(seconds=1)).no_show  # 14:59 after the start
    assert acts(role, "confirmed", START + GRACE).no_show  # 15:00
    # the grace comes from the settings (lists.py passes NO_SHOW_GRACE_MINUTES)
    five = dict(role=role, status="confirmed", starts_at=START, reschedule_count=0, reschedule_limit=2,
                no_show_grace=timedelta(minutes=5))
    assert not bookings.actions_for(now=START + timedelta(minutes=4, seconds=59), **five).no_show
    assert bookings.actions_for(now=START + timedelta(minutes=5), **five).no_show


# -- #14 item 14: "Add to calendar" only for active lessons -------------------------------------
@pytest.mark.parametrize(("status", "calendar"), [
    ("pending_payment", True), ("awaiting_tutor", True), ("confirmed", True),
    ("cancelled", False), ("declined", False), ("expired", False),
    ("completed", False), ("no_show_student", False), ("no_show_tutor", False),
])
@pytest.mark.parametrize("role", ["student", "tutor", "admin"])
def test_add_to_calendar_is_offered_for_active_lessons_only(role, status, calendar):
    assert acts(role, status, BEFORE).calendar is calendar
    assert acts(role, status, AFTER).calendar is calendar  # a lesson under way is still active
