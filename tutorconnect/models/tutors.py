"""Tutors: the subject taxonomy, tutor profiles and the subjects each tutor teaches.

The minimal base the marketplace grows from (onboarding wizard, approval workflow,
discovery search, reviews). A tutor profile belongs to exactly one user (its key is the
user's id); the tutor's time zone is the user's `time_zone`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CHAR, CheckConstraint, Column, ForeignKey, Index, Integer, Text, text
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlmodel import Field, SQLModel

from tutorconnect.models.base import check_in, tstz, uuid_pk


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


class Subject(SQLModel, table=True):
    """A managed taxonomy entry. Retired subjects stay (tutors' history refers to them)
    but are no longer offered in search or onboarding."""

    __tablename__ = "subjects"
    __table_args__ = (
        CheckConstraint(f"slug ~ '{SLUG_PATTERN}' AND char_length(slug) <= 80", name="ck_subjects_slug"),
        CheckConstraint("char_length(name) BETWEEN 1 AND 80", name="ck_subjects_name_len"),
        CheckConstraint("char_length(category) BETWEEN 1 AND 60", name="ck_subjects_category_len"),
        Index("uq_subjects_slug", "slug", unique=True),
    )

    id: uuid.UUID = uuid_pk()
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
        Index("uq_tutor_profiles_slug", "slug", unique=True),
        Index("ix_tutor_profiles_status", "status"),
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


__all__ = [
    "SUBJECT_LEVELS",
    "TUTOR_STATUSES",
    "Subject",
    "SubjectLevel",
    "TutorProfile",
    "TutorStatus",
    "TutorSubject",
]
