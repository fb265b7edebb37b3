"""Validation of what the availability editor's forms and handlers receive from a browser
(state/availability_editor.py): the form field specs, the settings form turned into the
service's keyword arguments, the time-off form's day range, the day a tutor may open and
the time-off id a tutor may remove. Each raises InvalidInput naming the field; the
service validates again.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from tutorconnect.services import scheduling
from tutorconnect.services.errors import InvalidInput
from tutorconnect.state.availability_editor_times import MONTHS_AHEAD, add_month, hours_to_minutes, iso_date, whole
from tutorconnect.state.forms import short_str

MAX_PER_DAY = scheduling.MAX_INTERVALS_PER_DAY
SETTINGS_FIELDS = {"buffer_before": 8, "buffer_after": 8, "min_notice_hours": 8, "horizon_days": 8,
                   "max_per_day": 8}
SERVICE_FIELD = {"buffer_before_minutes": "buffer_before", "buffer_after_minutes": "buffer_after",
                 "min_notice_minutes": "min_notice_hours", "horizon_days": "horizon_days",
                 "max_lessons_per_day": "max_per_day"}
TIME_OFF_FIELDS = {"start_date": 10, "end_date": 10, "note": scheduling.MAX_NOTE}


def settings_values(form: dict[str, str]) -> dict[str, int | None]:
    """The settings form (parsed by SETTINGS_FIELDS) as scheduling.save_settings' keywords."""
    return dict(
        buffer_before_minutes=whole("buffer_before", form["buffer_before"], "the buffer before (minutes)"),
        buffer_after_minutes=whole("buffer_after", form["buffer_after"], "the buffer after (minutes)"),
        min_notice_minutes=hours_to_minutes("min_notice_hours", form["min_notice_hours"]),
        horizon_days=whole("horizon_days", form["horizon_days"], "how far ahead (days)"),
        max_lessons_per_day=whole("max_per_day", form["max_per_day"], "the daily limit", optional=True),
    )


def time_off_days(form: dict[str, str], today: date) -> tuple[date, date]:
    """The first and last local day of the time-off form (parsed by TIME_OFF_FIELDS)."""
    first = iso_date(form["start_date"], "start_date")
    last = iso_date(form["end_date"], "end_date")
    if first < today:
        raise InvalidInput("start_date", "Time off starts today or later.")
    if last < first:
        raise InvalidInput("end_date", "The last day cannot be before the first day.")
    if (last - first).days >= scheduling.MAX_TIME_OFF_DAYS:
        raise InvalidInput("end_date", f"Time off can last at most {scheduling.MAX_TIME_OFF_DAYS} days.")
    return first, last


def openable_day(iso: Any, today: date) -> date:
    """A day the day panel may open: today up to the calendar's last month (and a little)."""
    day = iso_date(iso)
    if day < today:
        raise InvalidInput("date", "That day has passed; choose today or a later day.")
    if day > add_month(today.replace(day=1), MONTHS_AHEAD + 1):
        raise InvalidInput("date", "Choose a day within the next two years.")
    return day


def known_time_off_id(time_off_id: Any, known: set[str]) -> uuid.UUID:
    """The id of one of the loaded time-off rows (`known`: their ids as strings)."""
    text = short_str(time_off_id, 40)
    try:
        tid = uuid.UUID(text or "")
    except ValueError:
        raise InvalidInput("time_off", "That time off could not be found. Reload the page.") from None
    if str(tid) not in known:
        raise InvalidInput("time_off", "That time off could not be found. Reload the page.")
    return tid
