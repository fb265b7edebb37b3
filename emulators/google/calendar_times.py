"""RFC 3339 instants as the Calendar API reads and writes them, and an event's start/end
object validated like Google (dateTime with an offset or timeZone, or an all-day date)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from emulators.google.calendar_errors import CalendarApiError


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rfc3339(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def parse_instant(raw: object, what: str) -> datetime:
    if not isinstance(raw, str):
        raise CalendarApiError(400, "required", f"Missing {what} parameter.")
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise CalendarApiError(400, "invalid", f"Bad Request: invalid {what}") from None
    if value.tzinfo is None:
        raise CalendarApiError(400, "invalid", f"Bad Request: {what} needs an offset")
    return value.astimezone(timezone.utc)


def event_time(raw: object, which: str) -> tuple[datetime, bool]:
    """(instant UTC, all-day?) of an event's start/end object, validated like Google."""
    if not isinstance(raw, dict):
        raise CalendarApiError(400, "required", f"Missing {which} time.")
    zone_name = raw.get("timeZone")
    zone: Any = timezone.utc
    if zone_name is not None:
        try:
            zone = ZoneInfo(str(zone_name))
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarApiError(400, "invalid", f"Invalid time zone definition for {which} time.") from None
    if raw.get("dateTime") is not None:
        try:
            value = datetime.fromisoformat(str(raw["dateTime"]).replace("Z", "+00:00"))
        except ValueError:
            raise CalendarApiError(400, "invalid", f"Invalid {which} time.") from None
        if value.tzinfo is None:
            if zone_name is None:
                raise CalendarApiError(400, "required", f"Missing time zone definition for {which} time.")
            value = value.replace(tzinfo=zone)
        return value.astimezone(timezone.utc), False
    if raw.get("date") is not None:
        try:
            day = date.fromisoformat(str(raw["date"]))
        except ValueError:
            raise CalendarApiError(400, "invalid", f"Invalid {which} time.") from None
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(timezone.utc), True
    raise CalendarApiError(400, "required", f"Missing {which} time.")
