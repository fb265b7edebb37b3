"""Placing a slot hold: `place_hold` checks the caller, the input and bookability
(bookability.ensure_bookable, which a student's own hold does not block), builds the hold
with the tutor's buffers and its expiry, and stores it (hold_store.store_hold).

- place_hold(session, ctx, student_id, tutor_id, starts_at, length_minutes, *, now=None)
  -> Hold: replaces the student's previous hold on this tutor (at most one per student
  and tutor); raises SlotUnavailable(reason) from the bookability check, or
  SlotUnavailable("held") when another student's live hold overlaps.

Depends on the bookability check and hold storage; neither depends on it, so the old
holds <-> slots import loop is gone.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput, PermissionDenied
from tutorconnect.services.scheduling import bookability, hold_store
from tutorconnect.services.scheduling.hold_store import Hold

_UTC = timezone.utc
_BUFFERS_SQL = text("SELECT buffer_before_minutes, buffer_after_minutes FROM tutor_schedules WHERE tutor_id = :t")


def _buffers(session, tutor_id: uuid.UUID) -> tuple[int, int]:
    row = session.execute(_BUFFERS_SQL, {"t": tutor_id}).first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def place_hold(session, ctx: RequestContext, student_id: uuid.UUID, tutor_id: uuid.UUID, starts_at: datetime,
               length_minutes: int, *, now: datetime | None = None, ttl_seconds: int | None = None) -> Hold:
    """Hold [starts_at, starts_at + length) for the student (see the module docstring).
    Raises PermissionDenied (not the student themselves), InvalidInput, SlotUnavailable."""
    if ctx.actor_user_id is None or ctx.actor_user_id != student_id:
        raise PermissionDenied("You can only hold times for yourself.")
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        raise InvalidInput("starts_at", "Choose a start time with a time zone.")
    if isinstance(length_minutes, bool) or not isinstance(length_minutes, int):
        raise InvalidInput("length_minutes", "Choose a lesson length.")
    now = hold_store.aware_now(now)
    bookability.ensure_bookable(session, tutor_id, starts_at, length_minutes, now=now, student_id=student_id)
    start = starts_at.astimezone(_UTC)
    end = start + timedelta(minutes=length_minutes)
    before, after = _buffers(session, tutor_id)
    ttl = hold_store.hold_ttl_seconds() if ttl_seconds is None else ttl_seconds
    hold = Hold(tutor_id, student_id, start, end, start - timedelta(minutes=before), end + timedelta(minutes=after),
                length_minutes, now + timedelta(seconds=ttl))
    hold_store.store_hold(session, hold, now)
    return hold
