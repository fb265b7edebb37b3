"""A search as the URL holds it: `SearchQuery`, parsed from raw query-string values
(`SearchQuery.from_params`) and written back (`to_params`) for shareable links, and
`normalize_q`, the cleaning of the search text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from tutorconnect.models.tutors import SUBJECT_LEVELS
from tutorconnect.services.errors import InvalidInput

SORTS = ("relevance", "price_asc", "price_desc", "rating", "reviews")
Q_MAX = 100
PAGE_MAX = 1000
PER_PAGE_MAX = 50
PER_PAGE_DEFAULT = 20
PRICE_MAX_RUPEES = 1_000_000
FREE_WITHIN_MAX = 60
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_INT = re.compile(r"^[0-9]{1,9}$")
_AMOUNT = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")
_RATING = re.compile(r"^[0-9](\.[0-9]{1,2})?$")


def normalize_q(raw: str) -> str:
    """Drop control characters (PostgreSQL text cannot hold NUL) and collapse spaces."""
    cleaned = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in raw)
    return " ".join(cleaned.split())


def _int(params: Mapping[str, str], name: str, low: int, high: int, default: int | None) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if not _INT.match(raw):
        raise InvalidInput(name, f"{name.replace('_', ' ').capitalize()} must be a whole number.")
    value = int(raw)
    if not low <= value <= high:
        raise InvalidInput(name, f"{name.replace('_', ' ').capitalize()} must be between {low} and {high}.")
    return value


def _rupees(params: Mapping[str, str], name: str) -> int | None:
    """A price in rupees (up to 2 decimals) as paise."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if raw.startswith("-"):
        raise InvalidInput(name, "Prices cannot be negative.")
    if not _AMOUNT.match(raw):
        raise InvalidInput(name, "Enter the price in rupees, e.g. 500 or 499.50.")
    paise = int(Decimal(raw) * 100)
    if paise > PRICE_MAX_RUPEES * 100:
        raise InvalidInput(name, f"Prices go up to ₹{PRICE_MAX_RUPEES:,}.")
    return paise


def _rupees_text(paise: int) -> str:
    whole, part = divmod(paise, 100)
    return f"{whole}" if not part else f"{whole}.{part:02d}"


@dataclass(frozen=True)
class SearchQuery:
    q: str | None = None
    subject: str | None = None  # slug; checked against active subjects by search_tutors
    level: str | None = None  # the student's level: tutors who teach up to it or beyond
    price_min_minor: int | None = None  # paise (the URL says rupees)
    price_max_minor: int | None = None
    min_rating: Decimal | None = None
    language: str | None = None
    free_within_days: int | None = None  # accepted, validated; not yet applied (no availability)
    sort: str | None = None  # None: relevance with text, else rating
    page: int = 1
    per_page: int = PER_PAGE_DEFAULT

    @property
    def effective_sort(self) -> str:
        if self.sort is None or (self.sort == "relevance" and not self.q):
            return "relevance" if self.q else "rating"
        return self.sort

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> SearchQuery:
        """Parse raw URL values. Unknown keys are ignored (utm tags and the like).

        Raises InvalidInput(field, message) for any value that makes no sense. An unknown
        but well-formed subject slug is rejected by `search_tutors` (it needs the database).
        """
        raw_q = params.get("q") or ""
        q = normalize_q(raw_q)
        if len(q) > Q_MAX:
            raise InvalidInput("q", f"Search text can be at most {Q_MAX} characters.")

        subject = (params.get("subject") or "").strip().lower() or None
        if subject is not None and (len(subject) > 80 or not _SLUG.match(subject)):
            raise InvalidInput("subject", "That subject does not exist.")

        level = (params.get("level") or "").strip().lower() or None
        if level is not None and level not in SUBJECT_LEVELS:
            raise InvalidInput("level", "Level must be beginner, intermediate, advanced or expert.")

        price_min = _rupees(params, "price_min")
        price_max = _rupees(params, "price_max")
        if price_min is not None and price_max is not None and price_min > price_max:
            raise InvalidInput("price_max", "The maximum price must not be below the minimum price.")

        min_rating = None
        raw_rating = (params.get("min_rating") or "").strip()
        if raw_rating:
            if not _RATING.match(raw_rating):
                raise InvalidInput("min_rating", "Minimum rating must be a number from 0 to 5.")
            min_rating = Decimal(raw_rating).normalize()
            if min_rating > 5:
                raise InvalidInput("min_rating", "Minimum rating must be a number from 0 to 5.")
            if min_rating == 0:
                min_rating = None  # "any rating"

        language = (params.get("language") or "").strip().lower() or None
        if language is not None and not _LANGUAGE.match(language):
            raise InvalidInput("language", "Language must be a 2 or 3 letter code such as en or hi.")

        sort = (params.get("sort") or "").strip().lower() or None
        if sort is not None and sort not in SORTS:
            raise InvalidInput("sort", "Sort by relevance, price_asc, price_desc, rating or reviews.")

        return cls(
            q=q or None,
            subject=subject,
            level=level,
            price_min_minor=price_min,
            price_max_minor=price_max,
            min_rating=min_rating,
            language=language,
            free_within_days=_int(params, "free_within_days", 1, FREE_WITHIN_MAX, None),
            sort=sort,
            page=_int(params, "page", 1, PAGE_MAX, 1),
            per_page=_int(params, "per_page", 1, PER_PAGE_MAX, PER_PAGE_DEFAULT),
        )

    def to_params(self) -> dict[str, str]:
        """The URL query-string values of this search (defaults omitted)."""
        out: dict[str, str] = {}
        if self.q:
            out["q"] = self.q
        for key in ("subject", "level", "language", "sort"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.price_min_minor is not None:
            out["price_min"] = _rupees_text(self.price_min_minor)
        if self.price_max_minor is not None:
            out["price_max"] = _rupees_text(self.price_max_minor)
        if self.min_rating is not None:
            out["min_rating"] = format(self.min_rating, "f")
        if self.free_within_days is not None:
            out["free_within_days"] = str(self.free_within_days)
        if self.page != 1:
            out["page"] = str(self.page)
        if self.per_page != PER_PAGE_DEFAULT:
            out["per_page"] = str(self.per_page)
        return out
