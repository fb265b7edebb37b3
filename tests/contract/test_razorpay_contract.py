"""Razorpay's documented contract for every call TutorConnect makes (tutorconnect/integrations/
razorpay_gateway.py), through the official `razorpay` SDK: field names, types (integer minor
units, unix timestamps, `notes` shapes), status values and error bodies, written from the API
reference (https://razorpay.com/docs/api/orders/, /payments/, /refunds/,
/refunds/normal-refunds-idempotent, /errors/).

Every run: against the emulator. With RAZORPAY_CONTRACT_KEY_ID and RAZORPAY_CONTRACT_KEY_SECRET
(test-mode keys) set, the same tests also run against api.razorpay.com; the tests that need a
captured payment then use RAZORPAY_CONTRACT_PAYMENT_ID (a captured test-mode payment of at least
INR 10 made once through Checkout; each run refunds INR 1 of it with a fixed idempotency key, so
repeated runs reuse one refund). The collected test names say which provider each ran against.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Callable

import pytest
import razorpay
import requests

from emulators import razorpay as emulator

pytestmark = pytest.mark.contract
TIMEOUT = (5, 20)
REAL_BASE = "https://api.razorpay.com"
ERROR_KEYS = {"code", "description", "source", "step", "reason", "metadata"}
DAY = 24 * 3600


@dataclass
class Provider:
    name: str
    client: razorpay.Client
    base_url: str
    auth: tuple[str, str]
    paid_payment: Callable[[], str]  # a captured payment with at least INR 1 left to refund

    def raw(self, method: str, path: str, **kwargs: Any) -> tuple[int, dict]:
        """The HTTP answer itself (the SDK keeps only the description of an error)."""
        resp = requests.request(method, self.base_url + path, auth=self.auth, timeout=TIMEOUT, **kwargs)
        return resp.status_code, resp.json()


def _real() -> Provider | None:
    key, secret = os.environ.get("RAZORPAY_CONTRACT_KEY_ID"), os.environ.get("RAZORPAY_CONTRACT_KEY_SECRET")
    if not (key and secret):
        return None

    def paid_payment() -> str:
        pid = os.environ.get("RAZORPAY_CONTRACT_PAYMENT_ID")
        if not pid:
            pytest.skip("Razorpay test mode: set RAZORPAY_CONTRACT_PAYMENT_ID to a captured test payment")
        return pid

    return Provider("razorpay-test-mode", razorpay.Client(auth=(key, secret)), REAL_BASE, (key, secret), paid_payment)


_PROVIDERS = ["emulator"] + (["razorpay-test-mode"] if _real() else [])


@pytest.fixture(scope="module", params=_PROVIDERS)
def provider(request) -> Iterator[Provider]:
    if request.param == "razorpay-test-mode":
        real = _real()
        assert real is not None
        yield real
        return
    handle = emulator.start_in_thread(refund_delay=0.05)
    client = razorpay.Client(auth=(emulator.LOCAL_KEY_ID, emulator.LOCAL_KEY_SECRET), base_url=handle.url)

    def paid_payment() -> str:
        order = client.order.create({"amount": 50000, "currency": "INR", "receipt": _receipt(), "payment_capture": 1},
                                    timeout=TIMEOUT)
        return handle.controls.pay(order["id"])["razorpay_payment_id"]

    yield Provider("emulator", client, handle.url, (emulator.LOCAL_KEY_ID, emulator.LOCAL_KEY_SECRET), paid_payment)
    handle.stop()


def _receipt() -> str:
    return "TC-CT-" + uuid.uuid4().hex[:10].upper()


def _is_unix_time(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value - time.time()) < 400 * DAY


def _is_minor_units(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _assert_error(status: int, body: dict, http: int, *, field: str | None = None) -> dict:
    assert status == http, body
    error = body["error"]
    assert ERROR_KEYS <= set(error), error
    assert error["code"] == "BAD_REQUEST_ERROR" and isinstance(error["description"], str) and error["description"]
    if field is not None:
        assert error.get("field") == field, error
    return error


# Orders: POST /v1/orders, GET /v1/orders/{id}, GET /v1/orders/{id}/payments ----------------------------
def test_an_order_is_created_as_the_app_creates_it_and_has_the_documented_fields(provider):
    receipt = _receipt()
    notes = {"booking_id": str(uuid.uuid4()), "reference": receipt}
    order = provider.client.order.create({"amount": 120000, "currency": "INR", "receipt": receipt, "notes": notes,
                                          "payment_capture": 1}, timeout=TIMEOUT)
    assert re.fullmatch(r"order_[0-9A-Za-z]{14}", order["id"])
    assert order["entity"] == "order" and order["status"] == "created" and order["attempts"] == 0
    assert (order["amount"], order["amount_paid"], order["amount_due"]) == (120000, 0, 120000)
    assert all(_is_minor_units(order[k]) for k in ("amount", "amount_paid", "amount_due"))
    assert order["currency"] == "INR" and order["receipt"] == receipt and order["notes"] == notes
    assert order["offer_id"] is None and _is_unix_time(order["created_at"])
    assert provider.client.order.fetch(order["id"], timeout=TIMEOUT) == order
    payments = provider.client.order.payments(order["id"], timeout=TIMEOUT)
    assert payments["entity"] == "collection" and payments["count"] == 0 and payments["items"] == []


def test_empty_notes_come_back_as_an_empty_list(provider):
    order = provider.client.order.create({"amount": 10000, "currency": "INR", "receipt": _receipt()}, timeout=TIMEOUT)
    assert order["notes"] == []


@pytest.mark.parametrize(("body", "field"), [
    ({"amount": 99, "currency": "INR"}, "amount"),  # minimum INR 1.00
    ({"amount": "one hundred", "currency": "INR"}, "amount"),
    ({"amount": 10000, "currency": "INR", "receipt": "R" * 41}, "receipt"),  # at most 40 characters
])
def test_an_order_the_api_refuses_gets_a_documented_error_body(provider, body, field):
    status, answer = provider.raw("POST", "/v1/orders", json=body)
    _assert_error(status, answer, 400, field=field)


def test_an_unknown_id_and_wrong_keys_get_the_documented_errors(provider):
    status, body = provider.raw("GET", "/v1/orders/order_" + "0" * 14)
    assert _assert_error(status, body, 400)["description"] == "The id provided does not exist"
    with pytest.raises(razorpay.errors.BadRequestError):
        provider.client.payment.fetch("pay_" + "0" * 14, timeout=TIMEOUT)
    resp = requests.get(provider.base_url + "/v1/orders", auth=(provider.auth[0], "wrong-secret"), timeout=TIMEOUT)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "BAD_REQUEST_ERROR"


# Payments: GET /v1/payments/{id}, POST /v1/payments/{id}/capture --------------------------------------
def test_a_captured_payment_has_the_documented_fields(provider):
    payment = provider.client.payment.fetch(provider.paid_payment(), timeout=TIMEOUT)
    assert re.fullmatch(r"pay_[0-9A-Za-z]{14}", payment["id"]) and payment["entity"] == "payment"
    assert payment["status"] in ("captured", "refunded") and payment["captured"] is True
    assert re.fullmatch(r"order_[0-9A-Za-z]{14}", payment["order_id"])
    assert payment["method"] in ("card", "netbanking", "wallet", "emi", "upi")
    assert all(_is_minor_units(payment[k]) for k in ("amount", "amount_refunded", "fee", "tax"))
    assert payment["refund_status"] in (None, "partial", "full")
    assert payment["currency"] == "INR" and isinstance(payment["international"], bool)
    assert payment["error_code"] is None and payment["error_description"] is None
    assert isinstance(payment["notes"], (dict, list)) and _is_unix_time(payment["created_at"])


def test_capturing_a_captured_payment_is_refused(provider):
    pid = provider.paid_payment()
    amount = provider.client.payment.fetch(pid, timeout=TIMEOUT)["amount"]
    status, body = provider.raw("POST", f"/v1/payments/{pid}/capture", json={"amount": amount, "currency": "INR"})
    assert "already been captured" in _assert_error(status, body, 400)["description"]


# Refunds: POST /v1/payments/{id}/refund with X-Refund-Idempotency, GET /v1/refunds/{id} ------------------
def _refund(provider: Provider, pid: str, key: str, notes: dict[str, str]) -> dict:
    return provider.client.payment.refund(pid, {"amount": 100, "speed": "normal", "notes": notes},
                                          headers={"X-Refund-Idempotency": key}, timeout=TIMEOUT)


def test_a_refund_as_the_app_asks_for_it_has_the_documented_fields_and_is_idempotent(provider):
    pid = provider.paid_payment()
    key = "tc-contract-" + pid  # fixed per payment: a second run reuses the refund
    notes = {"refund_id": "contract", "booking_id": "contract"}
    refund = _refund(provider, pid, key, notes)
    assert re.fullmatch(r"rfnd_[0-9A-Za-z]{14}", refund["id"]) and refund["entity"] == "refund"
    assert refund["payment_id"] == pid and refund["amount"] == 100 and refund["currency"] == "INR"
    assert refund["status"] in ("pending", "processed", "failed") and refund["speed_requested"] == "normal"
    assert refund["notes"] == notes and "arn" in refund["acquirer_data"] and _is_unix_time(refund["created_at"])
    assert _refund(provider, pid, key, notes)["id"] == refund["id"]  # the same key and body: the same refund
    fetched = provider.client.refund.fetch(refund["id"], timeout=TIMEOUT)
    assert fetched["id"] == refund["id"] and fetched["payment_id"] == pid


def test_the_same_refund_key_with_another_body_is_refused_with_the_documented_description(provider):
    pid = provider.paid_payment()
    key = "tc-contract-" + pid
    _refund(provider, pid, key, {"refund_id": "contract", "booking_id": "contract"})
    status, body = provider.raw("POST", f"/v1/payments/{pid}/refund", headers={"X-Refund-Idempotency": key},
                                json={"amount": 100, "speed": "normal", "notes": {"refund_id": "changed"}})
    error = _assert_error(status, body, 400)
    assert error["description"] == "Different request with the same idempotency key has already been processed."


@pytest.mark.parametrize("key", ["short-key", "booking:1234567890", "spaces are not allowed"])
def test_a_refund_key_outside_the_documented_alphabet_is_refused(provider, key):
    pid = provider.paid_payment()
    status, body = provider.raw("POST", f"/v1/payments/{pid}/refund", headers={"X-Refund-Idempotency": key},
                                json={"amount": 100})
    _assert_error(status, body, 400)


def test_a_refund_larger_than_what_is_left_is_refused(provider):
    pid = provider.paid_payment()
    payment = provider.client.payment.fetch(pid, timeout=TIMEOUT)
    left = payment["amount"] - payment["amount_refunded"]
    status, body = provider.raw("POST", f"/v1/payments/{pid}/refund", json={"amount": left + 100},
                                headers={"X-Refund-Idempotency": "tc-contract-too-much-" + pid})
    _assert_error(status, body, 400, field="amount")
