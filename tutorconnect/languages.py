"""The one language catalog: every two-letter ISO 639-1 code, named in English by CLDR
(babel). Tutors choose from it, the service accepts only its codes, and every page names a
language through `language_name`, so a code never shows as a bare "OR" on one page and
"Odia" on another."""

from __future__ import annotations

from babel import Locale

# CLDR still names "sh" (Serbo-Croatian), withdrawn from ISO 639-1 in favour of hr, bs and sr;
# it and the other withdrawn codes are left out, so no language is listed twice.
_DEPRECATED = frozenset({"sh", "mo", "iw", "in", "ji", "jw"})

LANGUAGES: dict[str, str] = dict(sorted(
    ((code, name) for code, name in Locale("en").languages.items()
     if len(code) == 2 and code.isascii() and code.isalpha() and code.islower() and code not in _DEPRECATED),
    key=lambda item: (item[1].casefold(), item[0]),
))
"""code -> English name, in alphabetical order of the names."""


def is_language(code: object) -> bool:
    return isinstance(code, str) and code in LANGUAGES


def language_name(code: str) -> str:
    """The language's English name; an unknown code (data older than the catalog) as itself."""
    return LANGUAGES.get(code, code.upper())
