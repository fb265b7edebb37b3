"""Background jobs, by name. The Celery tasks (workers/) and the in-process runner used
without Redis both call `run_job`, so the two modes cannot disagree.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from tutorconnect.db import session_scope
from tutorconnect.services import mail, outbox

log = logging.getLogger(__name__)

class PermanentJobError(Exception):
    """Raised by a job whose failure no retry can fix (bad payload, a refusal): the row
    goes straight to the dead letters instead of being retried."""


def is_permanent(exc: BaseException) -> bool:
    """Transient (retry with backoff): anything unexpected, network errors, timeouts, a
    Razorpay 5xx/429. Permanent (dead letter at once): PermanentJobError, a Razorpay
    GatewayError with transient=False, a DomainError (the service refused), an unknown job
    or a payload that does not parse (LookupError/KeyError, ValueError, TypeError)."""
    from tutorconnect.integrations.razorpay_gateway import GatewayError
    from tutorconnect.services.errors import DomainError

    if isinstance(exc, GatewayError):
        return not exc.transient
    return isinstance(exc, (PermanentJobError, DomainError, LookupError, ValueError, TypeError))


JobFn = Callable[[dict[str, Any]], None]
_JOBS: dict[str, JobFn] = {}


def job(name: str) -> Callable[[JobFn], JobFn]:
    def register(fn: JobFn) -> JobFn:
        _JOBS[name] = fn
        return fn

    return register


@job(mail.SEND_JOB)
def _send_email(payload: dict[str, Any]) -> None:
    mail.deliver(payload)


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


# Job modules of other services register themselves on import (after `job` exists).
from tutorconnect.services import payment_jobs  # noqa: E402,F401
from tutorconnect.services import meeting_jobs  # noqa: E402,F401
from tutorconnect.services import notify_jobs  # noqa: E402,F401
