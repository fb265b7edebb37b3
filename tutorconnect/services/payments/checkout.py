"""Paying for a booking from the checkout page: the Razorpay order and the browser's
success callback.

- `start_checkout`: one Razorpay order per booking, created once and reused on retries.
  No transaction is held open across the HTTP call: read (and end the read), call
  Razorpay, then INSERT ... ON CONFLICT (booking_id) DO NOTHING; if another request won
  the race, its order is used (ours stays unpaid at Razorpay, harmless).
- `confirm_from_callback`: the browser's success callback. The signature is checked over
  the order id WE stored (never the one the browser sends) and the payment id; the payment
  is then fetched from Razorpay and its amount/status checked before it is applied
  (settlement.apply_payment). A capture at the wrong amount or currency is refused to the
  student, but its record and automatic refund are committed first.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session

from tutorconnect.integrations import razorpay_gateway as gateway
from tutorconnect.models.scheduling import PAID_STATUSES, BookingStatus
from tutorconnect.services import bookings
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from tutorconnect.services.payments.errors import (
    AlreadyPaid,
    HoldExpired,
    InvalidSignature,
    PaymentFailed,
    PaymentNotConfirmed,
)
from tutorconnect.services.payments.settlement import apply_payment, failure_words
from tutorconnect.services.payments.tables import BOOKINGS, ORDERS, order_for, parse_booking_id, utc_now

log = logging.getLogger(__name__)

S = BookingStatus
_PAID = PAID_STATUSES

MERCHANT_NAME = "TutorConnect"

_PAYMENT_ID = re.compile(r"^pay_[A-Za-z0-9]{6,40}$")
_ORDER_ID = re.compile(r"^order_[A-Za-z0-9]{6,40}$")
_SIGNATURE = re.compile(r"^[0-9a-fA-F]{64}$")


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


def _end_read(session: Session) -> None:
    """End the current (read-only) transaction before an HTTP call: no locks, no open
    snapshot while Razorpay answers. Only called before anything was written."""
    session.commit()


def _student_booking(session: Session, ctx: RequestContext, booking_id: object) -> Any:
    bid = parse_booking_id(booking_id)
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


def start_checkout(session: Session, ctx: RequestContext, booking_id: uuid.UUID) -> CheckoutInfo:
    """The Razorpay order for the signed-in student's pending booking (created on first
    use, then reused). Raises NotFound, PermissionDenied, HoldExpired (with `.link` to the
    slot picker), AlreadyPaid, DomainError (cancelled etc.), PaymentNotConfirmed when
    Razorpay cannot be reached (nothing written)."""
    row = _student_booking(session, ctx, booking_id)
    if row.status in _PAID:
        raise AlreadyPaid(row.reference)
    now = utc_now()
    if row.status == S.EXPIRED.value or (row.status == S.PENDING_PAYMENT.value and row.expires_at is not None
                                          and row.expires_at <= now):
        raise HoldExpired(_picker_link(session, row.tutor_id))
    if row.status != S.PENDING_PAYMENT.value:
        raise DomainError(f"This booking is {row.status.replace('_', ' ')} and cannot be paid.")
    user = session.execute(text("SELECT full_name, email FROM users WHERE id = :u"), {"u": row.student_id}).one()
    tutor_name = session.execute(text(
        "SELECT coalesce(nullif(p.display_name, ''), u.full_name) FROM tutor_profiles p "
        "JOIN users u ON u.id = p.user_id WHERE p.user_id = :t"), {"t": row.tutor_id}).scalar() or "your tutor"
    order = order_for(session, row.id)
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
        order = order_for(session, row.id)  # ours, or the one another request stored first
    return CheckoutInfo(
        booking_id=row.id, reference=row.reference, key_id=gateway.credentials().key_id,
        order_id=order.razorpay_order_id, amount_minor=order.amount_minor, currency=order.currency,
        name=MERCHANT_NAME, description=f"Lesson with {tutor_name} ({row.reference})",
        prefill_name=user.full_name or "", prefill_email=user.email or "", expires_at=row.expires_at,
        checkout_js_url=gateway.checkout_js_url(),
    )


def confirm_from_callback(session: Session, ctx: RequestContext, booking_id: uuid.UUID, payment_id: str,
                          order_id: str, signature: str) -> bookings.BookingView:
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
    order = order_for(session, row.id)
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
        raise PaymentFailed(failure_words(payment))
    if payment.get("status") == "authorized":
        try:
            payment = gateway.capture(payment_id, order.amount_minor, order.currency)
        except gateway.GatewayError as err:
            if err.transient:
                raise PaymentNotConfirmed() from None
            payment = gateway.fetch_payment(payment_id) if err.code == "BAD_REQUEST_ERROR" else payment
    outcome = apply_payment(session, payment, source="callback")
    if outcome == "amount_mismatch":
        # The one refusal that keeps what was written: the payment recorded as mismatched and
        # its automatic refund must stay although the student's callback is refused (nothing
        # else was written since the read ended above).
        session.commit()
        raise PaymentFailed("The amount paid does not match this booking, so it is being refunded in full. "
                            "Our team has been alerted.")
    if outcome == "recorded":
        raise PaymentNotConfirmed()
    return bookings.view_of(session, row.id)
