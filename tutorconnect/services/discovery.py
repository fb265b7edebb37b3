"""Discovery search: listed tutors by text, filters and sort, one page at a time.

The filters live in the URL, so a search is a `SearchQuery` parsed from raw query-string
values (`SearchQuery.from_params`) and written back (`to_params`) for shareable links.
Only approved profiles of active (not deleted) accounts are ever returned.

Text matching is full text first (`search_vector @@ websearch_to_tsquery('simple', q)`,
GIN; name and subjects weigh most, then headline, then bio). When the words as typed match
no listed tutor, it falls back to trigram word similarity (`search_text %> q`, GIN
gin_trgm_ops, threshold 0.5) so that a typo ("mathematcs", "pyton") still finds the tutor.
search_text holds name, headline and subject names (not the bio: trigrams over long prose
match nearly anything). The fallback, rather than an OR of both, keeps correctly spelled
searches off the per-row trigram recheck (see search_tutors); the price is that a word
that matches some tutor exactly does not also pull in near-spellings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.models.tutors import SUBJECT_LEVELS
from tutorconnect.services.errors import InvalidInput

SORTS = ("relevance", "price_asc", "price_desc", "rating", "reviews")
Q_MAX = 100
PAGE_MAX = 1000
PER_PAGE_MAX = 50
PER_PAGE_DEFAULT = 20
PRICE_MAX_RUPEES = 1_000_000
FREE_WITHIN_MAX = 60
SUBJECTS_ON_CARD = 4
# pg_trgm's default word-similarity threshold (0.6) misses one-letter typos in short words
# ("pyton" ~ "python" scores 0.5); set per transaction, so other queries keep the default.
WORD_SIMILARITY_THRESHOLD = 0.5
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


@dataclass(frozen=True)
class SearchCard:
    tutor_id: str
    slug: str
    name: str
    headline: str
    subjects: tuple[str, ...]  # up to 4 active subject names, alphabetical
    hourly_rate_minor: int | None
    currency: str
    rating_average: Decimal | None  # two decimal places; None without reviews
    rating_count: int
    photo_path: str | None
    time_zone: str


@dataclass(frozen=True)
class SearchPage:
    query: SearchQuery
    items: list[SearchCard]
    total: int
    page: int
    per_page: int
    pages: int
    # False until availability exists (booking issue): free_within_days is not applied.
    availability_filter_applied: bool = False
    sort: str = "rating"


@dataclass(frozen=True)
class SubjectFacet:
    slug: str
    name: str
    category: str
    tutor_count: int


@dataclass(frozen=True)
class Facets:
    subjects: list[SubjectFacet]
    languages: list[tuple[str, int]] = field(default_factory=list)  # (code, tutor count)


_LISTED = "p.status = 'approved' AND u.deleted_at IS NULL"
_LEVEL_RANK = "array_position(ARRAY['beginner','intermediate','advanced','expert'], {col})"
_ORDER = {
    "relevance": "relevance DESC, p.user_id",
    "price_asc": "p.hourly_rate_minor ASC NULLS LAST, p.user_id",
    "price_desc": "p.hourly_rate_minor DESC NULLS LAST, p.user_id",
    "rating": "(p.rating_sum::numeric / nullif(p.rating_count, 0)) DESC NULLS LAST, p.rating_count DESC, p.user_id",
    "reviews": "p.rating_count DESC, p.user_id",
}
# ts_rank_cd weights in {D, C, B, A} order: bio (C) counts a fifth of name/subjects (A).
_RELEVANCE = "ts_rank_cd('{0.05, 0.2, 0.5, 1.0}', p.search_vector, x.tsq)"
# A fuzzy match has no exact lexemes to rank: the closest spelling comes first.
_FUZZY_RELEVANCE = "word_similarity(x.q, p.search_text)"


def _filters(query: SearchQuery, subject_id, fuzzy: bool) -> tuple[list[str], dict]:
    where = [_LISTED]
    params: dict = {}
    if query.q:
        where.append("p.search_text %> x.q" if fuzzy else "p.search_vector @@ x.tsq")
    if subject_id is not None or query.level:
        clauses = ["ts.tutor_id = p.user_id"]
        if subject_id is not None:
            clauses.append("ts.subject_id = :subject_id")
            params["subject_id"] = subject_id
        if query.level:
            clauses.append(f"{_LEVEL_RANK.format(col='ts.level')} >= {_LEVEL_RANK.format(col=':level')}")
            params["level"] = query.level
        where.append(f"EXISTS (SELECT 1 FROM tutor_subjects ts WHERE {' AND '.join(clauses)})")
    if query.price_min_minor is not None:
        where.append("p.hourly_rate_minor >= :price_min")
        params["price_min"] = query.price_min_minor
    if query.price_max_minor is not None:
        where.append("p.hourly_rate_minor <= :price_max")
        params["price_max"] = query.price_max_minor
    if query.min_rating is not None:
        # Exact: sum / count >= r  <=>  sum >= r * count (count > 0).
        where.append("p.rating_count > 0 AND p.rating_sum >= :min_rating * p.rating_count")
        params["min_rating"] = query.min_rating
    if query.language:
        where.append(
            "EXISTS (SELECT 1 FROM tutor_languages tl WHERE tl.tutor_id = p.user_id AND tl.language_code = :language)"
        )
        params["language"] = query.language
    return where, params


def _from(query: SearchQuery) -> str:
    source = "tutor_profiles p JOIN users u ON u.id = p.user_id"
    if query.q:
        # One tsquery per statement, not per row.
        source += " CROSS JOIN (SELECT websearch_to_tsquery('simple', :q) AS tsq, CAST(:q AS text) AS q) x"
    return source


def search_tutors(session: Session, query: SearchQuery) -> SearchPage:
    """One page of listed tutors matching `query`.

    `free_within_days` is validated but does not filter yet: tutors have no availability
    until the booking issue; the page says so with `availability_filter_applied=False`.

    The page and the total come from one statement: `count(*) OVER ()` is computed over
    the matching rows before LIMIT. Sorting by anything but the index order must read every
    match anyway, so the count costs little more than the sort. Only when the page lies
    past the end (no rows, so no window value) does a second, count-only query run.

    Raises InvalidInput("subject") when the subject slug names no active subject.
    """
    subject_id = None
    if query.subject is not None:
        subject_id = session.execute(
            text("SELECT id FROM subjects WHERE slug = :slug AND retired_at IS NULL"), {"slug": query.subject}
        ).scalar()
        if subject_id is None:
            raise InvalidInput("subject", "That subject does not exist.")
    fuzzy = False
    if query.q:
        # Typo tolerance as a fallback: when the words as typed match no listed tutor's
        # full text, match by trigram word similarity instead. Checking `%>` costs a
        # recheck per candidate row (about 10 us; a common subject has 10,000 candidates
        # at 100k tutors), so correctly spelled searches stay on the cheap tsvector index.
        fuzzy = not session.execute(text(f"""
            SELECT EXISTS (SELECT 1 FROM tutor_profiles p JOIN users u ON u.id = p.user_id
                           WHERE {_LISTED} AND p.search_vector @@ websearch_to_tsquery('simple', :q))
        """), {"q": query.q.lower()}).scalar()
    where, params = _filters(query, subject_id, fuzzy)
    if query.q:
        params["q"] = query.q.lower()
        session.execute(
            text("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)"),
            {"t": str(WORD_SIMILARITY_THRESHOLD)},
        )
        # pg_trgm declares its operators at cost 1, so the planner thinks checking
        # `search_text %> q` on every row is cheap and picks a sequential scan (or a join
        # order that rechecks 20,000 rows) over the GIN bitmaps: 1,150 ms against 80 ms at
        # 100k tutors. Text searches therefore run with sequential scans discouraged, for
        # this transaction only; search_tutors restores the setting after its statements.
        session.execute(text("SELECT set_config('enable_seqscan', 'off', true)"))
    sort = query.effective_sort
    relevance = "0"
    if query.q and sort == "relevance":
        relevance = _FUZZY_RELEVANCE if fuzzy else _RELEVANCE
    params["limit"] = query.per_page
    params["offset"] = (query.page - 1) * query.per_page
    statement = f"""
        SELECT p.user_id, p.slug, coalesce(nullif(p.display_name, ''), u.full_name) AS name, p.headline,
               p.hourly_rate_minor, p.currency, p.rating_count, p.rating_sum, p.photo_path, u.time_zone,
               ARRAY(SELECT s.name FROM tutor_subjects ts2 JOIN subjects s ON s.id = ts2.subject_id
                     WHERE ts2.tutor_id = p.user_id AND s.retired_at IS NULL
                     ORDER BY s.name LIMIT {SUBJECTS_ON_CARD}) AS subjects,
               {relevance} AS relevance,
               count(*) OVER () AS total
        FROM {_from(query)}
        WHERE {' AND '.join(where)}
        ORDER BY {_ORDER[sort]}
        LIMIT :limit OFFSET :offset
    """
    rows = session.execute(text(statement), params).all()
    if rows:
        total = int(rows[0].total)
    elif query.page == 1:
        total = 0
    else:
        total = int(session.execute(
            text(f"SELECT count(*) FROM {_from(query)} WHERE {' AND '.join(where)}"),
            {k: v for k, v in params.items() if k not in ("limit", "offset")},
        ).scalar())
    if query.q:
        session.execute(text("SELECT set_config('enable_seqscan', 'on', true)"))
    items = [
        SearchCard(
            tutor_id=str(r.user_id),
            slug=r.slug,
            name=r.name,
            headline=r.headline,
            subjects=tuple(r.subjects),
            hourly_rate_minor=r.hourly_rate_minor,
            currency=r.currency,
            rating_average=(
                (Decimal(r.rating_sum) / r.rating_count).quantize(Decimal("0.01"), ROUND_HALF_UP)
                if r.rating_count else None
            ),
            rating_count=r.rating_count,
            photo_path=r.photo_path,
            time_zone=r.time_zone,
        )
        for r in rows
    ]
    pages = -(-total // query.per_page)
    return SearchPage(query, items, total, query.page, query.per_page, pages, False, sort)


def facets(session: Session) -> Facets:
    """Active subjects with their listed-tutor counts (zero included, by name), and the
    languages listed tutors speak with counts (most common first)."""
    subjects = [
        SubjectFacet(*row)
        for row in session.execute(text(f"""
            SELECT s.slug, s.name, s.category,
                   (SELECT count(*) FROM tutor_subjects ts
                      JOIN tutor_profiles p ON p.user_id = ts.tutor_id
                      JOIN users u ON u.id = p.user_id
                     WHERE ts.subject_id = s.id AND {_LISTED}) AS tutor_count
            FROM subjects s WHERE s.retired_at IS NULL ORDER BY s.name, s.slug
        """)).all()
    ]
    languages = [
        (code, int(n))
        for code, n in session.execute(text(f"""
            SELECT tl.language_code, count(*) FROM tutor_languages tl
              JOIN tutor_profiles p ON p.user_id = tl.tutor_id JOIN users u ON u.id = p.user_id
             WHERE {_LISTED} GROUP BY tl.language_code ORDER BY count(*) DESC, tl.language_code
        """)).all()
    ]
    return Facets(subjects, languages)
