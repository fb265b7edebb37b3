"""View models of the availability editor (state/availability_editor.py): what the page
shows, built from what scheduling.get_availability and scheduling.preview_slots return
and from the tab's backend vars: the weekly grid's rows, the month calendar's days, the
time-off list, the settings form's values, the lesson lengths with prices and the
free-slot preview. Pure functions; the State decides who may see them (`_may_see`).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from tutorconnect.money import format_money
from tutorconnect.state.availability_editor_times import (
    CalDay, add_month, hhmm, minutes_to_hours, month_days, off_dates,
)
from tutorconnect.timefmt import format_instant

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PREVIEW_DAYS = 7
PREVIEW_SHOWN = 16  # start times listed per preview day ("+N more" after that)


@dataclasses.dataclass
class IntervalRow:
    index: int
    start: str
    end: str


@dataclasses.dataclass
class DayRules:
    weekday: int
    label: str
    intervals: list[IntervalRow]


@dataclasses.dataclass
class PreviewDay:
    iso: str
    label: str
    date: str
    slots: list[str]
    shown: list[str]  # the first PREVIEW_SHOWN of them
    more: int


# -- from the service's answer to the backend vars ---------------------------------------------
def stored_availability(got) -> tuple[dict[str, str], list[list[tuple[int, int]]],
                                      dict[str, list[tuple[int, int]]], list[tuple[str, str, str, str]]]:
    """scheduling.get_availability's answer as the State keeps it: (settings form values,
    weekly intervals per weekday, ISO date -> override intervals, time-off rows)."""
    sch = got.schedule
    settings = {
        "buffer_before": str(sch.buffer_before_minutes), "buffer_after": str(sch.buffer_after_minutes),
        "min_notice_hours": minutes_to_hours(sch.min_notice_minutes), "horizon_days": str(sch.horizon_days),
        "max_per_day": "" if sch.max_lessons_per_day is None else str(sch.max_lessons_per_day),
    }
    week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for wd, s, e in got.rules:
        week[wd].append((s, e))
    overrides = {d.isoformat(): list(v) for d, v in got.overrides.items()}
    time_off = [(str(t.id), t.starts_at.isoformat(), t.ends_at.isoformat(), t.note or "") for t in got.time_off]
    return settings, week, overrides, time_off


def length_rows(prices: dict[int, int], currency: str) -> list[dict[str, str]]:
    return [{"minutes": str(m), "label": f"{m} min", "price": format_money(p, currency)}
            for m, p in sorted(prices.items())]


def default_length(offered: list[int]) -> str:
    """The preview's lesson length when none (or one no longer offered) is chosen."""
    return str(60 if 60 in offered else (min(offered) if offered else 60))


def preview_days(first: date, found) -> list[PreviewDay]:
    """scheduling.preview_slots' slots grouped by local day, PREVIEW_DAYS days from `first`."""
    by_day: dict[date, list[str]] = {first + timedelta(days=i): [] for i in range(PREVIEW_DAYS)}
    for slot in found:
        local = slot.local_start
        if local.date() in by_day:
            by_day[local.date()].append(f"{local:%H:%M}")
    return [PreviewDay(d.isoformat(), f"{d:%a}", f"{d:%d %b}", items, items[:PREVIEW_SHOWN],
                       max(0, len(items) - PREVIEW_SHOWN)) for d, items in by_day.items()]


# -- from the backend vars to what the page shows ----------------------------------------------
def interval_rows(intervals: list[tuple[int, int]]) -> list[IntervalRow]:
    return [IntervalRow(j, hhmm(s), hhmm(e)) for j, (s, e) in enumerate(intervals)]


def week_rows(week: list[list[tuple[int, int]]]) -> list[DayRules]:
    return [DayRules(i, DAY_NAMES[i], interval_rows(day)) for i, day in enumerate(week)]


def calendar_days(month_iso: str, today: date, overrides: dict[str, list[tuple[int, int]]],
                  time_off: list[tuple[str, str, str, str]], zone: str) -> list[CalDay]:
    """The shown month's days marked with the overrides and time off (stored as ISO text)."""
    month = date.fromisoformat(month_iso)
    last = add_month(month, 1) + timedelta(days=7)
    first = month - timedelta(days=7)
    by_date = {date.fromisoformat(k): v for k, v in overrides.items()}
    spans = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for _, a, b, _ in time_off]
    return month_days(month, today, by_date, off_dates(spans, zone, first, last))


def time_off_rows(time_off: list[tuple[str, str, str, str]], zone: str) -> list[dict[str, str]]:
    """The time off not yet over, labelled in `zone` (whole local days as dates)."""
    tz = ZoneInfo(zone)
    now = datetime.now(timezone.utc)
    rows = []
    for tid, a, b, note in time_off:
        start, end = datetime.fromisoformat(a), datetime.fromisoformat(b)
        if end <= now:
            continue
        first, stop = start.astimezone(tz), end.astimezone(tz)
        last = (end - timedelta(microseconds=1)).astimezone(tz)
        if first.time() == stop.time() == datetime.min.time():  # whole local days
            label = f"{first:%a %d %b %Y}" if first.date() == last.date() else \
                f"{first:%a %d %b %Y} – {last:%a %d %b %Y}"
        else:
            label = f"{format_instant(start, zone)} – {format_instant(end, zone)}"
        rows.append({"id": tid, "label": label, "note": note})
    return rows
