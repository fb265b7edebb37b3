"""Background jobs, by name. The Celery tasks (workers/) and the in-process runner used
without Redis both call `run_job`, so the two modes cannot disagree.

The job table is assembled here, explicitly, from each capability's `JOBS` table
(payments, meetings, notifications): a handler module never imports this runner and
nothing registers as a side effect of being imported. `job(name)` adds one more entry
(tests and benchmarks use it for jobs of their own).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from tutorconnect.db import session_scope
from tutorconnect.integrations.razorpay_gateway import GatewayError
from tutorconnect.services import notifications, outbox
from tutorconnect.services.errors import DomainError, PermanentJobError
from tutorconnect.services.meetings import jobs as meeting_jobs
from tutorconnect.services.notifications import jobs as notify_jobs
from tutorconnect.services.payments import jobs as payment_jobs

__all__ = ["PermanentJobError", "claim_batch", "drain", "is_permanent", "job", "registered", "run_claimed", "run_job"]

log = logging.getLogger(__name__)


def is_permanent(exc: BaseException) -> bool:
    """Transient (retry with backoff): anything unexpected, network errors, timeouts, a
    Razorpay 5xx/429. Permanent (dead letter at once): PermanentJobError, a Razorpay
    GatewayError with transient=False, a DomainError (the service refused), an unknown job
    or a payload that does not parse (LookupError/KeyError, ValueError, TypeError)."""
    if isinstance(exc, GatewayError):
        return not exc.transient
    return isinstance(exc, (PermanentJobError, DomainError, LookupError, ValueError, TypeError))


JobFn = Callable[[dict[str, Any]], None]


def _send_email(payload: dict[str, Any]) -> None:
    notifications.deliver(payload)


def _table(*tables: dict[str, JobFn]) -> dict[str, JobFn]:
    merged: dict[str, JobFn] = {}
    for table in tables:
        for name, fn in table.items():
            if name in merged:
                raise RuntimeError(f"two jobs are named {name!r}")
            merged[name] = fn
    return merged


_JOBS: dict[str, JobFn] = _table(
    {notifications.SEND_JOB: _send_email}, notify_jobs.JOBS, meeting_jobs.JOBS, payment_jobs.JOBS
)


def job(name: str) -> Callable[[JobFn], JobFn]:
    """Add a job of one's own to the table (tests, benchmarks)."""

    def register(fn: JobFn) -> JobFn:
        _JOBS[name] = fn
        return fn

    return register


def registered() -> list[str]:
    return sorted(_JOBS)


def run_job(name: str, payload: dict[str, Any]) -> None:
    fn = _JOBS.get(name)
    if fn is None:
        raise LookupError(f"no job named {name!r}")
    fn(payload)


def run_claimed(message: outbox.Claimed) -> bool:
    """Run one claimed outbox row and record the outcome; True when it succeeded."""
    try:
        run_job(message.job, message.payload)
    except Exception as exc:  # transient: a scheduled retry; permanent: a dead letter
        permanent = is_permanent(exc)
        log.warning("job failed", extra={"job": message.job, "outbox_id": message.id, "error": repr(exc)[:200],
                                         "permanent": permanent})
        with session_scope() as s:
            outbox.fail(s, message.id, message.attempts, repr(exc), permanent=permanent)
        return False
    with session_scope() as s:
        outbox.complete(s, message.id)
    return True


def claim_batch(limit: int = 20) -> list[outbox.Claimed]:
    with session_scope() as s:
        return outbox.claim_due(s, limit)


def drain(limit: int = 100) -> int:
    """Run due jobs in this process until none are left (local mode, tests). Returns count."""
    done = 0
    while done < limit:
        batch = claim_batch(min(20, limit - done))
        if not batch:
            break
        for message in batch:
            run_claimed(message)
            done += 1
    return done
