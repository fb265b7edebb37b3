"""The order/payment/refund state machine and its in-memory store (RazorpayEmulator).

State machines: an order is created -> attempted (first payment attempt) -> paid (a
captured payment); a payment is created -> authorized -> captured | failed, and a failed
payment can still be authorized and captured later (`late_capture`), as banks do. With
payment_capture=1 (the default, as on a new Razorpay account) authorization captures at
once; with 0 the payment waits for POST .../capture. Refunds start `pending` and are
`processed` after `refund_delay` seconds (or held / failed / processed at create by a test
control). Every change emits its webhook event through the WebhookSender; injected API
faults (5xx, 429, hang) are kept here too.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from emulators.razorpay.entities import FAILURES, METHODS, Order, Payment, Refund
from emulators.razorpay.signing import BASE62, new_id, payment_signature
from emulators.razorpay.validation import (
    DIFFERENT_REQUEST_SAME_KEY,
    ORDER_FIELDS,
    REFUND_FIELDS,
    ApiError,
    check_idempotency_key,
    check_notes,
    currency_field,
    int_field,
    list_page,
    refund_request,
)
from emulators.razorpay.webhooks import WEBHOOK_RETRY_WINDOW, WebhookSender


# Faults --------------------------------------------------------------------------------
@dataclass
class Fault:
    pattern: re.Pattern[str]
    status: int | str  # an HTTP status, or "hang"
    remaining: int
    method: str | None
    hang_seconds: float
    html: bool


# The emulator --------------------------------------------------------------------------
class RazorpayEmulator:
    """Orders, payments, refunds, webhooks and faults. Thread-safe."""

    def __init__(self, key_id: str, key_secret: str, webhook_url: str | None = None,
                 webhook_secret: str | None = None, *, webhook_base_delay: float = 1.0,
                 webhook_max_delay: float = 60.0, webhook_max_attempts: int | None = None,
                 webhook_timeout: float = 5.0, webhook_retry_window: float = WEBHOOK_RETRY_WINDOW,
                 refund_delay: tuple[float, float] | float = (0.0, 1.0)):
        self.key_id, self.key_secret = key_id, key_secret
        self.account_id = "acc_" + "".join(
            BASE62[b % 62] for b in hashlib.sha256(key_id.encode()).digest()[:14])
        self.lock = threading.RLock()
        self.webhooks = WebhookSender(webhook_url, webhook_secret, base_delay=webhook_base_delay,
                                      max_delay=webhook_max_delay, max_attempts=webhook_max_attempts,
                                      retry_window=webhook_retry_window,
                                      timeout=webhook_timeout)
        self.default_refund_delay = refund_delay
        self.stopping = False
        self._timers: list[threading.Timer] = []
        self.reset()

    def reset(self) -> None:
        with self.lock:
            for t in getattr(self, "_timers", []):
                t.cancel()
            self._timers = []
            self.orders: dict[str, Order] = {}
            self.payments: dict[str, Payment] = {}
            self.refunds: dict[str, Refund] = {}
            # key -> (the first request: payment id and body, canonical JSON; its refund id)
            self.idempotency: dict[str, tuple[str, str]] = {}
            self.in_flight: set[str] = set()  # keys whose first request is still being processed
            self.refund_latency = 0.0  # seconds a refund request takes (see Controls.refund_latency)
            self.faults: list[Fault] = []
            self.refund_mode = "auto"  # auto | hold | fail | instant
            self.refund_delay = self.default_refund_delay
            self.requests_seen: list[tuple[str, str]] = []
        self.webhooks.reset()

    def stop(self) -> None:
        self.stopping = True
        with self.lock:
            for t in self._timers:
                t.cancel()
        self.webhooks.stop()

    # Events ----------------------------------------------------------------------------
    def _emit(self, event: str, *, payment: Payment | None = None, order: Order | None = None,
              refund: Refund | None = None) -> str:
        payload: dict[str, Any] = {}
        contains = []
        if refund is not None:
            payload["refund"] = {"entity": refund.entity()}
            contains.append("refund")
        if payment is not None:
            payload["payment"] = {"entity": payment.entity()}
            contains.append("payment")
        if order is not None:
            payload["order"] = {"entity": order.entity()}
            contains.append("order")
        body = {"entity": "event", "account_id": self.account_id, "event": event, "contains": contains,
                "payload": payload, "created_at": int(time.time())}
        event_id = new_id("evt")[4:]  # Razorpay event ids are 14 base62 characters, no prefix
        self.webhooks.emit(event, json.dumps(body, separators=(",", ":")).encode(), event_id)
        return event_id

    # Orders ----------------------------------------------------------------------------
    def create_order(self, body: dict) -> Order:
        for key in body:
            if key not in ORDER_FIELDS:
                raise ApiError(f"{key} is/are not required and should not be sent", field_name=key)
        amount = int_field(body, "amount")
        assert amount is not None
        currency = currency_field(body)
        if amount < 100:
            raise ApiError(f"The amount must be atleast {currency} 1.00", field_name="amount")
        if amount > 50_000_000_00:
            raise ApiError("Amount exceeds maximum amount allowed.", field_name="amount")
        receipt = body.get("receipt")
        if receipt is not None:
            if not isinstance(receipt, str):
                raise ApiError("The receipt must be a string.", field_name="receipt")
            if len(receipt) > 40:
                raise ApiError("The receipt may not be greater than 40 characters.", field_name="receipt")
        capture = body.get("payment_capture", 1)
        if str(capture).lower() not in ("0", "1", "true", "false"):
            raise ApiError("The payment capture field must be 0 or 1.", field_name="payment_capture")
        order = Order(new_id("order"), amount, currency, receipt, check_notes(body.get("notes")),
                      str(capture).lower() in ("1", "true"), int(time.time()))
        with self.lock:
            self.orders[order.id] = order
        return order

    def order(self, order_id: str) -> Order:
        with self.lock:
            order = self.orders.get(order_id)
        if order is None:
            raise ApiError("The id provided does not exist", field_name="id")
        return order

    def list_orders(self, params: dict[str, str]) -> list[Order]:
        with self.lock:
            found = [o for o in self.orders.values() if "receipt" not in params or o.receipt == params["receipt"]]
        return list_page(found, params)

    # Payments --------------------------------------------------------------------------
    def payment(self, payment_id: str) -> Payment:
        with self.lock:
            pay = self.payments.get(payment_id)
        if pay is None:
            raise ApiError("The id provided does not exist", field_name="id")
        return pay

    def attempt(self, order_id: str, outcome: str = "success", *, method: str = "card",
                email: str = "student@example.com", contact: str = "+919876543210",
                amount: int | None = None, key_id: str | None = None) -> dict[str, Any]:
        """A customer pays in checkout. Success -> {razorpay_payment_id, razorpay_order_id,
        razorpay_signature}; failure -> {error: {code, description, source, step, reason,
        metadata: {order_id, payment_id}}}. Raises ApiError for a request checkout refuses."""
        if key_id is not None and key_id != self.key_id:
            raise ApiError("The api key provided is invalid", status=401, field_name="key")
        if outcome not in ("success", "pending") and outcome not in FAILURES:
            raise ApiError("Unknown outcome.", field_name="outcome")
        if method not in METHODS:
            raise ApiError("Invalid payment method.", field_name="method")
        with self.lock:
            order = self.order(order_id)
            if amount is not None and amount != order.amount:
                raise ApiError("The amount does not match the order amount.", field_name="amount")
            if order.status == "paid":
                raise ApiError("This order has already been paid.", field_name="order_id")
            pay = Payment(new_id("pay"), order.id, order.amount, order.currency, method, str(email)[:254],
                          str(contact)[:20], {}, int(time.time()))
            self.payments[pay.id] = pay
            order.attempts += 1
            if order.status == "created":
                order.status = "attempted"
            if outcome == "pending":  # the customer is still at the bank's page: no event yet
                return {"razorpay_payment_id": pay.id, "razorpay_order_id": order.id, "status": "created"}
            if outcome != "success":
                pay.status, pay.error = "failed", FAILURES[outcome]
                self._emit("payment.failed", payment=pay)
                code, desc, source, step, reason = pay.error
                return {"error": {"code": code, "description": desc, "source": source, "step": step,
                                  "reason": reason, "metadata": {"order_id": order.id, "payment_id": pay.id}}}
            self._authorize(pay, order)
            return {"razorpay_payment_id": pay.id, "razorpay_order_id": order.id,
                    "razorpay_signature": payment_signature(order.id, pay.id, self.key_secret)}

    def capture_at(self, order_id: str, amount: int, currency: str | None = None, *,
                   method: str = "card") -> dict[str, Any]:
        """A test control (never part of Razorpay's API): a payment of `order_id` captured at
        `amount` minor units of `currency` (default the order's) instead of the order's own,
        as a tampered or broken checkout could produce; allowed on an order paid already, as
        a late capture is. Emits payment.authorized, payment.captured (and order.paid when it
        is the order's first capture); returns what checkout's success handler receives."""
        amount = int_field({"amount": amount}, "amount")
        assert amount is not None
        if method not in METHODS:
            raise ApiError("Invalid payment method.", field_name="method")
        with self.lock:
            order = self.order(order_id)
            currency = currency_field({"currency": currency or order.currency})
            if amount < 100:
                raise ApiError(f"The amount must be atleast {currency} 1.00", field_name="amount")
            pay = Payment(new_id("pay"), order.id, amount, currency, method, "student@example.com",
                          "+919876543210", {}, int(time.time()))
            self.payments[pay.id] = pay
            order.attempts += 1
            if order.status == "created":
                order.status = "attempted"
            pay.status = "authorized"
            self._emit("payment.authorized", payment=pay)
            self._capture(pay, order)
            return {"razorpay_payment_id": pay.id, "razorpay_order_id": order.id,
                    "razorpay_signature": payment_signature(order.id, pay.id, self.key_secret)}

    def _authorize(self, pay: Payment, order: Order) -> None:
        pay.status = "authorized"
        self._emit("payment.authorized", payment=pay)
        if order.auto_capture:
            self._capture(pay, order)

    def _capture(self, pay: Payment, order: Order) -> None:
        pay.status, pay.captured, pay.captured_at = "captured", True, int(time.time())
        first_paid = order.status != "paid"
        if first_paid:
            order.status, order.amount_paid = "paid", pay.amount
        self._emit("payment.captured", payment=pay)
        if first_paid:
            self._emit("order.paid", payment=pay, order=order)

    def late_capture(self, payment_id: str) -> Payment:
        """A failed (or still pending) payment the bank confirms after all: authorized, then
        captured (even on an order paid meanwhile, and regardless of payment_capture, as
        Razorpay auto-captures late authorizations), emitting payment.authorized,
        payment.captured (and order.paid). The error fields are cleared."""
        with self.lock:
            pay = self.payment(payment_id)
            if pay.status not in ("failed", "created"):
                raise ApiError("Only a failed or pending payment can be captured late.", field_name="id")
            order = self.order(pay.order_id)
            pay.status, pay.error = "authorized", None
            self._emit("payment.authorized", payment=pay)
            self._capture(pay, order)
            return pay

    def authorize_late(self, payment_id: str) -> Payment:
        """Late authorization: the bank confirms a failed or pending payment after Razorpay
        stopped waiting, and the payment stays `authorized` whatever the order's
        payment_capture says, until the merchant captures it or Razorpay refunds it
        (https://razorpay.com/docs/payments/payments/capture-settings/: "Razorpay polls the
        APIs intermittently for 3 days ... the payment is moved to the authorized state";
        "payments that are not captured within this period will be refunded automatically").
        Emits payment.authorized. `expire_authorization` is the automatic refund."""
        with self.lock:
            pay = self.payment(payment_id)
            if pay.status not in ("failed", "created"):
                raise ApiError("Only a failed or pending payment can be authorized late.", field_name="id")
            pay.error = None
            pay.status = "authorized"
            self._emit("payment.authorized", payment=pay)
            return pay

    def expire_authorization(self, payment_id: str) -> Payment:
        """An authorized payment nobody captured within the capture window: Razorpay refunds
        it automatically (payment `refunded`, a processed refund of the whole amount; emits
        refund.created and refund.processed). The capture window (3 days) is not waited for."""
        with self.lock:
            pay = self.payment(payment_id)
            if pay.status != "authorized":
                raise ApiError("Only an authorized, uncaptured payment is refunded automatically.",
                               field_name="id")
            ref = Refund(new_id("rfnd"), pay.id, pay.amount, pay.currency, {}, None, "normal", int(time.time()))
            self.refunds[ref.id] = ref
            pay.amount_refunded, pay.status = pay.amount, "refunded"
            self._emit("refund.created", refund=ref, payment=pay)
            ref.status = "processed"
            self._emit("refund.processed", refund=ref, payment=pay)
            return pay

    def fail_pending(self, payment_id: str, reason: str = "payment_cancelled") -> Payment:
        """A pending (created) payment fails, emitting payment.failed."""
        if reason not in FAILURES:
            raise ApiError("Unknown failure reason.", field_name="reason")
        with self.lock:
            pay = self.payment(payment_id)
            if pay.status != "created":
                raise ApiError("Only a pending payment can fail.", field_name="id")
            pay.status, pay.error = "failed", FAILURES[reason]
            self._emit("payment.failed", payment=pay)
            return pay

    def capture(self, payment_id: str, body: dict) -> Payment:
        for key in body:
            if key not in ("amount", "currency"):
                raise ApiError(f"{key} is/are not required and should not be sent", field_name=key)
        amount = int_field(body, "amount")
        with self.lock:
            pay = self.payment(payment_id)
            currency = currency_field(body, pay.currency)
            if pay.status == "captured" or pay.captured:
                raise ApiError("This payment has already been captured", field_name="id")
            if pay.status != "authorized":
                raise ApiError("Only payments which have been authorized and not yet captured can be captured",
                               field_name="id")
            if currency != pay.currency:
                raise ApiError("Currency should be same as payment currency", field_name="currency")
            if amount != pay.amount:
                raise ApiError("Capture amount must be equal to the amount authorized", field_name="amount")
            self._capture(pay, self.order(pay.order_id))
            return pay

    # Refunds ---------------------------------------------------------------------------
    def refund(self, payment_id: str, body: dict, idempotency_key: str | None) -> Refund:
        for key in body:
            if key not in REFUND_FIELDS:
                raise ApiError(f"{key} is/are not required and should not be sent", field_name=key)
        amount = int_field(body, "amount", required=False)
        speed = body.get("speed", "normal")
        if speed not in ("normal", "optimum"):
            raise ApiError("The selected speed is invalid.", field_name="speed")
        notes = check_notes(body.get("notes"))
        receipt = body.get("receipt")
        if receipt is not None and (not isinstance(receipt, str) or len(receipt) > 40):
            raise ApiError("The receipt may not be greater than 40 characters.", field_name="receipt")
        with self.lock:
            pay = self.payment(payment_id)
            request = refund_request(payment_id, body)
            if idempotency_key is not None:
                check_idempotency_key(idempotency_key)
                seen = self.idempotency.get(idempotency_key)
                if seen is not None:
                    first_request, rid = seen
                    if first_request != request:
                        raise ApiError(DIFFERENT_REQUEST_SAME_KEY)
                    return self.refunds[rid]
            if not pay.captured:
                raise ApiError("The payment has not been captured yet, so it cannot be refunded.",
                               field_name="id")
            remaining = pay.amount - pay.amount_refunded
            if remaining <= 0:
                raise ApiError("The payment has been fully refunded already", field_name="id")
            amount = remaining if amount is None else amount
            if amount < 100:
                raise ApiError(f"The amount must be atleast {pay.currency} 1.00", field_name="amount")
            if amount > remaining:
                raise ApiError("The refund amount provided is greater than amount captured", field_name="amount")
            ref = Refund(new_id("rfnd"), pay.id, amount, pay.currency, notes, receipt, speed, int(time.time()))
            self.refunds[ref.id] = ref
            pay.amount_refunded += amount
            if pay.amount_refunded >= pay.amount:
                pay.status = "refunded"
            if idempotency_key is not None:
                self.idempotency[idempotency_key] = (request, ref.id)
            self._emit("refund.created", refund=ref, payment=pay)
            if self.refund_mode == "instant":
                self.process_refund(ref.id)
            else:
                self._schedule_refund(ref.id)
            return ref

    def _schedule_refund(self, refund_id: str) -> None:
        if self.refund_mode in ("hold", "instant"):
            return
        delay = self.refund_delay
        seconds = random.uniform(*delay) if isinstance(delay, (tuple, list)) else float(delay)
        action = self.fail_refund if self.refund_mode == "fail" else self.process_refund
        timer = threading.Timer(seconds, self._settle_quietly, args=(action, refund_id))
        timer.daemon = True
        self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    @staticmethod
    def _settle_quietly(action: Any, refund_id: str) -> None:
        with contextlib.suppress(ApiError):
            action(refund_id)

    def refund_entity(self, refund_id: str) -> Refund:
        with self.lock:
            ref = self.refunds.get(refund_id)
        if ref is None:
            raise ApiError("The id provided does not exist", field_name="id")
        return ref

    def process_refund(self, refund_id: str) -> Refund:
        with self.lock:
            ref = self.refund_entity(refund_id)
            if ref.status != "pending":
                raise ApiError(f"The refund is already {ref.status}.", field_name="id")
            ref.status = "processed"
            self._emit("refund.processed", refund=ref, payment=self.payments[ref.payment_id])
            return ref

    def fail_refund(self, refund_id: str) -> Refund:
        with self.lock:
            ref = self.refund_entity(refund_id)
            if ref.status != "pending":
                raise ApiError(f"The refund is already {ref.status}.", field_name="id")
            ref.status = "failed"
            pay = self.payments[ref.payment_id]
            pay.amount_refunded -= ref.amount
            if pay.status == "refunded":
                pay.status = "captured"
            self._emit("refund.failed", refund=ref, payment=pay)
            return ref

    def set_refund_mode(self, mode: str = "auto", delay: float | list[float] | None = None) -> None:
        if mode not in ("auto", "hold", "fail", "instant"):
            raise ValueError("mode must be auto, hold, fail or instant")
        with self.lock:
            self.refund_mode = mode
            if delay is not None:
                self.refund_delay = tuple(delay) if isinstance(delay, (list, tuple)) else float(delay)

    # Faults ----------------------------------------------------------------------------
    def inject_fault(self, path: str, status: int | str = 500, count: int = 1, method: str | None = None,
                     hang_seconds: float = 30.0, html: bool = False) -> None:
        """The next `count` API requests whose path matches the regex `path` (re.search; e.g.
        "^/v1/orders") answer `status` (500/502/503/504/429...) or, with status "hang", wait
        `hang_seconds` before answering 504 (a client timeout fires first). `html` answers a
        proxy-style HTML page instead of JSON (the SDK then fails to parse it)."""
        if status != "hang" and not (isinstance(status, int) and 400 <= status <= 599):
            raise ValueError("status must be an HTTP error status or 'hang'")
        with self.lock:
            self.faults.append(Fault(re.compile(path), status, int(count), method.upper() if method else None,
                                     float(hang_seconds), bool(html)))

    def clear_faults(self) -> None:
        with self.lock:
            self.faults = []

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.remaining > 0 and fault.pattern.search(path) and fault.method in (None, method):
                    fault.remaining -= 1
                    return fault
            self.faults = [f for f in self.faults if f.remaining > 0]
        return None

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"orders": [o.entity() for o in self.orders.values()],
                    "payments": [p.entity() for p in self.payments.values()],
                    "refunds": [r.entity() for r in self.refunds.values()],
                    "refund_mode": self.refund_mode}
