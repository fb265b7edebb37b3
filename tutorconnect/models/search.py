"""The discovery search index: one narrow row per *listed* tutor, and a word list for
typo correction. Both are derived data, maintained by PostgreSQL triggers (migration
0004), never written by application code.

Why a separate table: a search for a common subject matches ~10% of all tutors and must
read every match to count and sort it. tutor_profiles rows are wide (bio, pricing,
approval timeline) and need joins (users for the name and deletion, tutor_languages,
tutor_subjects) for the filters; tutor_search holds exactly what the result card, the
filters and the sorts need, with array columns for languages and subject levels, so one
bitmap scan over one narrow table answers the query. Only listed tutors (approved profile,
account not deleted) have a row, so "listed" is not a filter at all.

`subject_levels` encodes "teaches subject S up to level L" as the integers
`S.search_code * 8 + k` and `k` (any subject) for every k from 1 to L's rank (beginner 1
.. expert 4), so "teaches S at level >= r" is `subject_levels @> ARRAY[code * 8 + r]` and
"any subject at >= r" is `@> ARRAY[r]`: GIN-indexable containment tests on a few bytes
per subject (uuid strings made the row a third larger).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CHAR, Column, ForeignKey, Index, Integer, Text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlmodel import Field, SQLModel

from tutorconnect.models.base import tstz


def _text_array() -> Column:
    return Column(ARRAY(Text), nullable=False)


class TutorSearch(SQLModel, table=True):
    __tablename__ = "tutor_search"
    __table_args__ = (
        Index("ix_tutor_search_vector", "search_vector", postgresql_using="gin"),
        Index("ix_tutor_search_subject_levels", "subject_levels", postgresql_using="gin"),
        Index("ix_tutor_search_languages", "languages", postgresql_using="gin"),
        Index("ix_tutor_search_price", "hourly_rate_minor", "tutor_id"),
        Index("ix_tutor_search_reviews", "rating_count", "tutor_id"),
        # Plus ix_tutor_search_rating, an expression index for the rating sort, created by
        # migration 0004 only: autogenerate cannot compare expression indexes.
    )

    tutor_id: uuid.UUID = Field(
        sa_column=Column(
            PGUUID(as_uuid=True), ForeignKey("tutor_profiles.user_id", ondelete="CASCADE"), primary_key=True
        )
    )
    slug: str = Field(sa_column=Column(Text, nullable=False))
    name: str = Field(sa_column=Column(Text, nullable=False))
    headline: str = Field(sa_column=Column(Text, nullable=False))
    photo_path: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    time_zone: str = Field(sa_column=Column(Text, nullable=False))
    currency: str = Field(sa_column=Column(CHAR(3), nullable=False))
    hourly_rate_minor: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    rating_count: int = Field(sa_column=Column(Integer, nullable=False))
    rating_sum: int = Field(sa_column=Column(Integer, nullable=False))
    subject_names: list[str] = Field(sa_column=_text_array())  # active subjects, by name
    subject_levels: list[int] = Field(sa_column=Column(ARRAY(Integer), nullable=False))
    languages: list[str] = Field(sa_column=_text_array())
    search_vector: str | None = Field(default=None, sa_column=Column(TSVECTOR, nullable=True))
    approved_at: datetime | None = tstz()


class SearchLexicon(SQLModel, table=True):
    """Every word (3-40 characters) of a listed tutor's search document, ever: the
    vocabulary typo correction maps a misspelled query word onto (trigram similarity),
    before the corrected words run on the full-text index. Words are only added; one
    that no longer matches anyone costs nothing but a correction that finds no tutor."""

    __tablename__ = "search_lexicon"
    __table_args__ = (
        Index("ix_search_lexicon_word_trgm", "word", postgresql_using="gin", postgresql_ops={"word": "gin_trgm_ops"}),
    )

    word: str = Field(sa_column=Column(Text, primary_key=True))
