"""The Celery application: broker and result backend are REDIS_URL.

Importing this module never needs Redis (docs, tests, `celery --help`); starting a worker
or beat without REDIS_URL stops at once with one line saying so, and publishing a task
without it raises instead of silently falling back to Celery's default AMQP broker.

    celery -A workers.celery_app worker -Q tutorconnect -l info
    celery -A workers.celery_app beat -s var/celerybeat-schedule -l info
"""

from __future__ import annotations

import sys

from celery import signals

from tutorconnect.config import get_settings
from tutorconnect.task_queue import NO_REDIS, QUEUE, TutorConnectCelery, create_app
from tutorconnect.wiring import wire

__all__ = ["NO_REDIS", "QUEUE", "TutorConnectCelery", "celery_app", "create_app"]

wire()  # the worker changes bookings (sweeps, jobs): meetings and notifications listen
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
