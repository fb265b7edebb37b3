"""Flagged payment events planted in the live app's database for the
/admin/payments/flags tests: rows shaped as services/payments/webhooks.py stores a webhook
it could not apply (no webhook is sent, so no admin alert is queued)."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import text


def plant_flag(db, *, booking_id=None, amount: int = 18001_00, currency: str = "INR",
               outcome: str = "amount_mismatch", event: str = "payment.captured",
               order_amount: int | None = None, refund: str | None = None) -> int:
    """A flagged event; with `booking_id`, about that booking's order (created here), and
    with `refund` (pending | processed | failed) the payment recorded as mismatched and our
    automatic refund of it in that state."""
    tag = uuid.uuid4().hex[:14]
    order_id = f"order_E2e{tag}" if booking_id else f"order_NotOurs{tag}"
    payment_id = f"pay_E2e{tag}"
    with db.begin() as conn:
        if booking_id is not None:
            row = conn.execute(text("SELECT price_minor, reference FROM bookings WHERE id = :b"),
                               {"b": booking_id}).one()
            conn.execute(text(
                "INSERT INTO payment_orders (id, booking_id, razorpay_order_id, amount_minor, currency, receipt, status)"
                " VALUES (:i, :b, :o, :a, 'INR', :r, 'attempted') ON CONFLICT (booking_id) DO NOTHING"),
                {"i": uuid.uuid4(), "b": booking_id, "o": order_id, "a": order_amount or row.price_minor,
                 "r": row.reference})
            order_id = conn.execute(text("SELECT razorpay_order_id FROM payment_orders WHERE booking_id = :b"),
                                    {"b": booking_id}).scalar_one()
        if booking_id is not None and refund is not None:
            order_uuid = conn.execute(text("SELECT id FROM payment_orders WHERE booking_id = :b"),
                                      {"b": booking_id}).scalar_one()
            pay_uuid = uuid.uuid4()
            conn.execute(text(
                "INSERT INTO payments (id, razorpay_payment_id, order_id, booking_id, amount_minor, currency, status,"
                " method, captured_at) VALUES (:i, :p, :o, :b, :a, :c, 'mismatched', 'card', now())"),
                {"i": pay_uuid, "p": payment_id, "o": order_uuid, "b": booking_id, "a": amount, "c": currency})
            conn.execute(text(
                "INSERT INTO refunds (id, booking_id, payment_id, idempotency_key, amount_minor, currency, status,"
                " reason, failure_reason, flagged) VALUES (:i, :b, :p, :k, :a, :c, :st, 'the amount paid did not"
                " match the booking', :why, :st = 'failed')"),
                {"i": uuid.uuid4(), "b": booking_id, "p": pay_uuid, "k": f"mismatch:{payment_id}", "a": amount,
                 "c": currency, "st": refund,
                 "why": "BAD_REQUEST_ERROR: The payment has been fully refunded already" if refund == "failed"
                 else None})
        entity = {"id": payment_id, "entity": "payment", "order_id": order_id, "amount": amount,
                  "currency": currency, "status": "captured", "captured": True, "method": "card"}
        body = {"entity": "event", "event": event, "contains": ["payment"],
                "payload": {"payment": {"entity": entity}}}
        reason = (f"payment {payment_id}: amount mismatch" if outcome == "amount_mismatch"
                  else f"order {order_id} is not one of ours")
        return conn.execute(text(
            "INSERT INTO payment_events (event_id, event, payment_id, order_id, dedupe_key, payload, outcome, flagged,"
            " flag_reason) VALUES (:e, :ev, :p, :o, :d, CAST(:body AS jsonb), :out, true, :why) RETURNING id"),
            {"e": f"E2e{tag}", "ev": event, "p": payment_id, "o": order_id, "d": f"{event}:{payment_id}",
             "body": json.dumps(body), "out": outcome, "why": reason}).scalar_one()


def flag(db, flag_id: int):
    with db.connect() as conn:
        return conn.execute(text("SELECT * FROM payment_events WHERE id = :i"), {"i": flag_id}).one()


def resolve_all(db) -> None:
    """Clear the queue (as if an admin resolved everything), for an empty-state check."""
    with db.begin() as conn:
        conn.execute(text("UPDATE payment_events SET resolved_at = now(), resolution_note = 'e2e: cleared'"
                          " WHERE flagged AND resolved_at IS NULL"))
