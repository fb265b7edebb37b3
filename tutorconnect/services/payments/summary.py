"""The read side of payments for pages: what the booking's student, tutor or an admin may
see about its money (paid, refunded, refunds pending, the last failed attempt)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from tutorconnect.services import bookings
from tutorconnect.services.context import RequestContext
from tutorconnect.services.payments import ledger
from tutorconnect.services.payments.tables import PAYMENTS, REFUNDS, order_for, parse_booking_id


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
    refund_pending_minor: int  # asked for, not yet processed (payments the ledger holds)
    order_id: str | None
    last_failure: str | None  # the latest failed attempt's reason in plain words, if any
    refunds: tuple[RefundView, ...]


def payment_summary(session: Session, ctx: RequestContext, booking_id: object) -> PaymentSummary:
    """What the booking's student, tutor or an admin may see about its money (NotFound for
    anyone else; malformed ids too)."""
    bid = parse_booking_id(booking_id)
    row, _role = bookings.visible_booking(session, ctx, bid)
    order = order_for(session, bid)
    rows = session.execute(select(REFUNDS, PAYMENTS.c.status.label("payment_status"))
                           .join(PAYMENTS, PAYMENTS.c.id == REFUNDS.c.payment_id)
                           .where(REFUNDS.c.booking_id == bid).order_by(REFUNDS.c.created_at)).all()
    refunds = tuple(RefundView(r.amount_minor, r.currency, r.status, r.reason, r.created_at, r.processed_at)
                    for r in rows)
    # the refund of a capture at the wrong amount or currency gives back money the booking
    # never had: listed, not counted
    pending = sum(r.amount_minor for r in rows if r.status == "pending" and r.payment_status != "mismatched")
    failure = session.execute(
        select(PAYMENTS.c.error_description).where(PAYMENTS.c.booking_id == bid, PAYMENTS.c.status == "failed")
        .order_by(PAYMENTS.c.updated_at.desc()).limit(1)).scalar()
    paid_any = session.execute(select(PAYMENTS.c.id).where(
        PAYMENTS.c.booking_id == bid, PAYMENTS.c.status.in_(("captured", "refunded")))).first()
    return PaymentSummary(
        booking_id=bid, currency=row.currency, paid_minor=ledger.paid_total(session, bid),
        refunded_minor=ledger.refunded_total(session, bid),
        refund_pending_minor=pending,
        order_id=order.razorpay_order_id if order is not None else None,
        last_failure=None if paid_any else failure, refunds=refunds,
    )
