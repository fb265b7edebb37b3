"""Builders and fixtures for the payments tests (no tests here).

`rzp` (module scope): the Razorpay emulator (emulators/razorpay/) in a
thread, whose webhooks go to OUR real webhook route (api/app.py's Starlette app served by
uvicorn in a thread, on the test database); the gateway is pointed at the emulator with
the local keys. Each test starts with a reset emulator.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from tests.integration.booking_support import as_, book, bookable_tutor, future, student  # noqa: F401
from tutorconnect.db import session_scope
from emulators import razorpay as emulator
from emulators.serving import BackgroundServer
from tutorconnect.integrations import razorpay_gateway as gateway
from tutorconnect.services import payments

WEBHOOK_SECRET = gateway.LOCAL_WEBHOOK_SECRET
PAYMENT_TABLES = ("payment_orders", "payments", "payment_events", "refunds", "ledger_entries")


class Rzp:
    def __init__(self, handle: Any, receiver: BackgroundServer) -> None:
        self.handle, self.receiver = handle, receiver
        self.url = handle.url
        self.controls = handle.controls
        self.emulator = handle.emulator

    def orders(self) -> list[dict]:
        return self.emulator.snapshot()["orders"]

    def refunds(self) -> list[dict]:
        return self.emulator.snapshot()["refunds"]

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until every webhook due has been delivered (and answered)."""
        assert self.controls.wait_idle(timeout)


@pytest.fixture(scope="module")
def rzp_servers(database_url):
    from tutorconnect.api.app import build_api

    receiver = BackgroundServer(build_api()).start()
    handle = emulator.start_in_thread(webhook_url=receiver.url + "/api/webhooks/razorpay",
                                      webhook_base_delay=0.05, webhook_max_delay=0.5, refund_delay=0.05)
    yield Rzp(handle, receiver)
    handle.stop()
    receiver.stop()


@pytest.fixture
def rzp(rzp_servers, db, monkeypatch):
    rzp_servers.controls.reset()
    rzp_servers.controls.configure_webhook(rzp_servers.receiver.url + "/api/webhooks/razorpay", WEBHOOK_SECRET)
    creds = gateway.Credentials(gateway.LOCAL_KEY_ID, gateway.LOCAL_KEY_SECRET, WEBHOOK_SECRET, rzp_servers.url, True)
    monkeypatch.setattr(gateway, "credentials", lambda: creds)
    yield rzp_servers
    rzp_servers.controls.wait_idle(5)
    assert_ledger_balanced()


@pytest.fixture
def local_keys(db, monkeypatch):
    """The gateway's signature checks with the local keys, no emulator (webhook-only tests)."""
    creds = gateway.Credentials(gateway.LOCAL_KEY_ID, gateway.LOCAL_KEY_SECRET, WEBHOOK_SECRET,
                                "http://127.0.0.1:9", True)
    monkeypatch.setattr(gateway, "credentials", lambda: creds)
    yield creds
    assert_ledger_balanced()


def assert_ledger_balanced() -> None:
    with session_scope() as s:
        assert payments.unbalanced_bookings(s) == []


# Rows ------------------------------------------------------------------------------------
def counts() -> dict[str, int]:
    with session_scope() as s:
        return {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in (*PAYMENT_TABLES, "bookings", "booking_events", "outbox", "notifications")}


def booking_row(booking_id) -> dict:
    with session_scope() as s:
        return dict(s.execute(text("SELECT * FROM bookings WHERE id = :id"), {"id": booking_id}).mappings().one())


def rows(sql: str, **params) -> list[dict]:
    with session_scope() as s:
        return [dict(r) for r in s.execute(text(sql), params).mappings().all()]


def paid_events(booking_id) -> int:
    """History rows that moved the booking into a paid status."""
    return len(rows("SELECT id FROM booking_events WHERE booking_id = :b AND to_status IN "
                    "('confirmed', 'awaiting_tutor') AND reason IN ('paid', 'paid after the hold expired')",
                    b=booking_id))


def ledger_totals(booking_id) -> dict[str, int]:
    with session_scope() as s:
        return payments.booking_totals(s, booking_id)


# Checkout and payment --------------------------------------------------------------------
def checkout(student_id, booking_id) -> payments.CheckoutInfo:
    with session_scope() as s:
        return payments.start_checkout(s, as_(student_id), booking_id)


def confirm(student_id, booking_id, paid: dict):
    with session_scope() as s:
        return payments.confirm_from_callback(s, as_(student_id), booking_id, paid["razorpay_payment_id"],
                                              paid["razorpay_order_id"], paid["razorpay_signature"])


def pending_booking(**tutor_kw):
    tutor = bookable_tutor(**tutor_kw)
    learner = student()
    b = book(learner, tutor, future())
    return tutor, learner, b


# Hand-built webhook events (shape as Razorpay / the emulator send them) -------------------
def payment_entity(order_id: str, amount: int, *, payment_id: str | None = None, status: str = "captured",
                   currency: str = "INR", **extra) -> dict:
    ent = {"id": payment_id or "pay_" + uuid.uuid4().hex[:14], "entity": "payment", "amount": amount,
           "currency": currency, "status": status, "order_id": order_id, "method": "card",
           "captured": status == "captured", "error_code": None, "error_description": None, "error_reason": None}
    if status == "failed":
        ent.update(error_code="BAD_REQUEST_ERROR", error_description="Your payment has been declined by your bank.",
                   error_reason="card_declined")
    ent.update(extra)
    return ent


def event_body(event: str, *, payment: dict | None = None, order: dict | None = None,
               refund: dict | None = None) -> bytes:
    payload: dict[str, Any] = {}
    if refund is not None:
        payload["refund"] = {"entity": refund}
    if payment is not None:
        payload["payment"] = {"entity": payment}
    if order is not None:
        payload["order"] = {"entity": order}
    body = {"entity": "event", "account_id": "acc_test", "event": event, "contains": list(payload),
            "payload": payload, "created_at": int(time.time())}
    return json.dumps(body, separators=(",", ":")).encode()


def sign(raw: bytes, secret: str = WEBHOOK_SECRET) -> str:
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def deliver(raw: bytes, *, event_id: str | None = None, signature: str | None | bool = True):
    """Call the service as the route does; signature True -> a valid one."""
    sig = sign(raw) if signature is True else (None if signature is False else signature)
    with session_scope() as s:
        return payments.ingest_webhook(s, raw, sig, event_id or uuid.uuid4().hex[:14])


def local_order(booking_id, amount: int, currency: str = "INR") -> str:
    """An order row as start_checkout stores it (webhook-only tests need no API)."""
    order_id = "order_" + uuid.uuid4().hex[:14]
    with session_scope() as s:
        s.execute(text("INSERT INTO payment_orders (id, booking_id, razorpay_order_id, amount_minor, currency, "
                       "receipt, status) VALUES (:id, :b, :o, :a, :c, 'TC-TEST', 'created')"),
                  {"id": uuid.uuid4(), "b": booking_id, "o": order_id, "a": amount, "c": currency})
    return order_id


def eventually(check, timeout: float = 10.0):
    """Poll `check()` until it is truthy (webhooks and refund timers run in other threads)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def refunds_settled(rzp: Rzp) -> None:
    """Wait until no refund is pending here (the emulator processes them after a delay)."""
    assert eventually(lambda: not rows("SELECT id FROM refunds WHERE status = 'pending'")), "refund still pending"
    rzp.settle()
