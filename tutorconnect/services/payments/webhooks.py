"""Razorpay webhooks: `ingest_webhook` verifies X-Razorpay-Signature over the raw body
(constant time), stores the event (append-only, unique event id), dedupes applied events by
"<event>:<payment or refund id>" (advisory lock + unique partial index), and applies it
(payment events through settlement.apply_payment, refund events through
refunds.record_refund_entity). An event we cannot apply is stored flagged (its outcome
says why) and every admin is alerted in the same transaction (flags.alert_admins); the
admins' queue of flags is flags.py. A capture at the wrong amount is flagged once per
payment: the other events reporting it (order.paid, a redelivery under a new event id) are
applied as known, its refund being under way already.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from tutorconnect.integrations import razorpay_gateway as gateway
from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.json_input import parse_json
from tutorconnect.services.payments.errors import InvalidSignature
from tutorconnect.services.payments.flags import alert_admins
from tutorconnect.services.payments.refunds import record_refund_entity
from tutorconnect.services.payments.settlement import apply_payment
from tutorconnect.services.payments.tables import EVENTS, utc_now

WEBHOOK_MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class WebhookResult:
    event_id: str
    event: str
    duplicate: bool
    outcome: str
    flagged: bool


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
        body = parse_json(raw_body)  # a ValueError too for bodies nested past any event
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
    if flag is not None:
        alert_admins(session, stored)
    return WebhookResult(event_id, event, False, outcome, flag is not None)


def _dispatch(session: Session, event: str, payment: dict, order: dict, refund: dict) -> tuple[str, str | None]:
    """(outcome, flag reason or None)."""
    if event in ("payment.captured", "payment.authorized", "payment.failed", "order.paid"):
        if not payment:
            return "no_payment", f"{event} without a payment entity"
        outcome = apply_payment(session, payment, source="webhook")
        if outcome == "unknown_order":
            return outcome, f"order {payment.get('order_id')} is not one of ours"
        if outcome == "amount_mismatch" and _mismatch_flagged(session, payment.get("id")):
            return outcome, None  # in the admins' queue already; refunded by settlement
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


def _mismatch_flagged(session: Session, payment_id: Any) -> bool:
    """Whether another event already put this wrong-amount capture in the admins' queue
    (the booking's row lock, taken by apply_payment, orders concurrent deliveries)."""
    return isinstance(payment_id, str) and session.execute(select(EVENTS.c.id).where(
        EVENTS.c.payment_id == payment_id, EVENTS.c.flagged, EVENTS.c.outcome == "amount_mismatch")).first() is not None


def _finish_event(session: Session, event_row_id: int, outcome: str, *, applied: bool,
                  flag: str | None = None) -> None:
    values: dict[str, Any] = {"outcome": outcome}
    if applied:
        values["applied_at"] = utc_now()
    if flag is not None:
        values.update(flagged=True, flag_reason=flag[:500])
    try:
        with session.begin_nested():
            session.execute(update(EVENTS).where(EVENTS.c.id == event_row_id).values(**values))
    except IntegrityError:  # another delivery of the same (event, payment) was applied first
        session.execute(update(EVENTS).where(EVENTS.c.id == event_row_id).values(outcome="duplicate"))
