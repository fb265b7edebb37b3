"""Background work that runs outside requests, in both modes.

- With REDIS_URL: `relay_once` claims due outbox rows and sends each to Celery;
  the worker's task calls `run_outbox_message`. Beat relays every 2 s; each app process
  also runs `relay_loop` (via `app_lifespan_task`) so jobs flow even when beat is down.
- Without REDIS_URL: `local_worker_loop` runs due jobs in the app process.

Both modes run jobs through services.jobs, and housekeeping through `housekeeping()`.
Register `app_lifespan_task` with `app.register_lifespan_task(app_lifespan_task)`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from sqlalchemy import text

from tutorconnect import task_queue
from tutorconnect.config import get_settings
from tutorconnect.db import get_engine, session_scope
from tutorconnect.services import bookings, jobs, notifications, outbox, payments
from tutorconnect.task_queue import (
    BOOKING_SWEEP_EVERY_SECONDS,
    HOUSEKEEPING_EVERY_SECONDS,
    RELAY_EVERY_SECONDS,
    RUN_TASK,
)

log = logging.getLogger(__name__)

RECONCILE_FIRST_AFTER_SECONDS = 60.0
_RELAY_TURN_KEY = "tutorconnect:relay:turn"
# One runner per outbox row at a time, across processes. A session-level advisory lock
# lives on an idle (autocommit) connection, so no transaction stays open while the job
# talks to SMTP, and the server drops it the moment a killed worker's socket closes.
_LOCK = "SELECT pg_try_advisory_lock(hashtextextended('tutorconnect.outbox:' || :id, 0))"
_UNLOCK = "SELECT pg_advisory_unlock(hashtextextended('tutorconnect.outbox:' || :id, 0))"
_HOUSEKEEPING = {
    "rate_limit_buckets": "DELETE FROM rate_limit_buckets WHERE expires_at < now()",
    "oauth_flow_states": "DELETE FROM oauth_flow_states "
    "WHERE expires_at < now() - interval '1 day' OR used_at < now() - interval '1 day'",
    "auth_tokens": "DELETE FROM auth_tokens "
    "WHERE expires_at < now() - interval '1 day' OR used_at < now() - interval '1 day'",
}


# Redis mode ----------------------------------------------------------------------------
def relay_once(limit: int = 100, app: Any = None) -> int:
    """Claim due rows (committed), then send each to Celery; returns how many were sent.

    When the broker is unreachable the unsent claims are released at once, so nothing
    waits for the claim to expire and nothing is lost.
    """
    if app is None:
        if not get_settings().uses_redis:
            raise RuntimeError("relay_once needs REDIS_URL; without Redis use local_worker_loop")
        app = task_queue.client()
    claimed = jobs.claim_batch(limit)
    for sent, message in enumerate(claimed):
        try:
            app.send_task(RUN_TASK, args=[message.id])
        except Exception as exc:
            log.warning("relay: broker unreachable, claims released", extra={"error": repr(exc)[:200]})
            release_claims([m.id for m in claimed[sent:]])
            return sent
    return len(claimed)


def release_claims(ids: list[int]) -> None:
    """Undo `claim_due` for rows that were never handed over (best effort)."""
    try:
        with session_scope() as s:
            s.execute(
                text(
                    "UPDATE outbox SET claimed_until = NULL, attempts = greatest(attempts - 1, 0) "
                    "WHERE id = ANY(:ids) AND completed_at IS NULL AND dead_at IS NULL"
                ),
                {"ids": ids},
            )
    except Exception:  # the claims then simply expire and a later relay retries
        log.exception("relay: could not release claims")


def run_outbox_message(outbox_id: int) -> bool:
    """Run one outbox row by id; True when its job ran and succeeded.

    Safe under duplicate, late and concurrent delivery: a completed, dead or unknown row,
    one waiting out a retry backoff, or one being run elsewhere right now, is skipped. The job runs outside any
    transaction; its outcome is recorded in a short one (outbox.complete / outbox.fail).
    """
    with get_engine().connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        if not conn.execute(text(_LOCK), {"id": outbox_id}).scalar_one():
            log.info("outbox row is being run elsewhere", extra={"outbox_id": outbox_id})
            return False
        try:
            with session_scope() as s:
                row = s.execute(
                    text(
                        """
                        UPDATE outbox SET claimed_until = now() + make_interval(secs => :claim),
                          attempts = attempts + CASE WHEN claimed_until IS NULL
                                                       OR claimed_until < now() THEN 1 ELSE 0 END
                        WHERE id = :id AND completed_at IS NULL AND dead_at IS NULL
                          AND available_at <= now()
                        RETURNING job, payload, attempts
                        """
                    ),
                    {"id": outbox_id, "claim": outbox.CLAIM_FOR.total_seconds()},
                ).first()
            if row is None:
                return False
            return jobs.run_claimed(outbox.Claimed(outbox_id, row.job, row.payload, row.attempts))
        finally:
            try:
                conn.execute(text(_UNLOCK), {"id": outbox_id})
            except Exception:
                conn.invalidate()  # closing the connection frees the lock


# Both modes ------------------------------------------------------------------------------
def housekeeping() -> dict[str, int]:
    """Delete expired rate-limit buckets, and OAuth states and auth tokens used or expired
    more than a day ago. Returns the number of rows deleted per table."""
    with session_scope() as s:
        counts = {table: s.execute(text(sql)).rowcount for table, sql in _HOUSEKEEPING.items()}
    log.info("housekeeping done", extra={"deleted": str(counts)})
    return counts


def sweep_bookings() -> dict[str, int]:
    """Expire unpaid bookings past their payment window (the time is free again), decline
    those the tutor did not answer in time (refund requested), complete lessons past
    their no-show window and queue due lesson reminders (services/notifications/reminders.py).
    Idempotent, safe to run from several places at once."""
    with session_scope() as s:
        counts = {"expired": bookings.expire_unpaid(s), "declined": bookings.auto_decline_overdue(s),
                  "completed": bookings.complete_ended(s)}
    with session_scope() as s:  # apart: a reminder problem never holds back the sweep above
        counts["reminded"] = len(notifications.send_due(s))
    if any(counts.values()):
        log.info("booking sweep", extra={"counts": str(counts)})
        nudge()  # refund requests may be waiting in the outbox
    return counts


def reconcile() -> dict[str, int]:
    """Reconciliation with Razorpay (services/payments/reconciliation.py): beat every 5 min, the
    local loop without Redis, and `python -m tutorconnect.cli reconcile`."""
    report = payments.reconcile()
    if report.repaired or report.expired:
        nudge()  # refunds may be waiting in the outbox
    return {"orders_checked": report.orders_checked, "refunds_checked": report.refunds_checked,
            "repaired": report.repaired, "expired": report.expired, "flagged": report.flagged,
            "retry_later": report.retry_later}


_wakers: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()


def nudge() -> None:
    """Ask this process's background loop to look at the outbox now (any thread)."""
    for loop, event in list(_wakers):
        try:
            loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # loop closed
            _wakers.discard((loop, event))


async def _pause(seconds: float, *events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


async def _loop(stop_event: asyncio.Event | None, every: float, tick, name: str) -> None:
    """Call `tick(nudged)` in a thread every `every` s (sooner when nudged) until stopped;
    failures are logged and retried with backoff, never raised."""
    stop, wake = stop_event or asyncio.Event(), asyncio.Event()
    waker = (asyncio.get_running_loop(), wake)
    _wakers.add(waker)
    failures = 0
    try:
        while not stop.is_set():
            nudged = wake.is_set()
            wake.clear()
            try:
                await asyncio.to_thread(tick, nudged)
                failures = 0
            except Exception as exc:
                failures += 1
                if failures == 1:
                    log.exception("%s failed; will retry", name)
                else:
                    log.warning("%s still failing", name, extra={"error": repr(exc)[:200], "failures": failures})
            await _pause(min(every * 2**failures, 30.0), stop, wake)
    finally:
        _wakers.discard(waker)


# No-Redis mode ---------------------------------------------------------------------------
async def local_worker_loop(stop_event: asyncio.Event | None = None, *, poll_seconds: float | None = None) -> None:
    """Run due outbox jobs, the booking sweep (every 30 s), reconciliation (every 5 min)
    and hourly housekeeping in this process until `stop_event`."""
    next_housekeeping = [time.monotonic()]
    next_sweep = [time.monotonic()]
    next_reconcile = [time.monotonic() + RECONCILE_FIRST_AFTER_SECONDS]  # not during start-up

    def tick(_nudged: bool) -> None:
        if time.monotonic() >= next_reconcile[0]:
            next_reconcile[0] = time.monotonic() + payments.RECONCILE_EVERY_SECONDS
            try:
                reconcile()
            except Exception:  # never let reconciliation stop the jobs
                log.exception("reconciliation failed")
        if time.monotonic() >= next_sweep[0]:
            next_sweep[0] = time.monotonic() + BOOKING_SWEEP_EVERY_SECONDS
            try:
                sweep_bookings()
            except Exception:  # never let the sweep stop the jobs
                log.exception("booking sweep failed")
        if time.monotonic() >= next_housekeeping[0]:
            next_housekeeping[0] = time.monotonic() + HOUSEKEEPING_EVERY_SECONDS
            try:
                housekeeping()
            except Exception:  # never let housekeeping stop the jobs
                log.exception("housekeeping failed")
                next_housekeeping[0] = time.monotonic() + 60
        jobs.drain(limit=100)

    log.info("local background worker started (no REDIS_URL)")
    await _loop(stop_event, poll_seconds or get_settings().outbox_poll_seconds, tick, "local worker")


async def relay_loop(stop_event: asyncio.Event | None = None, *, every: float = RELAY_EVERY_SECONDS) -> None:
    """Redis mode, in the app: relay at most once per `every` s across all app processes
    (a Redis key elects the turn), and at once in this process when nudged."""

    def tick(nudged: bool) -> None:
        from tutorconnect.integrations.redis_client import get_redis

        if nudged or get_redis().set(_RELAY_TURN_KEY, "1", nx=True, px=int(every * 1000)):
            relay_once()

    await _loop(stop_event, every, tick, "outbox relay")


async def app_lifespan_task() -> None:
    """The app's background work: a relay nudge loop with Redis, the job runner without."""
    if get_settings().uses_redis:
        await relay_loop()
    else:
        await local_worker_loop()
