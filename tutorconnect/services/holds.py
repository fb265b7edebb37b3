"""Slot holds: a student's short claim on a slot while they pay (default 10 minutes).

INTERFACE (fixed; implementation in progress). With Redis configured the holds live in
Redis (keys with a TTL, placed atomically by a Lua script that refuses overlaps); without
Redis, in the slot_holds table (expired rows deleted before each insert, overlaps refused
by the exclusion constraint). Either way:
- place_hold(session, ctx, student_id, tutor_id, starts_at, length_minutes, *, now=None)
  -> Hold: checks slots.ensure_bookable first; replaces the student's previous hold on
  this tutor (at most one per student and tutor); raises slots.SlotUnavailable("held")
  when another student's live hold overlaps.
- release_hold(session, student_id, tutor_id) -> None (idempotent).
- get_hold(session, student_id, tutor_id, *, now=None) -> Hold | None (live only).
- active_holds(session, tutor_id, window_start, window_end, *, now=None) -> list[Hold]:
  live holds of the tutor overlapping the window (for slot computation).
A hold's blocked range is the lesson plus the tutor's buffers, like a booking's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Hold:
    tutor_id: uuid.UUID
    student_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    blocked_from: datetime
    blocked_until: datetime
    length_minutes: int
    expires_at: datetime


def active_holds(session, tutor_id: uuid.UUID, window_start: datetime, window_end: datetime, *,
                 now: datetime | None = None) -> list[Hold]:
    return []  # until holds land, nothing is held
