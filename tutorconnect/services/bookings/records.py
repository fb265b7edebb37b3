"""The booking row and how it is read: the table handles, BookingView, loading one row,
and who may see it (its student, its tutor or an admin; anyone else gets NotFound, so
existence is not leaked).

`_settings` is looked up on this module at call time by every module of the package, so
a test can swap the settings for all of them in one place.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from tutorconnect.config import get_settings
from tutorconnect.models.scheduling import Booking, BookingEvent, BookingStatus
from tutorconnect.services import access
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import NotFound, PermissionDenied

S = BookingStatus
BOOKINGS = Booking.__table__  # type: ignore[attr-defined]
EVENTS = BookingEvent.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class BookingView:
    id: uuid.UUID
    reference: str
    tutor_id: uuid.UUID
    student_id: uuid.UUID
    status: str
    starts_at: datetime
    ends_at: datetime
    length_minutes: int
    is_trial: bool
    price_minor: int
    currency: str
    platform_fee_minor: int
    tutor_earnings_minor: int
    requires_confirmation: bool
    tutor_time_zone: str
    student_time_zone: str
    reschedule_count: int
    sequence: int
    expires_at: datetime | None
    respond_by: datetime | None
    cancelled_by: str | None
    cancel_reason: str | None
    refund_minor: int | None


_VIEW_COLS = [c for c in BookingView.__dataclass_fields__]


def _view(row: Any) -> BookingView:
    return BookingView(**{name: getattr(row, name) for name in _VIEW_COLS})


# Settings ------------------------------------------------------------------------------
def _settings():
    return get_settings()


def no_show_grace() -> timedelta:
    """NO_SHOW_GRACE_MINUTES: how long after the start a no-show can first be reported."""
    return timedelta(minutes=_settings().no_show_grace_minutes)


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now


# Reading ---------------------------------------------------------------------------------
def _row(session: Session, booking_id: uuid.UUID) -> Any:
    return session.execute(select(BOOKINGS).where(BOOKINGS.c.id == booking_id)).first()


def _role_on(session: Session, ctx: RequestContext, row: Any) -> str:
    """'student', 'tutor' or 'admin'; NotFound for anyone else (existence is not leaked)."""
    actor = ctx.actor_user_id
    if actor is not None and actor == row.student_id:
        return "student"
    if actor is not None and actor == row.tutor_id:
        return "tutor"
    try:
        access.require_admin(session, actor)
    except PermissionDenied:
        raise NotFound("That booking") from None
    return "admin"


def _visible(session: Session, ctx: RequestContext, booking_id: object) -> tuple[Any, str]:
    if not isinstance(booking_id, uuid.UUID):
        raise NotFound("That booking")
    row = _row(session, booking_id)
    if row is None:
        raise NotFound("That booking")
    return row, _role_on(session, ctx, row)


def _system_row(session: Session, booking_id: uuid.UUID) -> Any:
    row = _row(session, booking_id)
    if row is None:
        raise NotFound("That booking")
    return row


def view_of(session: Session, booking_id: uuid.UUID) -> BookingView:
    """The booking as it is now, for other packages' internal use (no access check: the
    caller has already decided this person may see it)."""
    return _view(_row(session, booking_id))


def visible_booking(session: Session, ctx: RequestContext, booking_id: object) -> tuple[Any, str]:
    """The booking row and the actor's role on it ('student', 'tutor' or 'admin');
    NotFound for a bad id, a missing booking or anyone else (existence is not leaked)."""
    return _visible(session, ctx, booking_id)
