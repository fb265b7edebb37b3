"""Applying a Razorpay payment to its booking: `apply_payment`, shared by the checkout
callback, webhooks and reconciliation, idempotent.

Under the booking's row lock (SELECT ... FOR UPDATE) it records the payment, writes the
ledger (unique source keys) and moves the booking: pending_payment -> paid; expired ->
revived if the time is still free (the exclusion constraint decides) else refunded in full
with a notification; a booking that is already paid or no longer payable -> this payment is
refunded. Whichever of callback and webhook gets the lock first confirms; the other finds
the ledger rows and does nothing. A paid booking never moves backwards (payment status only
moves forward).

A capture at another amount or currency than the order's is never money for the booking:
the payment is recorded as `mismatched` (final), nothing is written to the ledger, the
booking does not move, and the whole captured amount is refunded automatically (a refund
row keyed "mismatch:<payment id>" and its outbox job, so any number of deliveries make one
refund; the refund's ledger rows are skipped too, refunds.record_refund_entity). A refund
Razorpay refuses is marked failed and flagged, and the flagged event stays in the admins'
queue (flags.py).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session

from tutorconnect.models.scheduling import PAID_STATUSES, BookingStatus
from tutorconnect.services import bookings, notifications, outbox, scheduling
from tutorconnect.services.payments import ledger
from tutorconnect.services.payments.refunds import REFUND_EXECUTE_JOB, insert_refund
from tutorconnect.services.payments.tables import ORDERS, PAYMENTS, lock_booking, utc_now

log = logging.getLogger(__name__)

S = BookingStatus
_PAID = PAID_STATUSES
# Payment status only moves forward (a failed payment may still be captured later);
# `mismatched` (ours, never Razorpay's) is final.
_RAZORPAY_STATUSES = ("created", "failed", "authorized", "captured", "refunded")
_PAYMENT_RANK = {"created": 0, "failed": 1, "authorized": 2, "captured": 3, "refunded": 4, "mismatched": 5}


def failure_words(payment: dict) -> str:
    description = str(payment.get("error_description") or "").strip()
    return description or "The payment did not go through. You can try again."


def apply_payment(session: Session, payment: dict, *, source: str) -> str:
    """Record a Razorpay payment entity and act on it; idempotent. Returns the outcome:
    "confirmed", "revived", "already_applied", "refunded_late", "refunded_duplicate",
    "recorded" (not captured), "amount_mismatch" or "unknown_order" (nothing done)."""
    pid = payment.get("id")
    oid = payment.get("order_id")
    status = payment.get("status")
    if not isinstance(pid, str) or not isinstance(oid, str) or status not in _RAZORPAY_STATUSES:
        return "malformed"
    order = session.execute(select(ORDERS).where(ORDERS.c.razorpay_order_id == oid)).first()
    if order is None:
        return "unknown_order"
    booking = lock_booking(session, order.booking_id)  # serializes callback, webhook, reconciliation
    now = utc_now()
    amount = payment.get("amount")
    currency = payment.get("currency")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        return "malformed"
    if currency is not None and not (isinstance(currency, str) and len(currency) == 3 and currency.isupper()):
        return "malformed"  # not an ISO 4217 code: nothing we could store or refund in
    # Money arrived only if Razorpay captured it: a `refunded` payment with captured false is
    # an authorization nobody captured, which Razorpay refunded on its own
    # (https://razorpay.com/docs/payments/payments/capture-settings/), never a payment.
    captured = status in ("captured", "refunded") and payment.get("captured") is True
    mismatched = captured and (amount != order.amount_minor or currency != order.currency)
    changed = _upsert_payment(session, order, payment, now, mismatched=mismatched)
    if status == "failed" and changed and booking.status == S.PENDING_PAYMENT.value:
        notifications.user_event(session, booking.student_id, "payment.failed",
                                 {"booking_id": str(booking.id), "reason": failure_words(payment)})
    if not captured:
        if status in ("authorized", "failed") and order.status == "created":
            session.execute(update(ORDERS).where(ORDERS.c.id == order.id, ORDERS.c.status == "created")
                            .values(status="attempted", updated_at=now))
        return "recorded"
    if mismatched:
        log.error("payment amount mismatch", extra={"payment_id": pid, "order_id": oid})
        _refund_mismatched_payment(session, booking, pid)
        return "amount_mismatch"
    session.execute(update(ORDERS).where(ORDERS.c.id == order.id, ORDERS.c.status != "paid")
                    .values(status="paid", updated_at=now))
    if not ledger.record_payment(session, booking, pid, amount):
        return "already_applied"
    log.info("payment applied", extra={"payment_id": pid, "booking_id": str(booking.id), "source": source})
    return _settle_booking(session, booking, pid, amount, now)


def _upsert_payment(session: Session, order: Any, payment: dict, now: datetime, *, mismatched: bool) -> bool:
    """Record the payment entity (`mismatched`: as such, whatever Razorpay calls it); True
    when this call changed what we had stored."""
    status = "mismatched" if mismatched else payment["status"]
    fields = dict(status=status, method=payment.get("method"), error_code=payment.get("error_code"),
                  error_description=payment.get("error_description"), error_reason=payment.get("error_reason"),
                  updated_at=now)
    if status in ("captured", "mismatched"):
        fields["captured_at"] = now
    current = session.execute(select(PAYMENTS.c.status).where(
        PAYMENTS.c.razorpay_payment_id == payment["id"])).scalar()
    if current is None:
        return session.execute(pg_insert(PAYMENTS).values(
            id=uuid.uuid4(), razorpay_payment_id=payment["id"], order_id=order.id, booking_id=order.booking_id,
            amount_minor=payment["amount"], currency=payment.get("currency") or order.currency, created_at=now,
            **fields).on_conflict_do_nothing(index_elements=["razorpay_payment_id"])
            .returning(PAYMENTS.c.id)).first() is not None
    if _PAYMENT_RANK[status] > _PAYMENT_RANK.get(current, 0):
        if status in ("captured", "mismatched"):
            fields.update(error_code=None, error_description=None, error_reason=None)
        return session.execute(update(PAYMENTS).where(PAYMENTS.c.razorpay_payment_id == payment["id"],
                                                      PAYMENTS.c.status == current).values(**fields)).rowcount > 0
    return False


def _settle_booking(session: Session, booking: Any, pid: str, amount: int, now: datetime) -> str:
    """The booking (locked) has just received a captured payment recorded in the ledger."""
    if booking.status == S.PENDING_PAYMENT.value:
        bookings.mark_paid(session, booking.id, now=now, late=True)
        return "confirmed"
    if booking.status == S.EXPIRED.value:
        try:
            bookings.revive_paid(session, booking.id, now=now)
            return "revived"
        except scheduling.SlotUnavailable:
            _refund_whole_payment(session, booking, pid, amount, kind="late")
            return "refunded_late"
    # Already paid by another payment, or cancelled meanwhile: give this one back.
    if booking.status in _PAID:
        _refund_whole_payment(session, booking, pid, amount, kind="duplicate")
        return "refunded_duplicate"
    _refund_whole_payment(session, booking, pid, amount, kind="closed")
    return "refunded_late"


def _refund_whole_payment(session: Session, booking: Any, pid: str, amount: int, *, kind: str) -> None:
    payment_row = session.execute(select(PAYMENTS).where(PAYMENTS.c.razorpay_payment_id == pid)).one()
    reason = {"late": "paid after the time was taken", "duplicate": "duplicate payment",
              "closed": "paid after the booking was closed"}[kind]
    refund_id = insert_refund(session, booking, payment_row.id, amount, key=f"{booking.id}:{pid}", reason=reason)
    outbox.enqueue(session, REFUND_EXECUTE_JOB, {"refund_id": str(refund_id)},
                   dedupe_key=f"{REFUND_EXECUTE_JOB}:{refund_id}")
    notifications.user_event(session, booking.student_id, "payment.refunded_automatically",
                             {"refund_id": str(refund_id), "kind": kind})


def _refund_mismatched_payment(session: Session, booking: Any, pid: str) -> None:
    """Give back the whole of a capture that does not match its order, in the currency it was
    captured in; once per payment however often it is reported (refund key, outbox key,
    notification key)."""
    payment_row = session.execute(select(PAYMENTS).where(PAYMENTS.c.razorpay_payment_id == pid)).one()
    refund_id = insert_refund(session, booking, payment_row.id, payment_row.amount_minor, key=f"mismatch:{pid}",
                              reason="the amount paid did not match the booking", currency=payment_row.currency)
    outbox.enqueue(session, REFUND_EXECUTE_JOB, {"refund_id": str(refund_id)},
                   dedupe_key=f"{REFUND_EXECUTE_JOB}:{refund_id}")
    notifications.user_event(session, booking.student_id, "payment.refunded_automatically",
                             {"refund_id": str(refund_id), "kind": "mismatch"})
