"""Slot computation: when a tutor can be booked, for a lesson length, in a date range,
shown in the viewer's zone. THE one place that decides bookability (bookings.create_booking
and reschedule call `ensure_bookable`; the slot picker calls `free_slots`).

INTERFACE (fixed; implementation in progress):
- free_slots(session, tutor_id, length_minutes, first_day, last_day, viewer_zone, *, now=None,
  holder_id=None) -> list[Slot]: bookable start times whose start falls on the viewer's
  local dates first_day..last_day inclusive, ascending, no duplicates. Takes away active
  bookings (with the tutor's buffers), live holds of other students (holds.active_holds;
  `holder_id`'s own hold is not subtracted), time off, minimum notice, the horizon and
  the per-day limit (counted per the tutor's local day). Starts are aligned to the
  tutor's local quarter hours within each availability interval.
- ensure_bookable(session, tutor_id, starts_at, length_minutes, *, now=None, student_id=None,
  ignore_booking_id=None) -> None: raises SlotUnavailable(reason_code, message) if the
  lesson [starts_at, starts_at + length) cannot be booked now; reason codes: "past",
  "min_notice", "horizon", "outside_availability", "taken", "held", "daily_limit",
  "length_not_offered", "tutor_not_listed". `ignore_booking_id` lets a reschedule ignore
  the booking being moved. Holds of `student_id` itself are not a conflict.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from tutorconnect.services.errors import DomainError

REASONS = ("past", "min_notice", "horizon", "outside_availability", "taken", "held", "daily_limit",
           "length_not_offered", "tutor_not_listed")


class SlotUnavailable(DomainError):
    def __init__(self, reason: str, message: str) -> None:
        assert reason in REASONS, reason
        self.reason = reason
        super().__init__(message)


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
) -> list[Slot]:
    raise NotImplementedError


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
    raise NotImplementedError
