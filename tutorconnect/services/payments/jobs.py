"""Outbox jobs of the payments package: its `JOBS` table, which the job runner in
services/jobs.py takes (the package's __init__ does not import this module). Each is
idempotent: run twice, the effect happens once.

- booking.refund_requested {booking_id, amount_minor, currency, reference}: emitted by
  bookings.cancel/decline/no-show; writes the booking's refund row (idempotency key
  f"{booking_id}:1", so two requests for one cancellation make one refund) and executes it.
- payment.refund_execute {refund_id}: executes a refund row written elsewhere (late or
  duplicate payments).
Transient Razorpay errors raise, so the outbox (or Celery) retries with the same key.
"""

from __future__ import annotations

import uuid
from typing import Any

from tutorconnect.db import session_scope
from tutorconnect.services.payments import refunds


def refund_requested(payload: dict[str, Any]) -> None:
    booking_id = uuid.UUID(str(payload["booking_id"]))
    with session_scope() as s:
        refund_id = refunds.request_refund(s, booking_id, int(payload["amount_minor"]),
                                           reason="cancellation policy (cancelled, declined or tutor no-show)", key=f"{booking_id}:1")
    if refund_id is not None:
        refunds.execute_refund(refund_id)


def refund_execute(payload: dict[str, Any]) -> None:
    refunds.execute_refund(uuid.UUID(str(payload["refund_id"])))


# The job runner (services/jobs.py) takes this table; nothing registers on import.
JOBS = {
    refunds.REFUND_REQUESTED_JOB: refund_requested,
    refunds.REFUND_EXECUTE_JOB: refund_execute,
}
