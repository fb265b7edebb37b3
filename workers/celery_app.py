"""The Celery application: broker and result backend are REDIS_URL.

Importing this module never needs Redis (docs, tests, `celery --help`); starting a worker
or beat without REDIS_URL stops at once with one line saying so, and publishing a task
without it raises instead of silently falling back to Celery's default AMQP broker.

    celery -A workers.celery_app worker -Q tutorconnect -l info
    celery -A workers.celery_app beat -s var/celerybeat-schedule -l info
"""

from __future__ import annotations

import sys

from celery import Celery, signals

from tutorconnect.background import RELAY_EVERY_SECONDS
from tutorconnect.config import get_settings
from tutorconnect.services.reconciliation import RECONCILE_EVERY_SECONDS

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
                "task": "tutorconnect.relay_outbox",
                "schedule": RELAY_EVERY_SECONDS,
                # A relay that waited behind busy workers is useless: drop it.
                "options": {"expires": 10},
            },
            "sweep-bookings": {
                "task": "tutorconnect.sweep_bookings",
                "schedule": 30.0,
                "options": {"expires": 25},
            },
            "reconcile": {
                "task": "tutorconnect.reconcile",
                "schedule": RECONCILE_EVERY_SECONDS,
                "options": {"expires": 240},
            },
            "housekeeping": {
                "task": "tutorconnect.housekeeping",
                "schedule": 3600.0,
                "options": {"expires": 1800},
            },
        },
    )
    app.conf.tutorconnect_has_broker = bool(redis_url)
    return app


celery_app = create_app(get_settings().redis_url, main=True)


def _stop_without_redis(sender=None, **_: object) -> None:
    app = getattr(sender, "app", None) or celery_app
    if not app.conf.get("tutorconnect_has_broker"):
        print(f"Configuration error: {NO_REDIS}", file=sys.stderr)
        raise SystemExit(2)


@signals.celeryd_init.connect
def _worker_init(sender=None, instance=None, **kwargs: object) -> None:
    _stop_without_redis(instance)


@signals.beat_init.connect
def _beat_init(sender=None, **kwargs: object) -> None:
    _stop_without_redis(sender)


@signals.setup_logging.connect
def _setup_logging(loglevel=None, **kwargs: object) -> None:
    """Worker and beat log like the app: one JSON line each, secrets redacted."""
    settings = get_settings()
    try:
        from tutorconnect.logging_setup import configure_logging
    except ImportError:  # pragma: no cover - logging module not present
        import logging

        logging.basicConfig(level=settings.log_level, stream=sys.stderr)
        return
    configure_logging(settings.log_level, settings.log_format)


@signals.worker_process_init.connect
def _fresh_pool_after_fork(**_: object) -> None:
    """A prefork child must not reuse database connections opened by its parent."""
    from tutorconnect.db import get_engine

    if get_engine.cache_info().currsize:
        get_engine().dispose(close=False)
