"""No-Redis mode: the in-process worker loop runs the outbox (first run on a laptop)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from tests.support import slow_job
from tests.support.smtp import MessageSink
from tutorconnect import background
from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.models.accounts import User
from tutorconnect.services import jobs, notifications, outbox


def run_in_own_loop(scenario) -> None:
    """asyncio.run in a fresh thread: the browser tests' sync Playwright keeps an event
    loop running on the main thread for the rest of the session."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as exc:  # re-raised in the test's thread below
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


@pytest.fixture
def smtp(db, monkeypatch):
    """A capture SMTP server, and the app's settings pointing at it (no REDIS_URL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    capture = MessageSink()
    controller = Controller(capture, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    get_settings.cache_clear()
    assert not get_settings().uses_redis
    yield capture
    controller.stop()
    monkeypatch.undo()
    get_settings.cache_clear()


def queue_email(to: str) -> int:
    with session_scope() as s:
        notifications.queue(s, to=to, template="password_reset",
                            context={"name": "Ravi", "link": "http://x/reset?t=1", "minutes": 30})
    return _id_for(to)


def _id_for(to: str) -> int:
    with session_scope() as s:
        return s.execute(text("SELECT id FROM outbox WHERE payload->>'to' = :to"), {"to": to}).scalar_one()


def row(outbox_id: int):
    with session_scope() as s:
        return s.execute(text("SELECT *, available_at - now() AS wait FROM outbox WHERE id = :id"), {"id": outbox_id}).one()


def addr() -> str:
    return f"user-{uuid.uuid4().hex[:8]}@example.com"


async def until(predicate, timeout: float = 10, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def test_local_loop_delivers_and_retries_failures_with_backoff(smtp, monkeypatch):
    to = addr()
    ok_id = queue_email(to)
    with session_scope() as s:
        outbox.enqueue(s, slow_job.FAIL_JOB, {"to": "nobody@example.com", "tag": "x"})
    bad_id = _id_for("nobody@example.com")

    # The first tick blows up (say the database blinked): the loop logs and carries on.
    real_drain, calls = jobs.drain, []

    def flaky_drain(limit: int = 100) -> int:
        calls.append(limit)
        if len(calls) == 1:
            raise ConnectionError("database went away")
        return real_drain(limit)

    monkeypatch.setattr(background.jobs, "drain", flaky_drain)

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(background.local_worker_loop(stop, poll_seconds=0.1))
        await until(lambda: smtp.to(to), 10, "email")
        await until(lambda: row(ok_id).completed_at is not None, 5, "completed")

        await until(lambda: row(bad_id).last_error is not None, 5, "first failure recorded")
        first = row(bad_id)
        assert first.attempts == 1 and "boom" in first.last_error and first.completed_at is None
        assert first.claimed_until is None and first.wait > timedelta(seconds=5)  # backoff
        # Fast-forward the backoff: the loop retries, and the next wait is longer.
        with session_scope() as s:
            s.execute(text("UPDATE outbox SET available_at = now() WHERE id = :id"), {"id": bad_id})
        await until(lambda: row(bad_id).attempts == 2 and row(bad_id).claimed_until is None, 5, "retry")
        second = row(bad_id)
        assert second.wait > first.wait and second.dead_at is None

        # Still running after all that: new work is picked up.
        later = addr()
        queue_email(later)
        await until(lambda: smtp.to(later), 10, "email queued later")
        assert not task.done()
        stop.set()
        await asyncio.wait_for(task, 5)

    run_in_own_loop(scenario)
    assert len(calls) >= 3 and len(smtp.to(to)) == 1


def test_nudge_wakes_the_loop_and_lifespan_task_cancels_cleanly(smtp):
    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(background.local_worker_loop(stop, poll_seconds=30))
        await asyncio.sleep(0.5)  # first tick done; the loop now sleeps for 30 s
        to = addr()
        queue_email(to)
        await asyncio.to_thread(background.nudge)  # from another thread, as a handler would
        await until(lambda: smtp.to(to), 10, "email after nudge")
        stop.set()
        await asyncio.wait_for(task, 5)

        # What Reflex registers: without REDIS_URL it is the local loop; cancelled at shutdown.
        to2 = addr()
        queue_email(to2)
        lifespan = asyncio.create_task(background.app_lifespan_task())
        await until(lambda: smtp.to(to2), 10, "email via app_lifespan_task")
        lifespan.cancel()
        with pytest.raises(asyncio.CancelledError):
            await lifespan

    run_in_own_loop(scenario)


def test_housekeeping_deletes_only_stale_rows(smtp):
    now = datetime.now(timezone.utc)
    old, recent = now - timedelta(days=2), now - timedelta(hours=1)
    with session_scope() as s:
        user = User(email=f"{uuid.uuid4().hex[:8]}@example.com", full_name="Mira")
        s.add(user)
        s.flush()
        for key, expires in (("gone", now - timedelta(seconds=1)), ("kept", now + timedelta(minutes=5))):
            s.execute(
                text("INSERT INTO rate_limit_buckets (key, window_start, hits, expires_at) VALUES (:k, :w, 1, :e)"),
                {"k": key, "w": now - timedelta(minutes=1), "e": expires},
            )
        for tag, expires, used in (
            ("expired-old", old, None), ("used-old", now + timedelta(days=1), old),
            ("expired-recent", recent, None), ("used-recent", now + timedelta(days=1), recent),
            ("live", now + timedelta(hours=1), None),
        ):
            s.execute(
                text(
                    "INSERT INTO auth_tokens (id, user_id, purpose, token_hash, created_at, expires_at, used_at) "
                    "VALUES (:id, :u, 'password_reset', :h, :c, :e, :used)"
                ),
                {"id": uuid.uuid4(), "u": user.id, "h": tag, "c": old - timedelta(hours=1), "e": expires, "used": used},
            )
            s.execute(
                text(
                    "INSERT INTO oauth_flow_states (id, state_hash, code_verifier, next_path, created_at, expires_at, used_at) "
                    "VALUES (:id, :h, 'v', '/', :c, :e, :used)"
                ),
                {"id": uuid.uuid4(), "h": tag, "c": old - timedelta(hours=1), "e": expires, "used": used},
            )

    assert background.housekeeping() == {"rate_limit_buckets": 1, "oauth_flow_states": 2, "auth_tokens": 2}
    with session_scope() as s:
        assert s.execute(text("SELECT key FROM rate_limit_buckets")).scalars().all() == ["kept"]
        for table, column in (("auth_tokens", "token_hash"), ("oauth_flow_states", "state_hash")):
            left = s.execute(text(f"SELECT {column} FROM {table}")).scalars().all()
            assert sorted(left) == ["expired-recent", "live", "used-recent"]
    assert background.housekeeping() == {"rate_limit_buckets": 0, "oauth_flow_states": 0, "auth_tokens": 0}
