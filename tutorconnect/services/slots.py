"""Slot computation: when a tutor can be booked, for a lesson length, in a date range,
shown in the viewer's zone. THE one place that decides bookability (bookings.create_booking
and reschedule call `ensure_bookable`; the slot picker calls `free_slots`).

INTERFACE (fixed; implementation in progress):
- free_slots(session, tutor_id, length_minutes, first_day, last_day, viewer_zone, *, now=None,
  holder_id=None) -> list[Slot]: bookable start times whose start falls on the viewer's
  local dates first_day..last_day inclusive, ascending, no duplicates. Takes away active
  bookings (with the tutor's buffers), live holds of other students (holds.active_holds;
  `holder_id`'s own hold is not subtracted), time off, the busy times of the tutor's
  connected Google Calendar (services/busy_times: cached, compared with the lesson and its
  buffers like a booking; a calendar outage never fails this), minimum notice, the
  horizon and the per-day limit (counted per the tutor's local day). Starts are aligned to the
  tutor's local quarter hours within each availability interval.
- ensure_bookable(session, tutor_id, starts_at, length_minutes, *, now=None, student_id=None,
  ignore_booking_id=None) -> None: raises SlotUnavailable(reason_code, message) if the
  lesson [starts_at, starts_at + length) cannot be booked now; reason codes: "past",
  "min_notice", "horizon", "outside_availability", "taken", "held", "daily_limit",
  "length_not_offered", "tutor_not_listed" ("outside_availability" also when the tutor's
  Google Calendar is busy then). `ignore_booking_id` lets a reschedule ignore the booking
  being moved (and its own Google Calendar event). Holds of `student_id` itself are not a conflict.

Implementation notes: free_slots also raises SlotUnavailable("tutor_not_listed" |
"length_not_offered") and InvalidInput (unknown viewer zone, range over MAX_RANGE_DAYS);
each call reads the tutor in ONE round trip, then runs the pure core `compute_slots`
(SlotInputs -> [(start, end)]), which the property tests exercise directly. The daily
limit counts active bookings (not holds) by the tutor-local date of their start. Python
note for callers: subtracting two aware datetimes in the same zone gives the wall-clock
difference, so use starts_at/ends_at (UTC) for durations, local_* only for display.
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, text
from sqlmodel import Session

from tutorconnect.models.scheduling import ACTIVE_STATUSES, MAX_HORIZON_DAYS
from tutorconnect.services import busy_times
from tutorconnect.services import holds as holds_service
from tutorconnect.services.errors import DomainError, InvalidInput

REASONS = ("past", "min_notice", "horizon", "outside_availability", "taken", "held", "daily_limit",
           "length_not_offered", "tutor_not_listed")
MAX_RANGE_DAYS = 400  # longer ranges are refused; the work is bounded by the horizon (<= 365 days) anyway
DEFAULTS = dict(buffer_before_minutes=0, buffer_after_minutes=0, min_notice_minutes=720, horizon_days=60,
                max_lessons_per_day=None)  # as models.scheduling.TutorSchedule, when no row exists yet


class SlotUnavailable(DomainError):
    def __init__(self, reason: str, message: str) -> None:
        assert reason in REASONS, reason
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC
    local_start: datetime  # aware, in the viewer's zone
    local_end: datetime


# ---------------------------------------------------------------------------------------
# DST POLICY (deliberate, tested in tests/unit/test_slot_dst.py):
# - Availability is local wall-clock: each interval of each tutor-local date keeps its
#   wall-clock times on a DST change day (a 09:00-17:00 rule is 09:00-17:00 local).
# - Nonexistent local times (spring-forward gap): an interval boundary that falls in the
#   gap moves to the first valid instant after it (the transition itself), so no slot
#   starts in the gap and an interval starting at 02:30 in a 02:00-03:00 gap opens at 03:00.
# - Repeated local times (fall-back): used once, the first occurrence (fold=0). The second
#   occurrence is never available: no slot starts or runs in it. Boundaries use fold=0.
# Equivalently: the available instants of a tutor-local date are exactly those whose
# local wall-clock time lies in one of the date's intervals and that are not a second
# occurrence. The property tests check compute_slots against that definition by brute force.
# - Touching intervals (also across local midnight, e.g. 00:00-24:00 every day) are merged,
#   so a lesson may run across them. Starts fall on the tutor's local quarter hours (all
#   current zone offsets and DST shifts are multiples of 15 minutes, so alignment survives
#   a change inside an interval).
# ---------------------------------------------------------------------------------------

STEP_SECONDS = 15 * 60
_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1)


def _offset(zone: ZoneInfo, ts: int) -> int:
    return int(datetime.fromtimestamp(ts, zone).utcoffset().total_seconds())


@lru_cache(maxsize=65536)
def _plain_day(zone: ZoneInfo, day: date) -> int | None:
    """Epoch of local midnight when the UTC offset is the same all day (no transition), else None."""
    nxt = day + timedelta(days=1)
    a = datetime(day.year, day.month, day.day, tzinfo=zone)
    b = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
    if a.utcoffset() != b.utcoffset() or datetime.fromtimestamp(a.timestamp(), zone).replace(tzinfo=None) != \
            a.replace(tzinfo=None):
        return None
    return int(a.timestamp())


def local_to_instant(zone: ZoneInfo, day: date, minute: int) -> int:
    """Epoch seconds of local wall time `day` + `minute` (0..1440) under the policy above."""
    midnight = _plain_day(zone, day)
    if midnight is not None:
        return midnight + minute * 60
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    ts = int(wall.replace(tzinfo=zone).timestamp())  # fold=0: first occurrence
    if datetime.fromtimestamp(ts, zone).replace(tzinfo=None) == wall:
        return ts
    # Nonexistent: find the first instant whose local wall time is >= wall (the transition).
    other = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    lo, hi = min(ts, other), max(ts, other)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return hi


def repeat_ranges(zone: ZoneInfo, first: date, last: date) -> list[tuple[int, int]]:
    """Instants of the SECOND occurrence of repeated local times (fall-back) in the dates."""
    out = []
    day = first
    while day <= last:
        if _plain_day(zone, day) is None:
            nxt = day + timedelta(days=1)
            prev_ts = int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp())
            ts = int(datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone).timestamp())
            prev_off, off = _offset(zone, prev_ts), _offset(zone, ts)
            if off < prev_off:  # fall back somewhere in (prev_ts, ts]
                lo, hi = prev_ts, ts
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if _offset(zone, mid) == off:
                        hi = mid
                    else:
                        lo = mid
                out.append((hi, hi + (prev_off - off)))
        day += timedelta(days=1)
    return out


def _merge(ranges) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(ranges):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1][1] = b
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def availability_windows(zone: ZoneInfo, rules: dict[int, list[tuple[int, int]]],
                         overrides: dict[date, list[tuple[int, int]]], first: date, last: date
                         ) -> list[tuple[int, int]]:
    """Merged real-time windows (epoch seconds) for tutor-local dates first..last.
    `overrides[d]` replaces the weekday rules on d (an empty list = closed)."""
    ranges = []
    day = first
    while day <= last:
        intervals = overrides[day] if day in overrides else rules.get(day.weekday(), ())
        for start, end in intervals:
            a, b = local_to_instant(zone, day, start), local_to_instant(zone, day, end)
            if b > a:
                ranges.append((a, b))
        day += timedelta(days=1)
    return _subtract(_merge(ranges), repeat_ranges(zone, first, last))


def _subtract(windows: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    for h0, h1 in holes:
        out = []
        for a, b in windows:
            if h1 <= a or b <= h0:
                out.append((a, b))
                continue
            if a < h0:
                out.append((a, h0))
            if h1 < b:
                out.append((h1, b))
        windows = out
    return windows


def _overlaps(merged: list[tuple[int, int]], ends: list[int], a: int, b: int) -> bool:
    i = bisect_right(ends, a)
    return i < len(merged) and merged[i][0] < b


@dataclass
class SlotInputs:
    """Everything the pure core needs, in plain Python (instants as aware datetimes)."""

    zone: str
    length_minutes: int
    first_local_date: date  # tutor-local dates to generate
    last_local_date: date
    rules: dict[int, list[tuple[int, int]]]
    overrides: dict[date, list[tuple[int, int]]] = field(default_factory=dict)
    time_off: list[tuple[datetime, datetime]] = field(default_factory=list)
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)  # blocked ranges of bookings/holds
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    not_before: datetime | None = None  # now + minimum notice
    not_after_date: date | None = None  # last tutor-local date a lesson may start on (horizon)
    max_per_day: int | None = None
    day_counts: dict[date, int] = field(default_factory=dict)  # active bookings per tutor-local date


def _ts(dt: datetime) -> int:
    return int(dt.timestamp())


def compute_slots(inp: SlotInputs) -> list[tuple[datetime, datetime]]:
    """The pure core: free (start, end) pairs in UTC, ascending, no duplicates."""
    zone = ZoneInfo(inp.zone)
    length = inp.length_minutes * 60
    bb, ba = inp.buffer_before_minutes * 60, inp.buffer_after_minutes * 60
    windows = availability_windows(zone, inp.rules, inp.overrides, inp.first_local_date, inp.last_local_date)
    if not windows:
        return []
    # Bookings and holds are compared with the slot's own blocked range [s - bb, e + ba);
    # time off with the lesson [s, e) itself.
    busy = _merge([(_ts(a), _ts(b)) for a, b in inp.busy])
    away = _merge([(_ts(a), _ts(b)) for a, b in inp.time_off])
    away_ends = [b for _, b in away]
    busy_ends = [b for _, b in busy]
    no_start: list[tuple[int, int]] = []
    if inp.max_per_day is not None:
        for day, count in inp.day_counts.items():
            if count >= inp.max_per_day:
                no_start.append((local_to_instant(zone, day, 0), local_to_instant(zone, day, 1440)))
    no_start = _merge(no_start)
    no_start_ends = [b for _, b in no_start]
    lo = _ts(inp.not_before) if inp.not_before is not None else None
    hi = None
    if inp.not_after_date is not None:
        hi = local_to_instant(zone, inp.not_after_date + timedelta(days=1), 0)
    out = []
    for a, b in windows:
        off = _offset(zone, a)
        s = a + (-(a + off)) % STEP_SECONDS
        if lo is not None and s < lo:
            s += -(-(lo - s) // STEP_SECONDS) * STEP_SECONDS
        last_start = b - length
        if hi is not None and last_start >= hi:
            last_start = hi - 1
        while s <= last_start:
            e = s + length
            if (not busy or not _overlaps(busy, busy_ends, s - bb, e + ba)) and \
                    (not away or not _overlaps(away, away_ends, s, e)) and \
                    (not no_start or not _overlaps(no_start, no_start_ends, s, s + 1)):
                out.append(s)
            s += STEP_SECONDS
    return [(datetime.fromtimestamp(s, _UTC), datetime.fromtimestamp(s + length, _UTC)) for s in out]


# ---------------------------------------------------------------------------------------
# Database reads: one query per source for the whole range, then the pure core.
# ---------------------------------------------------------------------------------------

_LOAD_SQL = text("""
    SELECT u.time_zone, u.deleted_at IS NULL AS alive, p.status, p.lesson_lengths,
           s.buffer_before_minutes, s.buffer_after_minutes, s.min_notice_minutes, s.horizon_days,
           s.max_lessons_per_day, s.tutor_id IS NOT NULL AS has_schedule,
           (SELECT json_agg(json_build_array(r.weekday, r.start_minute, r.end_minute))
              FROM availability_rules r WHERE r.tutor_id = p.user_id) AS rules,
           (SELECT json_agg(json_build_array(o.on_date, o.kind, o.start_minute, o.end_minute))
              FROM availability_overrides o
             WHERE o.tutor_id = p.user_id AND o.on_date BETWEEN :d0 AND :d1) AS overrides,
           (SELECT json_agg(json_build_array(extract(epoch FROM t.starts_at), extract(epoch FROM t.ends_at)))
              FROM time_off t WHERE t.tutor_id = p.user_id AND t.ends_at > :w0 AND t.starts_at < :w1) AS time_off,
           (SELECT json_agg(json_build_array(b.id, extract(epoch FROM b.starts_at), extract(epoch FROM b.blocked_from),
                                             extract(epoch FROM b.blocked_until)))
              FROM bookings b WHERE b.tutor_id = p.user_id AND b.status IN :active
               AND b.blocked_until > :w0 AND b.blocked_from < :w1) AS bookings,
           """ + busy_times.CACHE_SQL + """ AS google
      FROM tutor_profiles p JOIN users u ON u.id = p.user_id
      LEFT JOIN tutor_schedules s ON s.tutor_id = p.user_id
     WHERE p.user_id = :t""").bindparams(bindparam("active", expanding=True))


@dataclass
class _Tutor:
    zone: ZoneInfo
    zone_name: str
    listed: bool
    lengths: tuple[int, ...]
    buffer_before: int
    buffer_after: int
    min_notice: int
    horizon_days: int
    max_per_day: int | None
    rules: dict[int, list[tuple[int, int]]]
    overrides: dict[date, list[tuple[int, int]]]
    time_off: list[tuple[datetime, datetime]]
    bookings: list[tuple[str, datetime, datetime, datetime]]  # (id, starts_at, blocked_from, blocked_until)
    google: busy_times.Cached | None = None  # connected Google Calendar and its cached busy times
    ignored_block: tuple[datetime, datetime] | None = None  # blocked range of the booking being moved


def _dt(epoch) -> datetime:
    return datetime.fromtimestamp(float(epoch), _UTC)


def _load(session: Session, tutor_id: uuid.UUID, w0: datetime, w1: datetime,
          ignore_booking_id: uuid.UUID | None = None) -> _Tutor | None:
    """Everything about the tutor for the instants [w0, w1) in ONE round trip (overrides
    for the UTC dates around it, which cover every tutor-local date in it)."""
    row = session.execute(_LOAD_SQL, {
        "t": tutor_id, "w0": w0, "w1": w1, "active": list(ACTIVE_STATUSES),
        "d0": (w0 - timedelta(days=2)).date(), "d1": (w1 + timedelta(days=2)).date(),
    }).mappings().first()
    if row is None:
        return None
    cfg = dict(DEFAULTS) if not row["has_schedule"] else {k: row[k] for k in DEFAULTS}
    try:
        zone = ZoneInfo(row["time_zone"])
        name = row["time_zone"]
    except (ZoneInfoNotFoundError, ValueError):
        zone, name = ZoneInfo("UTC"), "UTC"
    rules: dict[int, list[tuple[int, int]]] = {}
    for weekday, start, end in row["rules"] or ():
        rules.setdefault(weekday, []).append((start, end))
    overrides: dict[date, list[tuple[int, int]]] = {}
    for on_date, kind, start, end in row["overrides"] or ():
        lst = overrides.setdefault(date.fromisoformat(on_date), [])
        if kind == "hours":
            lst.append((start, end))
    ignore = str(ignore_booking_id) if ignore_booking_id is not None else None
    ignored = next(((_dt(bf), _dt(bu)) for bid, _, bf, bu in row["bookings"] or () if bid == ignore), None)
    return _Tutor(
        zone=zone, zone_name=name, listed=row["status"] == "approved" and row["alive"],
        lengths=tuple(row["lesson_lengths"] or ()), buffer_before=cfg["buffer_before_minutes"],
        buffer_after=cfg["buffer_after_minutes"], min_notice=cfg["min_notice_minutes"],
        horizon_days=cfg["horizon_days"], max_per_day=cfg["max_lessons_per_day"], rules=rules, overrides=overrides,
        time_off=[(_dt(a), _dt(b)) for a, b in row["time_off"] or ()],
        bookings=[(bid, _dt(st), _dt(bf), _dt(bu)) for bid, st, bf, bu in row["bookings"] or () if bid != ignore],
        google=busy_times.Cached.from_json(row["google"]), ignored_block=ignored,
    )


def _horizon_end(tutor: _Tutor, now: datetime) -> datetime:
    """The latest instant a bookable lesson can reach: the end of the local day after the
    last bookable date (a lesson may run past midnight)."""
    last = now.astimezone(tutor.zone).date() + timedelta(days=tutor.horizon_days + 2)
    return datetime(last.year, last.month, last.day, tzinfo=tutor.zone).astimezone(_UTC)


def _google_busy(session: Session, tutor: _Tutor, tutor_id: uuid.UUID, w0: datetime, w1: datetime,
                 now: datetime) -> list[tuple[datetime, datetime]]:
    """Busy times from the tutor's Google Calendar overlapping [w0, w1) (cached; never
    raises). A rescheduled booking's own time is not busy for it: its calendar event
    is that booking."""
    if tutor.google is None:
        return []
    spans = busy_times.busy_between(session, tutor_id, w0, w1, now=now, horizon_end=_horizon_end(tutor, now),
                                    cached=tutor.google)
    if tutor.ignored_block is not None and spans:
        a, b = tutor.ignored_block
        hole = [(_ts(a), _ts(b))]
        spans = [(_dt(x), _dt(y)) for x, y in _subtract([(_ts(s), _ts(e)) for s, e in spans], hole)]
    return [(s, e) for s, e in spans if s < w1 and w0 < e]


def _day_counts(tutor: _Tutor, rows) -> dict[date, int]:
    counts: dict[date, int] = {}
    for r in rows:
        d = r[1].astimezone(tutor.zone).date()
        counts[d] = counts.get(d, 0) + 1
    return counts


def _zone(name: str, field_name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInput(field_name, "Choose a valid time zone.") from None


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(_UTC)).astimezone(_UTC)


def _listed(tutor: _Tutor | None, length_minutes) -> _Tutor:
    if tutor is None or not tutor.listed:
        raise SlotUnavailable("tutor_not_listed", "This tutor is not taking bookings right now.")
    if length_minutes not in tutor.lengths:
        offered = ", ".join(str(n) for n in sorted(tutor.lengths)) or "none"
        raise SlotUnavailable("length_not_offered",
                              f"This tutor does not offer {length_minutes}-minute lessons (offered: {offered} minutes).")
    return tutor


def free_slots(
    session: Session,
    tutor_id: uuid.UUID,
    length_minutes: int,
    first_day: date,
    last_day: date,
    viewer_zone: str,
    *,
    now: datetime | None = None,
    holder_id: uuid.UUID | None = None,
    ignore_booking_id: uuid.UUID | None = None,
) -> list[Slot]:
    """See the module docstring. Raises SlotUnavailable("tutor_not_listed" |
    "length_not_offered") and InvalidInput for a bad zone or date range.
    `ignore_booking_id`: a booking being rescheduled does not block its own new time (nor
    count towards its day's limit), as in `ensure_bookable`."""
    viewer = _zone(viewer_zone, "viewer_zone")
    for name, value in (("first_day", first_day), ("last_day", last_day)):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise InvalidInput(name, "Choose a date.")
    if last_day < first_day or (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise InvalidInput("last_day", f"Choose a date range of 1 to {MAX_RANGE_DAYS} days.")
    w0 = datetime(first_day.year, first_day.month, first_day.day, tzinfo=viewer).astimezone(_UTC)
    end_day = last_day + timedelta(days=1)
    w1 = datetime(end_day.year, end_day.month, end_day.day, tzinfo=viewer).astimezone(_UTC)
    slack = timedelta(days=1)
    tutor = _listed(_load(session, tutor_id, w0 - slack, w1 + slack, ignore_booking_id), length_minutes)
    return _free_slots(session, tutor, tutor_id, length_minutes, w0, w1, viewer, _now(now), holder_id)


def _free_slots(session, tutor: _Tutor, tutor_id, length_minutes, w0: datetime, w1: datetime, viewer: ZoneInfo,
                now: datetime, holder_id) -> list[Slot]:
    if w1 <= now:
        return []
    today = now.astimezone(tutor.zone).date()
    horizon_date = today + timedelta(days=tutor.horizon_days)
    d0 = max(w0.astimezone(tutor.zone).date(), today)
    d1 = min(w1.astimezone(tutor.zone).date(), horizon_date) + timedelta(days=1)  # +1: lessons may run past midnight
    if d1 < d0:
        return []
    slack = timedelta(days=1)
    held = [h for h in holds_service.active_holds(session, tutor_id, w0 - slack, w1 + slack, now=now)
            if holder_id is None or h.student_id != holder_id]
    google = _google_busy(session, tutor, tutor_id, w0 - slack, w1 + slack, now)
    inp = SlotInputs(
        zone=tutor.zone_name, length_minutes=length_minutes, first_local_date=d0, last_local_date=d1,
        rules=tutor.rules, overrides=tutor.overrides, time_off=tutor.time_off,
        busy=[(r[2], r[3]) for r in tutor.bookings] + [(h.blocked_from, h.blocked_until) for h in held] + google,
        buffer_before_minutes=tutor.buffer_before, buffer_after_minutes=tutor.buffer_after,
        not_before=max(now + timedelta(minutes=tutor.min_notice), w0), not_after_date=horizon_date,
        max_per_day=tutor.max_per_day, day_counts=_day_counts(tutor, tutor.bookings) if tutor.max_per_day else {},
    )
    length = timedelta(minutes=length_minutes)
    return [Slot(s, e, s.astimezone(viewer), (s + length).astimezone(viewer))
            for s, e in compute_slots(inp) if s < w1]


def preview_slots(session: Session, tutor_id: uuid.UUID, length_minutes: int, first_day: date, last_day: date,
                  *, now: datetime | None = None) -> list[Slot]:
    """The tutor's own view of their free slots, in their own zone (for the editor preview).
    Works before approval too: the 'listed' and 'length offered' checks are skipped."""
    if last_day < first_day or (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise InvalidInput("last_day", f"Choose a date range of 1 to {MAX_RANGE_DAYS} days.")
    probe = _load(session, tutor_id, _now(now), _now(now))
    if probe is None:
        return []
    zone = probe.zone
    w0 = datetime(first_day.year, first_day.month, first_day.day, tzinfo=zone).astimezone(_UTC)
    end_day = last_day + timedelta(days=1)
    w1 = datetime(end_day.year, end_day.month, end_day.day, tzinfo=zone).astimezone(_UTC)
    slack = timedelta(days=1)
    tutor = _load(session, tutor_id, w0 - slack, w1 + slack)
    assert tutor is not None
    return _free_slots(session, tutor, tutor_id, length_minutes, w0, w1, zone, _now(now), None)


def ensure_bookable(
    session: Session,
    tutor_id: uuid.UUID,
    starts_at: datetime,
    length_minutes: int,
    *,
    now: datetime | None = None,
    student_id: uuid.UUID | None = None,
    ignore_booking_id: uuid.UUID | None = None,
) -> None:
    """See the module docstring. Checks in order: listed, length, past, notice, horizon,
    availability (rules/overrides/time off/quarter hours/DST policy), bookings, holds, limit."""
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        raise InvalidInput("starts_at", "Choose a start time with a time zone.")
    now = _now(now)
    start = starts_at.astimezone(_UTC)
    if start > now + timedelta(days=MAX_HORIZON_DAYS + 1):  # before any date arithmetic near datetime.max
        raise SlotUnavailable("horizon", f"Bookings can be made at most {MAX_HORIZON_DAYS} days ahead.")
    window = timedelta(days=2)
    tutor = _listed(_load(session, tutor_id, start - window, start + window, ignore_booking_id), length_minutes)
    end = start + timedelta(minutes=length_minutes)
    if start < now:
        raise SlotUnavailable("past", "That time has already passed. Choose a later time.")
    if start < now + timedelta(minutes=tutor.min_notice):
        hours = tutor.min_notice / 60
        notice = f"{hours:g} hour{'s' if hours != 1 else ''}" if tutor.min_notice >= 60 else f"{tutor.min_notice} minutes"
        raise SlotUnavailable("min_notice", f"This tutor needs at least {notice} notice. Choose a later time.")
    local_day = start.astimezone(tutor.zone).date()
    today = now.astimezone(tutor.zone).date()
    if local_day > today + timedelta(days=tutor.horizon_days):
        raise SlotUnavailable("horizon", f"This tutor takes bookings at most {tutor.horizon_days} days ahead.")
    s, e = _ts(start), _ts(end)
    d0, d1 = local_day - timedelta(days=1), local_day + timedelta(days=1)
    windows = availability_windows(tutor.zone, tutor.rules, tutor.overrides, d0, d1)
    inside = any(a <= s and e <= b for a, b in windows)
    aligned = start.microsecond == 0 and (s + _offset(tutor.zone, s)) % STEP_SECONDS == 0
    if not inside or not aligned:
        raise SlotUnavailable("outside_availability", "The tutor is not available at that time. Choose a listed slot.")
    if any(a < end and start < b for a, b in tutor.time_off):
        raise SlotUnavailable("outside_availability", "The tutor is away at that time. Choose another slot.")
    blocked_from = start - timedelta(minutes=tutor.buffer_before)
    blocked_until = end + timedelta(minutes=tutor.buffer_after)
    booked = tutor.bookings
    if any(r[2] < blocked_until and blocked_from < r[3] for r in booked):
        raise SlotUnavailable("taken", "That time has just been booked. Choose another slot.")
    for h in holds_service.active_holds(session, tutor_id, blocked_from, blocked_until, now=now):
        if (student_id is None or h.student_id != student_id) and h.blocked_from < blocked_until \
                and blocked_from < h.blocked_until:
            raise SlotUnavailable("held", holds_service.HELD_MESSAGE)
    if _google_busy(session, tutor, tutor_id, blocked_from, blocked_until, now):
        raise SlotUnavailable("outside_availability", "The tutor is busy at that time. Choose another slot.")
    if tutor.max_per_day is not None:
        count = sum(1 for r in booked if r[1].astimezone(tutor.zone).date() == local_day)
        if count >= tutor.max_per_day:
            raise SlotUnavailable("daily_limit", "This tutor is fully booked that day. Choose another day.")
