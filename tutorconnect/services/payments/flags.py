"""Flagged payment events, for admins: the webhook deliveries we stored but could not apply
(payment_events.flagged; the flag is the event's outcome: amount_mismatch, unknown_order,
unknown_refund, malformed, no_payment, no_refund).

- `list_payment_flags`: the unresolved ones, newest first, a page at a time, each with the
  booking, order and payment it concerns (when we know them), the amount and currency the
  event carried, and the state of our automatic refund of that payment (a capture at the
  wrong amount is refunded by settlement.py; a refund Razorpay refused shows here as
  `failed`, which is how such a payment stays in front of an admin).
- `unresolved_flag_count`: for the alert on /admin/jobs.
- `resolve_payment_flag`: an admin marks one resolved with a note (audited, in the
  caller's transaction; a second resolution is refused).
- `alert_admins`: called by webhooks.py when it stores a new flag: every admin is told
  (notifications "payment.flagged": in the app and by email, as each admin's preferences
  say), in the transaction that stored the flag.
Everything but `alert_admins` is for admins only (access.require_admin re-reads the role).
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.money import format_money
from tutorconnect.services import audit, notifications
from tutorconnect.services.access import require_admin
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput, NotFound

PAGE_SIZE = 20
NOTE_MIN, NOTE_MAX = 3, 1000
FLAG_LABELS = {
    "amount_mismatch": "Wrong amount or currency",
    "unknown_order": "Unknown order",
    "unknown_refund": "Unknown refund",
    "malformed": "Malformed event",
    "no_payment": "Malformed event",
    "no_refund": "Malformed event",
}
ALERT_EVENT = "payment.flagged"


@dataclass(frozen=True)
class PaymentFlag:
    id: int  # payment_events.id
    event_id: str  # Razorpay's X-Razorpay-Event-Id
    event: str  # payment.captured, refund.processed, ...
    flag: str  # the outcome: amount_mismatch, unknown_order, ...
    reason: str
    received_at: datetime
    order_id: str | None
    payment_id: str | None
    refund_id: str | None
    booking_id: uuid.UUID | None
    booking_reference: str | None
    booking_status: str | None
    amount_minor: int | None  # what the event carried (payment or refund entity)
    currency: str | None
    order_amount_minor: int | None  # what we asked for
    order_currency: str | None
    refund_status: str | None  # our latest refund of that payment: pending | processed | failed
    refund_failure: str | None
    resolved_at: datetime | None
    resolved_by_email: str | None
    resolution_note: str | None

    @property
    def label(self) -> str:
        return FLAG_LABELS.get(self.flag, self.flag.replace("_", " ").capitalize())


@dataclass(frozen=True)
class PaymentFlagPage:
    rows: list[PaymentFlag]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


_SELECT = """
    SELECT e.id, e.event_id, e.event, coalesce(e.outcome, 'malformed') AS flag, coalesce(e.flag_reason, '') AS reason,
           e.received_at, e.order_id, e.payment_id, e.refund_id,
           e.payload #>> '{payload,payment,entity,amount}' AS pay_amount,
           e.payload #>> '{payload,payment,entity,currency}' AS pay_currency,
           e.payload #>> '{payload,refund,entity,amount}' AS refund_amount,
           e.payload #>> '{payload,refund,entity,currency}' AS refund_currency,
           b.id AS booking_id, b.reference AS booking_reference, b.status AS booking_status,
           o.amount_minor AS order_amount_minor, o.currency AS order_currency,
           r.status AS refund_status, r.failure_reason AS refund_failure,
           e.resolved_at, u.email AS resolved_by_email, e.resolution_note
    FROM payment_events e
    LEFT JOIN payments p ON p.razorpay_payment_id = e.payment_id
    LEFT JOIN LATERAL (SELECT * FROM payment_orders o2
                       WHERE o2.razorpay_order_id = e.order_id OR o2.id = p.order_id
                       ORDER BY (o2.razorpay_order_id = e.order_id) DESC LIMIT 1) o ON true
    LEFT JOIN bookings b ON b.id = coalesce(o.booking_id, p.booking_id)
    LEFT JOIN LATERAL (SELECT status, failure_reason FROM refunds WHERE payment_id = p.id
                       ORDER BY created_at DESC LIMIT 1) r ON true
    LEFT JOIN users u ON u.id = e.resolved_by
"""


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) <= 15 else None


def _currency(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper() else None


def _flag(r: Any) -> PaymentFlag:
    amount = _int(r.pay_amount) if r.pay_amount is not None else _int(r.refund_amount)
    currency = _currency(r.pay_currency) if r.pay_amount is not None else _currency(r.refund_currency)
    return PaymentFlag(
        id=r.id, event_id=r.event_id, event=r.event, flag=r.flag, reason=r.reason, received_at=r.received_at,
        order_id=r.order_id, payment_id=r.payment_id, refund_id=r.refund_id, booking_id=r.booking_id,
        booking_reference=r.booking_reference, booking_status=r.booking_status, amount_minor=amount,
        currency=currency, order_amount_minor=r.order_amount_minor, order_currency=r.order_currency,
        refund_status=r.refund_status, refund_failure=r.refund_failure, resolved_at=r.resolved_at,
        resolved_by_email=r.resolved_by_email, resolution_note=r.resolution_note,
    )


def flag_money_text(amount_minor: int | None, currency: str | None) -> str:
    """The amount an event carried, for a person; '' when it carried none we can read."""
    if amount_minor is None:
        return ""
    if currency is None:
        return f"{amount_minor} (minor units, no currency)"
    try:
        return format_money(amount_minor, currency)
    except (ValueError, LookupError):  # a currency Babel does not know
        return f"{amount_minor} {currency} (minor units)"


def _flag_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise NotFound("That flagged event")
    return value


def _note(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput("note", "Write a note saying how this was resolved.")
    note = unicodedata.normalize("NFC", value).strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in note):
        raise InvalidInput("note", "The note contains characters that cannot be stored.")
    if not NOTE_MIN <= len(note) <= NOTE_MAX:
        raise InvalidInput("note", f"Write a note of {NOTE_MIN} to {NOTE_MAX} characters (you have {len(note)}).")
    return note


def list_payment_flags(session: Session, ctx: RequestContext, page: object = 1) -> PaymentFlagPage:
    """Unresolved flagged events, newest first (admins only)."""
    require_admin(session, ctx.actor_user_id)
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= 100_000:
        raise InvalidInput("page", "That page does not exist.")
    total = int(session.execute(text(
        "SELECT count(*) FROM payment_events WHERE flagged AND resolved_at IS NULL")).scalar_one())
    rows = session.execute(text(
        _SELECT + " WHERE e.flagged AND e.resolved_at IS NULL ORDER BY e.received_at DESC, e.id DESC"
        " LIMIT :n OFFSET :o"), {"n": PAGE_SIZE, "o": (page - 1) * PAGE_SIZE}).all()
    return PaymentFlagPage([_flag(r) for r in rows], page, total)


def unresolved_flag_count(session: Session, ctx: RequestContext) -> int:
    require_admin(session, ctx.actor_user_id)
    return int(session.execute(text(
        "SELECT count(*) FROM payment_events WHERE flagged AND resolved_at IS NULL")).scalar_one())


def resolve_payment_flag(session: Session, ctx: RequestContext, flag_id: object, note: object) -> PaymentFlag:
    """Mark one flagged event resolved with the admin's note (audited). NotFound for an id
    that is not a flagged event; InvalidInput when it was resolved already or the note is
    not one we can take."""
    admin = require_admin(session, ctx.actor_user_id)
    fid = _flag_id(flag_id)
    clean = _note(note)
    row = session.execute(text(
        "SELECT id, event, outcome, resolved_at FROM payment_events WHERE id = :i AND flagged FOR UPDATE"),
        {"i": fid}).first()
    if row is None:
        raise NotFound("That flagged event")
    if row.resolved_at is not None:
        raise InvalidInput("flag_id", "That flag was already resolved.")
    session.execute(text(
        "UPDATE payment_events SET resolved_at = now(), resolved_by = :by, resolution_note = :n WHERE id = :i"),
        {"i": fid, "by": admin.id, "n": clean})
    audit.record(session, ctx, action="payment_flag.resolve", target_type="payment_event", target_id=str(fid),
                 before={"event": row.event, "flag": row.outcome, "resolved": False},
                 after={"resolved": True, "note": clean})
    return _flag(session.execute(text(_SELECT + " WHERE e.id = :i"), {"i": fid}).one())


def alert_admins(session: Session, flag_id: int) -> None:
    """Tell every admin about a flag just stored (in the caller's transaction)."""
    row = session.execute(text(_SELECT + " WHERE e.id = :i AND e.flagged"), {"i": flag_id}).first()
    if row is None:
        return
    flag = _flag(row)
    context = {"flag_id": flag.id, "flag": flag.flag, "label": flag.label, "event": flag.event,
               "reason": flag.reason[:300], "reference": flag.booking_reference or "",
               "amount": flag_money_text(flag.amount_minor, flag.currency)}
    for admin_id in session.execute(text(
            "SELECT id FROM users WHERE role = 'admin' AND deleted_at IS NULL ORDER BY created_at")).scalars():
        notifications.user_event(session, admin_id, ALERT_EVENT, context)
