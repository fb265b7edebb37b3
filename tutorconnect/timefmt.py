"""Showing instants to people: always in the viewer's zone, always saying which zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:
        return ZoneInfo("UTC")


def format_instant(value: datetime | None, zone: str, *, locale: str = "en") -> str:
    """'22 Nov 2026, 14:05 IST' style text in `zone` (empty for None)."""
    if value is None:
        return ""
    local = value.astimezone(_zone(zone))
    abbrev = local.tzname() or zone
    return f"{format_datetime(local, 'd MMM y, HH:mm', locale=locale)} {abbrev}"
