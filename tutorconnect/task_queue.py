"""The Celery application's definition, shared by the web app (which only sends tasks: the
outbox relay in background.py) and the worker and beat processes (workers/celery_app.py
adds their start-up checks and signals). Task names, the queue and the schedule live here,
below both, so neither side imports the other.

Importing this module never needs Redis; publishing a task without REDIS_URL raises
instead of silently falling back to Celery's default AMQP broker.
"""

from __future__ import annotations

from functools import lru_cache

from celery import Celery

from tutorconnect.config import get_settings
from tutorconnect.services.payments import RECONCILE_EVERY_SECONDS

# Task names are part of the wire format (the relay sends them by name): never rename one
# without keeping the old name registered until queues have drained.
RUN_TASK = "tutorconnect.run_outbox"
RELAY_TASK = "tutorconnect.relay_outbox"
SWEEP_TASK = "tutorconnect.sweep_bookings"
RECONCILE_TASK = "tutorconnect.reconcile"
HOUSEKEEPING_TASK = "tutorconnect.housekeeping"

RELAY_EVERY_SECONDS = 2.0
HOUSEKEEPING_EVERY_SECONDS = 3600.0
BOOKING_SWEEP_EVERY_SECONDS = 30.0

QUEUE = "tutorconnect"
NO_REDIS = "REDIS_URL is not set: Celery workers and beat need it (without Redis, the app runs jobs itself)"


class TutorConnectCelery(Celery):
    def send_task(self, *args, **kwargs):  # type: ignore[override]
        # Without REDIS_URL Celery would fall back to amqp://localhost: refuse instead.
        if not self.conf.get("tutorconnect_has_broker"):
            raise RuntimeError(NO_REDIS)
        # Celery's send_task ignores task_ignore_result and subscribes to the result in
        # Redis, which blocks ~20 s on a dead broker and then breaks the app's backend.
        kwargs.setdefault("ignore_result", self.conf.task_ignore_result)
        return super().send_task(*args, **kwargs)


def create_app(redis_url: str | None, *, main: bool = False) -> TutorConnectCelery:
    """A configured Celery app for `redis_url` (tests build one per broker they need)."""
    app = TutorConnectCelery("tutorconnect", include=["workers.tasks"], set_as_current=main)
    app.conf.update(
        broker_url=redis_url or None,
        result_backend=redis_url or None,
        # Outcomes live in the outbox table; nothing reads Celery results.
        task_ignore_result=True,
        result_expires=3600,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        # A relay must fail fast when the broker is down (the claim is then released).
        broker_connection_timeout=3,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.5},
        # Timing budget (seconds), longest first; the visibility timeout must exceed all:
        #   visibility_timeout            7200  unacked messages of a dead worker come back
        #   outbox backoff cap            3600  (outbox.BACKOFF_CAP; lives in the outbox
        #                                        row's available_at, never a Celery countdown)
        #   beat "expires" (housekeeping) 1800  (the longest expiry; no task uses countdown/eta)
        #   outbox claim (CLAIM_FOR)       300  the relay re-sends a job whose worker died
        #   task_time_limit                240  hard kill of a stuck task (soft limit 180)
        #   slowest outbound call           13  Razorpay connect 3 + read 10; SMTP 10;
        #                                        Redis 2-3; Google OAuth TIMEOUT_SECONDS
        # So a redelivery never races a task still running, and the outbox claim normally
        # re-sends a lost job long before Redis would; a duplicate is a no-op either way.
        task_soft_time_limit=180,
        task_time_limit=240,
        broker_transport_options={"visibility_timeout": 7200, "socket_connect_timeout": 3},
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        beat_schedule={
            "relay-outbox": {
                "task": RELAY_TASK,
                "schedule": RELAY_EVERY_SECONDS,
                # A relay that waited behind busy workers is useless: drop it.
                "options": {"expires": 10},
            },
            "sweep-bookings": {
                "task": SWEEP_TASK,
                "schedule": BOOKING_SWEEP_EVERY_SECONDS,
                "options": {"expires": 25},
            },
            "reconcile": {
                "task": RECONCILE_TASK,
                "schedule": RECONCILE_EVERY_SECONDS,
                "options": {"expires": 240},
            },
            "housekeeping": {
                "task": HOUSEKEEPING_TASK,
                "schedule": HOUSEKEEPING_EVERY_SECONDS,
                "options": {"expires": 1800},
            },
        },
    )
    app.conf.tutorconnect_has_broker = bool(redis_url)
    return app


@lru_cache(maxsize=1)
def client() -> TutorConnectCelery:
    """The web app's Celery app, for sending tasks (not the worker's `current_app`)."""
    return create_app(get_settings().redis_url)
