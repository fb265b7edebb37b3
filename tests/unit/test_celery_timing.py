"""The Celery timing budget documented in workers/celery_app.py holds: the visibility
timeout outlasts every task time limit, beat expiry, outbox claim and retry backoff (no
task uses a countdown: retries wait in the outbox), and the one beat schedule includes
reconciliation."""

from __future__ import annotations

from tutorconnect.integrations import mailer, razorpay_gateway
from tutorconnect.services import outbox
from workers.celery_app import create_app


def test_visibility_timeout_outlasts_every_task_and_delay():
    conf = create_app("redis://127.0.0.1:1/0").conf
    visibility = conf.broker_transport_options["visibility_timeout"]
    longest_expiry = max(e.get("options", {}).get("expires", 0) for e in conf.beat_schedule.values())
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.task_soft_time_limit < conf.task_time_limit < outbox.CLAIM_FOR.total_seconds() < visibility
    assert longest_expiry < visibility and outbox.BACKOFF_CAP < visibility
    assert sum(razorpay_gateway.TIMEOUT) < conf.task_soft_time_limit


def test_one_beat_schedule_with_reconciliation():
    schedule = create_app("redis://127.0.0.1:1/0").conf.beat_schedule
    assert {e["task"] for e in schedule.values()} >= {"tutorconnect.relay_outbox", "tutorconnect.sweep_bookings",
                                                      "tutorconnect.reconcile", "tutorconnect.housekeeping"}


def test_every_outbound_call_has_a_timeout():
    import inspect

    assert "timeout=" in inspect.getsource(mailer)
    assert razorpay_gateway.TIMEOUT == (3, 10)


def test_a_meeting_job_fits_in_the_task_time_limit():
    """meeting.create at its slowest: token refresh, insert, 409 -> get, the longest
    allowed conference wait plus the get that overruns it, then the time sync (refresh,
    patch): every Google call at its full timeout, still inside the soft limit."""
    from tutorconnect.config import Settings
    from tutorconnect.integrations import google_calendar

    conf = create_app("redis://127.0.0.1:1/0").conf
    field = Settings.model_fields["meeting_conference_wait_seconds"]
    longest_wait = next(m.le for m in field.metadata if getattr(m, "le", None) is not None)
    worst = 6 * google_calendar.TIMEOUT_SECONDS + longest_wait
    assert google_calendar.TIMEOUT_SECONDS <= 10 and worst < conf.task_soft_time_limit
