"""Celery tasks: thin wrappers, each calling tutorconnect.background.

Task names are part of the wire format: they live in tutorconnect/task_queue.py.
"""

from __future__ import annotations

from tutorconnect import background, task_queue
from workers.celery_app import celery_app


@celery_app.task(name=task_queue.RUN_TASK)
def run_outbox(outbox_id: int) -> bool:
    """Run one outbox row; a duplicate or late delivery is a no-op."""
    return background.run_outbox_message(int(outbox_id))


@celery_app.task(name=task_queue.RELAY_TASK)
def relay_outbox() -> int:
    """Hand due outbox rows to the queue (beat runs this every few seconds)."""
    return background.relay_once(app=celery_app)


@celery_app.task(name=task_queue.HOUSEKEEPING_TASK)
def housekeeping() -> dict[str, int]:
    return background.housekeeping()


@celery_app.task(name=task_queue.SWEEP_TASK)
def sweep_bookings() -> dict[str, int]:
    """Expire unpaid bookings and auto-decline unanswered ones (beat, every 30 s)."""
    return background.sweep_bookings()


@celery_app.task(name=task_queue.RECONCILE_TASK)
def reconcile() -> dict[str, int]:
    """Repair payments/refunds against Razorpay and expire unpaid holds (beat, every 5 min)."""
    return background.reconcile()
