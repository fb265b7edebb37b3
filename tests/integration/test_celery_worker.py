"""The outbox through a REAL Celery worker (subprocess) over the real Redis broker.

Proves the invariant: an effect committed with its state change is delivered once,
whether the message is delivered twice, the worker is killed mid-job, or the broker is
down when the relay runs. Fails (never skips) when Redis is unreachable.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from sqlalchemy import text

from tests.support import parallel, slow_job
from tests.support.celery_workers import WorkerProcesses
from tests.support.smtp import MessageSink, free_port as _free_port
from tutorconnect import background
from tutorconnect.config import PROJECT_ROOT, get_settings
from tutorconnect.db import session_scope
from tutorconnect.services import notifications, outbox
from workers.celery_app import create_app

pytestmark = pytest.mark.celery

def broker_url() -> str:
    """This test worker's own Redis database for the Celery broker (claimed on first use)."""
    return os.environ.get("TEST_CELERY_REDIS_URL") or parallel.worker_redis("celery")


# Fixtures -------------------------------------------------------------------------------
@pytest.fixture
def smtp():
    capture = MessageSink()
    controller = Controller(capture, hostname="127.0.0.1", port=_free_port())
    controller.start()
    capture.port = controller.port
    yield capture
    controller.stop()


@pytest.fixture
def broker():
    client = redis.Redis.from_url(broker_url(), socket_connect_timeout=2)
    client.flushdb()  # raises when Redis is down: the test fails, it does not skip
    client.close()
    app = create_app(broker_url())
    yield app
    app.close()


def _Workers(database_url: str, smtp_port: int, logdir: Path) -> WorkerProcesses:
    """Real `celery worker` subprocesses pointed at the test database, broker and SMTP."""
    return WorkerProcesses({"DATABASE_URL": database_url, "REDIS_URL": broker_url(), "SMTP_HOST": "127.0.0.1",
                            "SMTP_PORT": str(smtp_port)}, logdir, hooks="tests.support.slow_job", name="test",
                           ready_timeout=20)


@pytest.fixture
def workers(db, smtp, tmp_path):
    manager = _Workers(db, smtp.port, tmp_path)
    yield manager
    manager.stop_all()
    print(manager.logs())  # shown by pytest only when the test failed


# Helpers --------------------------------------------------------------------------------
def wait_for(predicate, timeout: float = 20, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def queue_email(to: str) -> int:
    with session_scope() as s:
        notifications.queue(s, to=to, template="verify_email", context={"name": "Asha", "link": "http://x/verify?t=1"})
    return _id_for(to)


def queue_job(job: str, payload: dict) -> int:
    with session_scope() as s:
        outbox.enqueue(s, job, payload)
    return _id_for(payload["to"])


def _id_for(to: str) -> int:
    with session_scope() as s:
        return s.execute(text("SELECT id FROM outbox WHERE payload->>'to' = :to"), {"to": to}).scalar_one()


def row(outbox_id: int):
    with session_scope() as s:
        return s.execute(text("SELECT * FROM outbox WHERE id = :id"), {"id": outbox_id}).one()


def completed(outbox_id: int) -> bool:
    return row(outbox_id).completed_at is not None


def addr() -> str:
    return f"user-{uuid.uuid4().hex[:8]}@example.com"


# Tests ----------------------------------------------------------------------------------
def test_committed_email_is_relayed_and_sent_by_the_worker(workers, broker, smtp):
    workers.start()
    to = addr()
    outbox_id = queue_email(to)

    assert background.relay_once(app=broker) == 1
    wait_for(lambda: smtp.to(to), 20, "email")
    wait_for(lambda: completed(outbox_id), 10, "outbox completed")
    r = row(outbox_id)
    assert (r.attempts, r.last_error, r.dead_at) == (1, None, None)
    assert smtp.to(to)[0]["Subject"] == notifications.SUBJECTS["verify_email"]
    assert background.relay_once(app=broker) == 0  # nothing left to relay

    # The beat task path: the worker relays with its own configured app.
    to2 = addr()
    second = queue_email(to2)
    broker.send_task("tutorconnect.relay_outbox")
    wait_for(lambda: smtp.to(to2), 20, "email relayed by the worker's relay task")
    wait_for(lambda: completed(second), 10, "second outbox row completed")
    assert len(smtp.to(to)) == 1 and len(smtp.to(to2)) == 1, workers.logs()


def test_duplicate_delivery_sends_exactly_one_email(workers, broker, smtp):
    workers.start()
    to, sentinel = addr(), addr()
    outbox_id = queue_email(to)
    assert background.relay_once(app=broker) == 1
    broker.send_task(background.RUN_TASK, args=[outbox_id])
    broker.send_task(background.RUN_TASK, args=[outbox_id])

    # The solo worker takes messages in order: once the sentinel is sent, the duplicates
    # have been handled.
    sentinel_id = queue_email(sentinel)
    assert background.relay_once(app=broker) == 1
    wait_for(lambda: smtp.to(sentinel), 20, "sentinel email")
    wait_for(lambda: completed(sentinel_id), 10, "sentinel completed")
    assert len(smtp.to(to)) == 1, workers.logs()
    assert row(outbox_id).attempts == 1


def test_concurrent_duplicates_run_the_job_once(db, smtp, tmp_path, monkeypatch):
    """Two deliveries of one row at the same moment: one runs, the other skips."""
    monkeypatch.setenv("SMTP_PORT", str(smtp.port))
    get_settings.cache_clear()
    try:
        block, started = tmp_path / "block", tmp_path / "started"
        block.touch()
        to = addr()
        outbox_id = queue_job(
            slow_job.SLOW_JOB, {"to": to, "tag": "dup", "started_file": str(started), "block_file": str(block)}
        )
        results: list[bool] = []
        first = threading.Thread(target=lambda: results.append(background.run_outbox_message(outbox_id)))
        first.start()
        wait_for(lambda: started.exists(), 10, "first run started")
        assert background.run_outbox_message(outbox_id) is False  # the row is being run
        block.unlink()
        first.join(20)
        assert results == [True]
        assert background.run_outbox_message(outbox_id) is False  # already completed
        assert len(smtp.to(to)) == 1
        assert started.read_text().count("started") == 1
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_failed_run_backs_off_and_a_late_duplicate_waits_for_it(db):
    outbox_id = queue_job(slow_job.FAIL_JOB, {"to": addr(), "tag": "late"})
    assert background.run_outbox_message(outbox_id) is False  # ran and failed
    failed = row(outbox_id)
    assert failed.attempts == 1 and "boom late" in failed.last_error and failed.claimed_until is None
    assert background.run_outbox_message(outbox_id) is False  # a duplicate during backoff
    assert row(outbox_id).attempts == 1  # ... did not run the job again
    with session_scope() as s:
        s.execute(text("UPDATE outbox SET available_at = now() WHERE id = :id"), {"id": outbox_id})
    assert background.run_outbox_message(outbox_id) is False
    assert row(outbox_id).attempts == 2  # due again: it ran (and failed) once more


def test_worker_killed_mid_job_is_retried_and_the_effect_happens_once(workers, broker, smtp, tmp_path):
    block, started = tmp_path / "block", tmp_path / "started"
    block.touch()
    to = addr()
    outbox_id = queue_job(
        slow_job.SLOW_JOB, {"to": to, "tag": "crash", "started_file": str(started), "block_file": str(block)}
    )
    first = workers.start()
    assert background.relay_once(app=broker) == 1
    wait_for(lambda: started.exists() and started.read_text().count("started") == 1, 20, "job in flight")

    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert not completed(outbox_id) and smtp.to(to) == []
    # The dead worker's database session (and its advisory lock on the row) is gone.
    wait_for(lambda: _advisory_locks() == 0, 10, "advisory lock released")

    block.unlink()
    workers.start()
    with session_scope() as s:
        s.execute(text("UPDATE outbox SET claimed_until = now() - interval '1 s' WHERE id = :id"), {"id": outbox_id})
    assert background.relay_once(app=broker) == 1
    wait_for(lambda: smtp.to(to), 20, "email after restart")
    wait_for(lambda: completed(outbox_id), 10, "outbox completed")

    # A further relay finds nothing; the killed delivery, if Redis ever redelivers it,
    # is a no-op on a completed row.
    assert background.relay_once(app=broker) == 0
    broker.send_task(background.RUN_TASK, args=[outbox_id])
    sentinel = addr()
    queue_email(sentinel)
    background.relay_once(app=broker)
    wait_for(lambda: smtp.to(sentinel), 20, "sentinel email")
    assert len(smtp.to(to)) == 1, workers.logs()
    assert started.read_text().count("started") == 2  # ran twice, took effect once
    assert row(outbox_id).attempts == 2


def _advisory_locks() -> int:
    with session_scope() as s:
        return s.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).scalar_one()


def test_relay_with_broker_down_loses_nothing(workers, broker, smtp):
    to = addr()
    outbox_id = queue_email(to)
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    dead = create_app(f"redis://127.0.0.1:{closed_port}/0")
    try:
        assert background.relay_once(app=dead) == 0
    finally:
        dead.close()
    r = row(outbox_id)
    # Still pending, claim released at once, the failed hand-over not counted as an attempt.
    assert (r.completed_at, r.claimed_until, r.attempts, r.dead_at) == (None, None, 0, None)

    workers.start()
    assert background.relay_once(app=broker) == 1
    wait_for(lambda: smtp.to(to), 20, "email once the broker is back")
    wait_for(lambda: completed(outbox_id), 10, "outbox completed")
    assert len(smtp.to(to)) == 1


def test_app_lifespan_task_relays_in_redis_mode(workers, broker, smtp, db):
    """What a Reflex process runs with REDIS_URL: the relay loop (works with beat down)."""
    workers.start()
    to = addr()
    outbox_id = queue_email(to)
    code = (
        "import asyncio\n"
        "from tutorconnect import background\n"
        "async def main():\n"
        "    task = asyncio.create_task(background.app_lifespan_task())\n"
        "    await asyncio.sleep(3)\n"
        "    task.cancel()\n"
        "    await asyncio.gather(task, return_exceptions=True)\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=workers.env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr[-3000:]
    wait_for(lambda: smtp.to(to), 20, "email relayed by the app's loop")
    wait_for(lambda: completed(outbox_id), 10, "outbox completed")


def test_worker_without_redis_url_stops_with_a_clear_message(db):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATABASE_URL=db, PYTHONPATH=str(PROJECT_ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "--pool=solo", "-Q", "tutorconnect"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=30,
    )
    assert done.returncode != 0
    assert "REDIS_URL is not set" in done.stderr
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        background.relay_once()
