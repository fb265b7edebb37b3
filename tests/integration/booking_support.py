"""Builders for the booking engine tests (no tests here).

A bookable tutor is written directly: an approved profile with prices, a tutor_schedules
row (min notice 0 unless given) and availability every day 00:00-24:00 in the tutor's zone.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from tests.integration.test_tutor_support import as_, make_user
from tutorconnect.db import session_scope
from tutorconnect.models import TutorProfile
from tutorconnect.models.scheduling import AvailabilityRule, TutorSchedule
from tutorconnect.services import bookings


def bookable_tutor(*, lengths=(30, 60), hourly=1000_00, trial_price=None, requires_confirmation=False,
                   buffers=(0, 0), min_notice=0, horizon=60, status="approved", name="Bookable Tutor") -> uuid.UUID:
    uid = make_user("tutor", name)
    with session_scope() as s:
        s.add(TutorProfile(user_id=uid, slug=f"t-{uid.hex}", headline="Tutor", hourly_rate_minor=hourly,
                           status=status, lesson_lengths=list(lengths), trial_price_minor=trial_price,
                           requires_confirmation=requires_confirmation))
        s.flush()
        s.add(TutorSchedule(tutor_id=uid, buffer_before_minutes=buffers[0], buffer_after_minutes=buffers[1],
                            min_notice_minutes=min_notice, horizon_days=horizon))
        for weekday in range(7):
            s.add(AvailabilityRule(tutor_id=uid, weekday=weekday, start_minute=0, end_minute=1440))
    return uid


def student(name: str | None = None) -> uuid.UUID:
    return make_user("student", name)


def future(days: int = 3, hour: int = 10, minute: int = 0) -> datetime:
    base = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days, hours=hour, minutes=minute)


def book(student_id, tutor_id, starts_at, length=60, **kw) -> bookings.BookingView:
    with session_scope() as s:
        return bookings.create_booking(s, as_(student_id), student_id, tutor_id, starts_at, length, **kw)


def counts() -> tuple[int, int, int]:
    """(bookings, booking_events, outbox rows)."""
    with session_scope() as s:
        return tuple(s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()  # type: ignore[return-value]
                     for t in ("bookings", "booking_events", "outbox"))


def snapshot(booking_id) -> dict:
    with session_scope() as s:
        row = s.execute(text("SELECT * FROM bookings WHERE id = :id"), {"id": booking_id}).mappings().one()
        events = s.execute(text("SELECT count(*) FROM booking_events WHERE booking_id = :id"),
                           {"id": booking_id}).scalar_one()
        return {**row, "events": events}


def force_status(booking_id, status: str, **extra) -> None:
    sets = ", ".join(["status = :status"] + [f"{k} = :{k}" for k in extra])
    with session_scope() as s:
        s.execute(text(f"UPDATE bookings SET {sets} WHERE id = :id"), {"id": booking_id, "status": status, **extra})
