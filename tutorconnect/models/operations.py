"""Operations: jobs that gave up, and what reconciliation repaired.

- dead_letters: one row each time an outbox job is parked (its retries exhausted, or a
  permanent error on the first try): the job, its payload, the error, the attempts and
  the outbox row. An admin's "Retry" (/admin/jobs) re-enqueues the outbox row with its
  attempts reset and stamps retried_at/retried_by; at most one open (not retried) dead
  letter per outbox row.
- reconciliation_log: append-only, one row per repair (or flag) reconciliation made,
  with the state before and after.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, Text, text
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlmodel import Field, SQLModel

from tutorconnect.models.base import bigint_pk, jsonb, tstz


class DeadLetter(SQLModel, table=True):
    __tablename__ = "dead_letters"
    __table_args__ = (
        Index("uq_dead_letters_open", "outbox_id", unique=True, postgresql_where=text("retried_at IS NULL")),
        Index("ix_dead_letters_created", "created_at"),
    )

    id: int | None = bigint_pk()
    outbox_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, ForeignKey("outbox.id", ondelete="SET NULL"), nullable=True))
    job: str = Field(sa_column=Column(Text, nullable=False))
    payload: dict[str, Any] = jsonb(nullable=False)
    error: str = Field(sa_column=Column(Text, nullable=False))
    attempts: int = Field(sa_column=Column(Integer, nullable=False))
    permanent: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false")))
    created_at: datetime = tstz(nullable=False, now_default=True)
    retried_at: datetime | None = tstz()
    retried_by: uuid.UUID | None = Field(
        default=None, sa_column=Column(PGUUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"),
                                       nullable=True))


class ReconciliationLog(SQLModel, table=True):
    __tablename__ = "reconciliation_log"
    __table_args__ = (Index("ix_reconciliation_log_created", "created_at"),
                      Index("ix_reconciliation_log_target", "kind", "target_id"))

    id: int | None = bigint_pk()
    kind: str = Field(sa_column=Column(Text, nullable=False))
    target_id: str = Field(sa_column=Column(Text, nullable=False))
    action: str = Field(sa_column=Column(Text, nullable=False))
    before: dict[str, Any] | None = jsonb()
    after: dict[str, Any] | None = jsonb()
    created_at: datetime = tstz(nullable=False, now_default=True)
