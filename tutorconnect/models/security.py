"""Security records: audit log, login attempts, rate-limit buckets."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Column, Index, Integer, Text
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlmodel import Field, SQLModel

from tutorconnect.models.base import bigint_pk, jsonb, tstz


class AuditLog(SQLModel, table=True):
    """Append-only: who did what to which record, with before/after, when, from where."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_target", "target_type", "target_id", "created_at"),
        Index("ix_audit_log_actor", "actor_user_id", "created_at"),
        Index("ix_audit_log_action_created", "action", "created_at"),
        Index("ix_audit_log_created", "created_at"),
    )

    id: int | None = bigint_pk()
    # No FK: the log must outlive (and never block) changes to the rows it describes.
    actor_user_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(PGUUID(as_uuid=True), nullable=True)
    )
    action: str = Field(sa_column=Column(Text, nullable=False))
    target_type: str = Field(sa_column=Column(Text, nullable=False))
    target_id: str = Field(sa_column=Column(Text, nullable=False))
    before: dict[str, Any] | None = jsonb()
    after: dict[str, Any] | None = jsonb()
    ip: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    user_agent: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    request_id: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = tstz(nullable=False, now_default=True)


class LoginAttempt(SQLModel, table=True):
    """Every password sign-in attempt; the per-account lockout is computed from these."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_created", "email", "created_at"),
        Index("ix_login_attempts_ip_created", "ip", "created_at"),
    )

    id: int | None = bigint_pk()
    email: str = Field(sa_column=Column(Text, nullable=False))
    user_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(PGUUID(as_uuid=True), nullable=True)
    )
    ip: str = Field(sa_column=Column(Text, nullable=False))
    succeeded: bool = Field(sa_column=Column(Boolean, nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = tstz(nullable=False, now_default=True)


class RateLimitBucket(SQLModel, table=True):
    """Fixed-window counters for rate limits when Redis is not configured."""

    __tablename__ = "rate_limit_buckets"
    __table_args__ = (
        CheckConstraint("hits >= 0", name="ck_rate_limit_buckets_hits"),
        Index("ix_rate_limit_buckets_expires_at", "expires_at"),
    )

    key: str = Field(sa_column=Column(Text, primary_key=True))
    window_start: datetime = tstz(nullable=False)
    hits: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    expires_at: datetime = tstz(nullable=False)


class OutboxMessage(SQLModel, table=True):
    """Work caused by a state change, written in the same transaction as the change.

    The relay hands pending rows to Celery (or runs them in-process without Redis); a
    job marks its row completed. `dedupe_key` makes the enqueue itself idempotent.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("uq_outbox_dedupe_key", "dedupe_key", unique=True),
        Index(
            "ix_outbox_pending",
            "available_at",
            postgresql_where="completed_at IS NULL AND dead_at IS NULL",
        ),
        CheckConstraint("attempts >= 0", name="ck_outbox_attempts"),
    )

    id: int | None = bigint_pk()
    job: str = Field(sa_column=Column(Text, nullable=False))
    payload: dict[str, Any] = jsonb(nullable=False)
    dedupe_key: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = tstz(nullable=False, now_default=True)
    available_at: datetime = tstz(nullable=False, now_default=True)
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    claimed_until: datetime | None = tstz()
    completed_at: datetime | None = tstz()
    dead_at: datetime | None = tstz()
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


__all__ = ["AuditLog", "LoginAttempt", "OutboxMessage", "RateLimitBucket"]
