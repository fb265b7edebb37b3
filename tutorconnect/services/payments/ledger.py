"""The money ledger: append-only, signed minor units, one row per movement.

Money in is positive, money out negative. For each booking:

    sum(payment) + sum(refund)  ==  sum(platform_fee, platform_fee_reversal)
                                  + sum(tutor_earnings, tutor_earnings_reversal)

A payment writes three rows (payment +P, platform_fee +F, tutor_earnings +E with F + E = P,
the split copied onto the booking when it was made); a processed refund R writes refund -R
and the two reversals, split pro rata on the CUMULATIVE refunded amount (fee reversed so
far = floor(F * refunded_total / P)), so partial refunds add up exactly in minor units and a
full refund reverses the fee and the earnings exactly. Every row carries a unique
`source_key`, so writing the same movement twice is a no-op (ON CONFLICT DO NOTHING).
Callers hold the booking's row lock (FOR UPDATE) when writing, so two refunds of one
booking never compute their split from the same running total.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session

from tutorconnect.models.payments import LedgerEntry, LedgerKind
from tutorconnect.money import split_refund

LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
K = LedgerKind


def _write(session: Session, booking_id: uuid.UUID, currency: str, rows: list[tuple[str, int, str]]) -> int:
    """Insert (kind, amount, source_key) rows; returns how many were new."""
    values = [dict(booking_id=booking_id, kind=kind, amount_minor=amount, currency=currency, source_key=key)
              for kind, amount, key in rows]
    result = session.execute(pg_insert(LEDGER).values(values).on_conflict_do_nothing(index_elements=["source_key"])
                             .returning(LEDGER.c.id))
    return len(result.all())


def has_entry(session: Session, source_key: str) -> bool:
    return session.execute(select(LEDGER.c.id).where(LEDGER.c.source_key == source_key)).first() is not None


def record_payment(session: Session, booking: Any, razorpay_payment_id: str, amount_minor: int) -> bool:
    """Payment received for `booking` (a bookings row: price, fee, earnings, currency).
    False when it was already recorded."""
    if amount_minor != booking.price_minor:
        raise ValueError("a payment is recorded only for the booking's full price")
    key = f"payment:{razorpay_payment_id}"
    return _write(session, booking.id, booking.currency, [
        (K.PAYMENT.value, amount_minor, key),
        (K.PLATFORM_FEE.value, booking.platform_fee_minor, f"{key}:fee"),
        (K.TUTOR_EARNINGS.value, booking.tutor_earnings_minor, f"{key}:earnings"),
    ]) > 0


def refunded_total(session: Session, booking_id: uuid.UUID) -> int:
    """Minor units refunded so far (processed refunds), as a positive number."""
    return -int(session.execute(
        select(func.coalesce(func.sum(LEDGER.c.amount_minor), 0))
        .where(LEDGER.c.booking_id == booking_id, LEDGER.c.kind == K.REFUND.value)
    ).scalar_one())


def paid_total(session: Session, booking_id: uuid.UUID) -> int:
    return int(session.execute(
        select(func.coalesce(func.sum(LEDGER.c.amount_minor), 0))
        .where(LEDGER.c.booking_id == booking_id, LEDGER.c.kind == K.PAYMENT.value)
    ).scalar_one())


def record_refund(session: Session, booking: Any, refund_id: uuid.UUID, amount_minor: int) -> bool:
    """A processed refund of `amount_minor` for `booking`, with the pro-rata reversals.
    False when it was already recorded. Caller holds the booking row lock."""
    key = f"refund:{refund_id}"
    if has_entry(session, key):
        return False
    before = refunded_total(session, booking.id)
    paid = paid_total(session, booking.id)
    # Several payments of one booking (a duplicate payment refunded in full): split each
    # booking-price worth on its own; within the booking's price, pro rata on the total.
    price = booking.price_minor
    within = before % price if price else 0
    if before + amount_minor > paid:
        raise ValueError("refund larger than what was paid")
    fee_back = earn_back = 0
    remaining = amount_minor
    while remaining > 0:
        step = min(remaining, price - within)
        f, e = split_refund(price, booking.platform_fee_minor, within, step)
        fee_back, earn_back = fee_back + f, earn_back + e
        remaining -= step
        within = (within + step) % price
    return _write(session, booking.id, booking.currency, [
        (K.REFUND.value, -amount_minor, key),
        (K.PLATFORM_FEE_REVERSAL.value, -fee_back, f"{key}:fee"),
        (K.TUTOR_EARNINGS_REVERSAL.value, -earn_back, f"{key}:earnings"),
    ]) > 0


def booking_totals(session: Session, booking_id: uuid.UUID) -> dict[str, int]:
    """Sum per kind for one booking (kinds without rows are 0)."""
    rows = session.execute(
        select(LEDGER.c.kind, func.sum(LEDGER.c.amount_minor)).where(LEDGER.c.booking_id == booking_id)
        .group_by(LEDGER.c.kind)
    ).all()
    totals = {k.value: 0 for k in K}
    totals.update({kind: int(total) for kind, total in rows})
    return totals


UNBALANCED_SQL = text("""
    SELECT booking_id,
           sum(amount_minor) FILTER (WHERE kind IN ('payment', 'refund')) AS money,
           sum(amount_minor) FILTER (WHERE kind NOT IN ('payment', 'refund')) AS split,
           sum(amount_minor) FILTER (WHERE kind IN ('platform_fee', 'platform_fee_reversal')) AS fee,
           sum(amount_minor) FILTER (WHERE kind IN ('tutor_earnings', 'tutor_earnings_reversal')) AS earnings,
           count(DISTINCT currency) AS currencies
    FROM ledger_entries GROUP BY booking_id
    HAVING coalesce(sum(amount_minor) FILTER (WHERE kind IN ('payment', 'refund')), 0)
             <> coalesce(sum(amount_minor) FILTER (WHERE kind NOT IN ('payment', 'refund')), 0)
        OR coalesce(sum(amount_minor) FILTER (WHERE kind IN ('payment', 'refund')), 0) < 0
        OR coalesce(sum(amount_minor) FILTER (WHERE kind IN ('platform_fee', 'platform_fee_reversal')), 0) < 0
        OR coalesce(sum(amount_minor) FILTER (WHERE kind IN ('tutor_earnings', 'tutor_earnings_reversal')), 0) < 0
        OR count(DISTINCT currency) > 1
""")


def unbalanced_bookings(session: Session) -> list[uuid.UUID]:
    """Bookings whose ledger does not add up (must be empty): money in minus out differs
    from fee + earnings, a net negative, or mixed currencies."""
    return [r.booking_id for r in session.execute(UNBALANCED_SQL).all()]
