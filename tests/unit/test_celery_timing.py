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
