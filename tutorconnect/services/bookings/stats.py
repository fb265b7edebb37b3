"""Figures about a tutor's bookings, for admins (tutor detail) and the tutor's own schedule.

No authorization here: these functions take no RequestContext, and the caller (an admin
page after `require_admin`, or the tutor's own page with their own id) decides who sees
the numbers.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, func, select
from sqlmodel import Session

from tutorconnect.models.scheduling import Booking, BookingStatus
from tutorconnect.services.errors import InvalidInput

S = BookingStatus
BOOKINGS = Booking.__table__  # type: ignore[attr-defined]
DAYS_MAX = 366
# Never paid: the student let the payment window pass, or is still paying. Not a lesson the
# tutor committed to, so not counted.
_NEVER_PAID = (S.EXPIRED.value, S.PENDING_PAYMENT.value)


def tutor_cancellations(session: Session, tutor_id: uuid.UUID, days: int = 90, *,
                        now: datetime | None = None) -> tuple[int, int]:
    """(N, M): of the M bookings made with this tutor in the last `days` days (by creation
    time, leaving out bookings that were never paid: expired or still pending payment), N
    were cancelled by the tutor. Declines of a request (tutors who confirm by hand) are not
    cancellations and are not in N. Raises InvalidInput for a non-uuid id or days outside
    1..366.
    """
    if not isinstance(tutor_id, uuid.UUID):
        raise InvalidInput("tutor_id", "Choose a tutor.")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= DAYS_MAX:
        raise InvalidInput("days", f"Choose a period of 1 to {DAYS_MAX} days.")
    now = now or datetime.now(timezone.utc)
    by_tutor = and_(BOOKINGS.c.status == S.CANCELLED.value, BOOKINGS.c.cancelled_by == "tutor")
    row = session.execute(
        select(func.count().filter(by_tutor), func.count())
        .where(BOOKINGS.c.tutor_id == tutor_id, BOOKINGS.c.created_at > now - timedelta(days=days),
               BOOKINGS.c.created_at <= now, BOOKINGS.c.status.not_in(_NEVER_PAID))
    ).one()
    return int(row[0]), int(row[1])
