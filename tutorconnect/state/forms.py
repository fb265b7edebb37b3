"""Checking browser-supplied form payloads before they reach a service.

Every handler argument may be anything a client chose to send: this rejects non-dicts,
unknown keys and oversized values with a message the person can act on.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from tutorconnect.services.errors import InvalidInput


def parse_form(form_data: Any, fields: dict[str, int], *, optional: tuple[str, ...] = ()) -> dict[str, str]:
    """Return {name: str value} for exactly `fields` (name -> max length)."""
    if not isinstance(form_data, dict):
        raise InvalidInput("form", "The form could not be read. Please reload the page and try again.")
    unknown = set(form_data) - set(fields)
    if unknown:
        raise InvalidInput("form", "The form contained unexpected fields. Please reload the page.")
    clean: dict[str, str] = {}
    for name, max_len in fields.items():
        value = form_data.get(name, "")
        if value is None:
            value = ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InvalidInput(name, "One of the values could not be read.")
        value = str(value)
        if len(value) > max_len:
            raise InvalidInput(name, f"That value is too long (at most {max_len} characters).")
        if not value and name not in optional:
            value = ""
        clean[name] = value
    return clean


def short_str(value: Any, max_len: int = 64) -> str | None:
    """A plain string argument of bounded length, or None."""
    if isinstance(value, str) and 0 < len(value) <= max_len:
        return value
    return None


PAGE_MAX = 10_000


def page_arg(value: Any) -> int:
    """A page number from a handler argument or the URL: anything that is not a whole
    number (bools, lists, junk text) means page 1; the result is clamped to 1..PAGE_MAX."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return 1
    try:
        return min(max(int(value), 1), PAGE_MAX)
    except ValueError:
        return 1


def instant_arg(value: Any, field: str, message: str) -> datetime:
    """An ISO-8601 instant WITH an offset (as the pages send slot starts), in UTC."""
    text = short_str(value, 40)
    try:
        when = datetime.fromisoformat(text or "")
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise InvalidInput(field, message)
    try:
        return when.astimezone(timezone.utc)
    except OverflowError:  # year 1 east of UTC (or 9999 west of it) is not an instant Python holds
        raise InvalidInput(field, message) from None
