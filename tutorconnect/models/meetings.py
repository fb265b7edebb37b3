"""Meeting links, Google Calendar connections, notification preferences and reminders.

- calendar_connections: one per tutor who connected Google Calendar; the refresh token is
  encrypted at rest (Fernet, key derived from SECRET_KEY); deleted on disconnect (after
  the token is revoked at Google).
- calendar_busy_cache: the tutor's busy times from Google freebusy for a window, kept
  briefly; a calendar outage falls back to the stale copy (or no subtraction).
- meetings: one per booking (booking_id is the key, so a duplicate job cannot make a
  second one): which provider gave the link, the Calendar event id (derived from the
  booking), the join URL, and which start time the event reflects.
- notification_preferences: only the user's choices that differ from the defaults
  (services/notifications/prefs.py); (user, event type, channel) -> enabled.
- booking_reminders: one row per reminder sent, keyed by (booking, offset, the start
  time it was for): a second beat tick or a restarted worker cannot send it again, and a
  rescheduled lesson gets reminders for its new time only.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, CheckConstraint, Column, ForeignKey, Index, Integer, SmallInteger, Text, text
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlmodel import Field, SQLModel

from tutorconnect.models.base import check_in, jsonb, tstz

MEETING_PROVIDERS = ("google", "fallback")
MEETING_STATUSES = ("pending", "ready", "cancelled", "failed")
CHANNELS = ("in_app", "email", "sms")


def _fk(target: str, *, primary_key: bool = False) -> Any:
    return Field(default=..., sa_column=Column(PGUUID(as_uuid=True), ForeignKey(target, ondelete="CASCADE"),
                                                nullable=False, primary_key=primary_key))


def _text(*, nullable: bool = False, default: str | None = None, primary_key: bool = False) -> Any:
    server = text(f"'{default}'") if default is not None else None
    return Field(default=None if nullable else (default if default is not None else ...),
                 sa_column=Column(Text, nullable=nullable, server_default=server, primary_key=primary_key))


class CalendarConnection(SQLModel, table=True):
    __tablename__ = "calendar_connections"

    user_id: uuid.UUID = _fk("users.id", primary_key=True)
    google_email: str = _text()
    scopes: str = _text()
    refresh_token_enc: str = _text()
    calendar_id: str = _text(default="primary")
    connected_at: datetime = tstz(nullable=False, now_default=True)
    updated_at: datetime = tstz(nullable=False, now_default=True)
    last_error: str | None = _text(nullable=True)


class CalendarBusyCache(SQLModel, table=True):
    __tablename__ = "calendar_busy_cache"

    user_id: uuid.UUID = _fk("users.id", primary_key=True)
    window_start: datetime = tstz(nullable=False)
    window_end: datetime = tstz(nullable=False)
    busy: list[Any] = jsonb(nullable=False)  # [[start_iso, end_iso], ...] UTC
    fetched_at: datetime = tstz(nullable=False, now_default=True)
    last_error: str | None = _text(nullable=True)
    last_error_at: datetime | None = tstz()


class Meeting(SQLModel, table=True):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint(check_in("provider", MEETING_PROVIDERS), name="ck_meetings_provider"),
        CheckConstraint(check_in("status", MEETING_STATUSES), name="ck_meetings_status"),
        Index("ix_meetings_status", "status"),
    )

    booking_id: uuid.UUID = _fk("bookings.id", primary_key=True)
    provider: str = _text()
    status: str = _text(default="pending")
    calendar_event_id: str | None = _text(nullable=True)
    join_url: str | None = _text(nullable=True)
    conference_status: str | None = _text(nullable=True)
    synced_starts_at: datetime | None = tstz()
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))
    last_error: str | None = _text(nullable=True)
    created_at: datetime = tstz(nullable=False, now_default=True)
    updated_at: datetime = tstz(nullable=False, now_default=True)


class NotificationPreference(SQLModel, table=True):
    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint(check_in("channel", CHANNELS), name="ck_notification_preferences_channel"),)

    user_id: uuid.UUID = _fk("users.id", primary_key=True)
    event_type: str = _text(primary_key=True)
    channel: str = _text(primary_key=True)
    enabled: bool = Field(sa_column=Column(Boolean, nullable=False))
    updated_at: datetime = tstz(nullable=False, now_default=True)


class BookingReminder(SQLModel, table=True):
    __tablename__ = "booking_reminders"

    booking_id: uuid.UUID = _fk("bookings.id", primary_key=True)
    offset_minutes: int = Field(sa_column=Column(SmallInteger, nullable=False, primary_key=True))
    starts_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, primary_key=True))
    sent_at: datetime = tstz(nullable=False, now_default=True)
