"""The payment tables and the row lookups the payment submodules share: parsing a booking
id, a booking's Razorpay order, and the booking row under its lock (SELECT ... FOR UPDATE,
which serializes the checkout callback, webhooks and reconciliation on one booking).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from tutorconnect.models.payments import Payment, PaymentEvent, PaymentOrder, Refund
from tutorconnect.models.scheduling import Booking
from tutorconnect.services.errors import NotFound

ORDERS = PaymentOrder.__table__  # type: ignore[attr-defined]
PAYMENTS = Payment.__table__  # type: ignore[attr-defined]
EVENTS = PaymentEvent.__table__  # type: ignore[attr-defined]
REFUNDS = Refund.__table__  # type: ignore[attr-defined]
BOOKINGS = Booking.__table__  # type: ignore[attr-defined]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_booking_id(value: object) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str) and len(value) <= 64:
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise NotFound("That booking")


def order_for(session: Session, booking_id: uuid.UUID) -> Any:
    return session.execute(select(ORDERS).where(ORDERS.c.booking_id == booking_id)).first()


def lock_booking(session: Session, booking_id: uuid.UUID) -> Any:
    return session.execute(select(BOOKINGS).where(BOOKINGS.c.id == booking_id).with_for_update()).first()
