"""The bookability check: THE one place that decides whether one lesson time can be booked
now (bookings.create_booking and reschedule call `ensure_bookable`, and so does
hold_placement.place_hold before placing a hold). It reads the tutor like slot search
does (tutor_facts) and the live holds (hold_store), so it sits above both and neither
imports it.

INTERFACE (fixed):
- ensure_bookable(session, tutor_id, starts_at, length_minutes, *, now=None, student_id=None,
  ignore_booking_id=None) -> None: raises SlotUnavailable(reason_code, message) if the
  lesson [starts_at, starts_at + length) cannot be booked now; reason codes: "past",
  "min_notice", "horizon", "outside_availability", "taken", "held", "daily_limit",
  "length_not_offered", "tutor_not_listed" ("outside_availability" also when the tutor's
  Google Calendar is busy then). `ignore_booking_id` lets a reschedule ignore the booking
  being moved (and its own Google Calendar event). Holds of `student_id` itself are not a conflict.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlmodel import Session

from tutorconnect.models.scheduling import MAX_HORIZON_DAYS
from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.scheduling import hold_store
from tutorconnect.services.scheduling.errors import SlotUnavailable
from tutorconnect.services.scheduling.slot_core import STEP_SECONDS, availability_windows, to_epoch, utc_offset
from tutorconnect.services.scheduling.tutor_facts import google_busy, load_tutor, require_listed, utc_now

_UTC = timezone.utc


def ensure_bookable(
    session: Session,
    tutor_id: uuid.UUID,
    starts_at: datetime,
    length_minutes: int,
    *,
    now: datetime | None = None,
    student_id: uuid.UUID | None = None,
    ignore_booking_id: uuid.UUID | None = None,
) -> None:
    """See the module docstring. Checks in order: listed, length, past, notice, horizon,
    availability (rules/overrides/time off/quarter hours/DST policy), bookings, holds, limit."""
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        raise InvalidInput("starts_at", "Choose a start time with a time zone.")
    now = utc_now(now)
    start = starts_at.astimezone(_UTC)
    if start > now + timedelta(days=MAX_HORIZON_DAYS + 1):  # before any date arithmetic near datetime.max
        raise SlotUnavailable("horizon", f"Bookings can be made at most {MAX_HORIZON_DAYS} days ahead.")
    window = timedelta(days=2)
    tutor = require_listed(load_tutor(session, tutor_id, start - window, start + window, ignore_booking_id),
                           length_minutes)
    end = start + timedelta(minutes=length_minutes)
    if start < now:
        raise SlotUnavailable("past", "That time has already passed. Choose a later time.")
    if start < now + timedelta(minutes=tutor.min_notice):
        hours = tutor.min_notice / 60
        notice = f"{hours:g} hour{'s' if hours != 1 else ''}" if tutor.min_notice >= 60 else f"{tutor.min_notice} minutes"
        raise SlotUnavailable("min_notice", f"This tutor needs at least {notice} notice. Choose a later time.")
    local_day = start.astimezone(tutor.zone).date()
    today = now.astimezone(tutor.zone).date()
    if local_day > today + timedelta(days=tutor.horizon_days):
        raise SlotUnavailable("horizon", f"This tutor takes bookings at most {tutor.horizon_days} days ahead.")
    s, e = to_epoch(start), to_epoch(end)
    d0, d1 = local_day - timedelta(days=1), local_day + timedelta(days=1)
    windows = availability_windows(tutor.zone, tutor.rules, tutor.overrides, d0, d1)
    inside = any(a <= s and e <= b for a, b in windows)
    aligned = start.microsecond == 0 and (s + utc_offset(tutor.zone, s)) % STEP_SECONDS == 0
    if not inside or not aligned:
        raise SlotUnavailable("outside_availability", "The tutor is not available at that time. Choose a listed slot.")
    if any(a < end and start < b for a, b in tutor.time_off):
        raise SlotUnavailable("outside_availability", "The tutor is away at that time. Choose another slot.")
    blocked_from = start - timedelta(minutes=tutor.buffer_before)
    blocked_until = end + timedelta(minutes=tutor.buffer_after)
    booked = tutor.bookings
    if any(r[2] < blocked_until and blocked_from < r[3] for r in booked):
        raise SlotUnavailable("taken", "That time has just been booked. Choose another slot.")
    for h in hold_store.active_holds(session, tutor_id, blocked_from, blocked_until, now=now):
        if (student_id is None or h.student_id != student_id) and h.blocked_from < blocked_until \
                and blocked_from < h.blocked_until:
            raise SlotUnavailable("held", hold_store.HELD_MESSAGE)
    if google_busy(session, tutor, tutor_id, blocked_from, blocked_until, now):
        raise SlotUnavailable("outside_availability", "The tutor is busy at that time. Choose another slot.")
    if tutor.max_per_day is not None:
        count = sum(1 for r in booked if r[1].astimezone(tutor.zone).date() == local_day)
        if count >= tutor.max_per_day:
            raise SlotUnavailable("daily_limit", "This tutor is fully booked that day. Choose another day.")
