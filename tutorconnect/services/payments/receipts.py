"""A student's receipts: paid bookings with their payments and refunds, and one PDF
receipt per booking.

A booking is "paid" when the ledger holds a payment row for it (money actually received),
whatever happened afterwards (cancelled and refunded bookings keep their receipt). Every
amount comes from the ledger, in the booking's currency: a payment line is a ledger
`payment` row (the payments table only adds its method and time), a processed refund is a
ledger `refund` row; refunds still pending or failed are listed for information only, and
only for payments the ledger holds. A capture Razorpay took at the wrong amount or currency
(payments status `mismatched`) is never in the ledger, so never on a receipt. The net is
paid minus processed refunds. Only the booking's student, or an admin, may read one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.money import format_money
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput, NotFound, PermissionDenied
from tutorconnect.timefmt import format_instant, valid_zone as _zone

PER_PAGE_MAX = 50
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class ReceiptPayment:
    razorpay_payment_id: str
    amount_minor: int
    method: str
    paid_at: datetime


@dataclass(frozen=True)
class ReceiptRefund:
    amount_minor: int
    status: str  # pending | processed | failed
    requested_at: datetime
    processed_at: datetime | None
    razorpay_refund_id: str


@dataclass(frozen=True)
class Receipt:
    booking_id: uuid.UUID
    reference: str
    status: str
    student_id: uuid.UUID
    student_name: str
    student_email: str
    tutor_name: str
    starts_at: datetime
    length_minutes: int
    currency: str
    paid_minor: int
    refunded_minor: int  # processed only
    payments: list[ReceiptPayment] = field(default_factory=list)
    refunds: list[ReceiptRefund] = field(default_factory=list)

    @property
    def number(self) -> str:
        return f"R-{self.reference}"

    @property
    def net_minor(self) -> int:
        return self.paid_minor - self.refunded_minor


_BASE = (
    "SELECT b.id, b.reference, b.status, b.student_id, b.starts_at, b.length_minutes, b.currency,"
    " su.full_name AS student_name, su.email AS student_email,"
    " coalesce(nullif(p.display_name, ''), tu.full_name) AS tutor_name"
    " FROM bookings b JOIN users su ON su.id = b.student_id JOIN users tu ON tu.id = b.tutor_id"
    " JOIN tutor_profiles p ON p.user_id = b.tutor_id"
    " WHERE EXISTS (SELECT 1 FROM ledger_entries l WHERE l.booking_id = b.id AND l.kind = 'payment')"
)


def _details(session: Session, rows: list[Any]) -> list[Receipt]:
    ids = [r.id for r in rows]
    if not ids:
        return []
    pays: dict[uuid.UUID, list[ReceiptPayment]] = {}
    for p in session.execute(text(
            "SELECT l.booking_id, substr(l.source_key, 9) AS razorpay_payment_id, l.amount_minor,"
            " coalesce(p.method, '') AS method, coalesce(p.captured_at, p.created_at, l.created_at) AS at"
            " FROM ledger_entries l LEFT JOIN payments p ON p.razorpay_payment_id = substr(l.source_key, 9)"
            " WHERE l.booking_id = ANY(:ids) AND l.kind = 'payment' ORDER BY at, l.id"), {"ids": ids}):
        pays.setdefault(p.booking_id, []).append(
            ReceiptPayment(p.razorpay_payment_id, int(p.amount_minor), p.method, p.at))
    refunds: dict[uuid.UUID, list[ReceiptRefund]] = {}
    for r in session.execute(text(
            # processed: the ledger's refund row; pending or failed: shown, not counted
            "SELECT r.booking_id, coalesce(-l.amount_minor, r.amount_minor) AS amount_minor, r.status,"
            " r.created_at, r.processed_at, coalesce(r.razorpay_refund_id, '') AS rid"
            " FROM refunds r JOIN payments p ON p.id = r.payment_id"
            " LEFT JOIN ledger_entries l ON l.source_key = 'refund:' || r.id::text AND l.kind = 'refund'"
            " WHERE r.booking_id = ANY(:ids)"
            " AND EXISTS (SELECT 1 FROM ledger_entries lp WHERE lp.source_key = 'payment:' || p.razorpay_payment_id"
            "             AND lp.kind = 'payment')"
            " ORDER BY r.created_at"), {"ids": ids}):
        refunds.setdefault(r.booking_id, []).append(
            ReceiptRefund(int(r.amount_minor), r.status, r.created_at, r.processed_at, r.rid))
    totals = {t.booking_id: t for t in session.execute(text(
        "SELECT booking_id, coalesce(sum(amount_minor) FILTER (WHERE kind = 'payment'), 0) AS paid,"
        " -coalesce(sum(amount_minor) FILTER (WHERE kind = 'refund'), 0) AS refunded"
        " FROM ledger_entries WHERE booking_id = ANY(:ids) GROUP BY booking_id"), {"ids": ids})}
    out = []
    for r in rows:
        money = totals.get(r.id)
        out.append(Receipt(
            booking_id=r.id, reference=r.reference, status=r.status, student_id=r.student_id,
            student_name=r.student_name, student_email=r.student_email, tutor_name=r.tutor_name,
            starts_at=r.starts_at, length_minutes=r.length_minutes, currency=r.currency,
            paid_minor=int(money.paid) if money else 0,
            refunded_minor=int(money.refunded) if money else 0,
            payments=pays.get(r.id, []), refunds=refunds.get(r.id, []),
        ))
    return out


def list_receipts(session: Session, ctx: RequestContext, student_id: uuid.UUID, *, page: object = 1,
                  per_page: int = 10) -> tuple[list[Receipt], int]:
    """The student's paid bookings, newest lesson first, and how many there are."""
    if ctx.actor_user_id is None or ctx.actor_user_id != student_id:
        raise PermissionDenied()
    if isinstance(page, bool) or not isinstance(page, int) or page < 1 or page > 10_000:
        raise InvalidInput("page", "Choose a page from the list.")
    per_page = max(1, min(per_page, PER_PAGE_MAX))
    total = session.execute(text(f"SELECT count(*) FROM ({_BASE} AND b.student_id = :s) x"), {"s": student_id}).scalar()
    rows = session.execute(text(f"{_BASE} AND b.student_id = :s ORDER BY b.starts_at DESC, b.id LIMIT :n OFFSET :o"),
                           {"s": student_id, "n": per_page, "o": (page - 1) * per_page}).all()
    return _details(session, rows), int(total or 0)


def receipt_for(session: Session, ctx: RequestContext, booking_id: object, *, is_admin: bool = False) -> Receipt:
    """One booking's receipt for its student (or an admin); NotFound for everyone else."""
    if not isinstance(booking_id, uuid.UUID) or ctx.actor_user_id is None:
        raise NotFound("That receipt")
    rows = session.execute(text(f"{_BASE} AND b.id = :b"), {"b": booking_id}).all()
    if not rows or (rows[0].student_id != ctx.actor_user_id and not is_admin):
        raise NotFound("That receipt")
    return _details(session, rows)[0]


# The PDF ---------------------------------------------------------------------------------


def render_receipt_pdf(receipt: Receipt, zone: str) -> bytes:
    """An A4 receipt: number, booking reference, parties, lesson time (in `zone`, named),
    payments, refunds with their status, and the net amount."""
    from fpdf import FPDF

    zone = _zone(zone)
    pdf = FPDF(format="A4")
    pdf.set_title(f"Receipt {receipt.number}")
    pdf.set_author("TutorConnect")
    regular, bold = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("Body", "", str(regular))
        pdf.add_font("Body", "B", str(bold))
        family, money = "Body", (lambda m: format_money(m, receipt.currency))
    else:  # core fonts are Latin-1 only: spell the currency out
        family = "Helvetica"

        def money(m: int) -> str:
            return format_money(m, receipt.currency).replace("₹", "INR ")

    def clean(value: str) -> str:
        return value if family == "Body" else value.encode("latin-1", "replace").decode("latin-1")

    pdf.add_page()
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_font(family, "B", 20)
    pdf.cell(0, 12, "TutorConnect", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 12)
    pdf.cell(0, 8, clean(f"Receipt {receipt.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    def line(label: str, value: str, *, strong: bool = False) -> None:
        pdf.set_font(family, "", 10)
        pdf.cell(55, 7, clean(label))
        pdf.set_font(family, "B" if strong else "", 10)
        pdf.multi_cell(0, 7, clean(value), new_x="LMARGIN", new_y="NEXT")

    line("Booking reference", receipt.reference)
    line("Student", f"{receipt.student_name} <{receipt.student_email}>")
    line("Tutor", receipt.tutor_name)
    line("Lesson", f"{format_instant(receipt.starts_at, zone)} ({zone}), {receipt.length_minutes} minutes")
    line("Booking status", receipt.status.replace("_", " "))
    pdf.ln(3)
    pdf.set_font(family, "B", 12)
    pdf.cell(0, 8, "Payments", new_x="LMARGIN", new_y="NEXT")
    for p in receipt.payments:
        line(format_instant(p.paid_at, zone), f"{money(p.amount_minor)} · {p.method or 'payment'} · {p.razorpay_payment_id}")
    if receipt.refunds:
        pdf.ln(2)
        pdf.set_font(family, "B", 12)
        pdf.cell(0, 8, "Refunds", new_x="LMARGIN", new_y="NEXT")
        for r in receipt.refunds:
            when = r.processed_at or r.requested_at
            line(format_instant(when, zone), f"-{money(r.amount_minor)} · {r.status}"
                 + (f" · {r.razorpay_refund_id}" if r.razorpay_refund_id else ""))
    pdf.ln(3)
    line("Amount paid", money(receipt.paid_minor), strong=True)
    line("Refunded", money(receipt.refunded_minor), strong=True)
    line("Net", money(receipt.net_minor), strong=True)
    pdf.ln(6)
    pdf.set_font(family, "", 8)
    pdf.multi_cell(0, 5, clean("Payments are processed by Razorpay. Pending refunds are shown for information and "
                               "are not counted in the net amount until processed."))
    return bytes(pdf.output())
