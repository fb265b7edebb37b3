"""Pure time and date helpers of the availability editor (state/availability_editor.py):
the quarter-hour time options and their parsing, handler-argument and form-number
checks, hours <-> minutes, local days as UTC instants (DST included), month arithmetic,
the next interval to offer, and the month calendar's day marks (`CalDay`, `month_days`).

No state and no I/O; tests/unit/test_availability_editor_helpers.py covers them.
"""

from __future__ import annotations

import calendar
import dataclasses
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from tutorconnect.services import scheduling
from tutorconnect.services.errors import InvalidInput
from tutorconnect.state.forms import short_str

STEP = scheduling.GRANULARITY
MONTHS_AHEAD = 24  # how far the month calendar goes
DEFAULT_INTERVAL = (9 * 60, 17 * 60)


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


START_OPTIONS = [hhmm(m) for m in range(0, 24 * 60, STEP)]
END_OPTIONS = [hhmm(m) for m in range(STEP, 24 * 60 + 1, STEP)]


def parse_hhmm(value: Any, *, end: bool) -> int:
    """Minutes after midnight of an "HH:MM" option (quarter hours; "24:00" only as an end)."""
    text = short_str(value, 5)
    if text is None or text not in (END_OPTIONS if end else START_OPTIONS):
        raise InvalidInput("time", "Choose a time from the list (quarter hours).")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def int_arg(value: Any, lo: int, hi: int, what: str) -> int:
    """A whole-number handler argument in lo..hi (bools, strings and floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InvalidInput(what, f"Choose a valid {what}. Reload the page if this keeps happening.")
    return value


def whole(field: str, text: str, label: str, *, optional: bool = False) -> int | None:
    """A whole number typed into a form field (range checks are the service's)."""
    text = text.strip()
    if not text and optional:
        return None
    if not text or not text.isdigit() or len(text) > 6:
        raise InvalidInput(field, f"Enter {label} as a whole number.")
    return int(text)


def hours_to_minutes(field: str, text: str) -> int:
    """'12', '1.5' or '0.25' hours -> minutes (whole minutes, at most two decimals)."""
    text = text.strip().replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value > 100_000 or value.as_tuple().exponent < -2:
        raise InvalidInput(field, "Enter the minimum notice in hours, e.g. 12 or 1.5.")
    minutes = value * 60
    if minutes != minutes.to_integral_value():
        raise InvalidInput(field, "Enter the minimum notice in whole minutes' worth of hours, e.g. 12 or 1.5.")
    return int(minutes)


def minutes_to_hours(minutes: int) -> str:
    text = f"{Decimal(minutes) / 60:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def iso_date(value: Any, field: str = "date") -> date:
    text = short_str(value, 10)
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        raise InvalidInput(field, "Choose a date.") from None


def local_day_bounds(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    """Local midnight starting `first` .. local midnight after `last`, as UTC instants."""
    tz = ZoneInfo(zone)
    after = last + timedelta(days=1)
    start = datetime(first.year, first.month, first.day, tzinfo=tz).astimezone(timezone.utc)
    end = datetime(after.year, after.month, after.day, tzinfo=tz).astimezone(timezone.utc)
    return start, end


def intervals_label(intervals: list[tuple[int, int]]) -> str:
    return ", ".join(f"{hhmm(s)}–{hhmm(e)}" for s, e in intervals)


def add_month(month: date, delta: int) -> date:
    index = month.year * 12 + month.month - 1 + delta
    return date(index // 12, index % 12 + 1, 1)


def new_interval(existing: list[tuple[int, int]]) -> tuple[int, int]:
    """A sensible next interval: 09:00-17:00 on an empty day, else an hour after the last one."""
    if not existing:
        return DEFAULT_INTERVAL
    last_end = max(e for _, e in existing)
    start = min(last_end + 60, 24 * 60 - 60)
    return start, min(start + 60, 24 * 60)


@dataclasses.dataclass
class CalDay:
    iso: str
    number: str
    in_month: bool
    today: bool
    past: bool
    kind: str  # "" | "closed" | "hours" | "off"
    label: str  # what the mark says ("Closed", "10:00–12:00", "Time off")
    aria: str


def month_days(month: date, today: date, overrides: dict[date, list[tuple[int, int]]],
               off_days: set[date]) -> list[CalDay]:
    """The Monday-first weeks covering `month`, with each day's mark."""
    out: list[CalDay] = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        for d in week:
            if d in off_days:
                kind, label = "off", "Time off"
            elif d in overrides:
                kind, label = ("hours", intervals_label(overrides[d])) if overrides[d] else ("closed", "Closed")
            else:
                kind, label = "", ""
            aria = f"{d:%A} {d.day} {d:%B %Y}" + (f", {label}" if label else "")
            out.append(CalDay(d.isoformat(), str(d.day), d.month == month.month, d == today, d < today, kind, label,
                              aria))
    return out


def off_dates(time_off: list[tuple[datetime, datetime]], zone: str, first: date, last: date) -> set[date]:
    """Local dates in first..last touched by any time-off range (end exclusive)."""
    tz = ZoneInfo(zone)
    days: set[date] = set()
    for start, end in time_off:
        d0 = max(start.astimezone(tz).date(), first)
        d1 = min((end - timedelta(microseconds=1)).astimezone(tz).date(), last)
        while d0 <= d1:
            days.add(d0)
            d0 += timedelta(days=1)
    return days
