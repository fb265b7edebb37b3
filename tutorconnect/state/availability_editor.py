"""/tutor/availability: a tutor edits their booking settings, weekly hours, date
overrides and time off, and sees the free slots that result (in their own zone).

Everything shown is the tutor's own data: it lives in backend vars (leading underscore)
bound to the session that loaded it and is exposed through `_may_see` guarded vars. Draft
edits (the weekly grid, the day panel) change only this tab's state; saves go through
services/scheduling/availability.py, which authorizes and validates again. Every handler
re-checks the session (`@handler("tutor")`, state/guard.py) and validates its arguments: they
come from a browser.

This module owns the State: its vars, what the page may see, and the event handlers.
Around it: availability_editor_loading.py (reading the tutor's data into the backend vars),
availability_editor_view.py (what the page shows), availability_editor_checks.py (form and
argument validation) and availability_editor_times.py (time options, parsing, dates).
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import reflex as rx

from tutorconnect.services import scheduling
from tutorconnect.services.errors import DomainError, InvalidInput, NotFound
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.availability_editor_checks import (
    MAX_PER_DAY, SERVICE_FIELD, SETTINGS_FIELDS, TIME_OFF_FIELDS, known_time_off_id, openable_day, settings_values,
    time_off_days,
)
from tutorconnect.state.availability_editor_loading import AvailabilityEditorLoading
from tutorconnect.state.availability_editor_times import (
    DEFAULT_INTERVAL, END_OPTIONS, START_OPTIONS, CalDay, add_month, int_arg, intervals_label, iso_date,
    local_day_bounds, new_interval, parse_hhmm,
)
from tutorconnect.state.availability_editor_view import (
    DayRules, IntervalRow, PreviewDay, calendar_days, interval_rows, time_off_rows, week_rows,
)
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.forms import parse_form, short_str
from tutorconnect.state.guard import handler


class AvailabilityEditorState(AvailabilityEditorLoading, SessionState):
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
    PRIVATE: ClassVar[tuple[str, ...]] = (
        "_owner", "_settings", "_week", "_overrides", "_time_off_raw", "_day_draft", "_lengths", "_preview",
        "day_open", "day_iso", "day_title", "day_mode", "week_dirty",
        "zone", "now_label", "month", "month_label",  # the tutor's zone shows in these
    )

    # -- what the page may show ----------------------------------------------------------------
    def _mine(self) -> bool:
        return self._may_see(self._owner)

    @rx.var(cache=False)
    def settings(self) -> dict[str, str]:
        return self._settings if self._mine() else {}

    @rx.var(cache=False)
    def week(self) -> list[DayRules]:
        return week_rows(self._week) if self._mine() else []

    @rx.var(cache=False)
    def days(self) -> list[CalDay]:
        if not self._mine() or not self.month:
            return []
        return calendar_days(self.month, self._today(), self._overrides, self._time_off_raw, self.zone)

    @rx.var(cache=False)
    def time_off(self) -> list[dict[str, str]]:
        return time_off_rows(self._time_off_raw, self.zone) if self._mine() else []

    @rx.var(cache=False)
    def day_intervals(self) -> list[IntervalRow]:
        return interval_rows(self._day_draft) if self._mine() else []

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

    # -- refusals (loading and the month shown: availability_editor_loading.py) ------------------
    def _fail(self, err: DomainError) -> Any:
        """A bad argument is only a message (the loaded data stays); anything else is a refusal."""
        if isinstance(err, (InvalidInput, NotFound)):
            return rx.toast.error(err.message)
        return self._refuse(err)

    # -- loading ---------------------------------------------------------------------------------
    def _fresh_page(self) -> None:
        self.settings_errors, self.off_errors, self.week_error, self.day_error = {}, {}, "", ""
        self.week_dirty, self.day_open, self.no_profile = False, False, False

    def _not_loaded(self, err: DomainError) -> Any:
        """No tutor profile yet: the page says so (no message); anything else is a refusal."""
        self._fresh_page()
        if isinstance(err, NotFound):
            zone, now_label = self.zone, self.now_label  # this tutor's, read by this load
            self._clear_private()
            self.zone, self.now_label, self.no_profile = zone, now_label, True
            self._bind_private()
            return None
        return self._refuse(err)

    @handler("tutor", busy="loading", on_error="_not_loaded")
    async def load(self, user: CurrentUser):
        self._fresh_page()
        await self._reload(user)
        self._show_month(self._today().replace(day=1))

    # -- settings --------------------------------------------------------------------------------
    def _settings_refused(self, err: DomainError) -> Any:
        """A bad value is shown at its field (the loaded data stays); anything else is a refusal."""
        self.settings_errors = {}
        if isinstance(err, InvalidInput):
            field = SERVICE_FIELD.get(err.field, err.field)
            self.settings_errors = {field if field in SETTINGS_FIELDS else "form": err.message}
            return rx.toast.error(err.message)
        return self._refuse(err)

    @handler("tutor", busy="settings_saving", on_error="_settings_refused")
    async def save_settings(self, user: CurrentUser, form_data: Any):
        if self.settings_saving:
            return
        self.settings_errors = {}
        form = parse_form(form_data, SETTINGS_FIELDS)
        values = settings_values(form)
        self.settings_saving = True
        yield
        await in_transaction(scheduling.save_settings, self._ctx(user), user.user_id, **values)
        await self._reload(user)
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

    @handler("tutor", on_error="_fail")
    async def set_rule_time(self, weekday: Any, index: Any, which: Any, value: Any):
        wd = self._weekday(weekday)
        i = self._index(self._week[wd], index)
        end = self._which(which)
        minute = parse_hhmm(value, end=end)
        s, e = self._week[wd][i]
        day = list(self._week[wd])
        day[i] = (s, minute) if end else (minute, e)
        self._week = [day if j == wd else d for j, d in enumerate(self._week)]
        self.week_dirty, self.week_error = True, ""

    @handler("tutor", on_error="_fail")
    async def add_interval(self, weekday: Any):
        wd = self._weekday(weekday)
        if len(self._week[wd]) >= MAX_PER_DAY:
            raise InvalidInput("rules", f"At most {MAX_PER_DAY} intervals a day.")
        added = [*self._week[wd], new_interval(self._week[wd])]
        self._week = [added if j == wd else d for j, d in enumerate(self._week)]
        self.week_dirty, self.week_error = True, ""

    @handler("tutor", on_error="_fail")
    async def remove_interval(self, weekday: Any, index: Any):
        wd = self._weekday(weekday)
        i = self._index(self._week[wd], index)
        kept = [iv for j, iv in enumerate(self._week[wd]) if j != i]
        self._week = [kept if j == wd else d for j, d in enumerate(self._week)]
        self.week_dirty, self.week_error = True, ""

    @handler("tutor", on_error="_fail")
    async def copy_monday(self):
        self._week = [list(self._week[0]) if 1 <= i <= 4 else list(day) for i, day in enumerate(self._week)]
        self.week_dirty, self.week_error = True, ""
        return rx.toast.info("Monday's hours copied to Tuesday–Friday. Save to apply them.")

    @handler("tutor", on_error="_fail")
    async def discard_week(self, user: CurrentUser):
        self.week_dirty, self.week_error = False, ""
        await self._reload(user, preview=False)

    def _week_refused(self, err: DomainError) -> Any:
        """Hours the service refuses are shown above the grid (the draft stays)."""
        return self._input_error(err, "week_error", toast=True)

    @handler("tutor", busy="week_saving", on_error="_week_refused")
    async def save_week(self, user: CurrentUser):
        if self.week_saving:
            return
        rules = [(wd, s, e) for wd, day in enumerate(self._week) for s, e in day]
        self.week_saving = True
        yield
        await in_transaction(scheduling.replace_weekly_rules, self._ctx(user), user.user_id, rules)
        self.week_dirty, self.week_error = False, ""
        await self._reload(user)
        self.week_saving = False
        yield rx.toast.success("Weekly hours saved.")

    # -- month calendar and the day panel --------------------------------------------------------
    @handler("tutor", on_error="_fail")
    async def move_month(self, delta: Any):
        step = int_arg(delta, -1, 1, "month")
        if not self.month:
            raise InvalidInput("month", "Reload the page.")
        self._show_month(add_month(date.fromisoformat(self.month), step))

    @handler("tutor", on_error="_fail")
    async def open_day(self, iso: Any):
        day = openable_day(iso, self._today())
        key = day.isoformat()
        hours = self._overrides.get(key)
        self.day_iso, self.day_title = key, f"{day:%A %d %B %Y}"
        self.day_mode = "weekly" if hours is None else ("closed" if not hours else "hours")
        self._day_draft = list(hours) if hours else list(self._week[day.weekday()]) or [DEFAULT_INTERVAL]
        self.day_error, self.day_open = "", True

    @handler("tutor", on_error="_fail")
    async def set_day_open(self, value: Any):
        """The dialog's open/close: it only ever closes here (days open through open_day)."""
        if value is False:
            self.day_open, self.day_error = False, ""

    @handler("tutor", on_error="_fail")
    async def set_day_mode(self, mode: Any):
        if mode not in ("weekly", "closed", "hours"):
            raise InvalidInput("mode", "Choose weekly hours, closed or different hours.")
        self.day_mode, self.day_error = mode, ""
        if mode == "hours" and not self._day_draft:
            self._day_draft = [DEFAULT_INTERVAL]

    @handler("tutor", on_error="_fail")
    async def set_day_time(self, index: Any, which: Any, value: Any):
        i = self._index(self._day_draft, index)
        end = self._which(which)
        minute = parse_hhmm(value, end=end)
        s, e = self._day_draft[i]
        draft = list(self._day_draft)
        draft[i] = (s, minute) if end else (minute, e)
        self._day_draft = draft
        self.day_error = ""

    @handler("tutor", on_error="_fail")
    async def add_day_interval(self):
        if len(self._day_draft) >= MAX_PER_DAY:
            raise InvalidInput("intervals", f"At most {MAX_PER_DAY} intervals a day.")
        self._day_draft = [*self._day_draft, new_interval(self._day_draft)]

    @handler("tutor", on_error="_fail")
    async def remove_day_interval(self, index: Any):
        i = self._index(self._day_draft, index)
        self._day_draft = [iv for j, iv in enumerate(self._day_draft) if j != i]

    def _day_refused(self, err: DomainError) -> Any:
        """Hours the service refuses are shown in the day panel (it stays open)."""
        return self._input_error(err, "day_error", toast=True)

    @handler("tutor", busy="day_saving", on_error="_day_refused")
    async def save_day(self, user: CurrentUser):
        if self.day_saving:
            return
        day = iso_date(self.day_iso)
        self.day_saving = True
        yield
        ctx = self._ctx(user)
        if self.day_mode == "weekly":
            await in_transaction(scheduling.clear_override, ctx, user.user_id, day)
            message = f"{self.day_title}: weekly hours apply."
        elif self.day_mode == "closed":
            await in_transaction(scheduling.set_override, ctx, user.user_id, day, closed=True)
            message = f"{self.day_title}: closed all day."
        else:
            got = await in_transaction(scheduling.set_override, ctx, user.user_id, day, closed=False,
                                       intervals=list(self._day_draft))
            message = f"{self.day_title}: {intervals_label(got)}."
        await self._reload(user)
        self.day_saving, self.day_open = False, False
        yield rx.toast.success(message)

    # -- time off --------------------------------------------------------------------------------
    def _time_off_refused(self, err: DomainError) -> Any:
        """A bad value is shown at its field (the loaded data stays); anything else is a refusal."""
        self.off_errors = {}
        if isinstance(err, InvalidInput):
            self.off_errors = {err.field if err.field in TIME_OFF_FIELDS else "form": err.message}
            return rx.toast.error(err.message)
        return self._refuse(err)

    @handler("tutor", busy="off_saving", on_error="_time_off_refused")
    async def add_time_off(self, user: CurrentUser, form_data: Any):
        if self.off_saving:
            return
        self.off_errors = {}
        form = parse_form(form_data, TIME_OFF_FIELDS, optional=("note",))
        first, last = time_off_days(form, self._today())
        starts_at, ends_at = local_day_bounds(first, last, self.zone)
        self.off_saving = True
        yield
        await in_transaction(scheduling.add_time_off, self._ctx(user), user.user_id, starts_at, ends_at,
                             form["note"])
        await self._reload(user)
        self.off_saving = False
        self.off_key += 1
        span = f"{first:%d %b %Y}" if first == last else f"{first:%d %b} – {last:%d %b %Y}"
        yield rx.toast.success(f"Time off added: {span}.")

    @handler("tutor", on_error="_fail")
    async def remove_time_off(self, user: CurrentUser, time_off_id: Any):
        tid = known_time_off_id(time_off_id, {row[0] for row in self._time_off_raw})
        await in_transaction(scheduling.remove_time_off, self._ctx(user), user.user_id, tid)
        await self._reload(user)
        return rx.toast.success("Time off removed.")

    # -- preview ---------------------------------------------------------------------------------
    @handler("tutor", busy="preview_loading", on_error="_fail")
    async def choose_preview_length(self, user: CurrentUser, minutes: Any):
        text = short_str(minutes, 3)
        if text not in {row["minutes"] for row in self._lengths}:
            raise InvalidInput("length", "Choose one of the lesson lengths you offer.")
        self.preview_length = text
        self.preview_loading = True
        yield
        await self._refresh_preview(user)
        self.preview_loading = False

    @handler("tutor", busy="preview_loading")
    async def refresh_preview(self, user: CurrentUser):
        self.preview_loading = True
        yield
        await self._reload(user)
        self.preview_loading = False
