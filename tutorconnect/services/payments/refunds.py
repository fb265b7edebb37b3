"""Refunds: requested in the caller's transaction, executed at Razorpay outside any.

`request_refund` writes a pending refunds row (unique idempotency key derived from the
booking) in the caller's transaction; `execute_refund` calls Razorpay with
X-Refund-Idempotency (`razorpay_refund_key`: from the row's id) outside any transaction,
then records the result. Transient gateway errors (including 409, the same key still in
flight) propagate (the outbox retries); permanent ones mark the refund failed and flagged.
Processed refunds (API answer, refund.processed webhook or `poll_refund`) write the ledger
reversal rows and tell the student; the refund of a `mismatched` payment (settlement.py)
writes none, as that payment never reached the ledger.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session

from tutorconnect.db import session_scope
from tutorconnect.integrations import razorpay_gateway as gateway
from tutorconnect.services import notifications
from tutorconnect.services.errors import InvalidInput, NotFound
from tutorconnect.services.payments import ledger
from tutorconnect.services.payments.tables import PAYMENTS, REFUNDS, lock_booking, parse_booking_id, utc_now

log = logging.getLogger(__name__)

REFUND_EXECUTE_JOB = "payment.refund_execute"
REFUND_REQUESTED_JOB = "booking.refund_requested"


def insert_refund(session: Session, booking: Any, payment_uuid: uuid.UUID, amount: int, *, key: str,
                  reason: str, currency: str | None = None) -> uuid.UUID:
    """A pending refund row (idempotent by `key`), in the booking's currency unless the
    payment was captured in another (`currency`)."""
    new_id = uuid.uuid4()
    session.execute(pg_insert(REFUNDS).values(
        id=new_id, booking_id=booking.id, payment_id=payment_uuid, idempotency_key=key, amount_minor=amount,
        currency=currency or booking.currency, status="pending", reason=reason,
    ).on_conflict_do_nothing(index_elements=["idempotency_key"]))
    return session.execute(select(REFUNDS.c.id).where(REFUNDS.c.idempotency_key == key)).scalar_one()


def request_refund(session: Session, booking_id: uuid.UUID, amount_minor: int, *, reason: str,
                   key: str | None = None) -> uuid.UUID | None:
    """A pending refund of `amount_minor` (partial allowed) of the booking's applied
    payment, in the caller's transaction. Idempotent by `key` (default
    f"{booking_id}:1", the booking's cancellation refund). None when the booking was never
    paid (nothing to refund). The amount is capped at what is still refundable."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise InvalidInput("amount_minor", "A refund amount must be a positive whole number of minor units.")
    bid = parse_booking_id(booking_id)
    booking = lock_booking(session, bid)
    if booking is None:
        raise NotFound("That booking")
    key = key or f"{bid}:1"
    existing = session.execute(select(REFUNDS.c.id).where(REFUNDS.c.idempotency_key == key)).scalar()
    if existing is not None:
        return existing
    paid = session.execute(
        select(PAYMENTS).where(PAYMENTS.c.booking_id == bid, PAYMENTS.c.status.in_(("captured", "refunded")))
        .order_by(PAYMENTS.c.captured_at)
    ).all()
    applied = [p for p in paid if ledger.has_entry(session, f"payment:{p.razorpay_payment_id}")]
    if not applied:
        return None
    # the applied payment with the most left to refund (a duplicate payment of this booking
    # may already be refunded in full)
    refundable = []
    for p in applied:
        promised = int(session.execute(text(
            "SELECT coalesce(sum(amount_minor), 0) FROM refunds WHERE payment_id = :p AND status <> 'failed'"),
            {"p": p.id}).scalar_one())
        refundable.append((p.amount_minor - promised, p))
    left, payment_row = max(refundable, key=lambda item: item[0])
    amount = min(amount_minor, left)
    if amount <= 0:
        log.warning("refund request beyond the payment", extra={"booking_id": str(bid)})
        return None
    return insert_refund(session, booking, payment_row.id, amount, key=key, reason=reason)


def razorpay_refund_key(refund_id: uuid.UUID) -> str:
    """The X-Refund-Idempotency value for one refund row. Razorpay takes only keys of at
    least 10 letters, digits, hyphens and underscores
    (https://razorpay.com/docs/api/refunds/normal-refunds-idempotent); our own dedupe key
    (`refunds.idempotency_key`, such as "<booking id>:1") has a ':'. The row's id is as
    stable as that key, so every retry, and a refund written before this rule, sends the
    same valid key."""
    return f"tc-refund-{refund_id.hex}"


def execute_refund(refund_id: uuid.UUID) -> str:
    """Ask Razorpay for a pending refund (X-Refund-Idempotency = razorpay_refund_key) and record the
    answer. Own transactions, none open during the call. Returns the refund's status.
    Transient gateway errors propagate (the job is retried with the same key)."""
    with session_scope() as s:
        row = s.execute(
            select(REFUNDS, PAYMENTS.c.razorpay_payment_id)
            .join(PAYMENTS, PAYMENTS.c.id == REFUNDS.c.payment_id).where(REFUNDS.c.id == refund_id)
        ).first()
        if row is None:
            raise LookupError(f"no refund {refund_id}")
        if row.status != "pending" or row.razorpay_refund_id is not None:
            return str(row.status)
        notes = {"refund_id": str(row.id), "booking_id": str(row.booking_id)}
    try:
        answer = gateway.refund(row.razorpay_payment_id, row.amount_minor, razorpay_refund_key(row.id), notes)
    except gateway.GatewayError as err:
        if err.transient:
            raise
        with session_scope() as s:
            s.execute(update(REFUNDS).where(REFUNDS.c.id == refund_id, REFUNDS.c.status == "pending")
                      .values(status="failed", flagged=True, updated_at=utc_now(),
                              failure_reason=f"{err.code}: {err.description}"[:500]))
        log.error("refund refused by razorpay", extra={"refund_id": str(refund_id), "error": str(err)[:200]})
        return "failed"
    with session_scope() as s:
        return record_refund_entity(s, answer, refund_id=refund_id)


def record_refund_entity(session: Session, refund: dict, *, refund_id: uuid.UUID | None = None) -> str:
    """Apply a Razorpay refund entity (API answer, webhook or poll): link its id, and on
    `processed` mark ours processed, write the ledger and tell the student. Idempotent.
    Returns our refund's status, or "unknown"."""
    rzp_id = refund.get("id")
    if refund_id is None:
        notes = refund.get("notes") if isinstance(refund.get("notes"), dict) else {}
        match = select(REFUNDS).where(REFUNDS.c.razorpay_refund_id == rzp_id)
        row = session.execute(match).first()
        if row is None and notes.get("refund_id"):
            try:
                refund_id = uuid.UUID(str(notes["refund_id"]))
            except ValueError:
                return "unknown"
        elif row is not None:
            refund_id = row.id
    if refund_id is None:
        return "unknown"
    row = session.execute(select(REFUNDS).where(REFUNDS.c.id == refund_id)).first()
    if row is None:
        return "unknown"
    booking = lock_booking(session, row.booking_id)
    row = session.execute(select(REFUNDS).where(REFUNDS.c.id == refund_id).with_for_update()).one()
    now = utc_now()
    if row.razorpay_refund_id is None and isinstance(rzp_id, str):
        session.execute(update(REFUNDS).where(REFUNDS.c.id == row.id).values(razorpay_refund_id=rzp_id,
                                                                              updated_at=now))
    status = refund.get("status")
    if status == "processed" and row.status != "processed":
        session.execute(update(REFUNDS).where(REFUNDS.c.id == row.id)
                        .values(status="processed", processed_at=now, updated_at=now, flagged=False))
        payment = session.execute(select(PAYMENTS).where(PAYMENTS.c.id == row.payment_id)).one()
        mismatched = payment.status == "mismatched"  # never in the ledger: nothing to reverse
        if not mismatched:
            ledger.record_refund(session, booking, row.id, row.amount_minor)
        refunded = int(session.execute(text(
            "SELECT coalesce(sum(amount_minor), 0) FROM refunds WHERE payment_id = :p AND status = 'processed'"),
            {"p": payment.id}).scalar_one())
        if refunded >= payment.amount_minor and not mismatched:
            session.execute(update(PAYMENTS).where(PAYMENTS.c.id == payment.id)
                            .values(status="refunded", updated_at=now))
        notifications.user_event(session, booking.student_id, "payment.refund_processed", {"refund_id": str(row.id)})
        return "processed"
    if status == "failed" and row.status == "pending":
        session.execute(update(REFUNDS).where(REFUNDS.c.id == row.id)
                        .values(status="failed", flagged=True, updated_at=now,
                                failure_reason="Razorpay reported the refund as failed"))
        return "failed"
    return str(row.status)


def poll_refund(refund_id: uuid.UUID) -> str:
    """Reconciliation: fetch a pending refund from Razorpay and record what it says. A
    pending refund Razorpay never received (no id yet) is executed again with its key."""
    with session_scope() as s:
        row = s.execute(select(REFUNDS).where(REFUNDS.c.id == refund_id)).first()
        if row is None:
            raise LookupError(f"no refund {refund_id}")
        if row.status != "pending":
            return str(row.status)
        rzp_id = row.razorpay_refund_id
    if rzp_id is None:
        return execute_refund(refund_id)
    answer = gateway.fetch_refund(rzp_id)
    with session_scope() as s:
        return record_refund_entity(s, answer, refund_id=refund_id)
