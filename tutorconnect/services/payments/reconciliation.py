"""Reconciliation: make our payment rows agree with Razorpay, and free unpaid slots.

`reconcile()` (beat every RECONCILE_EVERY_SECONDS, the in-process loop without Redis, and
`python -m tutorconnect.cli reconcile`) does three things, each item on its own:

1. Orders still open (created/attempted) RECONCILE_AFTER minutes after creation (setting
   `reconcile_after_minutes`, default 15), whose booking is still pending or expired within
   LOOKBACK: the order and its payments are fetched from Razorpay (no transaction open
   during the calls); an authorized payment is captured; each captured one goes through
   settlement.apply_payment, which confirms the booking, revives an expired one whose time is
   still free, or refunds a late or duplicate payment. A wrong amount or an order Razorpay
   does not know is flagged for an admin.
2. Refunds still pending after the same delay are polled (refunds.poll_refund: fetched,
   or executed again with their idempotency key when Razorpay never received them).
3. Unpaid bookings past their hold expire (bookings.expire_unpaid), freeing the slot.

Every repair or flag writes a reconciliation_log row (before/after) in the transaction of
the repair itself, so a crash never leaves a logged-but-unapplied repair or the reverse.
A Razorpay 5xx/429/timeout on an item leaves it untouched (nothing written) and counted
as `retry_later`: the next run picks it up again. Idempotent and safe to run concurrently
(apply_payment locks the booking; the ledger and refunds are unique by key).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.integrations import razorpay_gateway as gateway
from tutorconnect.services import bookings
from tutorconnect.services.access import require_admin
from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.payments import refunds, settlement

log = logging.getLogger(__name__)

RECONCILE_EVERY_SECONDS = 300.0
LOOKBACK = timedelta(days=2)  # expired bookings with an open order are re-checked this long
BATCH = 200
REPAIRED = frozenset({"confirmed", "revived", "refunded_late", "refunded_duplicate"})
FLAGGED = frozenset({"amount_mismatch", "unknown_order", "malformed"})


@dataclass
class ReconcileReport:
    orders_checked: int = 0
    refunds_checked: int = 0
    repaired: int = 0
    expired: int = 0
    flagged: int = 0
    retry_later: int = 0
    actions: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"orders checked {self.orders_checked}, refunds checked {self.refunds_checked}, "
                f"repaired {self.repaired}, expired {self.expired}, flagged {self.flagged}, "
                f"retry later {self.retry_later}")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _log(session: Session, kind: str, target_id: Any, action: str, before: dict | None, after: dict | None) -> None:
    session.execute(
        text("INSERT INTO reconciliation_log (kind, target_id, action, before, after) "
             "VALUES (:k, :t, :a, CAST(:b AS jsonb), CAST(:af AS jsonb))"),
        {"k": kind, "t": str(target_id), "a": action, "b": _json(before), "af": _json(after)},
    )


def _flag(session: Session, kind: str, target_id: Any, before: dict | None, after: dict | None) -> bool:
    """Log a flag for an admin once per item (later runs meeting the same problem add
    nothing). True when this call logged it."""
    seen = session.execute(text(
        "SELECT 1 FROM reconciliation_log WHERE kind = :k AND target_id = :t AND action = 'flagged' LIMIT 1"),
        {"k": kind, "t": str(target_id)}).first()
    if seen is None:
        _log(session, kind, target_id, "flagged", before, after)
    return seen is None


def _json(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, default=str, sort_keys=True)


def _order_state(session: Session, order_id: str) -> dict[str, Any]:
    row = session.execute(text(
        "SELECT o.status AS order_status, b.status AS booking_status, b.reference, "
        "(SELECT count(*) FROM payments p WHERE p.order_id = o.id) AS payments, "
        "(SELECT coalesce(sum(amount_minor), 0)::bigint FROM ledger_entries l WHERE l.booking_id = b.id "
        " AND l.kind = 'payment') AS paid_minor, "
        "(SELECT count(*) FROM refunds r WHERE r.booking_id = b.id) AS refunds "
        "FROM payment_orders o JOIN bookings b ON b.id = o.booking_id WHERE o.razorpay_order_id = :o"),
        {"o": order_id}).mappings().first()
    return dict(row) if row else {}


def open_orders(session: Session, now: datetime, after: timedelta) -> list[str]:
    return list(session.execute(text(
        "SELECT o.razorpay_order_id FROM payment_orders o JOIN bookings b ON b.id = o.booking_id "
        "WHERE o.status IN ('created', 'attempted') AND o.created_at <= :cut "
        "AND (b.status = 'pending_payment' OR (b.status = 'expired' AND o.created_at > :oldest)) "
        # pending bookings first; then the rest in random order, so that more than BATCH
        # abandoned orders cannot starve any of them run after run
        "ORDER BY (b.status = 'pending_payment') DESC, random() LIMIT :n"),
        {"cut": now - after, "oldest": now - LOOKBACK, "n": BATCH}).scalars())


def pending_refunds(session: Session, now: datetime, after: timedelta) -> list[uuid.UUID]:
    return list(session.execute(text(
        "SELECT id FROM refunds WHERE status = 'pending' AND created_at <= :cut ORDER BY random() LIMIT :n"),
        {"cut": now - after, "n": BATCH}).scalars())


def reconcile_order(order_id: str, report: ReconcileReport) -> None:
    """Fetch one order and its payments; apply what Razorpay knows. Raises nothing."""
    try:
        order = gateway.fetch_order(order_id)
        found = gateway.order_payments(order_id)
        fetched = []
        for p in found:
            if p.get("status") == "authorized":
                p = gateway.capture(p["id"], int(p["amount"]), str(p["currency"]))
            fetched.append(p)
    except gateway.GatewayError as err:
        if err.transient:
            report.retry_later += 1
            report.actions.append(f"order {order_id}: Razorpay unavailable ({err.status or err.code}), retry later")
            log.warning("reconcile: order fetch failed, will retry", extra={"order_id": order_id,
                                                                             "error": str(err)[:200]})
            return
        with session_scope() as s:
            new = _flag(s, "order", order_id, _order_state(s, order_id),
                        {"error": f"{err.code}: {err.description}"[:500]})
        report.flagged += 1
        report.actions.append(f"order {order_id}: {'flagged' if new else 'still flagged'} ({err.code})")
        return
    captured = [p for p in fetched if p.get("status") in ("captured", "refunded") and p.get("captured") is True]
    if not captured and order.get("status") != "paid":
        return  # nothing paid: the hold simply runs out (step 3)
    with session_scope() as s:  # one transaction per order: all of it or none of it
        before = _order_state(s, order_id)
        outcomes = [settlement.apply_payment(s, p, source="reconciliation") for p in captured]
        after = _order_state(s, order_id)
        changed = [o for o in outcomes if o in REPAIRED]
        bad = [o for o in outcomes if o in FLAGGED]
        if changed:
            _log(s, "order", order_id, "+".join(sorted(set(changed))), before, {**after, "outcomes": outcomes})
        if bad or (order.get("status") == "paid" and not captured):
            _flag(s, "order", order_id, before,
                  {**after, "outcomes": outcomes, "razorpay_order_status": order.get("status")})
    if changed:
        report.repaired += 1
        report.actions.append(f"order {order_id} ({before.get('reference')}): {', '.join(changed)}")
    if bad or (order.get("status") == "paid" and not captured):
        report.flagged += 1
        report.actions.append(f"order {order_id}: flagged for an admin ({', '.join(bad) or 'paid, no payment'})")


def reconcile_refund(refund_id: uuid.UUID, report: ReconcileReport) -> None:
    with session_scope() as s:
        before = dict(s.execute(text("SELECT status, razorpay_refund_id, amount_minor FROM refunds WHERE id = :i"),
                                {"i": refund_id}).mappings().one())
    try:
        status = refunds.poll_refund(refund_id)
    except gateway.GatewayError as err:
        if err.transient:
            report.retry_later += 1
            report.actions.append(f"refund {refund_id}: Razorpay unavailable, retry later")
            return
        status = "error"
        with session_scope() as s:
            _flag(s, "refund", refund_id, before, {"error": f"{err.code}: {err.description}"[:500]})
        report.flagged += 1
        report.actions.append(f"refund {refund_id}: flagged ({err.code})")
        return
    if status == before["status"]:
        return
    with session_scope() as s:
        after = dict(s.execute(text("SELECT status, razorpay_refund_id, amount_minor FROM refunds WHERE id = :i"),
                               {"i": refund_id}).mappings().one())
        _log(s, "refund", refund_id, f"refund_{status}", before, after)
    if status == "failed":
        report.flagged += 1
    else:
        report.repaired += 1
    report.actions.append(f"refund {refund_id}: {before['status']} -> {status}")


def expire_unpaid(report: ReconcileReport, now: datetime | None = None) -> None:
    now = now or _now()
    with session_scope() as s:
        count = bookings.expire_unpaid(s, now)
        if count:
            for row in s.execute(text(
                    "SELECT e.booking_id, b.reference, b.expires_at FROM booking_events e "
                    "JOIN bookings b ON b.id = e.booking_id WHERE e.created_at = :now "
                    "AND e.to_status = 'expired' AND e.reason = 'payment window closed'"), {"now": now}).all():
                _log(s, "booking", row.booking_id, "expired",
                     {"status": "pending_payment", "expires_at": row.expires_at, "reference": row.reference},
                     {"status": "expired"})
                report.actions.append(f"booking {row.reference}: expired (hold ended, slot freed)")
    report.expired += count


def reconcile(*, after_minutes: int | None = None, now: datetime | None = None) -> ReconcileReport:
    """One reconciliation run (see the module docstring). Returns what it did."""
    now = now or _now()
    after = timedelta(minutes=after_minutes if after_minutes is not None
                      else get_settings().reconcile_after_minutes)
    report = ReconcileReport()
    with session_scope() as s:
        orders = open_orders(s, now, after)
        refunds = pending_refunds(s, now, after)
    for order_id in orders:
        report.orders_checked += 1
        try:
            reconcile_order(order_id, report)
        except Exception:  # one bad item never stops the run; it is retried next time
            report.retry_later += 1
            log.exception("reconcile: order failed", extra={"order_id": order_id})
    for refund_id in refunds:
        report.refunds_checked += 1
        try:
            reconcile_refund(refund_id, report)
        except Exception:
            report.retry_later += 1
            log.exception("reconcile: refund failed", extra={"refund_id": str(refund_id)})
    expire_unpaid(report)
    if report.repaired or report.expired or report.flagged or report.retry_later:
        log.info("reconciliation", extra={"summary": report.summary()})
    return report


@dataclass(frozen=True)
class ReconciliationLogRow:
    id: int
    created_at: datetime
    kind: str
    target_id: str
    action: str
    before: str
    after: str


def recent_reconciliation_log(session: Session, ctx, page: int = 1,
                              per_page: int = 20) -> tuple[list[ReconciliationLogRow], int]:
    """The reconciliation log, newest first (admins only)."""
    require_admin(session, ctx.actor_user_id)
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= 100_000:
        raise InvalidInput("page", "That page does not exist.")
    total = int(session.execute(text("SELECT count(*) FROM reconciliation_log")).scalar_one())
    rows = session.execute(text(
        "SELECT id, created_at, kind, target_id, action, before::text AS before, after::text AS after "
        "FROM reconciliation_log ORDER BY id DESC LIMIT :n OFFSET :o"),
        {"n": per_page, "o": (page - 1) * per_page}).all()
    return [ReconciliationLogRow(r.id, r.created_at, r.kind, r.target_id, r.action, r.before or "", r.after or "")
            for r in rows], total
