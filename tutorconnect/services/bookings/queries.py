"""Reading bookings as bare BookingViews: one booking, its history, a person's bookings
page by page (upcoming or past), and the overlap diagnostic. The pages' richer rows (names,
photo, review flag) are in lists.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import Session

from tutorconnect.models.scheduling import ACTIVE_STATUSES
from tutorconnect.services import access
from tutorconnect.services.bookings.records import BOOKINGS, EVENTS, BookingView, _now, _view, _visible
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput


def get_booking(session: Session, ctx: RequestContext, booking_id: uuid.UUID) -> BookingView:
    row, _ = _visible(session, ctx, booking_id)
    return _view(row)


def history(session: Session, ctx: RequestContext, booking_id: uuid.UUID) -> list[dict[str, Any]]:
    _visible(session, ctx, booking_id)
    rows = session.execute(select(EVENTS).where(EVENTS.c.booking_id == booking_id).order_by(EVENTS.c.id)).all()
    return [dict(from_status=r.from_status, to_status=r.to_status, actor_user_id=r.actor_user_id, reason=r.reason,
                 details=r.details, created_at=r.created_at) for r in rows]


def _list(session: Session, column: Any, user_id: uuid.UUID, when: str, page: object, per_page: int,
          now: datetime) -> tuple[list[BookingView], int]:
    if when not in ("upcoming", "past"):
        raise InvalidInput("when", "Choose upcoming or past bookings.")
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InvalidInput("page", "Choose a page number of 1 or more.")
    per_page = max(1, min(int(per_page), 100))
    where = [column == user_id, BOOKINGS.c.ends_at > now if when == "upcoming" else BOOKINGS.c.ends_at <= now]
    total = session.execute(select(func.count()).select_from(BOOKINGS).where(*where)).scalar_one()
    order = BOOKINGS.c.starts_at.asc() if when == "upcoming" else BOOKINGS.c.starts_at.desc()
    rows = session.execute(select(BOOKINGS).where(*where).order_by(order, BOOKINGS.c.id)
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return [_view(r) for r in rows], int(total)


def _self_or_admin(session: Session, ctx: RequestContext, user_id: uuid.UUID) -> None:
    if ctx.actor_user_id is None or ctx.actor_user_id != user_id:
        access.require_admin(session, ctx.actor_user_id)


def list_for_student(session: Session, ctx: RequestContext, student_id: uuid.UUID, *, when: str = "upcoming",
                     page: object = 1, per_page: int = 20, now: datetime | None = None) -> tuple[list[BookingView], int]:
    """The student's bookings: upcoming (not yet ended, soonest first) or past (latest first)."""
    _self_or_admin(session, ctx, student_id)
    return _list(session, BOOKINGS.c.student_id, student_id, when, page, per_page, _now(now))


def list_for_tutor(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, *, when: str = "upcoming",
                   page: object = 1, per_page: int = 20, now: datetime | None = None) -> tuple[list[BookingView], int]:
    _self_or_admin(session, ctx, tutor_id)
    return _list(session, BOOKINGS.c.tutor_id, tutor_id, when, page, per_page, _now(now))


def overlapping_active_pairs(session: Session) -> int:
    """Diagnostics (tests, benchmarks): pairs of active bookings that overlap (must be 0)."""
    active = ", ".join(f"'{s}'" for s in ACTIVE_STATUSES)
    return int(session.execute(text(f"""
        SELECT count(*) FROM bookings a JOIN bookings b ON a.id < b.id
        WHERE a.status IN ({active}) AND b.status IN ({active})
          AND ((a.tutor_id = b.tutor_id
                AND tstzrange(a.blocked_from, a.blocked_until) && tstzrange(b.blocked_from, b.blocked_until))
            OR (a.student_id = b.student_id
                AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)))
    """)).scalar_one())
