"""Scheduling and booking: a tutor's availability (in the tutor's own time zone), slot
holds (PostgreSQL fallback for Redis), bookings and their history, calendar feed tokens.

Availability is stored as the tutor wrote it, in local wall-clock terms: weekly rules
(ISO weekday 0 = Monday .. 6 = Sunday, minutes after local midnight), date overrides (a
local date, closed or with its own hours) and time off (absolute instants). Slot
computation (services/scheduling/slot_core.py) turns them into instants with zoneinfo,
so a 09:00-17:00 rule stays 09:00-17:00 local across DST changes.

Bookings: the database itself guarantees no double booking. `blocked_from`/`blocked_until`
are the lesson plus the tutor's buffers (snapshotted on the booking) and an exclusion
constraint forbids two active bookings of one tutor whose blocked ranges overlap; a second
one forbids a student two overlapping active lessons (without buffers). Active =
pending_payment, awaiting_tutor, confirmed. Money is copied onto the booking at creation
(price, platform fee, tutor earnings in minor units; fee + earnings = price), with the
cancellation policy in force, so later changes of prices or policy never touch it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CHAR,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlmodel import Field, SQLModel

from tutorconnect.models.base import bigint_pk, check_in, jsonb, tstz, uuid_pk


class BookingStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"  # created from a hold; waiting for the payment
    AWAITING_TUTOR = "awaiting_tutor"  # paid; the tutor confirms bookings by hand
    CONFIRMED = "confirmed"
    DECLINED = "declined"  # by the tutor, or automatically when they do not answer in time
    EXPIRED = "expired"  # never paid
    CANCELLED = "cancelled"  # by the student, the tutor or an admin
    COMPLETED = "completed"
    NO_SHOW_STUDENT = "no_show_student"
    NO_SHOW_TUTOR = "no_show_tutor"


BOOKING_STATUSES = tuple(s.value for s in BookingStatus)
ACTIVE_STATUSES = (BookingStatus.PENDING_PAYMENT.value, BookingStatus.AWAITING_TUTOR.value,
                   BookingStatus.CONFIRMED.value)
MAX_HORIZON_DAYS = 365  # how far ahead a tutor may let students book, at most
# Statuses a booking only reaches once paid; and those of them still ahead (cancellable).
PAID_STATUSES = frozenset({BookingStatus.AWAITING_TUTOR.value, BookingStatus.CONFIRMED.value,
                           BookingStatus.COMPLETED.value, BookingStatus.NO_SHOW_STUDENT.value,
                           BookingStatus.NO_SHOW_TUTOR.value})
PAID_ACTIVE_STATUSES = PAID_STATUSES & frozenset(ACTIVE_STATUSES)
OVERRIDE_KINDS = ("closed", "hours")
ACTIVE_SQL = check_in("status", ACTIVE_STATUSES)


def _fk(target: str, *, ondelete: str = "CASCADE", nullable: bool = False, primary_key: bool = False):
    return Field(
        default=None if nullable else ...,
        sa_column=Column(PGUUID(as_uuid=True), ForeignKey(target, ondelete=ondelete), nullable=nullable,
                         primary_key=primary_key),
    )


def _int(*, small: bool = True, nullable: bool = False, default: int | None = None):
    kind = SmallInteger if small else Integer
    server = text(str(default)) if default is not None else None
    return Field(default=default, sa_column=Column(kind, nullable=nullable, server_default=server))


class TutorSchedule(SQLModel, table=True):
    """A tutor's booking settings (one row per tutor, created with defaults on first use)."""

    __tablename__ = "tutor_schedules"
    __table_args__ = (
        CheckConstraint("buffer_before_minutes BETWEEN 0 AND 120", name="ck_tutor_schedules_buffer_before"),
        CheckConstraint("buffer_after_minutes BETWEEN 0 AND 120", name="ck_tutor_schedules_buffer_after"),
        CheckConstraint("min_notice_minutes BETWEEN 0 AND 20160", name="ck_tutor_schedules_min_notice"),
        CheckConstraint(f"horizon_days BETWEEN 1 AND {MAX_HORIZON_DAYS}", name="ck_tutor_schedules_horizon"),
        CheckConstraint("max_lessons_per_day IS NULL OR max_lessons_per_day BETWEEN 1 AND 24",
                        name="ck_tutor_schedules_max_per_day"),
    )

    tutor_id: uuid.UUID = _fk("tutor_profiles.user_id", primary_key=True)
    buffer_before_minutes: int = _int(default=0)
    buffer_after_minutes: int = _int(default=0)
    min_notice_minutes: int = _int(small=False, default=720)  # 12 hours
    horizon_days: int = _int(default=60)
    max_lessons_per_day: int | None = _int(nullable=True)
    updated_at: datetime = tstz(nullable=False, now_default=True)


class AvailabilityRule(SQLModel, table=True):
    """A weekly interval in the tutor's zone: weekday 0 (Monday)..6, minutes from local
    midnight, end exclusive (1440 = midnight at the end of the day). Intervals of one
    weekday never overlap (exclusion constraint); adjacent ones are allowed."""

    __tablename__ = "availability_rules"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_availability_rules_weekday"),
        CheckConstraint("start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute",
                        name="ck_availability_rules_minutes"),
        ExcludeConstraint(
            (Column("tutor_id"), "="), (Column("weekday"), "="),
            (text("int4range(start_minute, end_minute)"), "&&"),
            name="ex_availability_rules_overlap", using="gist",
        ),
    )

    id: uuid.UUID = uuid_pk()
    tutor_id: uuid.UUID = _fk("tutor_profiles.user_id")
    weekday: int = _int()
    start_minute: int = _int()
    end_minute: int = _int()


class AvailabilityOverride(SQLModel, table=True):
    """A local date that differs from the weekly rules: `closed` all day (one row, no
    minutes), or `hours` rows that replace that weekday's rules for the date."""

    __tablename__ = "availability_overrides"
    __table_args__ = (
        CheckConstraint(check_in("kind", OVERRIDE_KINDS), name="ck_availability_overrides_kind"),
        CheckConstraint(
            "(kind = 'closed' AND start_minute IS NULL AND end_minute IS NULL) OR "
            "(kind = 'hours' AND start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute)",
            name="ck_availability_overrides_minutes",
        ),
        ExcludeConstraint(
            (Column("tutor_id"), "="), (Column("on_date"), "="),
            (text("int4range(coalesce(start_minute, 0), coalesce(end_minute, 1440))"), "&&"),
            name="ex_availability_overrides_overlap", using="gist",
        ),
    )

    id: uuid.UUID = uuid_pk()
    tutor_id: uuid.UUID = _fk("tutor_profiles.user_id")
    on_date: date = Field(sa_column=Column(Date, nullable=False))
    kind: str = Field(sa_column=Column(Text, nullable=False))
    start_minute: int | None = _int(nullable=True)
    end_minute: int | None = _int(nullable=True)


class TimeOff(SQLModel, table=True):
    """An absolute range when the tutor is away (holidays), whatever the rules say."""

    __tablename__ = "time_off"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ck_time_off_range"),
        Index("ix_time_off_tutor", "tutor_id", "starts_at"),
    )

    id: uuid.UUID = uuid_pk()
    tutor_id: uuid.UUID = _fk("tutor_profiles.user_id")
    starts_at: datetime = tstz(nullable=False)
    ends_at: datetime = tstz(nullable=False)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=text("''")))


class SlotHold(SQLModel, table=True):
    """A student's short hold on a slot when Redis is not configured. At most one hold
    per (student, tutor); holds of one tutor never overlap (blocked ranges, like bookings).
    Expired rows are deleted by the hold service before it inserts, in one transaction."""

    __tablename__ = "slot_holds"
    __table_args__ = (
        CheckConstraint("blocked_until > blocked_from AND ends_at > starts_at", name="ck_slot_holds_range"),
        Index("uq_slot_holds_student_tutor", "student_id", "tutor_id", unique=True),
        ExcludeConstraint(
            (Column("tutor_id"), "="), (text("tstzrange(blocked_from, blocked_until)"), "&&"),
            name="ex_slot_holds_overlap", using="gist",
        ),
    )

    id: uuid.UUID = uuid_pk()
    tutor_id: uuid.UUID = _fk("tutor_profiles.user_id")
    student_id: uuid.UUID = _fk("users.id")
    starts_at: datetime = tstz(nullable=False)
    ends_at: datetime = tstz(nullable=False)
    blocked_from: datetime = tstz(nullable=False)
    blocked_until: datetime = tstz(nullable=False)
    length_minutes: int = _int()
    expires_at: datetime = tstz(nullable=False)
    created_at: datetime = tstz(nullable=False, now_default=True)


class Booking(SQLModel, table=True):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(check_in("status", BOOKING_STATUSES), name="ck_bookings_status"),
        CheckConstraint("ends_at > starts_at", name="ck_bookings_range"),
        CheckConstraint("blocked_from <= starts_at AND blocked_until >= ends_at", name="ck_bookings_blocked"),
        CheckConstraint("length_minutes IN (30, 45, 60, 90)", name="ck_bookings_length"),
        CheckConstraint("price_minor >= 0 AND platform_fee_minor >= 0 AND tutor_earnings_minor >= 0",
                        name="ck_bookings_money_positive"),
        CheckConstraint("platform_fee_minor + tutor_earnings_minor = price_minor", name="ck_bookings_money_adds_up"),
        CheckConstraint("reschedule_count >= 0", name="ck_bookings_reschedule_count"),
        CheckConstraint("refund_minor IS NULL OR refund_minor BETWEEN 0 AND price_minor", name="ck_bookings_refund"),
        CheckConstraint("tutor_id <> student_id", name="ck_bookings_not_self"),
        Index("uq_bookings_reference", "reference", unique=True),
        Index("ix_bookings_tutor_starts", "tutor_id", "starts_at"),
        Index("ix_bookings_student_starts", "student_id", "starts_at"),
        Index("ix_bookings_status_expires", "status", "expires_at"),
        ExcludeConstraint(
            (Column("tutor_id"), "="), (text("tstzrange(blocked_from, blocked_until)"), "&&"),
            name="ex_bookings_tutor_overlap", using="gist", where=text(ACTIVE_SQL),
        ),
        ExcludeConstraint(
            (Column("student_id"), "="), (text("tstzrange(starts_at, ends_at)"), "&&"),
            name="ex_bookings_student_overlap", using="gist", where=text(ACTIVE_SQL),
        ),
    )

    id: uuid.UUID = uuid_pk()
    reference: str = Field(sa_column=Column(Text, nullable=False))  # "TC-7K3M9Q", shown to people
    tutor_id: uuid.UUID = _fk("tutor_profiles.user_id", ondelete="RESTRICT")
    student_id: uuid.UUID = _fk("users.id", ondelete="RESTRICT")
    status: str = Field(sa_column=Column(Text, nullable=False))
    starts_at: datetime = tstz(nullable=False)
    ends_at: datetime = tstz(nullable=False)
    length_minutes: int = _int()
    blocked_from: datetime = tstz(nullable=False)
    blocked_until: datetime = tstz(nullable=False)
    is_trial: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false")))
    price_minor: int = _int(small=False)
    currency: str = Field(sa_column=Column(CHAR(3), nullable=False))
    platform_fee_bps: int = _int(small=False)
    platform_fee_minor: int = _int(small=False)
    tutor_earnings_minor: int = _int(small=False)
    cancellation_policy: dict = jsonb(nullable=False)
    requires_confirmation: bool = Field(sa_column=Column(Boolean, nullable=False))
    tutor_time_zone: str = Field(sa_column=Column(Text, nullable=False))
    student_time_zone: str = Field(sa_column=Column(Text, nullable=False))
    reschedule_count: int = _int(default=0)
    sequence: int = _int(small=False, default=0)  # iCalendar SEQUENCE: rises on every change
    expires_at: datetime | None = tstz()  # pending_payment: unpaid after this -> expired
    respond_by: datetime | None = tstz()  # awaiting_tutor: no answer after this -> declined
    cancelled_by: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # student|tutor|admin|system
    cancel_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    refund_minor: int | None = _int(small=False, nullable=True)  # computed by the policy, executed by payments
    meeting_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = tstz(nullable=False, now_default=True)
    updated_at: datetime = tstz(nullable=False, now_default=True)


class BookingEvent(SQLModel, table=True):
    """Append-only history of a booking: every transition (from, to, who, when, why) and
    every reschedule (old and new times in `details`)."""

    __tablename__ = "booking_events"
    __table_args__ = (
        CheckConstraint(check_in("to_status", BOOKING_STATUSES), name="ck_booking_events_to_status"),
        Index("ix_booking_events_booking", "booking_id", "id"),
    )

    id: int | None = bigint_pk()
    booking_id: uuid.UUID = _fk("bookings.id")
    from_status: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # None: created
    to_status: str = Field(sa_column=Column(Text, nullable=False))
    actor_user_id: uuid.UUID | None = _fk("users.id", ondelete="SET NULL", nullable=True)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    details: dict | None = jsonb()
    created_at: datetime = tstz(nullable=False, now_default=True)


class CalendarFeedToken(SQLModel, table=True):
    """A private, revocable calendar feed URL: the token is shown once, only its hash is kept."""

    __tablename__ = "calendar_feed_tokens"
    __table_args__ = (Index("uq_calendar_feed_tokens_hash", "token_hash", unique=True),)

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = _fk("users.id")
    token_hash: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = tstz(nullable=False, now_default=True)
    revoked_at: datetime | None = tstz()
