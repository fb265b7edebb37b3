"""Meeting creation under a REAL Celery worker process (real Redis broker, PostgreSQL, the
Google emulator over HTTP through the SDK): a worker SIGKILLed after Google made the
event and before we recorded it, plus duplicate tasks and a redelivered message, still
leave exactly one event, one ready meeting and one confirmation.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.support.celery_workers import WorkerProcesses
from tests.integration import meeting_support, test_celery_worker
from tests.integration.meeting_support import (
    confirmed_booking,
    meeting,
    meeting_jobs,
    notices,
)
from tests.integration.test_celery_worker import broker_url, wait_for
from tutorconnect import background
from tutorconnect.db import session_scope
from tutorconnect.services import meetings, outbox

broker = test_celery_worker.broker  # fixture
gemu, google = meeting_support.gemu, meeting_support.google  # fixtures
pytestmark = pytest.mark.celery

TUTOR_MAIL = "tutor.calendar@gmail.com"


def Workers(database_url: str, google_url: str, logdir: Path, **extra_env: str) -> WorkerProcesses:
    return WorkerProcesses({"DATABASE_URL": database_url, "REDIS_URL": broker_url(), "GOOGLE_EMULATOR_URL": google_url,
                            "SMTP_PORT": "9", "MEETING_CONFERENCE_WAIT_SECONDS": "3", **extra_env},
                           logdir, hooks="tests.support.meeting_fault_hooks", name="meet")


def _expire_claims() -> None:
    with session_scope() as s:
        s.execute(text("UPDATE outbox SET claimed_until = now() - interval '1 s' "
                       "WHERE completed_at IS NULL AND claimed_until IS NOT NULL"))


def _meeting_jobs_settled(booking_id) -> bool:
    """No meeting job of the booking is claimed by a worker right now."""
    return all(j["completed_at"] is not None or j["claimed_until"] is None for j in meeting_jobs(booking_id))


def _meeting_jobs_done(booking_id) -> bool:
    return all(j["completed_at"] is not None for j in meeting_jobs(booking_id))


def test_worker_killed_after_google_made_the_event_creates_it_exactly_once(google, broker, db, tmp_path):
    block, started = tmp_path / "block", tmp_path / "started"
    block.touch()
    workers = Workers(db, google.url, tmp_path, TC_TEST_MEETING_BLOCK=str(block),
                      TC_TEST_MEETING_STARTED=str(started))
    try:
        tutor, learner, b = confirmed_booking(connected=google, email=TUTOR_MAIL)
        (job,) = meeting_jobs(b.id)
        first = workers.start()
        assert background.relay_once(app=broker) == 1
        wait_for(lambda: started.exists(), 30, "the worker's insert at Google")
        # Google has the event (with its Meet link); we have recorded nothing; the worker dies.
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert len(google.events(TUTOR_MAIL)) == 1
        m = meeting(b.id)
        assert (m["provider"], m["status"], m["join_url"]) == ("google", "pending", None)
        assert notices("booking.confirmed", learner) == []

        block.unlink()
        # A duplicate task for the same booking (another row, no dedupe key), as a second
        # confirmation path or an operator's retry would make.
        with session_scope() as s:
            outbox.enqueue(s, meetings.CREATE_JOB, {"booking_id": str(b.id)})
        workers.start()
        _expire_claims()  # the dead worker's claim ran out
        assert background.relay_once(app=broker) == 2
        broker.send_task(background.RUN_TASK, args=[job["id"]])  # and Redis redelivering the killed message
        wait_for(lambda: _meeting_jobs_done(b.id) and len(meeting_jobs(b.id)) == 2, 60, "meeting jobs completed")
        wait_for(lambda: meeting(b.id)["status"] == "ready", 10, "meeting ready")

        (event,) = google.events(TUTOR_MAIL)
        assert event["id"] == meetings.event_id_for(b.id) and not event["deleted"]
        m = meeting(b.id)
        assert (m["provider"], m["status"], m["join_url"]) == ("google", "ready", event["hangoutLink"]), workers.logs()
        assert started.read_text().count("inserted at google") == 1  # later tries were told 409
        assert google.calls()["events.insert"] >= 2
        assert len(notices("booking.confirmed", learner)) == 1
        assert len(notices("booking.confirmed", tutor)) == 1
        with session_scope() as s:
            assert s.execute(text("SELECT count(*) FROM dead_letters")).scalar_one() == 0
    finally:
        workers.stop_all()
        print(workers.logs())


def test_worker_retries_google_errors_then_falls_back(google, broker, db, tmp_path):
    """The same path as the in-process tests, in a real worker: 503s counted, retried with
    the outbox backoff (skipped here by making the row due), then the fallback room."""
    workers = Workers(db, google.url, tmp_path)
    try:
        tutor, learner, b = confirmed_booking(connected=google, email=TUTOR_MAIL)
        google.fault("events.insert", 503, count=10)
        workers.start()
        for attempt in (1, 2, 3):
            with session_scope() as s:
                s.execute(text("UPDATE outbox SET available_at = now() WHERE job LIKE 'meeting.%' "
                               "AND completed_at IS NULL"))
            assert background.relay_once(app=broker) >= 1
            # The try is over when the worker has recorded its outcome on the outbox row too
            # (a short transaction after the meeting's own): relaying sooner finds it claimed.
            wait_for(lambda: meeting(b.id) and (meeting(b.id)["attempts"] == attempt
                                                or meeting(b.id)["status"] == "ready")
                     and _meeting_jobs_settled(b.id), 30, f"try {attempt}")
        wait_for(lambda: meeting(b.id)["status"] == "ready", 30, "fallback")
        m = meeting(b.id)
        assert (m["provider"], m["attempts"]) == ("fallback", 3) and m["join_url"].startswith("https://")
        wait_for(lambda: _meeting_jobs_done(b.id), 20, "job completed")
        assert google.calls()["events.insert"] == 3
        assert len(notices("meeting.fallback", tutor)) == 1
        assert len(notices("booking.confirmed", learner)) == 1
    finally:
        workers.stop_all()
        print(workers.logs())
