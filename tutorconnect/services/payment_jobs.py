"""Outbox jobs of the payments service (registered with services/jobs.py, which imports
this module). Each is idempotent: run twice, the effect happens once.

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
from tutorconnect.services import payments
from tutorconnect.services.jobs import job


@job(payments.REFUND_REQUESTED_JOB)
def refund_requested(payload: dict[str, Any]) -> None:
    booking_id = uuid.UUID(str(payload["booking_id"]))
    with session_scope() as s:
        refund_id = payments.request_refund(s, booking_id, int(payload["amount_minor"]),
                                            reason="cancellation policy (cancelled, declined or tutor no-show)", key=f"{booking_id}:1")
    if refund_id is not None:
        payments.execute_refund(refund_id)


@job(payments.REFUND_EXECUTE_JOB)
def refund_execute(payload: dict[str, Any]) -> None:
    payments.execute_refund(uuid.UUID(str(payload["refund_id"])))
