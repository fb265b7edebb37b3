"""Showing instants to people: always in the viewer's zone, always saying which zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime


def zone_info(name: str) -> ZoneInfo:
    """The zone, or UTC for a name the zone database does not know."""
    try:
        return ZoneInfo(name)
    except Exception:
        return ZoneInfo("UTC")


_zone = zone_info


def valid_zone(name: str) -> str:
    """`name` when the zone database knows it, else "UTC"."""
    return name if zone_info(name).key == name else "UTC"


def format_when(value: datetime, zone: str) -> str:
    """'Tue 22 Nov 2026, 14:05 IST': format_instant with the weekday in front (pages)."""
    return f"{value.astimezone(zone_info(zone)):%a} {format_instant(value, zone)}"


def format_instant(value: datetime | None, zone: str, *, locale: str = "en") -> str:
    """'22 Nov 2026, 14:05 IST' style text in `zone` (empty for None)."""
    if value is None:
        return ""
    local = value.astimezone(_zone(zone))
    abbrev = local.tzname() or zone
    return f"{format_datetime(local, 'd MMM y, HH:mm', locale=locale)} {abbrev}"


def _abbrev(local: datetime, zone: str) -> str:
    """'IST', 'EST'; zones without a letter abbreviation ('+08', '+0530') as 'GMT+8', 'GMT+5:30'."""
    name = local.tzname() or zone
    if name[:1] in "+-" and name[1:].isdigit():
        hours, minutes = name[1:3], name[3:5]
        return f"GMT{name[0]}{int(hours)}" + (f":{minutes}" if minutes and minutes != "00" else "")
    return name


def format_span(start: datetime, end: datetime, zone: str, *, locale: str = "en") -> str:
    """'Tuesday 1 December 2026, 14:00–15:00 IST' in `zone` (a lesson's time in an email);
    a span that ends on another local day names both days."""
    tz = _zone(zone)
    a, b = start.astimezone(tz), end.astimezone(tz)
    first = format_datetime(a, "EEEE d MMMM y, HH:mm", locale=locale)
    if a.date() == b.date():
        second = format_datetime(b, "HH:mm", locale=locale)
    else:
        second = format_datetime(b, "EEE d MMM, HH:mm", locale=locale)
    return f"{first}–{second} {_abbrev(b, zone)}"


def format_short(value: datetime, zone: str, *, locale: str = "en") -> str:
    """'Tue 1 Dec, 14:00 IST' (subject lines, text messages)."""
    local = value.astimezone(_zone(zone))
    return f"{format_datetime(local, 'EEE d MMM, HH:mm', locale=locale)} {_abbrev(local, zone)}"
