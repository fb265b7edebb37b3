"""Lesson reminders (REMINDER_OFFSETS_MINUTES before the start; default 24 h and 1 h).

The booking sweep calls `send_due` every 30 s (Celery beat with Redis, the app's own loop
without). Each reminder is one row in booking_reminders, keyed by (booking, offset, the
start time it was for), inserted in the same transaction that queues the notification:

- sent once: a second tick, a concurrent sweep or a restarted worker hits the key
  (INSERT ... ON CONFLICT DO NOTHING RETURNING hands each reminder to one caller only),
  and if the transaction fails nothing was queued and the next tick tries again;
- never for a cancelled lesson or a time the lesson no longer has: only confirmed
  bookings are read, at their current start, and a moved lesson's new time has its own
  keys (the email job checks again at send time, see notify);
- right across DST: offsets are absolute durations on UTC instants (24 h before a lesson
  at 10:00 the day after clocks change is 09:00 or 11:00 local the day before); the
  message shows the start in each recipient's own zone.

Windows: reminder `o` is due while now is in [start - o, start - o'), o' the next smaller
offset (0 for the smallest), so a sweep that was down sends the nearest one only; it is
skipped when the booking was made after start - o (a lesson booked 3 hours ahead gets
the 1-hour reminder, not a 24-hour one right after its confirmation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.config import get_settings
from tutorconnect.services.notifications import notify

_DUE_SQL = text(
    """
    INSERT INTO booking_reminders (booking_id, offset_minutes, starts_at, sent_at)
    SELECT b.id, :offset, b.starts_at, :now
    FROM bookings b
    WHERE b.status = 'confirmed'
      AND b.starts_at > :now + make_interval(mins => :next)
      AND b.starts_at <= :now + make_interval(mins => :offset)
      AND b.created_at <= b.starts_at - make_interval(mins => :offset)
    ORDER BY b.starts_at
    LIMIT :limit
    ON CONFLICT DO NOTHING
    RETURNING booking_id
    """
)
_ROWS_SQL = text("SELECT * FROM bookings WHERE id = ANY(:ids) ORDER BY starts_at")


@dataclass(frozen=True)
class Sent:
    booking_id: str
    offset_minutes: int


def offsets() -> tuple[int, ...]:
    """Configured offsets in minutes, largest first."""
    return tuple(get_settings().reminder_offsets_minutes)


def send_due(session: Session, now: datetime | None = None, *, limit: int = 500) -> list[Sent]:
    """Queue every reminder due at `now` (in the caller's transaction); returns them."""
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    chosen = offsets()
    sent: list[Sent] = []
    for i, offset in enumerate(chosen):
        smaller = chosen[i + 1] if i + 1 < len(chosen) else 0
        ids = session.execute(_DUE_SQL, {"offset": offset, "next": smaller, "now": now, "limit": limit}).scalars().all()
        if not ids:
            continue
        for row in session.execute(_ROWS_SQL, {"ids": list(ids)}).all():
            notify.booking_event(session, "booking.reminder", row, offset_minutes=offset)
            sent.append(Sent(str(row.id), offset))
    return sent
