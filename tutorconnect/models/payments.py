"""Payments: Razorpay orders and payments per booking, the append-only webhook event log,
refunds, and the money ledger.

- payment_orders: one Razorpay order per booking (unique booking_id), reused on retries.
- payments: one row per Razorpay payment id (a booking may see several attempts; at most
  one of them captured is applied to the booking, any other is refunded). A capture at
  another amount or currency than the order's is `mismatched` (final): never applied,
  refunded in full.
- payment_events: every webhook delivery we accepted (signature valid), stored before it
  is processed. Deduplicated by X-Razorpay-Event-Id (unique) and, among applied events, by
  `dedupe_key` ("<event>:<payment or refund id>", unique where applied_at IS NOT NULL).
  Append-only: only applied_at/outcome/flag, and an admin's resolution of a flagged event
  (resolved_at/resolved_by/resolution_note, services/payments/flags.py), are ever set
  after the insert.
- refunds: one row per refund we ask Razorpay for; `idempotency_key` (derived from the
  booking) makes writing the row idempotent; X-Refund-Idempotency is derived from the
  row's id (services/payments.razorpay_refund_key), so a retried job never refunds twice.
- ledger_entries: append-only, signed minor units (money in positive, out negative), one
  unique `source_key` per row so every writer is idempotent. Per booking:
  sum(payment, refund) == sum(platform_fee*, tutor_earnings*) (services/payments/ledger.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CHAR, BigInteger, Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, Text, text
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlmodel import Field, SQLModel

from tutorconnect.models.base import bigint_pk, check_in, jsonb, tstz, uuid_pk


class OrderStatus(StrEnum):
    CREATED = "created"
    ATTEMPTED = "attempted"
    PAID = "paid"


class PaymentStatus(StrEnum):
    CREATED = "created"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    FAILED = "failed"
    REFUNDED = "refunded"
    # Captured at another amount or currency than its order's: never applied to the booking
    # nor written to the ledger, refunded in full automatically (services/payments/settlement.py).
    MISMATCHED = "mismatched"


class RefundStatus(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    FAILED = "failed"


class LedgerKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    PLATFORM_FEE = "platform_fee"
    TUTOR_EARNINGS = "tutor_earnings"
    PLATFORM_FEE_REVERSAL = "platform_fee_reversal"
    TUTOR_EARNINGS_REVERSAL = "tutor_earnings_reversal"


ORDER_STATUSES = tuple(s.value for s in OrderStatus)
PAYMENT_STATUSES = tuple(s.value for s in PaymentStatus)
REFUND_STATUSES = tuple(s.value for s in RefundStatus)
LEDGER_KINDS = tuple(k.value for k in LedgerKind)


def _fk(target: str, *, ondelete: str = "RESTRICT", nullable: bool = False):
    return Field(
        default=None if nullable else ...,
        sa_column=Column(PGUUID(as_uuid=True), ForeignKey(target, ondelete=ondelete), nullable=nullable),
    )


def _text(*, nullable: bool = True):
    return Field(default=None, sa_column=Column(Text, nullable=nullable))


def _money():
    return Field(sa_column=Column(Integer, nullable=False))


def _currency():
    return Field(sa_column=Column(CHAR(3), nullable=False))


class PaymentOrder(SQLModel, table=True):
    __tablename__ = "payment_orders"
    __table_args__ = (
        CheckConstraint(check_in("status", ORDER_STATUSES), name="ck_payment_orders_status"),
        CheckConstraint("amount_minor > 0", name="ck_payment_orders_amount"),
        Index("uq_payment_orders_booking", "booking_id", unique=True),
        Index("uq_payment_orders_razorpay", "razorpay_order_id", unique=True),
        Index("ix_payment_orders_status_created", "status", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    booking_id: uuid.UUID = _fk("bookings.id")
    razorpay_order_id: str = Field(sa_column=Column(Text, nullable=False))
    amount_minor: int = _money()
    currency: str = _currency()
    receipt: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = tstz(nullable=False, now_default=True)
    updated_at: datetime = tstz(nullable=False, now_default=True)


class Payment(SQLModel, table=True):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(check_in("status", PAYMENT_STATUSES), name="ck_payments_status"),
        CheckConstraint("amount_minor > 0", name="ck_payments_amount"),
        Index("uq_payments_razorpay", "razorpay_payment_id", unique=True),
        Index("ix_payments_booking", "booking_id"),
        Index("ix_payments_order", "order_id"),
    )

    id: uuid.UUID = uuid_pk()
    razorpay_payment_id: str = Field(sa_column=Column(Text, nullable=False))
    order_id: uuid.UUID = _fk("payment_orders.id")
    booking_id: uuid.UUID = _fk("bookings.id")
    amount_minor: int = _money()
    currency: str = _currency()
    status: str = Field(sa_column=Column(Text, nullable=False))
    method: str | None = _text()
    error_code: str | None = _text()
    error_description: str | None = _text()
    error_reason: str | None = _text()
    captured_at: datetime | None = tstz()
    created_at: datetime = tstz(nullable=False, now_default=True)
    updated_at: datetime = tstz(nullable=False, now_default=True)


class PaymentEvent(SQLModel, table=True):
    """Append-only log of verified webhook deliveries (see the module docstring)."""

    __tablename__ = "payment_events"
    __table_args__ = (
        Index("uq_payment_events_event_id", "event_id", unique=True),
        Index("uq_payment_events_applied", "dedupe_key", unique=True,
              postgresql_where=text("applied_at IS NOT NULL")),
        Index("ix_payment_events_payment", "payment_id"),
        Index("ix_payment_events_order", "order_id"),
        Index("ix_payment_events_flagged", "received_at", postgresql_where=text("flagged")),
        Index("ix_payment_events_unresolved", "received_at", "id",
              postgresql_where=text("flagged AND resolved_at IS NULL")),
        CheckConstraint("resolved_at IS NULL OR flagged", name="ck_payment_events_resolved_flagged"),
    )

    id: int | None = bigint_pk()
    event_id: str = Field(sa_column=Column(Text, nullable=False))
    event: str = Field(sa_column=Column(Text, nullable=False))
    payment_id: str | None = _text()
    order_id: str | None = _text()
    refund_id: str | None = _text()
    dedupe_key: str | None = _text()
    payload: dict = jsonb(nullable=False)
    received_at: datetime = tstz(nullable=False, now_default=True)
    applied_at: datetime | None = tstz()
    outcome: str | None = _text()
    flagged: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false")))
    flag_reason: str | None = _text()
    resolved_at: datetime | None = tstz()
    resolved_by: uuid.UUID | None = _fk("users.id", ondelete="SET NULL", nullable=True)
    resolution_note: str | None = _text()


class Refund(SQLModel, table=True):
    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint(check_in("status", REFUND_STATUSES), name="ck_refunds_status"),
        CheckConstraint("amount_minor > 0", name="ck_refunds_amount"),
        Index("uq_refunds_idempotency", "idempotency_key", unique=True),
        Index("uq_refunds_razorpay", "razorpay_refund_id", unique=True),
        Index("ix_refunds_booking", "booking_id"),
        Index("ix_refunds_status_created", "status", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    booking_id: uuid.UUID = _fk("bookings.id")
    payment_id: uuid.UUID = _fk("payments.id")
    idempotency_key: str = Field(sa_column=Column(Text, nullable=False))
    razorpay_refund_id: str | None = _text()
    amount_minor: int = _money()
    currency: str = _currency()
    status: str = Field(sa_column=Column(Text, nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    failure_reason: str | None = _text()
    flagged: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false")))
    created_at: datetime = tstz(nullable=False, now_default=True)
    updated_at: datetime = tstz(nullable=False, now_default=True)
    processed_at: datetime | None = tstz()


class LedgerEntry(SQLModel, table=True):
    """Append-only money movements of a booking (signed minor units)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(check_in("kind", LEDGER_KINDS), name="ck_ledger_entries_kind"),
        CheckConstraint(
            "(kind IN ('payment', 'platform_fee', 'tutor_earnings') AND amount_minor >= 0) OR "
            "(kind IN ('refund', 'platform_fee_reversal', 'tutor_earnings_reversal') AND amount_minor <= 0)",
            name="ck_ledger_entries_sign",
        ),
        Index("uq_ledger_entries_source", "source_key", unique=True),
        Index("ix_ledger_entries_booking", "booking_id", "id"),
        Index("ix_ledger_entries_created", "created_at"),
    )

    id: int | None = bigint_pk()
    booking_id: uuid.UUID = _fk("bookings.id")
    kind: str = Field(sa_column=Column(Text, nullable=False))
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = _currency()
    source_key: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = tstz(nullable=False, now_default=True)
