"""Searching listed tutors: text, filters and sort, one page at a time.

Only approved profiles of active (not deleted) accounts are ever returned. Queries read
tutor_search (models/search.py): one narrow row per listed tutor, kept by database
triggers, with array columns for languages and subject levels, so a search is one bitmap
scan over one table. Text matching is full text
(`search_vector @@ websearch_to_tsquery('simple', q)`, GIN; name and subjects weigh most,
then headline, then bio). When the words as typed match no listed tutor, each word is
widened to its closest spellings in search_lexicon (trigram similarity on a small table)
and the widened tsquery runs on the same index: a typo ("mathematcs", "pyton") finds the
tutor at the cost of one extra small query, not a per-row trigram recheck. A word that
matches some tutor exactly is not widened (the probe is on the whole query).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.models.tutors import SUBJECT_LEVELS
from tutorconnect.services.discovery.query import SearchQuery
from tutorconnect.services.errors import InvalidInput

SUBJECTS_ON_CARD = 4


@dataclass(frozen=True)
class SearchCard:
    tutor_id: str
    slug: str
    name: str
    headline: str
    subjects: tuple[str, ...]  # up to 4 active subject names, alphabetical
    hourly_rate_minor: int | None
    currency: str
    rating_average: Decimal | None  # two decimal places; None without reviews (not for display)
    rating_sum: int  # the exact aggregate: the page shows tutors.format_rating(rating_sum, rating_count)
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


_LEVEL_RANK = {level: rank for rank, level in enumerate(SUBJECT_LEVELS, start=1)}
_RATING_AVG = "(t.rating_sum::numeric / nullif(t.rating_count, 0))"
_ORDER = {
    "relevance": "relevance DESC, t.tutor_id",
    "price_asc": "t.hourly_rate_minor ASC NULLS LAST, t.tutor_id",
    "price_desc": "t.hourly_rate_minor DESC NULLS LAST, t.tutor_id",
    # Matches the expression index ix_tutor_search_rating (walked when there is no text).
    "rating": f"{_RATING_AVG} DESC NULLS LAST, t.rating_count DESC, t.tutor_id",
    "reviews": "t.rating_count DESC, t.tutor_id",
}
# ts_rank_cd weights in {D, C, B, A} order: bio (C) counts a fifth of name/subjects (A).
_RELEVANCE = "ts_rank_cd('{0.05, 0.2, 0.5, 1.0}', t.search_vector, x.tsq)"
# Typo correction: each query word is replaced by itself OR the lexicon words most like
# it (trigram similarity >= SIMILARITY, best CORRECTIONS_PER_WORD, and within
# CORRECTION_SPREAD of the best one), then the corrected tsquery runs on the same
# full-text index as a correctly spelled search. The spread keeps a clear winner alone:
# "mathematcs" is 0.62 like "mathematics" but only 0.33 like "maths", which would pull in
# every bio that mentions maths.
SIMILARITY = 0.3
CORRECTIONS_PER_WORD = 3
CORRECTION_SPREAD = 0.15
_WORD = re.compile(r"[0-9a-z\u00c0-\uffff]+")


def _filters(query: SearchQuery, subject_code: int | None) -> tuple[list[str], dict]:
    where: list[str] = []
    params: dict = {}
    if query.q:
        where.append("t.search_vector @@ x.tsq")
    if subject_code is not None or query.level:
        # See models/search.py: code * 8 + rank for a subject, rank alone for any subject.
        rank = _LEVEL_RANK[query.level] if query.level else 1
        params["levels"] = [(subject_code or 0) * 8 + rank]
        where.append("t.subject_levels @> CAST(:levels AS integer[])")
    if query.price_min_minor is not None:
        where.append("t.hourly_rate_minor >= :price_min")
        params["price_min"] = query.price_min_minor
    if query.price_max_minor is not None:
        where.append("t.hourly_rate_minor <= :price_max")
        params["price_max"] = query.price_max_minor
    if query.min_rating is not None:
        # Exact: sum / count >= r  <=>  sum >= r * count (count > 0).
        where.append("t.rating_count > 0 AND t.rating_sum >= :min_rating * t.rating_count")
        params["min_rating"] = query.min_rating
    if query.language:
        where.append("t.languages @> CAST(:languages AS text[])")
        params["languages"] = [query.language]
    return where or ["true"], params


def _corrected_tsquery(session: Session, q: str) -> str | None:
    """A tsquery text in which each word of `q` may also be one of its closest lexicon
    words ("pyton" -> 'pyton' | 'python'), or None when no word has a near spelling."""
    words = _WORD.findall(q.lower())[:8]
    if not words:
        return None
    rows = session.execute(text("""
        SELECT w.word, c.word AS correction, c.score
          FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS w(word, n)
          CROSS JOIN LATERAL (
              SELECT l.word, similarity(l.word, w.word) AS score FROM search_lexicon l
               WHERE l.word % w.word
               ORDER BY score DESC, l.word
               LIMIT :per_word) c
         ORDER BY w.n, c.score DESC
    """), {"words": words, "per_word": CORRECTIONS_PER_WORD}).all()
    if not rows:
        return None
    options: dict[str, set[str]] = {w: {w} for w in words}
    best: dict[str, float] = {}
    for word, correction, score in rows:
        best.setdefault(word, score)  # rows come best first
        if score >= best[word] - CORRECTION_SPREAD:
            options[word].add(correction)
    # Lexicon words come from to_tsvector('simple', ...), but quote them anyway: the
    # tsquery is built from data, never spliced into SQL (it is a bound parameter).
    def term(w: str) -> str:
        return "'" + w.replace("\\", "\\\\").replace("'", "''") + "'"
    return " & ".join("(" + " | ".join(term(w) for w in sorted(options[w])) + ")" for w in dict.fromkeys(words))


def search_tutors(session: Session, query: SearchQuery) -> SearchPage:
    """One page of listed tutors matching `query`, from the tutor_search index table.

    Text: full text (`websearch_to_tsquery('simple', q)` on the GIN index). When the words
    as typed match no listed tutor, each word is widened to its closest spellings from
    search_lexicon and the search runs again on the same index, so "mathematcs" finds
    Mathematics tutors without a per-row trigram recheck.

    With text, the page and the total come from one statement (`count(*) OVER ()` over
    the matches, which must all be read to be sorted anyway). Without text, the page is
    an index walk in sort order (LIMIT stops early) and the total a separate count.

    `free_within_days` is validated but does not filter yet: tutors have no availability
    until the booking issue; the page says so with `availability_filter_applied=False`.

    Raises InvalidInput("subject") when the subject slug names no active subject.
    """
    subject_code = None
    if query.subject is not None:
        subject_code = session.execute(
            text("SELECT search_code FROM subjects WHERE slug = :slug AND retired_at IS NULL"), {"slug": query.subject}
        ).scalar()
        if subject_code is None:
            raise InvalidInput("subject", "That subject does not exist.")
    where, params = _filters(query, subject_code)
    source = "tutor_search t"
    tsquery_sql = "websearch_to_tsquery('simple', :q)"
    if query.q:
        params["q"] = query.q.lower()
        exact = session.execute(
            text(f"SELECT EXISTS (SELECT 1 FROM tutor_search t WHERE t.search_vector @@ {tsquery_sql})"),
            {"q": params["q"]},
        ).scalar()
        if not exact:
            corrected = _corrected_tsquery(session, params["q"])
            if corrected is not None:
                tsquery_sql = "to_tsquery('simple', :tsq)"
                params["tsq"] = corrected
        # One tsquery per statement, not per row.
        source += f" CROSS JOIN (SELECT {tsquery_sql} AS tsq) x"
    sort = query.effective_sort
    relevance = _RELEVANCE if query.q and sort == "relevance" else "0"
    condition = " AND ".join(where)
    page_params = {**params, "limit": query.per_page, "offset": (query.page - 1) * query.per_page}
    columns = f"""t.tutor_id, t.slug, t.name, t.headline, t.hourly_rate_minor, t.currency, t.rating_count,
               t.rating_sum, t.photo_path, t.time_zone, t.subject_names[1:{SUBJECTS_ON_CARD}] AS subjects,
               {relevance} AS relevance"""
    if query.q:
        # Every match must be read to count it, so collect them first from the full-text
        # bitmap (MATERIALIZED fences the planner), then count and sort. Left to itself the
        # planner walks a sort-order index hoping LIMIT stops early, which the window
        # count never lets it do: 130 ms instead of 20 at 100k tutors.
        statement = f"""
            WITH matches AS MATERIALIZED (SELECT {columns} FROM {source} WHERE {condition})
            SELECT t.*, count(*) OVER () AS total FROM matches t
            ORDER BY {_ORDER[sort]}
            LIMIT :limit OFFSET :offset
        """
    else:
        statement = f"SELECT {columns} FROM {source} WHERE {condition} ORDER BY {_ORDER[sort]} LIMIT :limit OFFSET :offset"
    rows = session.execute(text(statement), page_params).all()
    if query.q and rows:
        total = int(rows[0].total)
    elif query.q and query.page == 1:
        total = 0
    else:  # no text (count separately), or a page past the end (no row carries the total)
        total = int(session.execute(text(f"SELECT count(*) FROM {source} WHERE {condition}"), params).scalar())
    items = [
        SearchCard(
            tutor_id=str(r.tutor_id),
            slug=r.slug,
            name=r.name,
            headline=r.headline,
            subjects=tuple(r.subjects or ()),
            hourly_rate_minor=r.hourly_rate_minor,
            currency=r.currency,
            rating_average=(
                (Decimal(r.rating_sum) / r.rating_count).quantize(Decimal("0.01"), ROUND_HALF_UP)
                if r.rating_count else None
            ),
            rating_sum=r.rating_sum,
            rating_count=r.rating_count,
            photo_path=r.photo_path,
            time_zone=r.time_zone,
        )
        for r in rows
    ]
    pages = -(-total // query.per_page)
    return SearchPage(query, items, total, query.page, query.per_page, pages, False, sort)
