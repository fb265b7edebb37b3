"""The pure slot core: a tutor's local wall-clock availability turned into real instants
under the DST policy below, and `compute_slots` (SlotInputs -> free (start, end) pairs in
UTC), which the property tests (tests/unit/test_slot_dst.py) exercise directly. No
database, no clock: everything comes in through `SlotInputs`.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

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


def utc_offset(zone: ZoneInfo, ts: int) -> int:
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
            prev_off, off = utc_offset(zone, prev_ts), utc_offset(zone, ts)
            if off < prev_off:  # fall back somewhere in (prev_ts, ts]
                lo, hi = prev_ts, ts
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if utc_offset(zone, mid) == off:
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
    return subtract(_merge(ranges), repeat_ranges(zone, first, last))


def subtract(windows: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
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


def to_epoch(dt: datetime) -> int:
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
    busy = _merge([(to_epoch(a), to_epoch(b)) for a, b in inp.busy])
    away = _merge([(to_epoch(a), to_epoch(b)) for a, b in inp.time_off])
    away_ends = [b for _, b in away]
    busy_ends = [b for _, b in busy]
    no_start: list[tuple[int, int]] = []
    if inp.max_per_day is not None:
        for day, count in inp.day_counts.items():
            if count >= inp.max_per_day:
                no_start.append((local_to_instant(zone, day, 0), local_to_instant(zone, day, 1440)))
    no_start = _merge(no_start)
    no_start_ends = [b for _, b in no_start]
    lo = to_epoch(inp.not_before) if inp.not_before is not None else None
    hi = None
    if inp.not_after_date is not None:
        hi = local_to_instant(zone, inp.not_after_date + timedelta(days=1), 0)
    out = []
    for a, b in windows:
        off = utc_offset(zone, a)
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
