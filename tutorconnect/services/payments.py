"""Payments: Razorpay orders, the checkout callback, webhooks, late payments and refunds.

One service for every entry point (the checkout page, the webhook route, the outbox jobs,
reconciliation), so they cannot disagree:

- `start_checkout`: one Razorpay order per booking, created once and reused on retries.
  No transaction is held open across the HTTP call: read (and end the read), call
  Razorpay, then INSERT ... ON CONFLICT (booking_id) DO NOTHING; if another request won
  the race, its order is used (ours stays unpaid at Razorpay, harmless).
- `confirm_from_callback`: the browser's success callback. The signature is checked over
  the order id WE stored (never the one the browser sends) and the payment id; the payment
  is then fetched from Razorpay and its amount/status checked before it is applied.
- `ingest_webhook`: verifies X-Razorpay-Signature over the raw body (constant time), stores
  the event (append-only, unique event id), dedupes applied events by
  "<event>:<payment or refund id>" (advisory lock + unique partial index), applies it.
- `apply_payment`: shared by all of them, idempotent. Under the booking's row lock
  (SELECT ... FOR UPDATE) it records the payment, writes the ledger (unique source keys)
  and moves the booking: pending_payment -> paid; expired -> revived if the time is still
  free (the exclusion constraint decides) else refunded in full with a notification; a
  booking that is already paid or no longer payable -> this payment is refunded. Whichever
  of callback and webhook gets the lock first confirms; the other finds the ledger rows and
  does nothing. A paid booking never moves backwards (payment status only moves forward).
- Refunds: `request_refund` writes a pending refunds row (unique idempotency key derived
  from the booking) in the caller's transaction; `execute_refund` calls Razorpay with
  X-Refund-Idempotency (`razorpay_refund_key`: from the row's id) outside any transaction,
  then records the result. Transient gateway errors (including 409, the same key still in
  flight) propagate (the outbox retries); permanent ones mark the refund failed and
  flagged. Processed refunds (API answer, refund.processed webhook or `poll_refund`) write
  the ledger reversal rows and tell the student.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from tutorconnect.db import session_scope
from tutorconnect.integrations import razorpay_gateway as gateway
from tutorconnect.models.payments import Payment, PaymentEvent, PaymentOrder, Refund
from tutorconnect.models.scheduling import PAID_STATUSES, Booking, BookingStatus
from tutorconnect.services import bookings, ledger, notify, outbox
from tutorconnect.services.bookings import BookingView
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from tutorconnect.services.slots import SlotUnavailable

log = logging.getLogger(__name__)

S = BookingStatus
ORDERS = PaymentOrder.__table__  # type: ignore[attr-defined]
PAYMENTS = Payment.__table__  # type: ignore[attr-defined]
EVENTS = PaymentEvent.__table__  # type: ignore[attr-defined]
REFUNDS = Refund.__table__  # type: ignore[attr-defined]
BOOKINGS = Booking.__table__  # type: ignore[attr-defined]

MERCHANT_NAME = "TutorConnect"
REFUND_EXECUTE_JOB = "payment.refund_execute"
REFUND_REQUESTED_JOB = "booking.refund_requested"
WEBHOOK_MAX_BYTES = 256 * 1024

_PAYMENT_ID = re.compile(r"^pay_[A-Za-z0-9]{6,40}$")
_ORDER_ID = re.compile(r"^order_[A-Za-z0-9]{6,40}$")
_SIGNATURE = re.compile(r"^[0-9a-fA-F]{64}$")
# Payment status only moves forward (a failed payment may still be captured later).
_PAYMENT_RANK = {"created": 0, "failed": 1, "authorized": 2, "captured": 3, "refunded": 4}
_PAID = PAID_STATUSES


# Errors and results ----------------------------------------------------------------------
class InvalidSignature(DomainError):
    def __init__(self) -> None:
        super().__init__("The payment signature is not valid.")


class HoldExpired(DomainError):
    """The booking's payment window closed before it was paid: choose a time again."""

    def __init__(self, link: str) -> None:
        super().__init__("Your hold on this time has expired. Please choose a time again.")
        self.link = link


class AlreadyPaid(DomainError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"Booking {reference} is already paid.")
        self.reference = reference


class PaymentFailed(DomainError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)


class PaymentNotConfirmed(DomainError):
    """Razorpay could not be asked right now; the webhook or reconciliation will finish it."""

    def __init__(self) -> None:
        super().__init__("We could not confirm your payment with Razorpay yet. It will be confirmed "
                         "automatically within a few minutes; you have not been charged twice.")


@dataclass(frozen=True)
class CheckoutInfo:
    booking_id: uuid.UUID
    reference: str
    key_id: str
    order_id: str
    amount_minor: int
    currency: str
    name: str
    description: str
    prefill_name: str
    prefill_email: str
    expires_at: datetime | None
    checkout_js_url: str


@dataclass(frozen=True)
class WebhookResult:
    event_id: str
    event: str
    duplicate: bool
    outcome: str
    flagged: bool


# Small helpers ---------------------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(timezone.utc)


def _booking_id(value: object) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str) and len(value) <= 64:
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise NotFound("That booking")


def _end_read(session: Session) -> None:
    """End the current (read-only) transaction before an HTTP call: no locks, no open
    snapshot while Razorpay answers. Only called before anything was written."""
    session.commit()


def _student_booking(session: Session, ctx: RequestContext, booking_id: object) -> Any:
    bid = _booking_id(booking_id)
    row = session.execute(select(BOOKINGS).where(BOOKINGS.c.id == bid)).first()
    if row is None or ctx.actor_user_id is None:
        raise NotFound("That booking")
    if row.student_id != ctx.actor_user_id:
        if row.tutor_id == ctx.actor_user_id:
            raise PermissionDenied("Only the student of this booking can pay for it.")
        raise NotFound("That booking")
    return row


def _picker_link(session: Session, tutor_id: uuid.UUID) -> str:
    slug = session.execute(text("SELECT slug FROM tutor_profiles WHERE user_id = :t"), {"t": tutor_id}).scalar()
    return f"/book/{slug}" if slug else "/tutors"


def _order_for(session: Session, booking_id: uuid.UUID) -> Any:
    return session.execute(select(ORDERS).where(ORDERS.c.booking_id == booking_id)).first()


def _lock_booking(session: Session, booking_id: uuid.UUID) -> Any:
    return session.execute(select(BOOKINGS).where(BOOKINGS.c.id == booking_id).with_for_update()).first()


# Checkout --------------------------------------------------------------------------------
def start_checkout(session: Session, ctx: RequestContext, booking_id: uuid.UUID) -> CheckoutInfo:
    """The Razorpay order for the signed-in student's pending booking (created on first
    use, then reused). Raises NotFound, PermissionDenied, HoldExpired (with `.link` to the
    slot picker), AlreadyPaid, DomainError (cancelled etc.), PaymentNotConfirmed when
    Razorpay cannot be reached (nothing written)."""
    row = _student_booking(session, ctx, booking_id)
    if row.status in _PAID:
        raise AlreadyPaid(row.reference)
    now = _now()
    if row.status == S.EXPIRED.value or (row.status == S.PENDING_PAYMENT.value and row.expires_at is not None
                                          and row.expires_at <= now):
        raise HoldExpired(_picker_link(session, row.tutor_id))
    if row.status != S.PENDING_PAYMENT.value:
        raise DomainError(f"This booking is {row.status.replace('_', ' ')} and cannot be paid.")
    user = session.execute(text("SELECT full_name, email FROM users WHERE id = :u"), {"u": row.student_id}).one()
    tutor_name = session.execute(text(
        "SELECT coalesce(nullif(p.display_name, ''), u.full_name) FROM tutor_profiles p "
        "JOIN users u ON u.id = p.user_id WHERE p.user_id = :t"), {"t": row.tutor_id}).scalar() or "your tutor"
    order = _order_for(session, row.id)
    if order is None:
        _end_read(session)
        notes = {"booking_id": str(row.id), "student_id": str(row.student_id), "tutor_id": str(row.tutor_id),
                 "reference": row.reference}
        try:
            created = gateway.create_order(row.price_minor, row.currency, row.reference, notes)
        except gateway.GatewayError as err:
            log.warning("razorpay order failed", extra={"booking_id": str(row.id), "error": str(err)[:200]})
            raise DomainError("We could not start the payment right now. Please try again in a moment.") from None
        session.execute(pg_insert(ORDERS).values(
            id=uuid.uuid4(), booking_id=row.id, razorpay_order_id=created["id"], amount_minor=row.price_minor,
            currency=row.currency, receipt=row.reference, status="created",
        ).on_conflict_do_nothing(index_elements=["booking_id"]))
        order = _order_for(session, row.id)  # ours, or the one another request stored first
    return CheckoutInfo(
        booking_id=row.id, reference=row.reference, key_id=gateway.credentials().key_id,
        order_id=order.razorpay_order_id, amount_minor=order.amount_minor, currency=order.currency,
        name=MERCHANT_NAME, description=f"Lesson with {tutor_name} ({row.reference})",
        prefill_name=user.full_name or "", prefill_email=user.email or "", expires_at=row.expires_at,
        checkout_js_url=gateway.checkout_js_url(),
    )


def confirm_from_callback(session: Session, ctx: RequestContext, booking_id: uuid.UUID, payment_id: str,
                          order_id: str, signature: str) -> BookingView:
    """The checkout's success handler: verify and apply. `order_id` from the browser is
    only checked for shape; the signature is verified over the stored order id. Raises
    NotFound, PermissionDenied, InvalidInput, InvalidSignature, PaymentFailed,
    PaymentNotConfirmed; nothing is written on a refusal."""
    row = _student_booking(session, ctx, booking_id)
    if not isinstance(payment_id, str) or not _PAYMENT_ID.match(payment_id):
        raise InvalidInput("payment_id", "The payment reference is not valid.")
    if not isinstance(order_id, str) or not _ORDER_ID.match(order_id):
        raise InvalidInput("order_id", "The order reference is not valid.")
    if not isinstance(signature, str) or not _SIGNATURE.match(signature):
        raise InvalidSignature()
    order = _order_for(session, row.id)
    if order is None:
        raise NotFound("The payment for this booking")
    if not gateway.verify_payment_signature(order.razorpay_order_id, payment_id, signature):
        raise InvalidSignature()
    _end_read(session)
    try:
        payment = gateway.fetch_payment(payment_id)
    except gateway.GatewayError as err:
        if err.transient:
            raise PaymentNotConfirmed() from None
        raise PaymentFailed("Razorpay does not know this payment.") from None
    if payment.get("order_id") != order.razorpay_order_id:
        raise InvalidSignature()
    if payment.get("status") == "failed":
        raise PaymentFailed(_failure_words(payment))
    if payment.get("status") == "authorized":
        try:
            payment = gateway.capture(payment_id, order.amount_minor, order.currency)
        except gateway.GatewayError as err:
            if err.transient:
                raise PaymentNotConfirmed() from None
            payment = gateway.fetch_payment(payment_id) if err.code == "BAD_REQUEST_ERROR" else payment
    outcome = apply_payment(session, payment, source="callback")
    if outcome == "amount_mismatch":
        raise PaymentFailed("The amount paid does not match this booking. Our team has been alerted.")
    if outcome == "recorded":
        raise PaymentNotConfirmed()
    return bookings._view(bookings._row(session, row.id))


def _failure_words(payment: dict) -> str:
    description = str(payment.get("error_description") or "").strip()
    return description or "The payment did not go through. You can try again."


# Applying payments -----------------------------------------------------------------------
def apply_payment(session: Session, payment: dict, *, source: str) -> str:
    """Record a Razorpay payment entity and act on it; idempotent. Returns the outcome:
    "confirmed", "revived", "already_applied", "refunded_late", "refunded_duplicate",
    "recorded" (not captured), "amount_mismatch" or "unknown_order" (nothing done)."""
    pid = payment.get("id")
    oid = payment.get("order_id")
    status = payment.get("status")
    if not isinstance(pid, str) or not isinstance(oid, str) or status not in _PAYMENT_RANK:
        return "malformed"
    order = session.execute(select(ORDERS).where(ORDERS.c.razorpay_order_id == oid)).first()
    if order is None:
        return "unknown_order"
    booking = _lock_booking(session, order.booking_id)  # serializes callback, webhook, reconciliation
    now = _now()
    amount = payment.get("amount")
    currency = payment.get("currency")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        return "malformed"
    changed = _upsert_payment(session, order, payment, now)
    if status == "failed" and changed and booking.status == S.PENDING_PAYMENT.value:
        notify.user_event(session, booking.student_id, "payment.failed",
                          {"booking_id": str(booking.id), "reason": _failure_words(payment)})
    # Money arrived only if Razorpay captured it: a `refunded` payment with captured false is
    # an authorization nobody captured, which Razorpay refunded on its own
    # (https://razorpay.com/docs/payments/payments/capture-settings/), never a payment.
    if status not in ("captured", "refunded") or payment.get("captured") is not True:
        if status in ("authorized", "failed") and order.status == "created":
            session.execute(update(ORDERS).where(ORDERS.c.id == order.id, ORDERS.c.status == "created")
                            .values(status="attempted", updated_at=now))
        return "recorded"
    if amount != order.amount_minor or currency != order.currency:
        log.error("payment amount mismatch", extra={"payment_id": pid, "order_id": oid})
        return "amount_mismatch"
    session.execute(update(ORDERS).where(ORDERS.c.id == order.id, ORDERS.c.status != "paid")
                    .values(status="paid", updated_at=now))
    if not ledger.record_payment(session, booking, pid, amount):
        return "already_applied"
    log.info("payment applied", extra={"payment_id": pid, "booking_id": str(booking.id), "source": source})
    return _settle_booking(session, booking, pid, amount, now)


def _upsert_payment(session: Session, order: Any, payment: dict, now: datetime) -> bool:
    """Record the payment entity; True when this call changed what we had stored."""
    status = payment["status"]
    fields = dict(status=status, method=payment.get("method"), error_code=payment.get("error_code"),
                  error_description=payment.get("error_description"), error_reason=payment.get("error_reason"),
                  updated_at=now)
    if status == "captured":
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
        if status == "captured":
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
        except SlotUnavailable:
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
    refund_id = _insert_refund(session, booking, payment_row.id, amount, key=f"{booking.id}:{pid}", reason=reason)
    outbox.enqueue(session, REFUND_EXECUTE_JOB, {"refund_id": str(refund_id)},
                   dedupe_key=f"{REFUND_EXECUTE_JOB}:{refund_id}")
    notify.user_event(session, booking.student_id, "payment.refunded_automatically",
                      {"refund_id": str(refund_id), "kind": kind})


# Refunds ---------------------------------------------------------------------------------
def _insert_refund(session: Session, booking: Any, payment_uuid: uuid.UUID, amount: int, *, key: str,
                   reason: str) -> uuid.UUID:
    new_id = uuid.uuid4()
    session.execute(pg_insert(REFUNDS).values(
        id=new_id, booking_id=booking.id, payment_id=payment_uuid, idempotency_key=key, amount_minor=amount,
        currency=booking.currency, status="pending", reason=reason,
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
    bid = _booking_id(booking_id)
    booking = _lock_booking(session, bid)
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
    return _insert_refund(session, booking, payment_row.id, amount, key=key, reason=reason)


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
                      .values(status="failed", flagged=True, updated_at=_now(),
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
    booking = _lock_booking(session, row.booking_id)
    row = session.execute(select(REFUNDS).where(REFUNDS.c.id == refund_id).with_for_update()).one()
    now = _now()
    if row.razorpay_refund_id is None and isinstance(rzp_id, str):
        session.execute(update(REFUNDS).where(REFUNDS.c.id == row.id).values(razorpay_refund_id=rzp_id,
                                                                              updated_at=now))
    status = refund.get("status")
    if status == "processed" and row.status != "processed":
        session.execute(update(REFUNDS).where(REFUNDS.c.id == row.id)
                        .values(status="processed", processed_at=now, updated_at=now, flagged=False))
        ledger.record_refund(session, booking, row.id, row.amount_minor)
        payment = session.execute(select(PAYMENTS).where(PAYMENTS.c.id == row.payment_id)).one()
        refunded = int(session.execute(text(
            "SELECT coalesce(sum(amount_minor), 0) FROM refunds WHERE payment_id = :p AND status = 'processed'"),
            {"p": payment.id}).scalar_one())
        if refunded >= payment.amount_minor:
            session.execute(update(PAYMENTS).where(PAYMENTS.c.id == payment.id)
                            .values(status="refunded", updated_at=now))
        notify.user_event(session, booking.student_id, "payment.refund_processed", {"refund_id": str(row.id)})
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


# Webhooks --------------------------------------------------------------------------------
def _entity(body: dict, name: str) -> dict:
    part = (body.get("payload") or {}).get(name) if isinstance(body.get("payload"), dict) else None
    entity = part.get("entity") if isinstance(part, dict) else None
    return entity if isinstance(entity, dict) else {}


def ingest_webhook(session: Session, raw_body: bytes, signature: str | None, event_id: str | None) -> WebhookResult:
    """Verify, store (append-only) and apply one webhook delivery. Raises InvalidSignature
    (nothing stored) or InvalidInput (signed but not a JSON event; nothing stored)."""
    if not isinstance(raw_body, bytes | bytearray) or len(raw_body) > WEBHOOK_MAX_BYTES:
        raise InvalidInput("body", "The webhook body is too large.")
    raw_body = bytes(raw_body)
    if not gateway.verify_webhook_signature(raw_body, signature):
        raise InvalidSignature()
    try:
        body = json.loads(raw_body)
    except ValueError:
        raise InvalidInput("body", "The webhook body is not JSON.") from None
    if not isinstance(body, dict) or not isinstance(body.get("event"), str):
        raise InvalidInput("body", "The webhook body is not a Razorpay event.")
    event = body["event"][:100]
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 200:
        event_id = "sha256:" + hashlib.sha256(raw_body).hexdigest()
    payment = _entity(body, "payment")
    order = _entity(body, "order")
    refund = _entity(body, "refund")
    payment_id = payment.get("id") if isinstance(payment.get("id"), str) else None
    payment_id = payment_id or (refund.get("payment_id") if isinstance(refund.get("payment_id"), str) else None)
    order_id = payment.get("order_id") or order.get("id")
    order_id = order_id if isinstance(order_id, str) else None
    refund_id = refund.get("id") if isinstance(refund.get("id"), str) else None
    if event.startswith("refund.") and refund_id:
        dedupe = f"{event}:{refund_id}"
    elif payment_id:
        dedupe = f"{event}:{payment_id}"
    elif order_id:
        dedupe = f"{event}:{order_id}"
    else:
        dedupe = None
    stored = session.execute(pg_insert(EVENTS).values(
        event_id=event_id, event=event, payment_id=payment_id, order_id=order_id, refund_id=refund_id,
        dedupe_key=dedupe, payload=body,
    ).on_conflict_do_nothing(index_elements=["event_id"]).returning(EVENTS.c.id)).scalar()
    if stored is None:
        return WebhookResult(event_id, event, True, "duplicate_event", False)
    if dedupe is not None:
        # one delivery of an (event, payment) pair at a time; the first applied wins
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 5))"), {"k": dedupe})
        seen = session.execute(select(EVENTS.c.id).where(EVENTS.c.dedupe_key == dedupe,
                                                         EVENTS.c.applied_at.is_not(None))).first()
        if seen is not None:
            _finish_event(session, stored, "duplicate", applied=False)
            return WebhookResult(event_id, event, True, "duplicate", False)
    outcome, flag = _dispatch(session, event, payment, order, refund)
    _finish_event(session, stored, outcome, applied=flag is None, flag=flag)
    return WebhookResult(event_id, event, False, outcome, flag is not None)


def _dispatch(session: Session, event: str, payment: dict, order: dict, refund: dict) -> tuple[str, str | None]:
    """(outcome, flag reason or None)."""
    if event in ("payment.captured", "payment.authorized", "payment.failed", "order.paid"):
        if not payment:
            return "no_payment", f"{event} without a payment entity"
        outcome = apply_payment(session, payment, source="webhook")
        if outcome == "unknown_order":
            return outcome, f"order {payment.get('order_id')} is not one of ours"
        if outcome in ("amount_mismatch", "malformed"):
            return outcome, f"payment {payment.get('id')}: {outcome.replace('_', ' ')}"
        return outcome, None
    if event.startswith("refund."):
        if not refund:
            return "no_refund", f"{event} without a refund entity"
        outcome = record_refund_entity(session, refund)
        if outcome == "unknown":
            return "unknown_refund", f"refund {refund.get('id')} is not one of ours"
        return f"refund_{outcome}", None
    return "ignored", None


def _finish_event(session: Session, event_row_id: int, outcome: str, *, applied: bool,
                  flag: str | None = None) -> None:
    values: dict[str, Any] = {"outcome": outcome}
    if applied:
        values["applied_at"] = _now()
    if flag is not None:
        values.update(flagged=True, flag_reason=flag[:500])
    try:
        with session.begin_nested():
            session.execute(update(EVENTS).where(EVENTS.c.id == event_row_id).values(**values))
    except IntegrityError:  # another delivery of the same (event, payment) was applied first
        session.execute(update(EVENTS).where(EVENTS.c.id == event_row_id).values(outcome="duplicate"))


# Reading (pages) -------------------------------------------------------------------------
@dataclass(frozen=True)
class RefundView:
    amount_minor: int
    currency: str
    status: str  # pending | processed | failed
    reason: str
    created_at: datetime
    processed_at: datetime | None


@dataclass(frozen=True)
class PaymentSummary:
    booking_id: uuid.UUID
    currency: str
    paid_minor: int  # captured payments applied to the booking (ledger)
    refunded_minor: int  # processed refunds (ledger)
    refund_pending_minor: int  # asked for, not yet processed
    order_id: str | None
    last_failure: str | None  # the latest failed attempt's reason in plain words, if any
    refunds: tuple[RefundView, ...]


def payment_summary(session: Session, ctx: RequestContext, booking_id: object) -> PaymentSummary:
    """What the booking's student, tutor or an admin may see about its money (NotFound for
    anyone else; malformed ids too)."""
    bid = _booking_id(booking_id)
    row, _role = bookings._visible(session, ctx, bid)
    order = _order_for(session, bid)
    refunds = tuple(RefundView(r.amount_minor, r.currency, r.status, r.reason, r.created_at, r.processed_at)
                    for r in session.execute(select(REFUNDS).where(REFUNDS.c.booking_id == bid)
                                             .order_by(REFUNDS.c.created_at)).all())
    failure = session.execute(
        select(PAYMENTS.c.error_description).where(PAYMENTS.c.booking_id == bid, PAYMENTS.c.status == "failed")
        .order_by(PAYMENTS.c.updated_at.desc()).limit(1)).scalar()
    paid_any = session.execute(select(PAYMENTS.c.id).where(
        PAYMENTS.c.booking_id == bid, PAYMENTS.c.status.in_(("captured", "refunded")))).first()
    return PaymentSummary(
        booking_id=bid, currency=row.currency, paid_minor=ledger.paid_total(session, bid),
        refunded_minor=ledger.refunded_total(session, bid),
        refund_pending_minor=sum(r.amount_minor for r in refunds if r.status == "pending"),
        order_id=order.razorpay_order_id if order is not None else None,
        last_failure=None if paid_any else failure, refunds=refunds,
    )
