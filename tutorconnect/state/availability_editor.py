"""/tutor/availability: a tutor edits their booking settings, weekly hours, date
overrides and time off, and sees the free slots that result (in their own zone).

Everything shown is the tutor's own data: it lives in backend vars (leading underscore)
bound to the session that loaded it and is exposed through `_may_see` guarded vars. Draft
edits (the weekly grid, the day panel) change only this tab's state; saves go through
services/availability.py, which authorizes and validates again. Every handler re-checks
the session (`_require("tutor")`) and validates its arguments: they come from a browser.
"""

from __future__ import annotations

import calendar
import dataclasses
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from tutorconnect.models import TutorProfile
from tutorconnect.money import format_money
from tutorconnect.services import availability, tutor_profiles
from tutorconnect.services.errors import DomainError, InvalidInput, NotFound
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import parse_form, short_str
from tutorconnect.timefmt import format_instant

STEP = availability.GRANULARITY
MAX_PER_DAY = availability.MAX_INTERVALS_PER_DAY
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PREVIEW_DAYS = 7
PREVIEW_SHOWN = 16  # start times listed per preview day ("+N more" after that)
MONTHS_AHEAD = 24  # how far the month calendar goes
DEFAULT_INTERVAL = (9 * 60, 17 * 60)
SETTINGS_FIELDS = {"buffer_before": 8, "buffer_after": 8, "min_notice_hours": 8, "horizon_days": 8,
                   "max_per_day": 8}
SERVICE_FIELD = {"buffer_before_minutes": "buffer_before", "buffer_after_minutes": "buffer_after",
                 "min_notice_minutes": "min_notice_hours", "horizon_days": "horizon_days",
                 "max_lessons_per_day": "max_per_day"}
TIME_OFF_FIELDS = {"start_date": 10, "end_date": 10, "note": availability.MAX_NOTE}


# -- pure helpers (tests/unit/test_availability_editor_helpers.py) -----------------------------
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
class CalDay:
    iso: str
    number: str
    in_month: bool
    today: bool
    past: bool
    kind: str  # "" | "closed" | "hours" | "off"
    label: str  # what the mark says ("Closed", "10:00–12:00", "Time off")
    aria: str


@dataclasses.dataclass
class PreviewDay:
    iso: str
    label: str
    date: str
    slots: list[str]
    shown: list[str]  # the first PREVIEW_SHOWN of them
    more: int


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


def _read(session, ctx, tutor_id: uuid.UUID):
    got = availability.get_availability(session, ctx, tutor_id)
    profile = session.get(TutorProfile, tutor_id)
    prices = tutor_profiles.prices(session, tutor_id)
    return got, prices, profile.currency if profile else "INR"


class AvailabilityEditorState(SessionState):
    loading: bool = True
    no_profile: bool = False
    zone: str = "UTC"
    now_label: str = ""
    # settings form
    settings_errors: dict[str, str] = {}
    settings_saving: bool = False
    settings_key: int = 0
    # weekly grid
    week_error: str = ""
    week_saving: bool = False
    week_dirty: bool = False
    # month calendar and the day panel
    month: str = ""  # ISO date of the first of the shown month
    month_label: str = ""
    at_first_month: bool = True
    at_last_month: bool = False
    day_open: bool = False
    day_iso: str = ""
    day_title: str = ""
    day_mode: str = "weekly"  # weekly | closed | hours
    day_error: str = ""
    day_saving: bool = False
    # time off
    off_errors: dict[str, str] = {}
    off_saving: bool = False
    off_key: int = 0
    # preview
    preview_length: str = ""
    preview_loading: bool = False

    _owner: str = ""
    _settings: dict[str, str] = {}
    _week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    _overrides: dict[str, list[tuple[int, int]]] = {}  # ISO date -> intervals ([] = closed)
    _time_off_raw: list[tuple[str, str, str, str]] = []  # (id, starts_at ISO, ends_at ISO, note)
    _day_draft: list[tuple[int, int]] = []
    _lengths: list[dict[str, str]] = []
    _preview: list[PreviewDay] = []

    # -- what the page may show ----------------------------------------------------------------
    def _mine(self) -> bool:
        return self._may_see(self._owner)

    @rx.var(cache=False)
    def settings(self) -> dict[str, str]:
        return self._settings if self._mine() else {}

    @rx.var(cache=False)
    def week(self) -> list[DayRules]:
        if not self._mine():
            return []
        return [DayRules(i, DAY_NAMES[i], [IntervalRow(j, hhmm(s), hhmm(e)) for j, (s, e) in enumerate(day)])
                for i, day in enumerate(self._week)]

    @rx.var(cache=False)
    def days(self) -> list[CalDay]:
        if not self._mine() or not self.month:
            return []
        month = date.fromisoformat(self.month)
        today = self._today()
        last = add_month(month, 1) + timedelta(days=7)
        first = month - timedelta(days=7)
        overrides = {date.fromisoformat(k): v for k, v in self._overrides.items()}
        spans = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for _, a, b, _ in self._time_off_raw]
        return month_days(month, today, overrides, off_dates(spans, self.zone, first, last))

    @rx.var(cache=False)
    def time_off(self) -> list[dict[str, str]]:
        if not self._mine():
            return []
        tz = ZoneInfo(self.zone)
        now = datetime.now(timezone.utc)
        rows = []
        for tid, a, b, note in self._time_off_raw:
            start, end = datetime.fromisoformat(a), datetime.fromisoformat(b)
            if end <= now:
                continue
            first, stop = start.astimezone(tz), end.astimezone(tz)
            last = (end - timedelta(microseconds=1)).astimezone(tz)
            if first.time() == stop.time() == datetime.min.time():  # whole local days
                label = f"{first:%a %d %b %Y}" if first.date() == last.date() else \
                    f"{first:%a %d %b %Y} – {last:%a %d %b %Y}"
            else:
                label = f"{format_instant(start, self.zone)} – {format_instant(end, self.zone)}"
            rows.append({"id": tid, "label": label, "note": note})
        return rows

    @rx.var(cache=False)
    def day_intervals(self) -> list[IntervalRow]:
        if not self._mine():
            return []
        return [IntervalRow(j, hhmm(s), hhmm(e)) for j, (s, e) in enumerate(self._day_draft)]

    @rx.var(cache=False)
    def day_has_override(self) -> bool:
        return self._mine() and self.day_iso in self._overrides

    @rx.var(cache=False)
    def day_weekly_label(self) -> str:
        if not self._mine() or not self.day_iso:
            return ""
        hours = self._week[date.fromisoformat(self.day_iso).weekday()]
        return intervals_label(hours) if hours else "no weekly hours (closed)"

    @rx.var(cache=False)
    def lengths(self) -> list[dict[str, str]]:
        return self._lengths if self._mine() else []

    @rx.var(cache=False)
    def preview(self) -> list[PreviewDay]:
        return self._preview if self._mine() else []

    @rx.var(cache=False)
    def preview_count(self) -> int:
        return sum(len(d.slots) for d in self.preview)

    @rx.var
    def start_options(self) -> list[str]:
        return START_OPTIONS

    @rx.var
    def end_options(self) -> list[str]:
        return END_OPTIONS

    def _clear_private(self) -> None:
        self._owner, self._settings, self._overrides, self._time_off_raw = "", {}, {}, []
        self._week = [[] for _ in range(7)]
        self._day_draft, self._lengths, self._preview = [], [], []
        self.day_open, self.day_iso, self.week_dirty = False, "", False

    # -- helpers ---------------------------------------------------------------------------------
    def _today(self) -> date:
        return datetime.now(ZoneInfo(self.zone)).date()

    def _apply(self, got, prices: dict[int, int], currency: str) -> None:
        sch = got.schedule
        self._settings = {
            "buffer_before": str(sch.buffer_before_minutes), "buffer_after": str(sch.buffer_after_minutes),
            "min_notice_hours": minutes_to_hours(sch.min_notice_minutes), "horizon_days": str(sch.horizon_days),
            "max_per_day": "" if sch.max_lessons_per_day is None else str(sch.max_lessons_per_day),
        }
        week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for wd, s, e in got.rules:
            week[wd].append((s, e))
        if not self.week_dirty:
            self._week = week
        self._overrides = {d.isoformat(): list(v) for d, v in got.overrides.items()}
        self._time_off_raw = [(str(t.id), t.starts_at.isoformat(), t.ends_at.isoformat(), t.note or "")
                              for t in got.time_off]
        self._lengths = [{"minutes": str(m), "label": f"{m} min", "price": format_money(p, currency)}
                         for m, p in sorted(prices.items())]
        offered = [m for m in prices]
        if not self.preview_length or int(self.preview_length) not in offered:
            self.preview_length = str(60 if 60 in offered else (min(offered) if offered else 60))
        self._owner = self._bind_private()

    async def _reload(self, user, *, preview: bool = True) -> None:
        self.zone = user.time_zone
        self.now_label = f"{datetime.now(ZoneInfo(self.zone)):%a} " + format_instant(datetime.now(timezone.utc),
                                                                                        self.zone)
        got, prices, currency = await in_transaction(_read, self._ctx(user), user.user_id)
        self._apply(got, prices, currency)
        if preview:
            await self._refresh_preview(user)

    async def _refresh_preview(self, user) -> None:
        first = self._today()
        last = first + timedelta(days=PREVIEW_DAYS - 1)
        found = await in_transaction(availability.preview_slots, self._ctx(user), user.user_id,
                                     int(self.preview_length or 60), first, last)
        by_day: dict[date, list[str]] = {first + timedelta(days=i): [] for i in range(PREVIEW_DAYS)}
        for slot in found:
            local = slot.local_start
            if local.date() in by_day:
                by_day[local.date()].append(f"{local:%H:%M}")
        self._preview = [PreviewDay(d.isoformat(), f"{d:%a}", f"{d:%d %b}", items, items[:PREVIEW_SHOWN],
                                    max(0, len(items) - PREVIEW_SHOWN)) for d, items in by_day.items()]

    def _show_month(self, month: date) -> None:
        this = self._today().replace(day=1)
        month = min(max(month, this), add_month(this, MONTHS_AHEAD))
        self.month = month.isoformat()
        self.month_label = f"{month:%B %Y}"
        self.at_first_month = month <= this
        self.at_last_month = month >= add_month(this, MONTHS_AHEAD)

    async def _tutor(self):
        return await self._require("tutor")

    def _fail(self, err: DomainError) -> Any:
        """A bad argument is only a message (the loaded data stays); anything else is a refusal."""
        if isinstance(err, (InvalidInput, NotFound)):
            return rx.toast.error(err.message)
        return self._refuse(err)

    # -- loading ---------------------------------------------------------------------------------
    @rx.event
    async def load(self):
        self.loading = True
        self.settings_errors, self.off_errors, self.week_error, self.day_error = {}, {}, "", ""
        self.week_dirty, self.day_open, self.no_profile = False, False, False
        try:
            user = await self._tutor()
            await self._reload(user)
        except NotFound:
            self.loading, self.no_profile = False, True
            self._clear_private()
            return
        except DomainError as err:
            self.loading = False
            return self._refuse(err)
        self._show_month(self._today().replace(day=1))
        self.loading = False

    # -- settings --------------------------------------------------------------------------------
    @rx.event
    async def save_settings(self, form_data: Any):
        if self.settings_saving:
            return
        self.settings_errors = {}
        try:
            user = await self._tutor()
            form = parse_form(form_data, SETTINGS_FIELDS)
            values = dict(
                buffer_before_minutes=whole("buffer_before", form["buffer_before"], "the buffer before (minutes)"),
                buffer_after_minutes=whole("buffer_after", form["buffer_after"], "the buffer after (minutes)"),
                min_notice_minutes=hours_to_minutes("min_notice_hours", form["min_notice_hours"]),
                horizon_days=whole("horizon_days", form["horizon_days"], "how far ahead (days)"),
                max_lessons_per_day=whole("max_per_day", form["max_per_day"], "the daily limit", optional=True),
            )
            self.settings_saving = True
            yield
            await in_transaction(availability.save_settings, self._ctx(user), user.user_id, **values)
            await self._reload(user)
        except InvalidInput as err:
            self.settings_saving = False
            field = SERVICE_FIELD.get(err.field, err.field)
            self.settings_errors = {field if field in SETTINGS_FIELDS else "form": err.message}
            yield rx.toast.error(err.message)
            return
        except DomainError as err:
            self.settings_saving = False
            yield self._refuse(err)
            return
        self.settings_saving = False
        self.settings_key += 1
        yield rx.toast.success("Booking settings saved.")

    # -- weekly grid (a draft until saved) -------------------------------------------------------
    def _weekday(self, weekday: Any) -> int:
        return int_arg(weekday, 0, 6, "weekday")

    def _index(self, intervals: list, index: Any) -> int:
        if not intervals:
            raise InvalidInput("interval", "That interval no longer exists. Reload the page.")
        return int_arg(index, 0, len(intervals) - 1, "interval")

    @staticmethod
    def _which(which: Any) -> bool:
        if which not in ("start", "end"):
            raise InvalidInput("time", "Choose a start or an end time.")
        return which == "end"

    @rx.event
    async def set_rule_time(self, weekday: Any, index: Any, which: Any, value: Any):
        try:
            await self._tutor()
            wd = self._weekday(weekday)
            i = self._index(self._week[wd], index)
            end = self._which(which)
            minute = parse_hhmm(value, end=end)
        except DomainError as err:
            return self._fail(err)
        s, e = self._week[wd][i]
        day = list(self._week[wd])
        day[i] = (s, minute) if end else (minute, e)
        self._week = [day if j == wd else d for j, d in enumerate(self._week)]
        self.week_dirty, self.week_error = True, ""

    @rx.event
    async def add_interval(self, weekday: Any):
        try:
            await self._tutor()
            wd = self._weekday(weekday)
            if len(self._week[wd]) >= MAX_PER_DAY:
                raise InvalidInput("rules", f"At most {MAX_PER_DAY} intervals a day.")
        except DomainError as err:
            return self._fail(err)
        added = [*self._week[wd], new_interval(self._week[wd])]
        self._week = [added if j == wd else d for j, d in enumerate(self._week)]
        self.week_dirty, self.week_error = True, ""

    @rx.event
    async def remove_interval(self, weekday: Any, index: Any):
        try:
            await self._tutor()
            wd = self._weekday(weekday)
            i = self._index(self._week[wd], index)
        except DomainError as err:
            return self._fail(err)
        kept = [iv for j, iv in enumerate(self._week[wd]) if j != i]
        self._week = [kept if j == wd else d for j, d in enumerate(self._week)]
        self.week_dirty, self.week_error = True, ""

    @rx.event
    async def copy_monday(self):
        try:
            await self._tutor()
        except DomainError as err:
            return self._fail(err)
        self._week = [list(self._week[0]) if 1 <= i <= 4 else list(day) for i, day in enumerate(self._week)]
        self.week_dirty, self.week_error = True, ""
        return rx.toast.info("Monday's hours copied to Tuesday–Friday. Save to apply them.")

    @rx.event
    async def discard_week(self):
        try:
            user = await self._tutor()
            self.week_dirty, self.week_error = False, ""
            await self._reload(user, preview=False)
        except DomainError as err:
            return self._fail(err)

    @rx.event
    async def save_week(self):
        if self.week_saving:
            return
        try:
            user = await self._tutor()
            rules = [(wd, s, e) for wd, day in enumerate(self._week) for s, e in day]
            self.week_saving = True
            yield
            await in_transaction(availability.replace_weekly_rules, self._ctx(user), user.user_id, rules)
            self.week_dirty, self.week_error = False, ""
            await self._reload(user)
        except InvalidInput as err:
            self.week_saving, self.week_error = False, err.message
            yield rx.toast.error(err.message)
            return
        except DomainError as err:
            self.week_saving = False
            yield self._refuse(err)
            return
        self.week_saving = False
        yield rx.toast.success("Weekly hours saved.")

    # -- month calendar and the day panel --------------------------------------------------------
    @rx.event
    async def move_month(self, delta: Any):
        try:
            await self._tutor()
            step = int_arg(delta, -1, 1, "month")
            if not self.month:
                raise InvalidInput("month", "Reload the page.")
        except DomainError as err:
            return self._fail(err)
        self._show_month(add_month(date.fromisoformat(self.month), step))

    @rx.event
    async def open_day(self, iso: Any):
        try:
            await self._tutor()
            day = iso_date(iso)
            today = self._today()
            if day < today:
                raise InvalidInput("date", "That day has passed; choose today or a later day.")
            if day > add_month(today.replace(day=1), MONTHS_AHEAD + 1):
                raise InvalidInput("date", "Choose a day within the next two years.")
        except DomainError as err:
            return self._fail(err)
        key = day.isoformat()
        hours = self._overrides.get(key)
        self.day_iso, self.day_title = key, f"{day:%A %d %B %Y}"
        self.day_mode = "weekly" if hours is None else ("closed" if not hours else "hours")
        self._day_draft = list(hours) if hours else list(self._week[day.weekday()]) or [DEFAULT_INTERVAL]
        self.day_error, self.day_open = "", True

    @rx.event
    async def set_day_open(self, value: Any):
        """The dialog's open/close: it only ever closes here (days open through open_day)."""
        try:
            await self._tutor()
        except DomainError as err:
            return self._fail(err)
        if value is False:
            self.day_open, self.day_error = False, ""

    @rx.event
    async def set_day_mode(self, mode: Any):
        try:
            await self._tutor()
            if mode not in ("weekly", "closed", "hours"):
                raise InvalidInput("mode", "Choose weekly hours, closed or different hours.")
        except DomainError as err:
            return self._fail(err)
        self.day_mode, self.day_error = mode, ""
        if mode == "hours" and not self._day_draft:
            self._day_draft = [DEFAULT_INTERVAL]

    @rx.event
    async def set_day_time(self, index: Any, which: Any, value: Any):
        try:
            await self._tutor()
            i = self._index(self._day_draft, index)
            end = self._which(which)
            minute = parse_hhmm(value, end=end)
        except DomainError as err:
            return self._fail(err)
        s, e = self._day_draft[i]
        draft = list(self._day_draft)
        draft[i] = (s, minute) if end else (minute, e)
        self._day_draft = draft
        self.day_error = ""

    @rx.event
    async def add_day_interval(self):
        try:
            await self._tutor()
            if len(self._day_draft) >= MAX_PER_DAY:
                raise InvalidInput("intervals", f"At most {MAX_PER_DAY} intervals a day.")
        except DomainError as err:
            return self._fail(err)
        self._day_draft = [*self._day_draft, new_interval(self._day_draft)]

    @rx.event
    async def remove_day_interval(self, index: Any):
        try:
            await self._tutor()
            i = self._index(self._day_draft, index)
        except DomainError as err:
            return self._fail(err)
        self._day_draft = [iv for j, iv in enumerate(self._day_draft) if j != i]

    @rx.event
    async def save_day(self):
        if self.day_saving:
            return
        try:
            user = await self._tutor()
            day = iso_date(self.day_iso)
            self.day_saving = True
            yield
            ctx = self._ctx(user)
            if self.day_mode == "weekly":
                await in_transaction(availability.clear_override, ctx, user.user_id, day)
                message = f"{self.day_title}: weekly hours apply."
            elif self.day_mode == "closed":
                await in_transaction(availability.set_override, ctx, user.user_id, day, closed=True)
                message = f"{self.day_title}: closed all day."
            else:
                got = await in_transaction(availability.set_override, ctx, user.user_id, day, closed=False,
                                           intervals=list(self._day_draft))
                message = f"{self.day_title}: {intervals_label(got)}."
            await self._reload(user)
        except InvalidInput as err:
            self.day_saving, self.day_error = False, err.message
            yield rx.toast.error(err.message)
            return
        except DomainError as err:
            self.day_saving = False
            yield self._refuse(err)
            return
        self.day_saving, self.day_open = False, False
        yield rx.toast.success(message)

    # -- time off --------------------------------------------------------------------------------
    @rx.event
    async def add_time_off(self, form_data: Any):
        if self.off_saving:
            return
        self.off_errors = {}
        try:
            user = await self._tutor()
            form = parse_form(form_data, TIME_OFF_FIELDS, optional=("note",))
            first = iso_date(form["start_date"], "start_date")
            last = iso_date(form["end_date"], "end_date")
            if first < self._today():
                raise InvalidInput("start_date", "Time off starts today or later.")
            if last < first:
                raise InvalidInput("end_date", "The last day cannot be before the first day.")
            if (last - first).days >= availability.MAX_TIME_OFF_DAYS:
                raise InvalidInput("end_date", f"Time off can last at most {availability.MAX_TIME_OFF_DAYS} days.")
            starts_at, ends_at = local_day_bounds(first, last, self.zone)
            self.off_saving = True
            yield
            await in_transaction(availability.add_time_off, self._ctx(user), user.user_id, starts_at, ends_at,
                                 form["note"])
            await self._reload(user)
        except InvalidInput as err:
            self.off_saving = False
            self.off_errors = {err.field if err.field in TIME_OFF_FIELDS else "form": err.message}
            yield rx.toast.error(err.message)
            return
        except DomainError as err:
            self.off_saving = False
            yield self._refuse(err)
            return
        self.off_saving = False
        self.off_key += 1
        span = f"{first:%d %b %Y}" if first == last else f"{first:%d %b} – {last:%d %b %Y}"
        yield rx.toast.success(f"Time off added: {span}.")

    @rx.event
    async def remove_time_off(self, time_off_id: Any):
        try:
            user = await self._tutor()
            text = short_str(time_off_id, 40)
            try:
                tid = uuid.UUID(text or "")
            except ValueError:
                raise InvalidInput("time_off", "That time off could not be found. Reload the page.") from None
            if str(tid) not in {row[0] for row in self._time_off_raw}:
                raise InvalidInput("time_off", "That time off could not be found. Reload the page.")
            await in_transaction(availability.remove_time_off, self._ctx(user), user.user_id, tid)
            await self._reload(user)
        except DomainError as err:
            return self._fail(err)
        return rx.toast.success("Time off removed.")

    # -- preview ---------------------------------------------------------------------------------
    @rx.event
    async def choose_preview_length(self, minutes: Any):
        try:
            user = await self._tutor()
            text = short_str(minutes, 3)
            if text not in {row["minutes"] for row in self._lengths}:
                raise InvalidInput("length", "Choose one of the lesson lengths you offer.")
            self.preview_length = text
            self.preview_loading = True
            yield
            await self._refresh_preview(user)
        except DomainError as err:
            self.preview_loading = False
            yield self._fail(err)
            return
        self.preview_loading = False

    @rx.event
    async def refresh_preview(self):
        try:
            user = await self._tutor()
            self.preview_loading = True
            yield
            await self._reload(user)
        except DomainError as err:
            self.preview_loading = False
            yield self._refuse(err)
            return
        self.preview_loading = False
