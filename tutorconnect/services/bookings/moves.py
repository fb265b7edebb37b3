"""Rescheduling: either party moves an active booking to a new time before it starts,
status unchanged, at most `reschedule_limit` times per booking. The move is one UPDATE in
a SAVEPOINT so the exclusion constraints re-check it (SQLSTATE 23P01 becomes
SlotUnavailable("taken")).
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import psycopg.errors
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from tutorconnect.services import scheduling
from tutorconnect.services.bookings import effects, policy, records
from tutorconnect.services.bookings.creation import _clean_start
from tutorconnect.services.bookings.machine import TransitionNotAllowed, _check_step, _is_exclusion, _taken
from tutorconnect.services.bookings.records import BOOKINGS, EVENTS, S, BookingView, _now, _row, _view, _visible
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import DomainError, InvalidInput, PermissionDenied


def _reschedules_left(row: Any, role: str, now: datetime) -> int:
    """How many more times this booking may be moved, or a clear error why it cannot."""
    if role not in ("student", "tutor"):
        raise PermissionDenied("Only the student or the tutor of this booking can reschedule it.")
    limit = records._settings().reschedule_limit
    if not policy.may_reschedule(row.reschedule_count, limit):
        raise DomainError(f"This booking has already been rescheduled {row.reschedule_count} "
                          f"time{'s' if row.reschedule_count != 1 else ''}, the most allowed.")
    if policy.has_started(row.starts_at, now):
        raise DomainError("This lesson has already started and can no longer be rescheduled.")
    return policy.reschedules_remaining(row.reschedule_count, limit)


def reschedules_left(session: Session, ctx: RequestContext, booking_id: uuid.UUID, *,
                     now: datetime | None = None) -> int:
    """What `reschedule` would allow now (for the reschedule dialog): the moves left, or
    the same error `reschedule` would raise."""
    row, role = _visible(session, ctx, booking_id)
    _check_step(row, "reschedule")
    return _reschedules_left(row, role, _now(now))


def reschedule(session: Session, ctx: RequestContext, booking_id: uuid.UUID, new_starts_at: datetime, *,
               now: datetime | None = None) -> BookingView:
    """Either party moves an active booking (before it starts) to a free time, checked like
    a new booking; moved in one UPDATE so the exclusion constraints re-check it."""
    now = _now(now)
    row, role = _visible(session, ctx, booking_id)
    target = _check_step(row, "reschedule")
    new_start = _clean_start(new_starts_at)
    _reschedules_left(row, role, now)
    if new_start == row.starts_at:
        raise InvalidInput("starts_at", "Choose a different time from the current one.")
    scheduling.ensure_bookable(session, row.tutor_id, new_start, row.length_minutes, now=now,
                               student_id=row.student_id, ignore_booking_id=row.id)
    new_end = new_start + timedelta(minutes=row.length_minutes)
    values: dict[str, Any] = dict(
        starts_at=new_start, ends_at=new_end,
        blocked_from=new_start - (row.starts_at - row.blocked_from),
        blocked_until=new_end + (row.blocked_until - row.ends_at),
        reschedule_count=BOOKINGS.c.reschedule_count + 1,
    )
    if row.status == S.AWAITING_TUTOR and row.respond_by is not None:
        values["respond_by"] = max(now, min(row.respond_by, new_start - policy.RESPOND_BEFORE_START))
    move = (update(BOOKINGS)
            .where(BOOKINGS.c.id == row.id, BOOKINGS.c.status == row.status,
                   BOOKINGS.c.reschedule_count == row.reschedule_count, BOOKINGS.c.starts_at == row.starts_at)
            .values(updated_at=now, sequence=BOOKINGS.c.sequence + 1, **values)
            .returning(*BOOKINGS.c))
    for deadlocks in range(4):
        try:
            with session.begin_nested():
                done = session.execute(move).first()
            break
        except IntegrityError as err:
            if _is_exclusion(err):
                raise _taken(err) from None
            raise
        except OperationalError as err:  # see create_booking: a deadlock between conflicting moves
            if not isinstance(err.orig, psycopg.errors.DeadlockDetected) or deadlocks >= 3:
                raise
            time.sleep(random.uniform(0.001, 0.01) * (deadlocks + 1))
    if done is None:
        latest = _row(session, row.id)
        raise TransitionNotAllowed(latest.status if latest else row.status, "reschedule")
    session.execute(insert(EVENTS).values(
        booking_id=row.id, from_status=row.status, to_status=target, actor_user_id=ctx.actor_user_id,
        reason=f"rescheduled by the {role}", created_at=now,
        details={"old_starts_at": row.starts_at.isoformat(), "new_starts_at": new_start.isoformat(),
                 "old_ends_at": row.ends_at.isoformat(), "new_ends_at": new_end.isoformat()},
    ))
    session.expire_all()
    effects.after_change(session, row, done, "reschedule")
    return _view(done)
