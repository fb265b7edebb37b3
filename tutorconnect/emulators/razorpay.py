"""A local stand-in for the Razorpay API, Checkout and webhooks.

The official `razorpay` SDK (2.0.1) runs against it unchanged: point
`razorpay.Client(auth=(key_id, key_secret), base_url="http://127.0.0.1:8070")` at it (no
`/v1` suffix, plain http). Paths, auth, entity shapes, ids and error bodies mirror
Razorpay's for the calls TutorConnect makes:

    POST /v1/orders                     amount (>= 100, integer), currency, receipt (<= 40), notes, payment_capture
    GET  /v1/orders                     ?receipt= &count= &skip= &from= &to=   (collection, newest first)
    GET  /v1/orders/{id}
    GET  /v1/orders/{id}/payments
    GET  /v1/payments                   ?count= &skip= &from= &to=   GET /v1/payments/{id}
    POST /v1/payments/{id}/capture      amount must equal the authorized amount
    POST /v1/payments/{id}/refund       X-Refund-Idempotency (>= 10 of A-Z a-z 0-9 - _): the same key and body ->
                                        the same refund; the same key, another body -> 400; the same
                                        key while its first request is in flight -> 409
    GET  /v1/payments/{id}/refunds      GET /v1/payments/{id}/refunds/{rfnd}
    GET  /v1/refunds                    ?count= &skip= &from= &to=   GET /v1/refunds/{id}
    GET  /v1/checkout.js                a replacement checkout.js (window.Razorpay)

State machines: an order is created -> attempted (first payment attempt) -> paid (a
captured payment); a payment is created -> authorized -> captured | failed, and a failed
payment can still be authorized and captured later (`late_capture`), as banks do. With
payment_capture=1 (the default, as on a new Razorpay account) authorization captures at
once; with 0 the payment waits for POST .../capture. Refunds start `pending` and are
`processed` after `refund_delay` seconds (or held / failed / processed at create by a test
control).

Webhooks: every event (payment.authorized, payment.captured, payment.failed, order.paid,
refund.created, refund.processed, refund.failed) is POSTed to `webhook_url` with
`X-Razorpay-Signature` (HMAC-SHA256 hex of the raw body with the webhook secret) and
`X-Razorpay-Event-Id` (the same on every redelivery), retried with exponential backoff on
non-2xx or connection errors, from a background thread.

Test controls: the `Controls` object (`handle.controls`) and the same operations over HTTP
under /_emulator/ (see CONTROL_ROUTES): pay an order, late capture, refund mode, webhook
refund latency (a request in flight), webhook duplicate / drop / delay / hold+release
(reorder) / pause / resume / flush / redeliver,
API fault injection (5xx, 429, hang), deliveries list, reset. `POST /_emulator/checkout/pay`
is what checkout.js calls (CORS open). GET / is a small dashboard.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import heapq
import hmac
import html
import inspect
import itertools
import json
import logging
import random
import re
import secrets
import string
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from tutorconnect.emulators.smtp_capture import BackgroundServer

log = logging.getLogger("tutorconnect.emulators.razorpay")

LOCAL_KEY_ID = "rzp_test_local000000000"
LOCAL_KEY_SECRET = "local-razorpay-secret"
LOCAL_WEBHOOK_SECRET = "local-webhook-secret"
CHECKOUT_JS = Path(__file__).with_name("razorpay_checkout.js")
WEBHOOK_PATH = "/api/webhooks/razorpay"

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
CURRENCIES = {"INR", "USD", "EUR", "GBP", "SGD", "AED", "AUD", "CAD"}
ORDER_FIELDS = {"amount", "currency", "receipt", "notes", "payment_capture", "partial_payment",
                "first_payment_min_amount"}
REFUND_FIELDS = {"amount", "speed", "notes", "receipt"}
MAX_NOTES = 15

# What checkout's failure choices become: (error_code, description, source, step, reason).
FAILURES: dict[str, tuple[str, str, str, str, str]] = {
    "card_declined": ("BAD_REQUEST_ERROR",
                      "Your payment has been declined by your bank. Try another card or contact your bank.",
                      "bank", "payment_authorization", "card_declined"),
    "insufficient_funds": ("BAD_REQUEST_ERROR",
                           "Your payment could not be completed due to insufficient account balance. "
                           "Try again with another account.",
                           "customer", "payment_authorization", "insufficient_funds"),
    "authentication_failed": ("BAD_REQUEST_ERROR",
                              "Your payment could not be completed because the OTP or 3-D Secure "
                              "verification failed. Try again.",
                              "customer", "payment_authentication", "authentication_failed"),
    "payment_cancelled": ("BAD_REQUEST_ERROR", "You cancelled the payment.",
                          "customer", "payment_authentication", "payment_cancelled"),
    "gateway_error": ("GATEWAY_ERROR",
                      "Payment processing failed due to an error at the bank or wallet gateway.",
                      "gateway", "payment_authorization", "gateway_technical_error"),
}
METHODS = {"card", "upi", "netbanking", "wallet"}


def new_id(prefix: str) -> str:
    return prefix + "_" + "".join(secrets.choice(_BASE62) for _ in range(14))


def hmac_hex(secret: str, message: bytes | str) -> str:
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def payment_signature(order_id: str, payment_id: str, key_secret: str) -> str:
    return hmac_hex(key_secret, f"{order_id}|{payment_id}")


class ApiError(Exception):
    """A Razorpay-shaped error: {"error": {code, description, source, step, reason, metadata, field}}."""

    def __init__(self, description: str, *, status: int = 400, code: str = "BAD_REQUEST_ERROR",
                 field_name: str | None = None, source: str = "business", step: str = "payment_initiation",
                 reason: str = "input_validation_failed", metadata: dict | None = None):
        super().__init__(description)
        self.status, self.code, self.description = status, code, description
        self.field, self.source, self.step, self.reason = field_name, source, step, reason
        self.metadata = metadata or {}

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "description": self.description, "source": self.source,
                               "step": self.step, "reason": self.reason, "metadata": self.metadata}
        if self.field is not None:
            err["field"] = self.field
        return {"error": err}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status)


def _na_error(description: str, status: int) -> ApiError:
    return ApiError(description, status=status, source="NA", step="NA", reason="NA")


def _notes_out(notes: dict[str, str]) -> dict[str, str] | list:
    return dict(notes) if notes else []  # Razorpay sends an empty notes object as []


def _check_notes(value: Any) -> dict[str, str]:
    if value in (None, [], {}):
        return {}
    if not isinstance(value, dict):
        raise ApiError("The notes should be an object of key-value pairs.", field_name="notes")
    if len(value) > MAX_NOTES:
        raise ApiError(f"The notes may not have more than {MAX_NOTES} items.", field_name="notes")
    out = {}
    for k, v in value.items():
        if not isinstance(v, (str, int, float, bool)) or len(str(k)) > 256 or len(str(v)) > 256:
            raise ApiError("The notes values must be strings of at most 256 characters.", field_name="notes")
        out[str(k)] = str(v) if not isinstance(v, bool) else ("1" if v else "0")
    return out


def _int_field(body: dict, name: str, *, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(f"The {name} field is required.", field_name=name)
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise ApiError(f"The {name} must be an integer.", field_name=name)
    return int(value)


def _currency(body: dict, default: str | None = "INR") -> str:
    cur = body.get("currency", default)
    if not isinstance(cur, str) or cur.upper() not in CURRENCIES or cur != cur.upper():
        raise ApiError("The selected currency is invalid.", field_name="currency")
    return cur


def _list_page(items: list[Any], params: dict[str, str]) -> list[Any]:
    """A list endpoint's page, as Razorpay's collections take it: `from` / `to` (unix
    seconds, inclusive) on created_at, `count` 1..100 (default 10), `skip`; newest first
    (https://razorpay.com/docs/api/orders/fetch-all, .../payments/fetch-all-payments,
    .../refunds/fetch-all)."""
    count = _int_field(params, "count", required=False)
    skip = _int_field(params, "skip", required=False) or 0
    count = 10 if count is None else count
    if not 1 <= count <= 100:
        raise ApiError("The count must be between 1 and 100.", field_name="count")
    lo = _int_field(params, "from", required=False) or 0
    hi = _int_field(params, "to", required=False)
    found = [i for i in items if i.created_at >= lo and (hi is None or i.created_at <= hi)]
    found.reverse()  # newest first (insertion order is creation order)
    return found[skip:skip + count]


# X-Refund-Idempotency (https://razorpay.com/docs/api/refunds/normal-refunds-idempotent): "at least
# 10 character long and can contain alphabets, numbers, hyphens and underscores only"; a retry
# must repeat the first request's body ("A different payload will be rejected as a
# BAD_REQUEST", with the description below); "If a request is received while a prior request
# is still being processed, the system will return a 409 Conflict status code."
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{10,}")
DIFFERENT_REQUEST_SAME_KEY = "Different request with the same idempotency key has already been processed."
REQUEST_IN_FLIGHT = "A request with the same idempotency key is still being processed. Retry the request."


def check_idempotency_key(key: str) -> None:
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError("The idempotency key must be at least 10 characters long and can contain alphabets, "
                       "numbers, hyphens and underscores only.", field_name="X-Refund-Idempotency")


def _refund_request(payment_id: str, body: dict) -> str:
    """The request an idempotency key stands for: the payment and the exact body."""
    return json.dumps({"payment_id": payment_id, "body": body}, sort_keys=True, separators=(",", ":"))


# Entities ------------------------------------------------------------------------------
@dataclass
class Order:
    id: str
    amount: int
    currency: str
    receipt: str | None
    notes: dict[str, str]
    auto_capture: bool
    created_at: int
    status: str = "created"
    attempts: int = 0
    amount_paid: int = 0

    def entity(self) -> dict[str, Any]:
        return {"id": self.id, "entity": "order", "amount": self.amount, "amount_paid": self.amount_paid,
                "amount_due": self.amount - self.amount_paid, "currency": self.currency,
                "receipt": self.receipt, "offer_id": None, "status": self.status, "attempts": self.attempts,
                "notes": _notes_out(self.notes), "created_at": self.created_at}


@dataclass
class Payment:
    id: str
    order_id: str
    amount: int
    currency: str
    method: str
    email: str
    contact: str
    notes: dict[str, str]
    created_at: int
    status: str = "created"
    captured: bool = False
    amount_refunded: int = 0
    error: tuple[str, str, str, str, str] | None = None
    captured_at: int | None = None

    @property
    def refund_status(self) -> str | None:
        if self.amount_refunded == 0:
            return None
        return "full" if self.amount_refunded >= self.amount else "partial"

    def entity(self) -> dict[str, Any]:
        code, desc, source, step, reason = self.error or (None, None, None, None, None)
        fee = round(self.amount * 0.02) if self.captured else None
        tax = round(fee * 0.18) if fee is not None else None
        ent: dict[str, Any] = {
            "id": self.id, "entity": "payment", "amount": self.amount, "currency": self.currency,
            "status": self.status, "order_id": self.order_id, "invoice_id": None, "international": False,
            "method": self.method, "amount_refunded": self.amount_refunded, "refund_status": self.refund_status,
            "captured": self.captured, "description": None,
            "card_id": None, "bank": None, "wallet": None, "vpa": None,
            "email": self.email, "contact": self.contact, "notes": _notes_out(self.notes),
            "fee": fee, "tax": tax, "error_code": code, "error_description": desc, "error_source": source,
            "error_step": step, "error_reason": reason, "acquirer_data": {}, "created_at": self.created_at,
        }
        if self.method == "card":
            ent["card_id"] = "card_" + self.id[4:]
            ent["card"] = {"id": ent["card_id"], "entity": "card", "name": "", "last4": "1111",
                           "network": "Visa", "type": "credit", "issuer": None, "international": False,
                           "emi": False, "sub_type": "consumer"}
        elif self.method == "upi":
            ent["vpa"] = "success@razorpay"
        elif self.method == "netbanking":
            ent["bank"] = "HDFC"
        elif self.method == "wallet":
            ent["wallet"] = "paytm"
        if self.captured:
            ent["acquirer_data"] = {"auth_code": self.id[-6:].upper()}
        return ent


@dataclass
class Refund:
    id: str
    payment_id: str
    amount: int
    currency: str
    notes: dict[str, str]
    receipt: str | None
    speed: str
    created_at: int
    status: str = "pending"

    def entity(self) -> dict[str, Any]:
        return {"id": self.id, "entity": "refund", "amount": self.amount, "currency": self.currency,
                "payment_id": self.payment_id, "notes": _notes_out(self.notes), "receipt": self.receipt,
                "acquirer_data": {"arn": None if self.status != "processed" else "ARN" + self.id[5:].upper()},
                "created_at": self.created_at, "batch_id": None, "status": self.status,
                "speed_processed": "normal" if self.status == "processed" else None,
                "speed_requested": self.speed}


def _collection(items: list[dict]) -> dict[str, Any]:
    return {"entity": "collection", "count": len(items), "items": items}


# Webhooks ------------------------------------------------------------------------------
@dataclass
class Delivery:
    """One webhook event on its way (duplicates are separate deliveries with the same event id)."""

    seq: int
    event_id: str
    event: str
    body: bytes
    state: str = "pending"  # pending | held | delivered | failed | dropped | skipped
    attempts: list[dict[str, Any]] = field(default_factory=list)
    due: float = 0.0
    duplicate_of: int | None = None

    def summary(self) -> dict[str, Any]:
        return {"seq": self.seq, "event_id": self.event_id, "event": self.event, "state": self.state,
                "status_codes": [a.get("status") for a in self.attempts], "attempts": list(self.attempts),
                "duplicate_of": self.duplicate_of, "body": self.body.decode()}


# "If there is a delivery failure, we retry the delivery in exponential backoff policy for 24
# hours after event creation timestamp" (https://razorpay.com/docs/webhooks/best-practices):
# an event is given up only once that window has passed since its first attempt.
WEBHOOK_RETRY_WINDOW = 24 * 3600.0


class WebhookSender:
    """Delivers events from one background thread in (due time, sequence) order. A failed
    delivery is retried with exponential backoff (base_delay doubling up to max_delay) until
    `retry_window` seconds after its first attempt (24 hours, as Razorpay), or, when a test
    sets `max_attempts`, after that many attempts."""

    def __init__(self, url: str | None, secret: str | None, *, base_delay: float = 1.0, max_delay: float = 60.0,
                 max_attempts: int | None = None, timeout: float = 5.0,
                 retry_window: float = WEBHOOK_RETRY_WINDOW):
        self.url, self.secret = url, secret
        self.base_delay, self.max_delay, self.max_attempts, self.timeout = base_delay, max_delay, max_attempts, timeout
        self.retry_window = retry_window
        self.cond = threading.Condition()
        self._seq = itertools.count(1)
        self._rank = itertools.count(1)
        self._stop = False
        self._http = requests.Session()
        self.reset()
        self._thread = threading.Thread(target=self._run, daemon=True, name="razorpay-webhooks")
        self._thread.start()

    def reset(self) -> None:
        with self.cond:
            self.deliveries: list[Delivery] = []
            self._heap: list[tuple[float, int, Delivery]] = []
            self._held: list[Delivery] = []
            self.paused = False
            self.holding = False
            # Rules for upcoming events: [event name or None (any), events left, value].
            self._duplicate: list[list[Any]] = []
            self._drop: list[list[Any]] = []
            self._delay: list[list[Any]] = []
            self._generation = getattr(self, "_generation", 0) + 1  # in-flight sends of before are forgotten
            self._sending = getattr(self, "_sending", 0)
            self.cond.notify_all()

    def stop(self) -> None:
        with self.cond:
            self._stop = True
            self.cond.notify_all()
        self._thread.join(timeout=10)

    # Enqueue ---------------------------------------------------------------------------
    def emit(self, event: str, body: bytes, event_id: str) -> None:
        with self.cond:
            drop = self._take(self._drop, event, False)
            copies, every = (1, 0.0) if drop else self._take(self._duplicate, event, (1, 0.0))
            delay = self._take(self._delay, event, 0.0)
            first: Delivery | None = None
            for copy in range(max(1, copies)):
                d = Delivery(next(self._seq), event_id, event, body, duplicate_of=first.seq if first else None)
                self.deliveries.append(d)
                if first is None:
                    first = d
                    if drop:
                        d.state = "dropped"
                        break
                if self.holding:
                    d.state = "held"
                    self._held.append(d)
                else:
                    self._schedule(d, time.monotonic() + delay + copy * every)
            self.cond.notify_all()

    @staticmethod
    def _take(rules: list[list[Any]], event: str, default: Any) -> Any:
        for rule in rules:
            if rule[0] in (None, event) and rule[1] > 0:
                rule[1] -= 1
                if rule[1] == 0:
                    rules.remove(rule)
                return rule[2]
        return default

    def _schedule(self, d: Delivery, due: float) -> None:
        d.state, d.due = "pending", due
        heapq.heappush(self._heap, (due, next(self._rank), d))  # ties: scheduling order

    # Controls --------------------------------------------------------------------------
    def duplicate_next(self, count: int = 1, times: int = 2, event: str | None = None, every: float = 0.0) -> None:
        if float(every) < 0:
            raise ValueError("every must be >= 0 seconds")
        with self.cond:
            self._duplicate.append([event, int(count), (int(times), float(every))])

    def drop_next(self, count: int = 1, event: str | None = None) -> None:
        with self.cond:
            self._drop.append([event, int(count), True])

    def delay_next(self, seconds: float, count: int = 1, event: str | None = None) -> None:
        with self.cond:
            self._delay.append([event, int(count), float(seconds)])

    def hold(self) -> None:
        with self.cond:
            self.holding = True

    def release(self, order: str | list[str] = "reverse") -> list[str]:
        """Stop holding; send what was held in `order`: "reverse", "fifo", or a list of event
        names / event ids (unlisted held events follow in arrival order). Returns the order used."""
        with self.cond:
            held, self._held, self.holding = self._held, [], False
            if order == "reverse":
                held.reverse()
            elif isinstance(order, list):
                rank = {key: i for i, key in enumerate(order)}
                held.sort(key=lambda d: min(rank.get(d.event_id, len(rank)), rank.get(d.event, len(rank))))
            elif order != "fifo":
                raise ValueError("order must be 'reverse', 'fifo' or a list of event names or ids")
            now = time.monotonic()
            for d in held:
                self._schedule(d, now)
            self.cond.notify_all()
            return [d.event for d in held]

    def pause(self) -> None:
        with self.cond:
            self.paused = True

    def resume(self) -> None:
        with self.cond:
            self.paused = False
            self.cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Resume, make every scheduled delivery (delays and backoffs too) due now, and wait
        until none is pending. Held events stay held. True if everything settled."""
        with self.cond:
            self.paused = False
            now = time.monotonic()
            self._heap = [(now, s, d) for _, s, d in self._heap]
            heapq.heapify(self._heap)
            self.cond.notify_all()
        return self.wait_idle(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while self._heap or self._sending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.05))
        return True

    def redeliver(self, event_id: str) -> bool:
        with self.cond:
            original = next((d for d in self.deliveries if d.event_id == event_id), None)
            if original is None:
                return False
            d = Delivery(next(self._seq), event_id, original.event, original.body, duplicate_of=original.seq)
            self.deliveries.append(d)
            self._schedule(d, time.monotonic())
            self.cond.notify_all()
            return True

    def summaries(self) -> list[dict[str, Any]]:
        with self.cond:
            return [d.summary() for d in self.deliveries]

    # Sending ---------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self.cond:
                while not self._stop:
                    if self._heap and not self.paused:
                        wait = self._heap[0][0] - time.monotonic()
                        if wait <= 0:
                            break
                        self.cond.wait(min(wait, 0.5))
                    else:
                        self.cond.wait(0.5)
                if self._stop:
                    return
                _, _, d = heapq.heappop(self._heap)
                url, secret, generation = self.url, self.secret, self._generation
                self._sending += 1
            try:
                outcome = self._post(url, secret, d)
            except Exception as err:  # never let one bad send stop the sender
                outcome = {"at": time.time(), "status": None, "error": type(err).__name__}
            with self.cond:
                self._sending -= 1
                d.attempts.append(outcome)
                if generation == self._generation:  # (a reset while sending forgets it)
                    self._settle(d, outcome, url)
                self.cond.notify_all()

    def _settle(self, d: Delivery, outcome: dict[str, Any], url: str | None) -> None:
        status = outcome.get("status")
        if isinstance(status, int) and 200 <= status < 300:
            d.state = "delivered"
        elif not url:
            d.state = "skipped"  # no webhook configured: nothing to retry against
        elif (self.max_attempts is not None and len(d.attempts) >= self.max_attempts) or (
                time.time() - d.attempts[0]["at"] >= self.retry_window):
            d.state = "failed"
        else:
            backoff = min(self.max_delay, self.base_delay * 2 ** (len(d.attempts) - 1))
            self._schedule(d, time.monotonic() + backoff)

    def _post(self, url: str | None, secret: str | None, d: Delivery) -> dict[str, Any]:
        at = time.time()
        if not url:
            return {"at": at, "status": None, "error": "no webhook URL configured"}
        headers = {"Content-Type": "application/json", "X-Razorpay-Event-Id": d.event_id,
                   "X-Razorpay-Signature": hmac_hex(secret or "", d.body),
                   "User-Agent": "Razorpay-Webhook/v1 (emulator)"}
        try:
            resp = self._http.post(url, data=d.body, headers=headers, timeout=self.timeout)
            return {"at": at, "status": resp.status_code}
        except requests.RequestException as err:
            return {"at": at, "status": None, "error": type(err).__name__}


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
            _BASE62[b % 62] for b in hashlib.sha256(key_id.encode()).digest()[:14])
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
        amount = _int_field(body, "amount")
        assert amount is not None
        currency = _currency(body)
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
        order = Order(new_id("order"), amount, currency, receipt, _check_notes(body.get("notes")),
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
        return _list_page(found, params)

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

    def _authorize(self, pay: Payment, order: Order) -> None:
        pay.status = "authorized"
        self._emit("payment.authorized", payment=pay)
        if order.auto_capture:
            self._capture(pay, order)

    def _capture(self, pay: Payment, order: Order) -> None:
        pay.status, pay.captured, pay.captured_at = "captured", True, int(time.time())
        first_paid = order.status != "paid"
        if first_paid:
            order.status, order.amount_paid = "paid", order.amount
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
        amount = _int_field(body, "amount")
        with self.lock:
            pay = self.payment(payment_id)
            currency = _currency(body, pay.currency)
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
        amount = _int_field(body, "amount", required=False)
        speed = body.get("speed", "normal")
        if speed not in ("normal", "optimum"):
            raise ApiError("The selected speed is invalid.", field_name="speed")
        notes = _check_notes(body.get("notes"))
        receipt = body.get("receipt")
        if receipt is not None and (not isinstance(receipt, str) or len(receipt) > 40):
            raise ApiError("The receipt may not be greater than 40 characters.", field_name="receipt")
        with self.lock:
            pay = self.payment(payment_id)
            request = _refund_request(payment_id, body)
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


class Controls:
    """The test controls (also served over HTTP under /_emulator/)."""

    def __init__(self, emu: RazorpayEmulator):
        self._emu = emu
        self.webhooks = emu.webhooks

    # Payments
    def pay(self, order_id: str, outcome: str = "success", method: str = "card") -> dict[str, Any]:
        """outcome: "success" (handler fields), a FAILURES key ({error: ...}), or "pending"
        (the payment stays `created`, no event; later late_capture / fail_pending)."""
        return self._emu.attempt(order_id, outcome, method=method)

    def late_capture(self, payment_id: str) -> dict[str, Any]:
        return self._emu.late_capture(payment_id).entity()

    def authorize_late(self, payment_id: str) -> dict[str, Any]:
        """Late authorization: the payment stays `authorized` (even on an auto-capture order)."""
        return self._emu.authorize_late(payment_id).entity()

    def expire_authorization(self, payment_id: str) -> dict[str, Any]:
        """Razorpay's automatic refund of an authorized payment left uncaptured."""
        return self._emu.expire_authorization(payment_id).entity()

    def fail_pending(self, payment_id: str, reason: str = "payment_cancelled") -> dict[str, Any]:
        return self._emu.fail_pending(payment_id, reason).entity()

    # Refunds
    def refund_mode(self, mode: str = "auto", delay: float | list[float] | None = None) -> None:
        """auto: refunds are processed after `delay` seconds (a number or [low, high]); hold:
        they stay pending until process_refund / fail_refund; fail: they fail after `delay`;
        instant: the create answer itself says `processed` (refund.processed follows at once)."""
        self._emu.set_refund_mode(mode, delay)

    def refund_latency(self, seconds: float = 0.0) -> None:
        """Each refund request with an idempotency key takes `seconds` before it is answered;
        a request with the same key arriving meanwhile gets Razorpay's 409 (in flight).
        Setting it back to 0 lets the requests still waiting finish at once, so a test can
        hold one in flight for as long as it needs, however slow the machine."""
        if not 0 <= float(seconds) <= 60:
            raise ValueError("seconds must be from 0 to 60")
        with self._emu.lock:
            self._emu.refund_latency = float(seconds)

    def in_flight(self) -> list[str]:
        """The idempotency keys whose refund request is being processed now."""
        with self._emu.lock:
            return sorted(self._emu.in_flight)

    def process_refund(self, refund_id: str) -> dict[str, Any]:
        return self._emu.process_refund(refund_id).entity()

    def fail_refund(self, refund_id: str) -> dict[str, Any]:
        return self._emu.fail_refund(refund_id).entity()

    # Webhooks
    def configure_webhook(self, url: str | None = None, secret: str | None = None) -> None:
        with self.webhooks.cond:
            if url is not None:
                self.webhooks.url = url
            if secret is not None:
                self.webhooks.secret = secret

    def duplicate_next(self, count: int = 1, times: int = 2, event: str | None = None, every: float = 0.0) -> None:
        """Deliver each of the next `count` events (of type `event`, or any) `times` times,
        all with the same event id and body, the copies `every` seconds apart (hours, if a
        test wants Razorpay's late redeliveries)."""
        self.webhooks.duplicate_next(count, times, event, every)

    def drop_next(self, count: int = 1, event: str | None = None) -> None:
        """Never deliver the next `count` events (of type `event`, or any); `redeliver` can."""
        self.webhooks.drop_next(count, event)

    def delay_next(self, seconds: float, count: int = 1, event: str | None = None) -> None:
        """Hold back the next `count` events (of type `event`, or any) for `seconds`."""
        self.webhooks.delay_next(seconds, count, event)

    def hold(self) -> None:
        self.webhooks.hold()

    def release(self, order: str | list[str] = "reverse") -> list[str]:
        return self.webhooks.release(order)

    def pause(self) -> None:
        self.webhooks.pause()

    def resume(self) -> None:
        self.webhooks.resume()

    def flush(self, timeout: float = 10.0) -> bool:
        return self.webhooks.flush(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self.webhooks.wait_idle(timeout)

    def redeliver(self, event_id: str) -> bool:
        return self.webhooks.redeliver(event_id)

    def deliveries(self, event: str | None = None) -> list[dict[str, Any]]:
        return [d for d in self.webhooks.summaries() if event is None or d["event"] == event]

    # Faults
    def inject_fault(self, path: str, status: int | str = 500, count: int = 1, method: str | None = None,
                     hang_seconds: float = 30.0, html: bool = False) -> None:
        self._emu.inject_fault(path, status, count, method, hang_seconds, html)

    def clear_faults(self) -> None:
        self._emu.clear_faults()

    # Everything
    def state(self) -> dict[str, Any]:
        return self._emu.snapshot()

    def reset(self) -> None:
        self._emu.reset()


# HTTP: API -----------------------------------------------------------------------------
def _emu(request: Request) -> RazorpayEmulator:
    return request.app.state.emulator


def _authenticate(emu: RazorpayEmulator, request: Request) -> None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        raise _na_error("Please provide your api key for authentication purposes.", 401)
    try:
        key, _, secret = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise _na_error("The api key provided is invalid", 401) from None
    if key != emu.key_id:
        raise _na_error("The api key provided is invalid", 401)
    if not hmac.compare_digest(secret.encode(), emu.key_secret.encode()):
        raise _na_error("Authentication failed", 401)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    ctype = request.headers.get("content-type", "")
    try:
        if "application/x-www-form-urlencoded" in ctype:
            return {k: v for k, v in (await request.form()).items()}
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError("The request body is not valid JSON.") from None
    if parsed is None or parsed == []:
        return {}
    if not isinstance(parsed, dict):
        raise ApiError("The request body must be a JSON object.")
    return parsed


def api(handler: Any) -> Any:
    """Wrap an API endpoint: faults, Basic auth, ApiError -> Razorpay error JSON."""

    async def endpoint(request: Request) -> Response:
        emu = _emu(request)
        fault = emu.take_fault(request.method, request.url.path)
        if fault is not None:
            return await _fault_response(emu, fault)
        try:
            _authenticate(emu, request)
            result = await handler(request, emu)
        except ApiError as err:
            return err.response()
        return JSONResponse(result)

    endpoint.__name__ = handler.__name__
    return endpoint


async def _fault_response(emu: RazorpayEmulator, fault: Fault) -> Response:
    status = fault.status
    if status == "hang":
        deadline = time.monotonic() + fault.hang_seconds
        while time.monotonic() < deadline and not emu.stopping:
            await asyncio.sleep(0.05)
        status = 504
    assert isinstance(status, int)
    if fault.html:
        return HTMLResponse(f"<html><body><h1>{status} Bad Gateway</h1></body></html>", status_code=status)
    if status == 429:
        err = ApiError("Too many requests", status=429, source="NA", step="NA", reason="NA")
    else:
        err = ApiError("The server encountered an error. The incident has been reported to admins.",
                       status=status, code="SERVER_ERROR", source="NA", step="NA", reason="NA")
    return err.response()


async def orders(request: Request, emu: RazorpayEmulator) -> Any:
    if request.method == "POST":
        return emu.create_order(await _body(request)).entity()
    return _collection([o.entity() for o in emu.list_orders(dict(request.query_params))])


async def order_one(request: Request, emu: RazorpayEmulator) -> Any:
    return emu.order(request.path_params["id"]).entity()


async def order_payments(request: Request, emu: RazorpayEmulator) -> Any:
    order = emu.order(request.path_params["id"])
    with emu.lock:
        pays = [p.entity() for p in emu.payments.values() if p.order_id == order.id]
    return _collection(list(reversed(pays)))


async def payments(request: Request, emu: RazorpayEmulator) -> Any:
    with emu.lock:
        pays = list(emu.payments.values())
    return _collection([p.entity() for p in _list_page(pays, dict(request.query_params))])


async def payment_one(request: Request, emu: RazorpayEmulator) -> Any:
    return emu.payment(request.path_params["id"]).entity()


async def payment_capture(request: Request, emu: RazorpayEmulator) -> Any:
    return emu.capture(request.path_params["id"], await _body(request)).entity()


async def payment_refund(request: Request, emu: RazorpayEmulator) -> Any:
    key = request.headers.get("x-refund-idempotency")
    body = await _body(request)
    if key is None:
        return emu.refund(request.path_params["id"], body, None).entity()
    check_idempotency_key(key)
    with emu.lock:
        if key in emu.in_flight:
            raise ApiError(REQUEST_IN_FLIGHT, status=409)
        emu.in_flight.add(key)
        latency = emu.refund_latency
    try:
        deadline = time.monotonic() + latency
        while time.monotonic() < deadline and emu.refund_latency:  # refund_latency(0) lets it go at once
            await asyncio.sleep(0.01)
        return emu.refund(request.path_params["id"], body, key).entity()
    finally:
        with emu.lock:
            emu.in_flight.discard(key)


async def payment_refunds(request: Request, emu: RazorpayEmulator) -> Any:
    pay = emu.payment(request.path_params["id"])
    with emu.lock:
        refs = [r.entity() for r in emu.refunds.values() if r.payment_id == pay.id]
    return _collection(list(reversed(refs)))


async def payment_refund_one(request: Request, emu: RazorpayEmulator) -> Any:
    ref = emu.refund_entity(request.path_params["rid"])
    if ref.payment_id != request.path_params["id"]:
        raise ApiError("The id provided does not exist", field_name="id")
    return ref.entity()


async def refunds(request: Request, emu: RazorpayEmulator) -> Any:
    with emu.lock:
        refs = list(emu.refunds.values())
    return _collection([r.entity() for r in _list_page(refs, dict(request.query_params))])


async def refund_one(request: Request, emu: RazorpayEmulator) -> Any:
    return emu.refund_entity(request.path_params["id"]).entity()


# HTTP: checkout and controls -------------------------------------------------------------
_CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
         "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"}


async def checkout_js(request: Request) -> Response:
    return Response(CHECKOUT_JS.read_text(encoding="utf-8"), media_type="application/javascript",
                    headers={"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"})


async def checkout_pay(request: Request) -> Response:
    """checkout.js: {key, order_id, amount?, outcome, method, email, contact} -> the handler's
    fields, or {error: ...} (HTTP 200 for a failed payment, like checkout's own calls)."""
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=_CORS)
    emu = _emu(request)
    try:
        body = await _body(request)
        amount = _int_field(body, "amount", required=False)
        if body.get("outcome", "success") == "pending":
            raise ApiError("Unknown outcome.", field_name="outcome")  # checkout always finishes
        result = emu.attempt(str(body.get("order_id", "")), str(body.get("outcome", "success")),
                             method=str(body.get("method", "card")), email=str(body.get("email") or ""),
                             contact=str(body.get("contact") or ""), amount=amount,
                             key_id=str(body.get("key", "")))
    except ApiError as err:
        return JSONResponse(err.body(), status_code=err.status, headers=_CORS)
    return JSONResponse(result, headers=_CORS)


def _control(name: str) -> Any:
    async def endpoint(request: Request) -> Response:
        controls: Controls = request.app.state.controls
        method = getattr(controls, name)
        try:
            kwargs = await _body(request) if request.method == "POST" else dict(request.query_params)
            kwargs = {**kwargs, **request.path_params}
            inspect.signature(method).bind(**kwargs)
            result = await asyncio.to_thread(method, **kwargs)  # flush/wait may block
        except ApiError as err:
            return err.response()
        except (TypeError, ValueError, re.error) as err:
            return ApiError(f"Bad control call: {err}").response()
        return JSONResponse({"ok": True, "result": result})

    endpoint.__name__ = f"control_{name}"
    return endpoint


CONTROL_ROUTES = {
    # path: (control method, HTTP methods)
    "/_emulator/orders/{order_id}/pay": ("pay", ["POST"]),
    "/_emulator/payments/{payment_id}/late_capture": ("late_capture", ["POST"]),
    "/_emulator/payments/{payment_id}/authorize_late": ("authorize_late", ["POST"]),
    "/_emulator/payments/{payment_id}/expire_authorization": ("expire_authorization", ["POST"]),
    "/_emulator/payments/{payment_id}/fail": ("fail_pending", ["POST"]),
    "/_emulator/refunds/mode": ("refund_mode", ["POST"]),
    "/_emulator/refunds/latency": ("refund_latency", ["POST"]),
    "/_emulator/refunds/in_flight": ("in_flight", ["GET"]),
    "/_emulator/refunds/{refund_id}/process": ("process_refund", ["POST"]),
    "/_emulator/refunds/{refund_id}/fail": ("fail_refund", ["POST"]),
    "/_emulator/webhooks/config": ("configure_webhook", ["POST"]),
    "/_emulator/webhooks/duplicate": ("duplicate_next", ["POST"]),
    "/_emulator/webhooks/drop": ("drop_next", ["POST"]),
    "/_emulator/webhooks/delay": ("delay_next", ["POST"]),
    "/_emulator/webhooks/hold": ("hold", ["POST"]),
    "/_emulator/webhooks/release": ("release", ["POST"]),
    "/_emulator/webhooks/pause": ("pause", ["POST"]),
    "/_emulator/webhooks/resume": ("resume", ["POST"]),
    "/_emulator/webhooks/flush": ("flush", ["POST"]),
    "/_emulator/webhooks/redeliver": ("redeliver", ["POST"]),
    "/_emulator/webhooks/deliveries": ("deliveries", ["GET"]),
    "/_emulator/faults": ("inject_fault", ["POST"]),
    "/_emulator/faults/clear": ("clear_faults", ["POST"]),
    "/_emulator/state": ("state", ["GET"]),
    "/_emulator/reset": ("reset", ["POST"]),
}


# Pages ---------------------------------------------------------------------------------
_STYLE = """
:root{color-scheme:light dark;--bg:#f5f7fb;--card:#fff;--fg:#1b2230;--muted:#5b6577;--line:#e2e6ee;--accent:#3366ff}
@media (prefers-color-scheme:dark){:root{--bg:#0f131a;--card:#181e28;--fg:#e8ecf3;--muted:#9aa4b5;--line:#2a3342;--accent:#7c9cff}}
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;background:var(--bg);color:var(--fg);margin:0}
main{max-width:1100px;margin:24px auto;padding:0 16px}h1{font-size:22px}h2{font-size:16px;margin-top:24px}
table{width:100%;border-collapse:collapse;background:var(--card);font-size:13px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line)}th{color:var(--muted);font-weight:600}
code{font-family:ui-monospace,monospace}.muted{color:var(--muted)}
button{font:inherit;padding:8px 14px;border-radius:6px;border:1px solid var(--line);background:var(--card);color:var(--fg)}
"""


def _page(title: str, body: str, *, script_src: str | None = None, inline_script: str | None = None) -> HTMLResponse:
    scripts = ""
    csp_script = "'none'"
    if script_src:
        scripts += f"<script src='{html.escape(script_src)}'></script>"
        csp_script = "'self'"
    if inline_script:
        digest = base64.b64encode(hashlib.sha256(inline_script.encode()).digest()).decode()
        scripts += f"<script>{inline_script}</script>"
        csp_script += f" 'sha256-{digest}'"
    doc = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
           f"<meta name='viewport' content='width=device-width,initial-scale=1'><style>{_STYLE}</style></head>"
           f"<body><main>{body}</main>{scripts}</body></html>")
    csp = (f"default-src 'none'; style-src 'unsafe-inline'; script-src {csp_script}; connect-src 'self'; "
           "img-src 'self' data:; frame-ancestors 'none'")
    return HTMLResponse(doc, headers={"Content-Security-Policy": csp, "Cache-Control": "no-store"})


def _rows(items: list[dict], cols: list[str]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td><code>{e(str(it.get(c)))}</code></td>" for c in cols) + "</tr>"
                   for it in items) or f"<tr><td colspan='{len(cols)}' class='muted'>None yet.</td></tr>"
    return f"<div style='overflow-x:auto'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


async def dashboard(request: Request) -> HTMLResponse:
    emu = _emu(request)
    snap = emu.snapshot()
    deliveries = emu.webhooks.summaries()[-50:]
    body = (
        "<h1>Razorpay emulator</h1>"
        f"<p class='muted'>Key id <code>{html.escape(emu.key_id)}</code> · webhooks to "
        f"<code>{html.escape(str(emu.webhooks.url))}</code> · checkout.js at <code>/v1/checkout.js</code></p>"
        "<h2>Orders</h2>" + _rows(list(reversed(snap["orders"]))[:50],
                                  ["id", "receipt", "amount", "amount_paid", "currency", "status", "attempts"])
        + "<h2>Payments</h2>" + _rows(list(reversed(snap["payments"]))[:50],
                                      ["id", "order_id", "amount", "status", "method", "amount_refunded",
                                       "error_reason"])
        + "<h2>Refunds</h2>" + _rows(list(reversed(snap["refunds"]))[:50],
                                     ["id", "payment_id", "amount", "status"])
        + "<h2>Webhook deliveries</h2>" + _rows(list(reversed(deliveries)),
                                                ["seq", "event", "event_id", "state", "status_codes"])
    )
    return _page("Razorpay emulator", body)


DEMO_SCRIPT = """
document.getElementById('create').addEventListener('click', async () => {
  const out = document.getElementById('out');
  const params = new URLSearchParams(location.search);
  const cfg = JSON.parse(document.getElementById('cfg').textContent);
  const rzp = new Razorpay({key: cfg.key, order_id: params.get('order_id'), amount: Number(params.get('amount')),
    currency: 'INR', name: 'TutorConnect', description: 'Demo lesson',
    prefill: {name: 'Demo Student', email: 'student@example.com', contact: '+919876543210'},
    handler: (r) => { out.textContent = JSON.stringify({ok: r}); },
    modal: {ondismiss: () => { out.textContent = JSON.stringify({dismissed: true}); }},
    theme: {color: '#3366ff'}});
  rzp.on('payment.failed', (r) => { out.textContent = JSON.stringify({failed: r.error}); });
  rzp.open();
});
"""


async def demo(request: Request) -> HTMLResponse:
    """A page for trying checkout.js: /_emulator/demo?order_id=order_...&amount=50000"""
    cfg = json.dumps({"key": _emu(request).key_id}).replace("<", "\\u003c")
    body = ("<h1>Checkout demo</h1><p class='muted'>Open checkout for the order in the query string.</p>"
            f"<script type='application/json' id='cfg'>{cfg}</script>"
            "<button id='create' type='button'>Pay with Razorpay</button><pre id='out'></pre>")
    page = _page("Checkout demo", body, script_src="/v1/checkout.js", inline_script=DEMO_SCRIPT)
    # The JSON config block is data, not script: allowed by the CSP because it is never executed.
    return page


async def favicon(request: Request) -> Response:
    return Response(status_code=204)


def create_app(key_id: str = LOCAL_KEY_ID, key_secret: str = LOCAL_KEY_SECRET, webhook_url: str | None = None,
               webhook_secret: str | None = LOCAL_WEBHOOK_SECRET, **options: Any) -> Starlette:
    emu = RazorpayEmulator(key_id, key_secret, webhook_url, webhook_secret, **options)
    routes = [
        Route("/", dashboard),
        Route("/favicon.ico", favicon),
        Route("/v1/checkout.js", checkout_js),
        Route("/v1/orders", api(orders), methods=["GET", "POST"]),
        Route("/v1/orders/{id}", api(order_one)),
        Route("/v1/orders/{id}/payments", api(order_payments)),
        Route("/v1/payments", api(payments)),
        Route("/v1/payments/{id}", api(payment_one)),
        Route("/v1/payments/{id}/capture", api(payment_capture), methods=["POST"]),
        Route("/v1/payments/{id}/refund", api(payment_refund), methods=["POST"]),
        Route("/v1/payments/{id}/refunds", api(payment_refunds)),
        Route("/v1/payments/{id}/refunds/{rid}", api(payment_refund_one)),
        Route("/v1/refunds", api(refunds)),
        Route("/v1/refunds/{id}", api(refund_one)),
        Route("/_emulator/checkout/pay", checkout_pay, methods=["POST", "OPTIONS"]),
        Route("/_emulator/demo", demo),
    ]
    routes += [Route(path, _control(name), methods=methods) for path, (name, methods) in CONTROL_ROUTES.items()]
    app = Starlette(routes=routes)
    app.state.emulator = emu
    app.state.controls = Controls(emu)
    return app


class RunningRazorpay:
    """The emulator served from a background thread: `url`, `controls`, `emulator`, `stop()`."""

    def __init__(self, host: str, port: int, **app_kwargs: Any):
        self.app = create_app(**app_kwargs)
        self.emulator: RazorpayEmulator = self.app.state.emulator
        self.controls: Controls = self.app.state.controls
        self._server = BackgroundServer(self.app, host, port)
        self.url = self._server.url

    def start(self) -> "RunningRazorpay":
        self._server.start()
        return self

    def stop(self) -> None:
        self.emulator.stop()
        self._server.stop()


def start_in_thread(host: str = "127.0.0.1", port: int = 0, *, key_id: str = LOCAL_KEY_ID,
                    key_secret: str = LOCAL_KEY_SECRET, webhook_url: str | None = None,
                    webhook_secret: str | None = LOCAL_WEBHOOK_SECRET, **options: Any) -> RunningRazorpay:
    """Start on `port` (0 = a free one) in a daemon thread. Options: webhook_base_delay,
    webhook_max_delay, webhook_max_attempts (default: none, the 24-hour window decides),
    webhook_retry_window, webhook_timeout, refund_delay (seconds or a (low, high) range)."""
    return RunningRazorpay(host, port, key_id=key_id, key_secret=key_secret, webhook_url=webhook_url,
                           webhook_secret=webhook_secret, **options).start()


@contextlib.contextmanager
def running(host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> Iterator[RunningRazorpay]:
    handle = start_in_thread(host, port, **kwargs)
    try:
        yield handle
    finally:
        handle.stop()
