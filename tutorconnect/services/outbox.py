"""The transactional outbox: effects leave a state change only through here.

`enqueue` adds a row in the caller's transaction. The relay claims due rows with
`FOR UPDATE SKIP LOCKED` (so several relays never take the same row), and whoever runs a
job calls `complete` or `fail`. A claim expires: a job whose worker died is claimed again
later, so every job must be idempotent (the payload carries what it needs to be).
"""

from __future__ import annotations

import json
import logging
import random
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
# Retry n waits a uniform draw in [d/2, d], d = min(BACKOFF_BASE * 2**n, BACKOFF_CAP):
# 5-10 s, 10-20 s, ... ; the 8th failure is a dead letter (about 21-42 min after the first).
BACKOFF_BASE = 5.0
BACKOFF_CAP = 3600.0


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


def backoff_seconds(attempts: int, *, rng: random.Random | None = None) -> float:
    """Delay before try `attempts + 1`: exponential (BACKOFF_BASE * 2**attempts, capped at
    BACKOFF_CAP) with "equal jitter" (a uniform draw in [d/2, d]), so retries of many rows
    failing together spread out, and each delay range lies above the previous one."""
    ceiling = min(BACKOFF_BASE * 2 ** max(attempts, 0), BACKOFF_CAP)
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def fail(session: Session, message_id: int, attempts: int, error: str, *, permanent: bool = False) -> None:
    """Schedule a retry with jittered exponential backoff; a permanent error, or the
    MAX_ATTEMPTS-th failure, parks the row (dead_at) and writes a dead letter instead."""
    if permanent or attempts >= MAX_ATTEMPTS:
        row = session.execute(
            text(
                "UPDATE outbox SET dead_at = now(), claimed_until = NULL, last_error = :e "
                "WHERE id = :id AND completed_at IS NULL RETURNING job, payload, attempts"
            ),
            {"id": message_id, "e": error[:2000]},
        ).first()
        if row is not None:
            session.execute(
                text(
                    "INSERT INTO dead_letters (outbox_id, job, payload, error, attempts, permanent) "
                    "VALUES (:id, :job, CAST(:payload AS jsonb), :e, :attempts, :permanent) "
                    "ON CONFLICT (outbox_id) WHERE retried_at IS NULL DO NOTHING"
                ),
                {"id": message_id, "job": row.job, "payload": json.dumps(row.payload), "e": error[:2000],
                 "attempts": row.attempts, "permanent": permanent},
            )
        log.error("outbox job gave up", extra={"outbox_id": message_id, "error": error[:200],
                                               "permanent": permanent})
        return
    delay = backoff_seconds(attempts)
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


def overdue(session: Session, older_than: timedelta) -> tuple[int, float | None]:
    """Jobs due for longer than `older_than` and still not done (no worker has finished
    them): how many, and how long the oldest has waited, in seconds (None: none)."""
    row = session.execute(
        text(
            "SELECT count(*) AS n, extract(epoch FROM now() - min(available_at)) AS waited FROM outbox "
            "WHERE completed_at IS NULL AND dead_at IS NULL AND available_at < now() - make_interval(secs => :s)"
        ),
        {"s": older_than.total_seconds()},
    ).one()
    return int(row.n), (float(row.waited) if row.waited is not None else None)
