"""A booking row written directly (no tests here): for reviews and booking statistics,
which need a booking in a given status without walking the engine's state machine.
Any tutor profile will do (no availability needed); each call uses its own time so the
active-status exclusion constraints never clash."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from tutorconnect.db import session_scope

_next = itertools.count()


def insert_booking(tutor_id: uuid.UUID, student_id: uuid.UUID, status: str = "completed", *,
                   created_at: datetime | None = None, cancelled_by: str | None = None) -> uuid.UUID:
    n = next(_next)
    start = datetime(2026, 1, 5, 9, tzinfo=timezone.utc) + timedelta(hours=2 * n)
    created = created_at or datetime.now(timezone.utc)
    booking_id = uuid.uuid4()
    with session_scope() as s:
        s.execute(text("""
            INSERT INTO bookings (id, reference, tutor_id, student_id, status, starts_at, ends_at, length_minutes,
                blocked_from, blocked_until, is_trial, price_minor, currency, platform_fee_bps, platform_fee_minor,
                tutor_earnings_minor, cancellation_policy, requires_confirmation, tutor_time_zone,
                student_time_zone, reschedule_count, sequence, cancelled_by, created_at, updated_at)
            VALUES (:id, :ref, :tutor, :student, :status, :start, :end, 60, :start, :end, false, 1000, 'EUR', 1500,
                150, 850, '{}'::jsonb, false, 'Europe/Berlin', 'Europe/Berlin', 0, 0, :by, :created, :created)
        """), {"id": booking_id, "ref": f"TC-{uuid.uuid4().hex[:6].upper()}", "tutor": tutor_id,
               "student": student_id, "status": status, "start": start, "end": start + timedelta(hours=1),
               "by": cancelled_by, "created": created})
    return booking_id
