"""Normalizers for values that arrive from browsers, routes and emails."""

from __future__ import annotations

import re
import unicodedata
from zoneinfo import ZoneInfo

from tutorconnect.services.errors import InvalidInput
from tutorconnect.timezones import canonical_zone

_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$")
_JOINERS = frozenset("\u200c\u200d")  # ZWNJ/ZWJ: part of correct spelling in many scripts


def _fold_email(value: str) -> str:
    """NFKC, trimmed, lower-case, to a fixed point: lower-casing can itself leave a string
    that NFKC changes ("İ" lowers to "i" + U+0307, which a following mark below must be
    reordered before), and the stored form must normalize to itself."""
    email = value
    for _ in range(4):
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email).strip().lower())
        if folded == email:
            return email
        email = folded
    raise InvalidInput("email", "Enter a valid email address, like name@example.com.")


def normalize_email(value: object) -> str:
    """Lower-case, trimmed, NFKC email; raise InvalidInput('email') when malformed."""
    if not isinstance(value, str):
        raise InvalidInput("email", "Enter your email address.")
    email = _fold_email(value)
    if not email:
        raise InvalidInput("email", "Enter your email address.")
    if (
        len(email) > 254
        or not _EMAIL.match(email)
        or any(unicodedata.category(c).startswith("C") for c in email)
    ):
        raise InvalidInput("email", "Enter a valid email address, like name@example.com.")
    return email


def clean_name(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput("full_name", "Enter your name.")
    name = " ".join(unicodedata.normalize("NFKC", value).split())
    if not name:
        raise InvalidInput("full_name", "Enter your name.")
    if len(name) > 120:
        raise InvalidInput("full_name", "Use at most 120 characters for your name.")
    # Control, format and unassigned characters are refused (bidi overrides spoof names),
    # except the zero-width (non-)joiner, which Persian and Indic names need.
    if any(unicodedata.category(c).startswith("C") and c not in _JOINERS for c in name):
        raise InvalidInput("full_name", "Your name contains characters we cannot store.")
    return name


def clean_time_zone(value: object) -> str:
    """The offered name of a known zone (an alias such as Asia/Calcutta, which browsers
    still report, becomes Asia/Kolkata: tutorconnect/timezones.py)."""
    zone = canonical_zone(value) if isinstance(value, str) and len(value) <= 64 else None
    if zone is None:
        raise InvalidInput("time_zone", "Choose a time zone from the list.")
    ZoneInfo(zone)
    return zone




def safe_next_path(value: object, default: str = "/") -> str:
    """A same-site path to return to after sign-in; anything else becomes `default`."""
    if not isinstance(value, str) or len(value) > 512:
        return default
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(c) < 32 for c in value):
        return default
    return value


JOIN_URL_MAX = 500


def safe_join_url(value: object) -> str | None:
    """A meeting link fit to show on a page, put in an .ics or send by email: http(s), no
    spaces or control characters, at most JOIN_URL_MAX characters; anything else -> None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value.lower().startswith(("https://", "http://")) or len(value) > JOIN_URL_MAX \
            or any(c.isspace() or ord(c) < 32 for c in value):
        return None
    return value
