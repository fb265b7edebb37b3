"""Slot hold storage: a student's short claim on a slot while they pay (default 10
minutes), kept in Redis or in PostgreSQL. Placing a hold (with its bookability check) is
hold_placement.py; this module stores, reads and releases them, and knows nothing of
slot computation, so the bookability check can read holds without a cycle.

INTERFACE (fixed). With Redis configured the holds live in Redis (keys with a TTL, placed
atomically by a Lua script that refuses overlaps); without Redis, in the slot_holds table
(expired rows deleted before each insert, overlaps refused by the exclusion constraint).
Either way:
- store_hold(session, hold, now) -> None: replaces the student's previous hold on this
  tutor (at most one per student and tutor); raises SlotUnavailable("held") when another
  student's live hold overlaps. (hold_placement.place_hold checks bookability first.)
- release_hold(session, student_id, tutor_id) -> None (idempotent).
- get_hold(session, student_id, tutor_id, *, now=None) -> Hold | None (live only).
- active_holds(session, tutor_id, window_start, window_end, *, now=None) -> list[Hold]:
  live holds of the tutor overlapping the window (for slot computation).
A hold's blocked range is the lesson plus the tutor's buffers, like a booking's.

REDIS LAYOUT: one hash per tutor, `tc:holds:<tutor uuid>`, field = student uuid, value =
"blocked_from_ms|blocked_until_ms|starts_ms|ends_ms|length|expires_ms" (epoch ms). One
Lua script (_PLACE_LUA) drops expired fields, refuses an overlap with another student's
live hold, overwrites the student's own field (one hold per student and tutor) and sets
the key's TTL to the latest live expiry, so the key vanishes by itself. Readers ignore
fields past their expiry (a field can outlive its expiry until the next placement or the
key's own TTL). If Redis fails (connection error / timeout) a call falls back to the
slot_holds table and logs a warning; readers and release_hold always look at both, so a
hold placed during an outage is still seen and released.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import text

from tutorconnect.integrations.redis_client import get_redis
from tutorconnect.services import live
from tutorconnect.services.scheduling.errors import SlotUnavailable

log = logging.getLogger(__name__)

HOLD_TTL_SECONDS = 10 * 60  # the default of the HOLD_TTL_MINUTES setting
# One wording wherever another student's hold blocks a time (bookability.py uses it too).
HELD_MESSAGE = ("Someone else is booking this time right now. Choose another time or try again "
                "in a few minutes.")
_UTC = timezone.utc


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


# Redis ---------------------------------------------------------------------------------

_PLACE_LUA = """
local now = tonumber(ARGV[2])
local bfrom = tonumber(ARGV[3])
local buntil = tonumber(ARGV[4])
local maxexp = tonumber(ARGV[8])
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local who = all[i]
  local f, u, x = string.match(all[i + 1], '^(%d+)|(%d+)|%d+|%d+|%d+|(%d+)$')
  if x == nil or tonumber(x) <= now then
    redis.call('HDEL', KEYS[1], who)
  elseif who ~= ARGV[1] then
    if tonumber(f) < buntil and bfrom < tonumber(u) then
      return 0
    end
    if tonumber(x) > maxexp then maxexp = tonumber(x) end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], table.concat({ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]}, '|'))
redis.call('PEXPIRE', KEYS[1], maxexp - now + 1000)
return 1
"""

_scripts: dict[int, object] = {}  # Script objects (EVALSHA); always run with the current client


def hold_ttl_seconds() -> int:
    """How long a hold lasts: the HOLD_TTL_MINUTES setting (default 10)."""
    from tutorconnect.config import get_settings

    return get_settings().hold_ttl_minutes * 60


def _key(tutor_id: uuid.UUID) -> str:
    return f"tc:holds:{tutor_id}"


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def _from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, _UTC)


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.ConnectionError, redis.TimeoutError)


def _decode(tutor_id: uuid.UUID, student: bytes | str, raw: bytes | str) -> Hold | None:
    try:
        student_s = student.decode() if isinstance(student, bytes) else student
        parts = [int(p) for p in (raw.decode() if isinstance(raw, bytes) else raw).split("|")]
        bf, bu, s, e, length, x = parts
        return Hold(tutor_id, uuid.UUID(student_s), _from_ms(s), _from_ms(e), _from_ms(bf), _from_ms(bu),
                    length, _from_ms(x))
    except (ValueError, AttributeError):
        return None


def _redis_place(client, hold: Hold, now: datetime) -> bool:
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_PLACE_LUA)
    args = [str(hold.student_id), _ms(now), _ms(hold.blocked_from), _ms(hold.blocked_until),
            _ms(hold.starts_at), _ms(hold.ends_at), hold.length_minutes, _ms(hold.expires_at)]
    return int(script(keys=[_key(hold.tutor_id)], args=args, client=client)) == 1  # type: ignore[operator]


def _redis_all(client, tutor_id: uuid.UUID) -> list[Hold]:
    out = []
    for student, raw in client.hgetall(_key(tutor_id)).items():
        h = _decode(tutor_id, student, raw)
        if h is not None:
            out.append(h)
    return out


# PostgreSQL ----------------------------------------------------------------------------

_PG_CLEAR_SQL = text(  # rows locked in id order, so concurrent placements never deadlock on them
    "DELETE FROM slot_holds WHERE id IN (SELECT id FROM slot_holds WHERE tutor_id = :t "
    "AND (expires_at <= :now OR student_id = :s) ORDER BY id FOR UPDATE)")
# ON CONFLICT DO NOTHING: an overlapping hold (exclusion constraint) or a concurrent one of
# the same student (unique) returns no row. As a speculative insertion it also waits for a
# concurrent conflicting placement instead of deadlocking with it (plain INSERTs into an
# exclusion constraint can each wait for the other: SQLSTATE 40P01).
_PG_INSERT_SQL = text(
    "INSERT INTO slot_holds (id, tutor_id, student_id, starts_at, ends_at, blocked_from, blocked_until, "
    "length_minutes, expires_at) VALUES (:id, :t, :s, :starts, :ends, :bf, :bu, :len, :exp) "
    "ON CONFLICT DO NOTHING RETURNING id")
_PG_ACTIVE_SQL = text(
    "SELECT tutor_id, student_id, starts_at, ends_at, blocked_from, blocked_until, length_minutes, expires_at "
    "FROM slot_holds WHERE tutor_id = :t AND expires_at > :now AND blocked_from < :w1 AND blocked_until > :w0")
_PG_GET_SQL = text(
    "SELECT tutor_id, student_id, starts_at, ends_at, blocked_from, blocked_until, length_minutes, expires_at "
    "FROM slot_holds WHERE tutor_id = :t AND student_id = :s AND expires_at > :now")
_PG_RELEASE_SQL = text("DELETE FROM slot_holds WHERE tutor_id = :t AND student_id = :s")


def _row_hold(row) -> Hold:
    return Hold(row[0], row[1], row[2].astimezone(_UTC), row[3].astimezone(_UTC), row[4].astimezone(_UTC),
                row[5].astimezone(_UTC), int(row[6]), row[7].astimezone(_UTC))


def _pg_place(session, hold: Hold, now: datetime) -> None:
    session.execute(_PG_CLEAR_SQL, {"t": hold.tutor_id, "s": hold.student_id, "now": now})
    placed = session.execute(_PG_INSERT_SQL, {
        "id": uuid.uuid4(), "t": hold.tutor_id, "s": hold.student_id, "starts": hold.starts_at,
        "ends": hold.ends_at, "bf": hold.blocked_from, "bu": hold.blocked_until,
        "len": hold.length_minutes, "exp": hold.expires_at}).first()
    if placed is None:  # another student's overlapping hold / a concurrent one of ours
        raise SlotUnavailable("held", HELD_MESSAGE)


# Public --------------------------------------------------------------------------------

def aware_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(_UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(_UTC)


def store_hold(session, hold: Hold, now: datetime) -> None:
    """Place `hold` (already checked bookable): in Redis when configured and reachable,
    else in the slot_holds table. Raises SlotUnavailable("held") on an overlap."""
    client = get_redis()
    if client is not None:
        try:
            placed = _redis_place(client, hold, now)
        except _redis_errors() as err:
            log.warning("Redis unavailable for slot holds, using PostgreSQL: %r", err)
        else:
            if not placed:
                raise SlotUnavailable("held", HELD_MESSAGE)
            session.execute(_PG_RELEASE_SQL, {"t": hold.tutor_id, "s": hold.student_id})  # an outage-time hold
            live.publish(session, live.slots_topic(hold.tutor_id))  # other students' pickers drop the time
            return
    _pg_place(session, hold, now)
    live.publish(session, live.slots_topic(hold.tutor_id))


def release_hold(session, student_id: uuid.UUID, tutor_id: uuid.UUID) -> None:
    client = get_redis()
    if client is not None:
        try:
            client.hdel(_key(tutor_id), str(student_id))
        except _redis_errors() as err:
            log.warning("Redis unavailable for releasing a slot hold: %r", err)
    session.execute(_PG_RELEASE_SQL, {"t": tutor_id, "s": student_id})
    live.publish(session, live.slots_topic(tutor_id))  # the time may be free again for others


def get_hold(session, student_id: uuid.UUID, tutor_id: uuid.UUID, *, now: datetime | None = None) -> Hold | None:
    now = aware_now(now)
    client = get_redis()
    if client is not None:
        try:
            raw = client.hget(_key(tutor_id), str(student_id))
        except _redis_errors() as err:
            log.warning("Redis unavailable for reading a slot hold: %r", err)
        else:
            h = _decode(tutor_id, str(student_id), raw) if raw is not None else None
            if h is not None and h.expires_at > now:
                return h
    row = session.execute(_PG_GET_SQL, {"t": tutor_id, "s": student_id, "now": now}).first()
    return _row_hold(row) if row else None


def active_holds(session, tutor_id: uuid.UUID, window_start: datetime, window_end: datetime, *,
                 now: datetime | None = None) -> list[Hold]:
    now = aware_now(now)
    out: list[Hold] = []
    client = get_redis()
    if client is not None:
        try:
            out = [h for h in _redis_all(client, tutor_id)
                   if h.expires_at > now and h.blocked_from < window_end and h.blocked_until > window_start]
        except _redis_errors() as err:
            log.warning("Redis unavailable for reading slot holds: %r", err)
    seen = {h.student_id for h in out}
    for row in session.execute(_PG_ACTIVE_SQL, {"t": tutor_id, "now": now, "w0": window_start, "w1": window_end}):
        h = _row_hold(row)
        if h.student_id not in seen:
            out.append(h)
    return sorted(out, key=lambda h: h.blocked_from)
