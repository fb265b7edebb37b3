"""Dead letters: outbox jobs that gave up (see services/outbox.fail), for admins.

`list_page` shows them newest first; `retry` puts the outbox row back in the queue with
its attempts reset (so the full retry budget applies again), stamps the dead letter
retried_at/retried_by and writes an audit row, all in the caller's transaction. A dead
letter already retried, or whose outbox row is gone or already completed, is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.services import audit
from tutorconnect.services.access import require_admin
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput, NotFound

PAGE_SIZE = 20


@dataclass(frozen=True)
class DeadLetterRow:
    id: int
    outbox_id: int | None
    job: str
    error: str
    attempts: int
    permanent: bool
    created_at: datetime
    retried_at: datetime | None
    retried_by_email: str | None


@dataclass(frozen=True)
class DeadLetterPage:
    rows: list[DeadLetterRow]
    page: int
    total: int
    open_count: int
    pending_jobs: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise InvalidInput("dead_letter_id", "That is not a dead letter id.")
    return value


def list_page(session: Session, ctx: RequestContext, page: object = 1) -> DeadLetterPage:
    require_admin(session, ctx.actor_user_id)
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= 100_000:
        raise InvalidInput("page", "That page does not exist.")
    rows = session.execute(
        text(
            "SELECT d.id, d.outbox_id, d.job, d.error, d.attempts, d.permanent, d.created_at, d.retried_at, "
            "u.email AS retried_by_email FROM dead_letters d LEFT JOIN users u ON u.id = d.retried_by "
            "ORDER BY (d.retried_at IS NULL) DESC, d.created_at DESC, d.id DESC LIMIT :n OFFSET :o"
        ),
        {"n": PAGE_SIZE, "o": (page - 1) * PAGE_SIZE},
    ).all()
    total, open_count = session.execute(
        text("SELECT count(*), count(*) FILTER (WHERE retried_at IS NULL) FROM dead_letters")).one()
    pending = session.execute(
        text("SELECT count(*) FROM outbox WHERE completed_at IS NULL AND dead_at IS NULL")).scalar_one()
    return DeadLetterPage([DeadLetterRow(**r._mapping) for r in rows], page, int(total), int(open_count),
                          int(pending))


def retry(session: Session, ctx: RequestContext, dead_letter_id: object) -> DeadLetterRow:
    """Re-enqueue the dead letter's outbox row (attempts reset) and mark it retried."""
    admin = require_admin(session, ctx.actor_user_id)
    did = _id(dead_letter_id)
    dead = session.execute(
        text("SELECT * FROM dead_letters WHERE id = :id FOR UPDATE"), {"id": did}).first()
    if dead is None:
        raise NotFound("That dead letter")
    if dead.retried_at is not None:
        raise InvalidInput("dead_letter_id", "That job was already retried.")
    requeued = session.execute(
        text(
            "UPDATE outbox SET dead_at = NULL, attempts = 0, available_at = now(), claimed_until = NULL "
            "WHERE id = :id AND dead_at IS NOT NULL AND completed_at IS NULL RETURNING id"
        ),
        {"id": dead.outbox_id},
    ).first()
    if requeued is None:
        raise InvalidInput("dead_letter_id", "That job can no longer be retried (its queue entry is gone or done).")
    now = session.execute(text(
        "UPDATE dead_letters SET retried_at = now(), retried_by = :by WHERE id = :id RETURNING retried_at"),
        {"id": did, "by": admin.id}).scalar_one()
    audit.record(session, ctx, action="job.retry", target_type="dead_letter", target_id=str(did),
                 before={"outbox_id": dead.outbox_id, "job": dead.job, "attempts": dead.attempts},
                 after={"requeued": True, "attempts": 0})
    return DeadLetterRow(dead.id, dead.outbox_id, dead.job, dead.error, dead.attempts, dead.permanent,
                         dead.created_at, now, getattr(admin, "email", None))
