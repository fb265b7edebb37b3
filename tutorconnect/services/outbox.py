"""The transactional outbox: effects leave a state change only through here.

`enqueue` adds a row in the caller's transaction. The relay claims due rows with
`FOR UPDATE SKIP LOCKED` (so several relays never take the same row), and whoever runs a
job calls `complete` or `fail`. A claim expires: a job whose worker died is claimed again
later, so every job must be idempotent (the payload carries what it needs to be).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session

from tutorconnect.models import OutboxMessage

log = logging.getLogger(__name__)

CLAIM_FOR = timedelta(minutes=5)
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Claimed:
    id: int
    job: str
    payload: dict[str, Any]
    attempts: int


def enqueue(session: Session, job: str, payload: dict[str, Any], *, dedupe_key: str | None = None) -> None:
    """Add work to the caller's transaction; a repeated `dedupe_key` is ignored."""
    stmt = insert(OutboxMessage.__table__).values(job=job, payload=payload, dedupe_key=dedupe_key)  # type: ignore[attr-defined]
    if dedupe_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
    session.execute(stmt)


def claim_due(session: Session, limit: int = 20) -> list[Claimed]:
    """Claim up to `limit` due rows for CLAIM_FOR; commit promptly after calling."""
    rows = session.execute(
        text(
            """
            UPDATE outbox SET claimed_until = now() + make_interval(secs => :claim),
                              attempts = attempts + 1
            WHERE id IN (
              SELECT id FROM outbox
              WHERE completed_at IS NULL AND dead_at IS NULL AND available_at <= now()
                AND (claimed_until IS NULL OR claimed_until < now())
              ORDER BY available_at, id
              LIMIT :limit
              FOR UPDATE SKIP LOCKED)
            RETURNING id, job, payload, attempts
            """
        ),
        {"claim": CLAIM_FOR.total_seconds(), "limit": limit},
    ).all()
    return [Claimed(r.id, r.job, r.payload, r.attempts) for r in rows]


def complete(session: Session, message_id: int) -> None:
    session.execute(
        text("UPDATE outbox SET completed_at = now(), last_error = NULL WHERE id = :id AND completed_at IS NULL"),
        {"id": message_id},
    )


def fail(session: Session, message_id: int, attempts: int, error: str) -> None:
    """Schedule a retry with exponential backoff, or park the row after MAX_ATTEMPTS."""
    if attempts >= MAX_ATTEMPTS:
        session.execute(
            text("UPDATE outbox SET dead_at = now(), claimed_until = NULL, last_error = :e WHERE id = :id"),
            {"id": message_id, "e": error[:2000]},
        )
        log.error("outbox job gave up", extra={"outbox_id": message_id, "error": error[:200]})
        return
    delay = min(2 ** attempts * 5, 3600)
    session.execute(
        text(
            "UPDATE outbox SET available_at = now() + make_interval(secs => :d), "
            "claimed_until = NULL, last_error = :e WHERE id = :id"
        ),
        {"id": message_id, "d": delay, "e": error[:2000]},
    )


def pending_count(session: Session) -> int:
    return int(
        session.execute(
            text("SELECT count(*) FROM outbox WHERE completed_at IS NULL AND dead_at IS NULL")
        ).scalar_one()
    )
