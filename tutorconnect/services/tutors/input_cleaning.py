"""Plain values a tutor (or a student reviewing one) submits, cleaned for storage.

Texts are stored as plain text (the UI renders them as text, never as HTML): NFC, control
and bidi-override characters removed, length limits enforced. Script-laden input is
stored verbatim as harmless text. Numbers are real ints within bounds; links and photo
paths are checked against what the app serves or embeds. Every function raises
InvalidInput(field, message) for a bad value.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from tutorconnect.services.errors import InvalidInput

VIDEO_HOSTS = frozenset({
    "youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be",
    "vimeo.com", "www.vimeo.com", "player.vimeo.com",
    "loom.com", "www.loom.com",
})
_PHOTO_PATH = re.compile(r"^/[A-Za-z0-9_\-/]{1,250}\.(png|jpe?g|webp|svg)$")
# Bidi embeddings/overrides/isolates: they let text spoof what surrounds it.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_text(field: str, value: object, *, max_len: int, min_len: int = 0, multiline: bool = False) -> str:
    """Plain text for storage: NFC, control/bidi characters removed (newlines and tabs
    kept when `multiline`), trimmed, with length limits. Raises InvalidInput(field)."""
    label = field.replace("_", " ")
    if not isinstance(value, str):
        raise InvalidInput(field, f"Enter the {label} as text.")
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    keep = "\n\t" if multiline else ""
    value = "".join(
        c for c in value
        if c in keep or not (unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") or c in _BIDI)
    )
    value = value.strip() if multiline else " ".join(value.split())
    if multiline:
        value = re.sub(r"\n{3,}", "\n\n", value)
    if len(value) < min_len:
        raise InvalidInput(field, f"Enter the {label}." if min_len <= 1 else f"Use at least {min_len} characters for the {label}.")
    if len(value) > max_len:
        raise InvalidInput(field, f"Use at most {max_len} characters for the {label} (you have {len(value)}).")
    return value


def clean_int(field: str, value: object, *, low: int, high: int, message: str | None = None) -> int:
    """An int (never a bool, float or numeric string) within low..high."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(field, message or f"Enter a whole number from {low} to {high} for the {field.replace('_', ' ')}.")
    return value


def clean_video_url(value: object) -> str | None:
    """None/'' for no video, else an https YouTube, Vimeo or Loom link."""
    if value is None or value == "":
        return None
    bad = InvalidInput("intro_video_url", "Use an https link to a YouTube, Vimeo or Loom video.")
    if not isinstance(value, str) or len(value) > 300 or any(c.isspace() or ord(c) < 32 for c in value.strip()):
        raise bad
    value = value.strip()
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise bad from None
    if parts.scheme != "https" or port is not None or parts.username or parts.password:
        raise bad
    if (parts.hostname or "") not in VIDEO_HOSTS or parts.path in ("", "/"):
        raise bad
    return value


def clean_photo_path(value: object) -> str | None:
    """None, or a same-site path to an image the app serves (generated avatar or photo)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or ".." in value or "//" in value or not _PHOTO_PATH.match(value):
        raise InvalidInput("photo_path", "Choose a PNG, JPEG, WebP or SVG image for your photo.")
    return value
