"""Slot search: when a tutor can be booked, for a lesson length, in a date range, shown in
the viewer's zone (the slot picker calls `free_slots`; the availability editor's preview
calls `preview_slots` here through availability.preview_slots). Whether ONE time can be
booked is bookability.ensure_bookable; both read the tutor the same way (tutor_facts).

INTERFACE (fixed):
- free_slots(session, tutor_id, length_minutes, first_day, last_day, viewer_zone, *, now=None,
  holder_id=None) -> list[Slot]: bookable start times whose start falls on the viewer's
  local dates first_day..last_day inclusive, ascending, no duplicates. Takes away active
  bookings (with the tutor's buffers), live holds of other students (hold_store.active_holds;
  `holder_id`'s own hold is not subtracted), time off, the busy times of the tutor's
  connected Google Calendar (busy_times: cached, compared with the lesson and its
  buffers like a booking; a calendar outage never fails this), minimum notice, the
  horizon and the per-day limit (counted per the tutor's local day). Starts are aligned to the
  tutor's local quarter hours within each availability interval.

Implementation notes: free_slots also raises SlotUnavailable("tutor_not_listed" |
"length_not_offered") and InvalidInput (unknown viewer zone, range over MAX_RANGE_DAYS);
each call reads the tutor in ONE round trip, then runs the pure core
`slot_core.compute_slots` (SlotInputs -> [(start, end)]), which the property tests
exercise directly. The daily limit counts active bookings (not holds) by the tutor-local
date of their start. Python note for callers: subtracting two aware datetimes in the same
zone gives the wall-clock difference, so use starts_at/ends_at (UTC) for durations,
local_* only for display.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import Session

from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.scheduling import hold_store, slot_core
from tutorconnect.services.scheduling.slot_core import SlotInputs
from tutorconnect.services.scheduling.tutor_facts import (
    TutorFacts, day_counts, google_busy, load_tutor, parse_zone, require_listed, utc_now,
)

MAX_RANGE_DAYS = 400  # longer ranges are refused; the work is bounded by the horizon (<= 365 days) anyway
_UTC = timezone.utc


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC
    local_start: datetime  # aware, in the viewer's zone
    local_end: datetime


def free_slots(
    session: Session,
    tutor_id: uuid.UUID,
    length_minutes: int,
    first_day: date,
    last_day: date,
    viewer_zone: str,
    *,
    now: datetime | None = None,
    holder_id: uuid.UUID | None = None,
    ignore_booking_id: uuid.UUID | None = None,
) -> list[Slot]:
    """See the module docstring. Raises SlotUnavailable("tutor_not_listed" |
    "length_not_offered") and InvalidInput for a bad zone or date range.
    `ignore_booking_id`: a booking being rescheduled does not block its own new time (nor
    count towards its day's limit), as in `ensure_bookable`."""
    viewer = parse_zone(viewer_zone, "viewer_zone")
    for name, value in (("first_day", first_day), ("last_day", last_day)):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise InvalidInput(name, "Choose a date.")
    if last_day < first_day or (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise InvalidInput("last_day", f"Choose a date range of 1 to {MAX_RANGE_DAYS} days.")
    w0 = datetime(first_day.year, first_day.month, first_day.day, tzinfo=viewer).astimezone(_UTC)
    end_day = last_day + timedelta(days=1)
    w1 = datetime(end_day.year, end_day.month, end_day.day, tzinfo=viewer).astimezone(_UTC)
    slack = timedelta(days=1)
    tutor = require_listed(load_tutor(session, tutor_id, w0 - slack, w1 + slack, ignore_booking_id), length_minutes)
    return _free_slots(session, tutor, tutor_id, length_minutes, w0, w1, viewer, utc_now(now), holder_id)


def _free_slots(session, tutor: TutorFacts, tutor_id, length_minutes, w0: datetime, w1: datetime, viewer: ZoneInfo,
                now: datetime, holder_id) -> list[Slot]:
    if w1 <= now:
        return []
    today = now.astimezone(tutor.zone).date()
    horizon_date = today + timedelta(days=tutor.horizon_days)
    d0 = max(w0.astimezone(tutor.zone).date(), today)
    d1 = min(w1.astimezone(tutor.zone).date(), horizon_date) + timedelta(days=1)  # +1: lessons may run past midnight
    if d1 < d0:
        return []
    slack = timedelta(days=1)
    held = [h for h in hold_store.active_holds(session, tutor_id, w0 - slack, w1 + slack, now=now)
            if holder_id is None or h.student_id != holder_id]
    google = google_busy(session, tutor, tutor_id, w0 - slack, w1 + slack, now)
    inp = SlotInputs(
        zone=tutor.zone_name, length_minutes=length_minutes, first_local_date=d0, last_local_date=d1,
        rules=tutor.rules, overrides=tutor.overrides, time_off=tutor.time_off,
        busy=[(r[2], r[3]) for r in tutor.bookings] + [(h.blocked_from, h.blocked_until) for h in held] + google,
        buffer_before_minutes=tutor.buffer_before, buffer_after_minutes=tutor.buffer_after,
        not_before=max(now + timedelta(minutes=tutor.min_notice), w0), not_after_date=horizon_date,
        max_per_day=tutor.max_per_day, day_counts=day_counts(tutor, tutor.bookings) if tutor.max_per_day else {},
    )
    length = timedelta(minutes=length_minutes)
    return [Slot(s, e, s.astimezone(viewer), (s + length).astimezone(viewer))
            for s, e in slot_core.compute_slots(inp) if s < w1]


def preview_slots(session: Session, tutor_id: uuid.UUID, length_minutes: int, first_day: date, last_day: date,
                  *, now: datetime | None = None) -> list[Slot]:
    """The tutor's own view of their free slots, in their own zone (for the editor preview).
    Works before approval too: the 'listed' and 'length offered' checks are skipped.
    No caller check: the package's public `preview_slots` is availability.preview_slots,
    which checks the caller is this tutor and then calls this one."""
    if last_day < first_day or (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise InvalidInput("last_day", f"Choose a date range of 1 to {MAX_RANGE_DAYS} days.")
    probe = load_tutor(session, tutor_id, utc_now(now), utc_now(now))
    if probe is None:
        return []
    zone = probe.zone
    w0 = datetime(first_day.year, first_day.month, first_day.day, tzinfo=zone).astimezone(_UTC)
    end_day = last_day + timedelta(days=1)
    w1 = datetime(end_day.year, end_day.month, end_day.day, tzinfo=zone).astimezone(_UTC)
    slack = timedelta(days=1)
    tutor = load_tutor(session, tutor_id, w0 - slack, w1 + slack)
    assert tutor is not None
    return _free_slots(session, tutor, tutor_id, length_minutes, w0, w1, zone, utc_now(now), None)

