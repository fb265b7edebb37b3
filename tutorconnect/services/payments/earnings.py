"""A tutor's earnings, read from the ledger (never recomputed from bookings).

Per booking: gross (payment + refund rows), platform fee (fee + reversal) and the tutor's
earnings (earnings + reversal), all net of refunds. Pending: paid lessons that have not
happened yet (awaiting_tutor, confirmed); payable: everything else the ledger holds
money for (completed lessons, and what a late cancellation leaves the tutor).
Per period: the same sums by calendar month of the lesson in the tutor's zone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput, PermissionDenied
from tutorconnect.services.validation import clean_time_zone

PENDING = ("awaiting_tutor", "confirmed")
PER_PAGE_MAX = 50
MONTHS_SHOWN = 24

_SUMS = (
    "coalesce(sum(l.amount_minor) FILTER (WHERE l.kind IN ('payment', 'refund')), 0) AS gross,"
    " coalesce(sum(l.amount_minor) FILTER (WHERE l.kind IN ('platform_fee', 'platform_fee_reversal')), 0) AS fee,"
    " coalesce(sum(l.amount_minor) FILTER (WHERE l.kind IN ('tutor_earnings', 'tutor_earnings_reversal')), 0)"
    " AS earnings"
)


@dataclass(frozen=True)
class BookingEarning:
    booking_id: uuid.UUID
    reference: str
    status: str
    starts_at: datetime
    length_minutes: int
    student_name: str
    currency: str
    gross_minor: int
    fee_minor: int
    earnings_minor: int

    @property
    def pending(self) -> bool:
        return self.status in PENDING


@dataclass(frozen=True)
class PeriodEarning:
    month: str  # "2026-11"
    currency: str
    lessons: int
    gross_minor: int
    fee_minor: int
    pending_minor: int
    payable_minor: int


@dataclass(frozen=True)
class EarningsSummary:
    currency: str
    pending_minor: int
    payable_minor: int
    fee_minor: int
    gross_minor: int


def _own(ctx: RequestContext, tutor_id: uuid.UUID) -> None:
    if ctx.actor_user_id is None or ctx.actor_user_id != tutor_id:
        raise PermissionDenied()


def earnings_summary(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> list[EarningsSummary]:
    _own(ctx, tutor_id)
    rows = session.execute(text(
        "SELECT l.currency,"
        " coalesce(sum(l.amount_minor) FILTER (WHERE l.kind IN ('tutor_earnings', 'tutor_earnings_reversal')"
        "   AND b.status = ANY(:p)), 0) AS pending,"
        " coalesce(sum(l.amount_minor) FILTER (WHERE l.kind IN ('tutor_earnings', 'tutor_earnings_reversal')"
        "   AND NOT b.status = ANY(:p)), 0) AS payable,"
        " coalesce(sum(l.amount_minor) FILTER (WHERE l.kind IN ('platform_fee', 'platform_fee_reversal')), 0) AS fee,"
        " coalesce(sum(l.amount_minor) FILTER (WHERE l.kind IN ('payment', 'refund')), 0) AS gross"
        " FROM ledger_entries l JOIN bookings b ON b.id = l.booking_id WHERE b.tutor_id = :t"
        " GROUP BY l.currency ORDER BY l.currency"), {"t": tutor_id, "p": list(PENDING)}).all()
    # sum() of bigint is numeric in PostgreSQL: back to int minor units.
    return [EarningsSummary(r.currency, int(r.pending), int(r.payable), int(r.fee), int(r.gross)) for r in rows]


def earnings_by_period(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, zone: str) -> list[PeriodEarning]:
    _own(ctx, tutor_id)
    zone = clean_time_zone(zone)
    rows = session.execute(text(
        "SELECT to_char(b.starts_at AT TIME ZONE :z, 'YYYY-MM') AS month, l.currency, count(DISTINCT b.id) AS lessons,"
        " coalesce(sum(l.amount_minor) FILTER (WHERE l.kind IN ('payment', 'refund')), 0) AS gross,"
        " coalesce(sum(l.amount_minor) FILTER (WHERE l.kind IN ('platform_fee', 'platform_fee_reversal')), 0) AS fee,"
        " coalesce(sum(l.amount_minor) FILTER (WHERE l.kind IN ('tutor_earnings', 'tutor_earnings_reversal')"
        "   AND b.status = ANY(:p)), 0) AS pending,"
        " coalesce(sum(l.amount_minor) FILTER (WHERE l.kind IN ('tutor_earnings', 'tutor_earnings_reversal')"
        "   AND NOT b.status = ANY(:p)), 0) AS payable"
        " FROM ledger_entries l JOIN bookings b ON b.id = l.booking_id WHERE b.tutor_id = :t"
        " GROUP BY 1, 2 ORDER BY 1 DESC, 2 LIMIT :n"), {"t": tutor_id, "z": zone, "p": list(PENDING),
                                                         "n": MONTHS_SHOWN}).all()
    return [PeriodEarning(r.month, r.currency, int(r.lessons), int(r.gross), int(r.fee), int(r.pending), int(r.payable))
            for r in rows]


def earnings_by_booking(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, *, page: object = 1,
               per_page: int = 10) -> tuple[list[BookingEarning], int]:
    _own(ctx, tutor_id)
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= 10_000:
        raise InvalidInput("page", "Choose a page from the list.")
    per_page = max(1, min(per_page, PER_PAGE_MAX))
    rows = session.execute(text(
        "SELECT b.id, b.reference, b.status, b.starts_at, b.length_minutes, su.full_name AS student, b.currency,"
        f" {_SUMS}, count(*) OVER () AS total"
        " FROM ledger_entries l JOIN bookings b ON b.id = l.booking_id JOIN users su ON su.id = b.student_id"
        " WHERE b.tutor_id = :t GROUP BY b.id, su.full_name ORDER BY b.starts_at DESC, b.id LIMIT :n OFFSET :o"),
        {"t": tutor_id, "n": per_page, "o": (page - 1) * per_page}).all()
    total = rows[0].total if rows else session.execute(text(
        "SELECT count(DISTINCT l.booking_id) FROM ledger_entries l JOIN bookings b ON b.id = l.booking_id"
        " WHERE b.tutor_id = :t"), {"t": tutor_id}).scalar()
    return [BookingEarning(r.id, r.reference, r.status, r.starts_at, r.length_minutes, r.student, r.currency,
                           int(r.gross), int(r.fee), int(r.earnings)) for r in rows], int(total or 0)
