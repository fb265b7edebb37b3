"""Tutors: the subject taxonomy, tutor profiles and what hangs off them (subjects,
languages, prices, documents, status history), reviews, favorites and in-app notifications.

The minimal base the marketplace grows from (onboarding wizard, approval workflow,
discovery search, reviews). A tutor profile belongs to exactly one user (its key is the
user's id); the tutor's time zone is the user's `time_zone`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CHAR,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlmodel import Field, SQLModel

from tutorconnect.models.base import bigint_pk, check_in, tstz, uuid_pk


class TutorStatus(StrEnum):
    DRAFT = "draft"  # being written by the tutor
    SUBMITTED = "submitted"  # waiting for an admin
    UNDER_REVIEW = "under_review"  # an admin has picked it up
    APPROVED = "approved"  # listed, bookable
    REJECTED = "rejected"  # sent back with a reason (the tutor may edit and resubmit)
    SUSPENDED = "suspended"  # was approved, hidden by an admin


class SubjectLevel(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"
    EXPERT = "expert"


TUTOR_STATUSES = tuple(s.value for s in TutorStatus)
SUBJECT_LEVELS = tuple(level.value for level in SubjectLevel)
SLUG_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"
HEADLINE_MAX = 120
BIO_MAX = 4000
DISPLAY_NAME_MAX = 80
LESSON_LENGTHS = (30, 45, 60, 90)
LANGUAGE_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
DOCUMENT_KINDS = ("education", "certification")
DOCUMENT_TYPES = ("application/pdf", "image/png", "image/jpeg")
DOCUMENT_MAX_BYTES = 10_000_000
REVIEW_BODY_MAX = 2000


def _fk(target: str, *, ondelete: str = "CASCADE", primary_key: bool = False, nullable: bool = False):
    return Field(
        default=None if nullable else ...,
        sa_column=Column(
            PGUUID(as_uuid=True),
            ForeignKey(target, ondelete=ondelete),
            primary_key=primary_key,
            nullable=nullable,
        ),
    )


def _text(*, nullable: bool = False, default: str | None = None):
    if default is not None:
        return Field(default=default, sa_column=Column(Text, nullable=nullable, server_default=text(f"'{default}'")))
    return Field(default=None if nullable else ..., sa_column=Column(Text, nullable=nullable))


class Subject(SQLModel, table=True):
    """A managed taxonomy entry. Retired subjects stay (tutors' history refers to them)
    but are no longer offered in search or onboarding."""

    __tablename__ = "subjects"
    __table_args__ = (
        CheckConstraint(f"slug ~ '{SLUG_PATTERN}' AND char_length(slug) <= 80", name="ck_subjects_slug"),
        CheckConstraint("char_length(name) BETWEEN 1 AND 80", name="ck_subjects_name_len"),
        CheckConstraint("char_length(category) BETWEEN 1 AND 60", name="ck_subjects_category_len"),
        Index("uq_subjects_slug", "slug", unique=True),
        Index("uq_subjects_search_code", "search_code", unique=True),
    )

    id: uuid.UUID = uuid_pk()
    # A small number for the search index's subject-level codes (models/search.py).
    search_code: int = Field(
        default=None, sa_column=Column(Integer, Identity(always=True), nullable=False)
    )
    slug: str = Field(sa_column=Column(Text, nullable=False))
    name: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = tstz(nullable=False, now_default=True)
    retired_at: datetime | None = tstz()

    @property
    def is_active(self) -> bool:
        return self.retired_at is None


class TutorProfile(SQLModel, table=True):
    __tablename__ = "tutor_profiles"
    __table_args__ = (
        CheckConstraint(check_in("status", TUTOR_STATUSES), name="ck_tutor_profiles_status"),
        CheckConstraint(f"slug ~ '{SLUG_PATTERN}' AND char_length(slug) <= 80", name="ck_tutor_profiles_slug"),
        CheckConstraint(f"char_length(headline) <= {HEADLINE_MAX}", name="ck_tutor_profiles_headline_len"),
        CheckConstraint(f"char_length(bio) <= {BIO_MAX}", name="ck_tutor_profiles_bio_len"),
        CheckConstraint("hourly_rate_minor > 0", name="ck_tutor_profiles_rate_positive"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="ck_tutor_profiles_currency"),
        CheckConstraint("years_experience BETWEEN 0 AND 70", name="ck_tutor_profiles_years_experience"),
        # A listed tutor can be found and booked: it has a headline and a price.
        CheckConstraint(
            "status <> 'approved' OR (hourly_rate_minor IS NOT NULL AND char_length(headline) > 0)",
            name="ck_tutor_profiles_approved_complete",
        ),
        CheckConstraint(f"char_length(display_name) <= {DISPLAY_NAME_MAX}", name="ck_tutor_profiles_display_name_len"),
        CheckConstraint("trial_price_minor > 0", name="ck_tutor_profiles_trial_price_positive"),
        CheckConstraint(
            "lesson_lengths <@ '{30,45,60,90}'::smallint[] AND cardinality(lesson_lengths) >= 1",
            name="ck_tutor_profiles_lesson_lengths",
        ),
        CheckConstraint("rating_count >= 0", name="ck_tutor_profiles_rating_count"),
        # Every rating is 1..5, so the sum lies between count and 5 * count.
        CheckConstraint(
            "rating_sum BETWEEN rating_count AND 5 * rating_count", name="ck_tutor_profiles_rating_sum"
        ),
        Index("uq_tutor_profiles_slug", "slug", unique=True),
        Index("ix_tutor_profiles_status", "status"),
        Index(
            "ix_tutor_profiles_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index("ix_tutor_profiles_search_vector", "search_vector", postgresql_using="gin"),
    )

    user_id: uuid.UUID = Field(
        sa_column=Column(
            PGUUID(as_uuid=True),
            ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    slug: str = Field(sa_column=Column(Text, nullable=False))
    headline: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=text("''")))
    bio: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=text("''")))
    status: str = Field(
        default=TutorStatus.DRAFT.value,
        sa_column=Column(Text, nullable=False, server_default=text("'draft'")),
    )
    # Price of a 60-minute lesson in minor units of `currency` (paise for INR).
    hourly_rate_minor: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    currency: str = Field(
        default="INR", sa_column=Column(CHAR(3), nullable=False, server_default=text("'INR'"))
    )
    years_experience: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    # A path the browser can load (`/avatars/<slug>.svg`, or an uploaded photo's route).
    photo_path: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = tstz(nullable=False, now_default=True)
    updated_at: datetime = tstz(nullable=False, now_default=True)
    # Shown instead of the account's full name when set (a tutor may teach as "Ms Priya").
    display_name: str = _text(default="")
    # https YouTube / Vimeo / Loom only (checked by the service).
    intro_video_url: str | None = _text(nullable=True)
    trial_price_minor: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    lesson_lengths: list[int] = Field(
        default_factory=lambda: [60],
        sa_column=Column(ARRAY(SmallInteger), nullable=False, server_default=text("'{60}'")),
    )
    requires_confirmation: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false"))
    )
    rejection_reason: str | None = _text(nullable=True)
    submitted_at: datetime | None = tstz()
    reviewed_at: datetime | None = tstz()
    approved_at: datetime | None = tstz()
    # Aggregates of visible reviews, kept by services/tutors/lesson_reviews.py in the same transaction
    # as the review change: average = rating_sum / rating_count, exact.
    rating_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))
    rating_sum: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))
    # Maintained by services/discovery/search_documents.refresh_search_document on every save.
    search_text: str = _text(default="")
    search_vector: str | None = Field(default=None, sa_column=Column(TSVECTOR, nullable=True))

    @property
    def is_listed(self) -> bool:
        return self.status == TutorStatus.APPROVED.value


class TutorSubject(SQLModel, table=True):
    """A subject a tutor teaches, and up to which level."""

    __tablename__ = "tutor_subjects"
    __table_args__ = (
        CheckConstraint(check_in("level", SUBJECT_LEVELS), name="ck_tutor_subjects_level"),
        Index("ix_tutor_subjects_subject_id", "subject_id"),
    )

    tutor_id: uuid.UUID = Field(
        sa_column=Column(
            PGUUID(as_uuid=True),
            ForeignKey("tutor_profiles.user_id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    subject_id: uuid.UUID = Field(
        sa_column=Column(
            PGUUID(as_uuid=True),
            ForeignKey("subjects.id", ondelete="RESTRICT"),
            primary_key=True,
        )
    )
    level: str = Field(sa_column=Column(Text, nullable=False))


class TutorPrice(SQLModel, table=True):
    """A per-length price override; without one the price derives from the hourly rate."""

    __tablename__ = "tutor_prices"
    __table_args__ = (
        CheckConstraint("length_minutes IN (30, 45, 60, 90)", name="ck_tutor_prices_length"),
        CheckConstraint("price_minor > 0", name="ck_tutor_prices_positive"),
    )

    tutor_id: uuid.UUID = _fk("tutor_profiles.user_id", primary_key=True)
    length_minutes: int = Field(sa_column=Column(SmallInteger, primary_key=True))
    price_minor: int = Field(sa_column=Column(Integer, nullable=False))


class TutorLanguage(SQLModel, table=True):
    __tablename__ = "tutor_languages"
    __table_args__ = (
        CheckConstraint("language_code ~ '^[a-z]{2,3}$'", name="ck_tutor_languages_code"),
        CheckConstraint(check_in("level", LANGUAGE_LEVELS), name="ck_tutor_languages_level"),
    )

    tutor_id: uuid.UUID = _fk("tutor_profiles.user_id", primary_key=True)
    language_code: str = Field(sa_column=Column(Text, primary_key=True))
    level: str = Field(sa_column=Column(Text, nullable=False))


class TutorDocument(SQLModel, table=True):
    """An education or certification document. The file lives under
    var/private/documents/<storage_key>, never under a publicly served directory."""

    __tablename__ = "tutor_documents"
    __table_args__ = (
        CheckConstraint(check_in("kind", DOCUMENT_KINDS), name="ck_tutor_documents_kind"),
        CheckConstraint(check_in("content_type", DOCUMENT_TYPES), name="ck_tutor_documents_content_type"),
        CheckConstraint(f"size_bytes BETWEEN 1 AND {DOCUMENT_MAX_BYTES}", name="ck_tutor_documents_size"),
        CheckConstraint("year BETWEEN 1950 AND 2100", name="ck_tutor_documents_year"),
        CheckConstraint("char_length(title) BETWEEN 1 AND 200", name="ck_tutor_documents_title_len"),
        CheckConstraint("char_length(issuer) <= 200", name="ck_tutor_documents_issuer_len"),
        Index("uq_tutor_documents_storage_key", "storage_key", unique=True),
        Index("ix_tutor_documents_tutor_id", "tutor_id"),
    )

    id: uuid.UUID = uuid_pk()
    tutor_id: uuid.UUID = _fk("tutor_profiles.user_id")
    kind: str = _text()
    title: str = _text()
    issuer: str = _text(default="")
    year: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    storage_key: str = _text()
    original_filename: str = _text()
    content_type: str = _text()
    size_bytes: int = Field(sa_column=Column(Integer, nullable=False))
    created_at: datetime = tstz(nullable=False, now_default=True)
    deleted_at: datetime | None = tstz()


class TutorStatusEvent(SQLModel, table=True):
    """Append-only history of a profile's approval status (the admin queue shows it)."""

    __tablename__ = "tutor_status_events"
    __table_args__ = (Index("ix_tutor_status_events_tutor", "tutor_id", "created_at"),)

    id: int | None = bigint_pk()
    tutor_id: uuid.UUID = _fk("tutor_profiles.user_id")
    from_status: str = _text()
    to_status: str = _text()
    actor_user_id: uuid.UUID | None = Field(default=None, sa_column=Column(PGUUID(as_uuid=True), nullable=True))
    reason: str | None = _text(nullable=True)
    created_at: datetime = tstz(nullable=False, now_default=True)


class Review(SQLModel, table=True):
    """A student's review of a tutor. Immutable once published, except the tutor's single
    reply and an admin's hide/unhide. Only visible (not hidden) rows count in ratings."""

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="ck_reviews_rating"),
        CheckConstraint(f"char_length(body) <= {REVIEW_BODY_MAX}", name="ck_reviews_body_len"),
        CheckConstraint(f"char_length(reply_body) <= {REVIEW_BODY_MAX}", name="ck_reviews_reply_len"),
        # booking_id -> bookings.id ON DELETE RESTRICT (migration 0006): a review written from a
        # lesson keeps its lesson; bookings are never deleted by the app.
        Index("uq_reviews_booking_id", "booking_id", unique=True, postgresql_where=text("booking_id IS NOT NULL")),
        # A btree scans backwards as fast as forwards: this serves "newest first".
        Index("ix_reviews_tutor_visible", "tutor_id", "created_at", postgresql_where=text("hidden_at IS NULL")),
        Index("ix_reviews_student_id", "student_id"),
    )

    id: uuid.UUID = uuid_pk()
    tutor_id: uuid.UUID = _fk("tutor_profiles.user_id")
    student_id: uuid.UUID = _fk("users.id")
    booking_id: uuid.UUID | None = Field(default=None, sa_column=Column(
        PGUUID(as_uuid=True), ForeignKey("bookings.id", ondelete="RESTRICT", name="reviews_booking_id_fkey"),
        nullable=True))
    rating: int = Field(sa_column=Column(SmallInteger, nullable=False))
    body: str = _text(default="")
    created_at: datetime = tstz(nullable=False, now_default=True)
    reply_body: str | None = _text(nullable=True)
    replied_at: datetime | None = tstz()
    hidden_at: datetime | None = tstz()
    hidden_reason: str | None = _text(nullable=True)
    hidden_by: uuid.UUID | None = Field(default=None, sa_column=Column(PGUUID(as_uuid=True), nullable=True))


class Favorite(SQLModel, table=True):
    __tablename__ = "favorites"
    __table_args__ = (Index("ix_favorites_tutor_id", "tutor_id"),)

    student_id: uuid.UUID = _fk("users.id", primary_key=True)
    tutor_id: uuid.UUID = _fk("tutor_profiles.user_id", primary_key=True)
    created_at: datetime = tstz(nullable=False, now_default=True)


class Notification(SQLModel, table=True):
    """An in-app notification (email and push join once the notifications issue lands)."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_created", "user_id", "created_at"),
        Index("ix_notifications_user_unread", "user_id", postgresql_where=text("read_at IS NULL")),
        CheckConstraint("char_length(title) BETWEEN 1 AND 200", name="ck_notifications_title_len"),
        CheckConstraint("char_length(body) <= 2000", name="ck_notifications_body_len"),
        # One row per (event, booking, change, recipient): a duplicate event adds nothing.
        Index("uq_notifications_dedupe_key", "dedupe_key", unique=True),
    )

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = _fk("users.id")
    kind: str = _text()
    title: str = _text()
    body: str = _text(default="")
    link: str | None = _text(nullable=True)
    created_at: datetime = tstz(nullable=False, now_default=True)
    read_at: datetime | None = tstz()
    dedupe_key: str | None = _text(nullable=True)


__all__ = [
    "DOCUMENT_KINDS",
    "DOCUMENT_MAX_BYTES",
    "DOCUMENT_TYPES",
    "LANGUAGE_LEVELS",
    "LESSON_LENGTHS",
    "SUBJECT_LEVELS",
    "TUTOR_STATUSES",
    "Favorite",
    "Notification",
    "Review",
    "Subject",
    "SubjectLevel",
    "TutorDocument",
    "TutorLanguage",
    "TutorPrice",
    "TutorProfile",
    "TutorStatus",
    "TutorStatusEvent",
    "TutorSubject",
]
