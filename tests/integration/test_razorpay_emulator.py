"""The official razorpay SDK (2.0.1) against the Razorpay emulator over real HTTP, and the
emulator's webhooks against a real HTTP receiver. No mocks."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time

import pytest
import razorpay
import requests
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from emulators import razorpay as emulator
from emulators.serving import BackgroundServer

KEY_ID, KEY_SECRET, WEBHOOK_SECRET = "rzp_test_emulatortest01", "emulator-test-secret", "emulator-hook-secret"
TIMEOUT = (3, 10)


class Receiver:
    """A webhook endpoint that records raw bodies and answers from a queue of statuses."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.received: list[dict] = []
        self.statuses: list[int] = []
        app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])
        self.server = BackgroundServer(app).start()
        self.url = self.server.url + "/hook"

    async def hook(self, request: Request) -> JSONResponse:
        raw = await request.body()
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.received.append({"raw": raw, "signature": request.headers.get("x-razorpay-signature"),
                                  "event_id": request.headers.get("x-razorpay-event-id"),
                                  "event": json.loads(raw)["event"]})
            status = self.statuses.pop(0) if self.statuses else 200
        return JSONResponse({"ok": status < 300}, status_code=status)

    def events(self) -> list[str]:
        with self.lock:
            return [r["event"] for r in self.received]

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
            self.statuses.clear()


@pytest.fixture(scope="module")
def receiver():
    rec = Receiver()
    yield rec
    rec.server.stop()


@pytest.fixture(scope="module")
def handle(receiver):
    h = emulator.start_in_thread(key_id=KEY_ID, key_secret=KEY_SECRET, webhook_url=receiver.url,
                                 webhook_secret=WEBHOOK_SECRET, webhook_base_delay=0.02, webhook_max_attempts=5,
                                 refund_delay=0.05)
    yield h
    h.stop()


@pytest.fixture
def rzp(handle, receiver):
    handle.controls.reset()
    # A reset forgets what was scheduled, but a send already on the wire still reaches the
    # receiver: wait for it before clearing, or the last test's webhook lands in this one
    # (shuffled clean-clone run 43: an order.paid ahead of this test's own events).
    assert handle.controls.wait_idle(10)
    receiver.clear()
    return handle


@pytest.fixture
def client(rzp):
    return razorpay.Client(auth=(KEY_ID, KEY_SECRET), base_url=rzp.url)


def new_order(client, amount=50000, receipt="BK-TEST-1", **extra):
    return client.order.create({"amount": amount, "currency": "INR", "receipt": receipt,
                                "notes": {"booking_id": "b-1"}, **extra}, timeout=TIMEOUT)


def raw_error(rzp, method, path, **kwargs):
    resp = requests.request(method, rzp.url + path, auth=(KEY_ID, KEY_SECRET), timeout=5, **kwargs)
    return resp.status_code, resp.json()


# Orders --------------------------------------------------------------------------------
def test_order_create_fetch_and_list_by_receipt(client):
    order = new_order(client)
    assert re.fullmatch(r"order_[0-9A-Za-z]{14}", order["id"])
    assert order | {"created_at": 0} == {
        "id": order["id"], "entity": "order", "amount": 50000, "amount_paid": 0, "amount_due": 50000,
        "currency": "INR", "receipt": "BK-TEST-1", "offer_id": None, "status": "created", "attempts": 0,
        "notes": {"booking_id": "b-1"}, "created_at": 0}
    assert abs(order["created_at"] - time.time()) < 5
    assert client.order.fetch(order["id"], timeout=TIMEOUT) == order
    other = new_order(client, receipt="BK-OTHER")
    listed = client.order.all({"receipt": "BK-TEST-1"}, timeout=TIMEOUT)
    assert listed["entity"] == "collection" and listed["count"] == 1 and listed["items"] == [order]
    everything = client.order.all({"count": 1, "skip": 0}, timeout=TIMEOUT)
    assert [o["id"] for o in everything["items"]] == [other["id"]]  # newest first
    assert client.order.all({"count": 1, "skip": 1}, timeout=TIMEOUT)["items"][0]["id"] == order["id"]
    empty_notes = client.order.create({"amount": 100, "currency": "INR"}, timeout=TIMEOUT)
    assert empty_notes["notes"] == [] and empty_notes["receipt"] is None


@pytest.mark.parametrize("body, field", [
    ({"amount": 99, "currency": "INR"}, "amount"),
    ({"amount": "12.5", "currency": "INR"}, "amount"),
    ({"currency": "INR"}, "amount"),
    ({"amount": 1000, "currency": "XYZ"}, "currency"),
    ({"amount": 1000, "currency": "INR", "receipt": "x" * 41}, "receipt"),
    ({"amount": 1000, "currency": "INR", "notes": {str(i): "v" for i in range(16)}}, "notes"),
    ({"amount": 1000, "currency": "INR", "colour": "red"}, "colour"),
])
def test_order_validation_errors_are_razorpay_shaped(rzp, client, body, field):
    with pytest.raises(razorpay.errors.BadRequestError):
        client.order.create(dict(body), timeout=TIMEOUT)
    status, err = raw_error(rzp, "POST", "/v1/orders", json=body)
    assert status == 400
    assert set(err["error"]) >= {"code", "description", "source", "step", "reason", "metadata", "field"}
    assert err["error"]["code"] == "BAD_REQUEST_ERROR" and err["error"]["field"] == field


def test_unknown_ids_and_auth_failures(rzp, client):
    for call in (lambda: client.order.fetch("order_DoesNotExist00"), lambda: client.payment.fetch("pay_x"),
                 lambda: client.refund.fetch("rfnd_x"), lambda: client.order.payments("order_nope")):
        with pytest.raises(razorpay.errors.BadRequestError, match="does not exist"):
            call()
    wrong = razorpay.Client(auth=(KEY_ID, "not-the-secret"), base_url=rzp.url)
    with pytest.raises(razorpay.errors.BadRequestError, match="Authentication failed"):
        wrong.order.all(timeout=TIMEOUT)
    for auth in ((KEY_ID, "not-the-secret"), ("rzp_test_someoneelse000", KEY_SECRET), None):
        resp = requests.get(rzp.url + "/v1/orders", auth=auth, timeout=5)
        assert resp.status_code == 401
        assert resp.json()["error"] | {"description": ""} == {
            "code": "BAD_REQUEST_ERROR", "description": "", "source": "NA", "step": "NA", "reason": "NA",
            "metadata": {}}


# Payments ------------------------------------------------------------------------------
def test_successful_payment_auto_capture_and_signature(rzp, client):
    order = new_order(client)
    result = rzp.controls.pay(order["id"])
    assert re.fullmatch(r"pay_[0-9A-Za-z]{14}", result["razorpay_payment_id"])
    assert client.utility.verify_payment_signature(result) is True
    payment = client.payment.fetch(result["razorpay_payment_id"], timeout=TIMEOUT)
    assert payment["status"] == "captured" and payment["captured"] is True and payment["entity"] == "payment"
    assert payment["order_id"] == order["id"] and payment["amount"] == 50000 and payment["method"] == "card"
    assert payment["amount_refunded"] == 0 and payment["refund_status"] is None and payment["error_code"] is None
    fetched = client.order.fetch(order["id"], timeout=TIMEOUT)
    assert (fetched["status"], fetched["amount_paid"], fetched["amount_due"], fetched["attempts"]) == (
        "paid", 50000, 0, 1)
    assert client.order.payments(order["id"], timeout=TIMEOUT)["items"] == [payment]
    with pytest.raises(razorpay.errors.BadRequestError, match="This payment has already been captured"):
        client.payment.capture(payment["id"], 50000, {"currency": "INR"}, timeout=TIMEOUT)
    with pytest.raises(emulator.ApiError, match="already been paid"):
        rzp.controls.pay(order["id"])


def test_manual_capture_order_waits_for_capture(rzp, client):
    order = new_order(client, payment_capture=0)
    paid = rzp.controls.pay(order["id"], method="upi")
    payment = client.payment.fetch(paid["razorpay_payment_id"], timeout=TIMEOUT)
    assert (payment["status"], payment["captured"], payment["vpa"]) == ("authorized", False, "success@razorpay")
    assert client.order.fetch(order["id"], timeout=TIMEOUT)["status"] == "attempted"
    with pytest.raises(razorpay.errors.BadRequestError, match="equal to the amount authorized"):
        client.payment.capture(payment["id"], 40000, {"currency": "INR"}, timeout=TIMEOUT)
    with pytest.raises(razorpay.errors.BadRequestError, match="Currency"):
        client.payment.capture(payment["id"], 50000, {"currency": "USD"}, timeout=TIMEOUT)
    captured = client.payment.capture(payment["id"], 50000, {"currency": "INR"}, timeout=TIMEOUT)
    assert captured["status"] == "captured" and captured["captured"] is True
    assert client.order.fetch(order["id"], timeout=TIMEOUT)["status"] == "paid"
    with pytest.raises(razorpay.errors.BadRequestError, match="This payment has already been captured"):
        client.payment.capture(payment["id"], 50000, {"currency": "INR"}, timeout=TIMEOUT)


def test_failed_payment_then_late_capture(rzp, client, receiver):
    order = new_order(client)
    failed = rzp.controls.pay(order["id"], outcome="insufficient_funds")
    err = failed["error"]
    assert (err["code"], err["source"], err["step"], err["reason"]) == (
        "BAD_REQUEST_ERROR", "customer", "payment_authorization", "insufficient_funds")
    assert err["metadata"]["order_id"] == order["id"]
    payment = client.payment.fetch(err["metadata"]["payment_id"], timeout=TIMEOUT)
    assert (payment["status"], payment["captured"], payment["error_reason"]) == ("failed", False, "insufficient_funds")
    assert client.order.fetch(order["id"], timeout=TIMEOUT)["status"] == "attempted"
    with pytest.raises(razorpay.errors.BadRequestError):
        client.payment.capture(payment["id"], 50000, {"currency": "INR"}, timeout=TIMEOUT)
    late = rzp.controls.late_capture(payment["id"])
    assert late["status"] == "captured" and late["captured"] is True
    assert client.order.fetch(order["id"], timeout=TIMEOUT)["status"] == "paid"
    assert rzp.controls.flush(5)
    assert receiver.events() == ["payment.failed", "payment.authorized", "payment.captured", "order.paid"]


def test_a_test_control_captures_at_another_amount_or_currency_than_the_orders(rzp, client, receiver):
    order = new_order(client, amount=150000)
    wrong = rzp.controls.capture_at(order["id"], 1800100)
    assert client.utility.verify_payment_signature(wrong) is True
    payment = client.payment.fetch(wrong["razorpay_payment_id"], timeout=TIMEOUT)
    assert (payment["status"], payment["captured"], payment["amount"], payment["currency"]) == (
        "captured", True, 1800100, "INR")
    fetched = client.order.fetch(order["id"], timeout=TIMEOUT)
    assert (fetched["status"], fetched["amount"], fetched["amount_paid"]) == ("paid", 150000, 1800100)
    usd = rzp.controls.capture_at(order["id"], 150000, "USD")  # on a paid order too, as a late capture
    assert client.payment.fetch(usd["razorpay_payment_id"], timeout=TIMEOUT)["currency"] == "USD"
    refund = client.payment.refund(wrong["razorpay_payment_id"], {"amount": 1800100}, timeout=TIMEOUT)
    assert refund["amount"] == 1800100 and refund["currency"] == "INR"
    assert rzp.controls.flush(5)
    assert receiver.events()[:4] == ["payment.authorized", "payment.captured", "order.paid", "payment.authorized"]
    for bad in ({"amount": "lots"}, {"amount": 50}, {"amount": 150000, "currency": "XYZ"}):
        with pytest.raises(emulator.ApiError):
            rzp.controls.capture_at(order["id"], **bad)


def test_refunds_idempotency_partial_and_over_refund(rzp, client):
    order = new_order(client)
    pay_id = rzp.controls.pay(order["id"])["razorpay_payment_id"]
    first = client.payment.refund(pay_id, {"amount": 20000, "notes": {"reason": "cancel"}},
                                  headers={"X-Refund-Idempotency": "bk-1-cancel-0001"}, timeout=TIMEOUT)
    again = client.payment.refund(pay_id, {"amount": 20000, "notes": {"reason": "cancel"}},
                                  headers={"X-Refund-Idempotency": "bk-1-cancel-0001"}, timeout=TIMEOUT)
    assert re.fullmatch(r"rfnd_[0-9A-Za-z]{14}", first["id"]) and again["id"] == first["id"]
    assert first["status"] == "pending" and first["amount"] == 20000 and first["payment_id"] == pay_id
    refunds = client.payment.fetch_multiple_refund(pay_id, timeout=TIMEOUT)
    assert refunds["count"] == 1
    payment = client.payment.fetch(pay_id, timeout=TIMEOUT)
    assert (payment["amount_refunded"], payment["refund_status"], payment["status"]) == (20000, "partial", "captured")
    with pytest.raises(razorpay.errors.BadRequestError, match="greater than amount captured"):
        client.payment.refund(pay_id, {"amount": 30001}, headers={"X-Refund-Idempotency": "key-000002"}, timeout=TIMEOUT)
    with pytest.raises(razorpay.errors.BadRequestError, match="Different request with the same idempotency key"):
        client.payment.refund(pay_id, {"amount": 100}, headers={"X-Refund-Idempotency": "bk-1-cancel-0001"},
                              timeout=TIMEOUT)
    rest = client.payment.refund(pay_id, {"amount": 30000}, headers={"X-Refund-Idempotency": "key-000003"}, timeout=TIMEOUT)
    payment = client.payment.fetch(pay_id, timeout=TIMEOUT)
    assert (payment["amount_refunded"], payment["refund_status"], payment["status"]) == (50000, "full", "refunded")
    with pytest.raises(razorpay.errors.BadRequestError, match="fully refunded"):
        client.payment.refund(pay_id, {"amount": 100}, headers={"X-Refund-Idempotency": "key-000004"}, timeout=TIMEOUT)
    deadline = time.time() + 5
    while client.refund.fetch(rest["id"], timeout=TIMEOUT)["status"] == "pending" and time.time() < deadline:
        time.sleep(0.05)
    assert client.refund.fetch(rest["id"], timeout=TIMEOUT)["status"] == "processed"
    assert client.payment.fetch_refund_id(pay_id, first["id"], timeout=TIMEOUT)["id"] == first["id"]
    assert rzp.controls.flush(5)
    events = [d["event"] for d in rzp.controls.deliveries()]
    assert events.count("refund.created") == 2 and events.count("refund.processed") == 2


def test_refund_of_uncaptured_payment_and_failed_refund(rzp, client):
    order = new_order(client, payment_capture=0)
    pay_id = rzp.controls.pay(order["id"])["razorpay_payment_id"]
    with pytest.raises(razorpay.errors.BadRequestError, match="not been captured"):
        client.payment.refund(pay_id, {"amount": 100}, timeout=TIMEOUT)
    client.payment.capture(pay_id, 50000, {"currency": "INR"}, timeout=TIMEOUT)
    rzp.controls.refund_mode("hold")
    ref = client.payment.refund(pay_id, {}, headers={"X-Refund-Idempotency": "full-refund-1"}, timeout=TIMEOUT)
    assert ref["amount"] == 50000
    time.sleep(0.2)
    assert client.refund.fetch(ref["id"], timeout=TIMEOUT)["status"] == "pending"
    rzp.controls.fail_refund(ref["id"])
    assert client.refund.fetch(ref["id"], timeout=TIMEOUT)["status"] == "failed"
    payment = client.payment.fetch(pay_id, timeout=TIMEOUT)
    assert (payment["amount_refunded"], payment["refund_status"], payment["status"]) == (0, None, "captured")
    assert rzp.controls.flush(5)
    assert [d["event"] for d in rzp.controls.deliveries()][-2:] == ["refund.created", "refund.failed"]


# Webhooks ------------------------------------------------------------------------------
def test_webhook_bodies_are_signed_and_shaped(rzp, client, receiver):
    order = new_order(client)
    rzp.controls.pay(order["id"])
    assert rzp.controls.flush(5)
    assert receiver.events() == ["payment.authorized", "payment.captured", "order.paid"]
    ids = set()
    for rec in receiver.received:
        assert client.utility.verify_webhook_signature(rec["raw"].decode(), rec["signature"], WEBHOOK_SECRET)
        with pytest.raises(razorpay.errors.SignatureVerificationError):
            client.utility.verify_webhook_signature(rec["raw"].decode(), rec["signature"], "wrong")
        body = json.loads(rec["raw"])
        assert body["entity"] == "event" and body["account_id"].startswith("acc_")
        assert body["payload"]["payment"]["entity"]["order_id"] == order["id"]
        assert re.fullmatch(r"[0-9A-Za-z]{14}", rec["event_id"])
        ids.add(rec["event_id"])
    paid = json.loads(receiver.received[-1]["raw"])
    assert paid["contains"] == ["payment", "order"] and paid["payload"]["order"]["entity"]["status"] == "paid"
    assert len(ids) == 3


def test_webhook_retries_until_2xx_with_same_event_id(rzp, client, receiver):
    receiver.statuses = [500, 503]
    rzp.controls.pay(new_order(client)["id"], outcome="card_declined")
    assert rzp.controls.flush(5)
    assert len(receiver.received) == 3 and len({r["event_id"] for r in receiver.received}) == 1
    (delivery,) = rzp.controls.deliveries()
    assert delivery["state"] == "delivered" and delivery["status_codes"] == [500, 503, 200]


def test_webhook_gives_up_and_reports_connection_errors(rzp, client):
    original = rzp.emulator.webhooks.url
    rzp.controls.configure_webhook(url="http://127.0.0.1:9/nothing-listens")
    try:
        rzp.controls.pay(new_order(client)["id"], outcome="card_declined")
        assert rzp.controls.flush(10)
        (delivery,) = rzp.controls.deliveries()
        assert delivery["state"] == "failed" and delivery["status_codes"] == [None] * 5
    finally:
        rzp.controls.configure_webhook(url=original)


def test_webhook_duplicate_drop_delay_and_redeliver(rzp, client, receiver):
    rzp.controls.duplicate_next(count=1, times=5)
    rzp.controls.drop_next(1, event="payment.captured")
    rzp.controls.pay(new_order(client)["id"])
    assert rzp.controls.flush(5)
    assert receiver.events() == ["payment.authorized"] * 5 + ["order.paid"]
    assert len({r["event_id"] for r in receiver.received[:5]}) == 1
    dropped = [d for d in rzp.controls.deliveries() if d["state"] == "dropped"]
    assert [d["event"] for d in dropped] == ["payment.captured"]
    assert rzp.controls.redeliver(dropped[0]["event_id"])
    assert rzp.controls.flush(5)
    assert receiver.events()[-1] == "payment.captured"
    receiver.clear()
    rzp.controls.delay_next(0.5)
    started = time.monotonic()
    rzp.controls.pay(new_order(client, receipt="BK-2")["id"], outcome="card_declined")
    assert rzp.controls.wait_idle(5)
    assert time.monotonic() - started >= 0.45 and receiver.events() == ["payment.failed"]


def test_webhook_hold_and_release_reorders(rzp, client, receiver):
    rzp.controls.hold()
    rzp.controls.pay(new_order(client)["id"])
    time.sleep(0.2)
    assert receiver.events() == []
    assert rzp.controls.release("reverse") == ["order.paid", "payment.captured", "payment.authorized"]
    assert rzp.controls.flush(5)
    assert receiver.events() == ["order.paid", "payment.captured", "payment.authorized"]
    receiver.clear()
    rzp.controls.hold()
    rzp.controls.pay(new_order(client, receipt="BK-3")["id"])
    rzp.controls.release(["payment.captured", "order.paid"])
    assert rzp.controls.flush(5)
    assert receiver.events() == ["payment.captured", "order.paid", "payment.authorized"]


def test_webhook_pause_resume(rzp, client, receiver):
    rzp.controls.pause()
    rzp.controls.pay(new_order(client)["id"], outcome="authentication_failed")
    time.sleep(0.2)
    assert receiver.events() == []
    rzp.controls.resume()
    assert rzp.controls.wait_idle(5)
    assert receiver.events() == ["payment.failed"]


# Faults --------------------------------------------------------------------------------
@pytest.mark.parametrize("status, error", [(500, razorpay.errors.ServerError), (502, razorpay.errors.ServerError),
                                           (503, razorpay.errors.ServerError),
                                           (429, razorpay.errors.BadRequestError)])
def test_fault_injection_status(rzp, client, status, error):
    rzp.controls.inject_fault(r"^/v1/orders", status=status, count=1, method="POST")
    with pytest.raises(error):
        new_order(client)
    assert new_order(client)["status"] == "created"  # only the next one


def test_fault_injection_hang_trips_client_timeout(rzp, client):
    rzp.controls.inject_fault(r"^/v1/payments/", status="hang", hang_seconds=5)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        client.payment.fetch("pay_whatever000000", timeout=(1, 0.5))
    assert time.monotonic() - started < 3


def test_html_gateway_page_is_not_json(rzp, client):
    rzp.controls.inject_fault(r"^/v1/orders", status=502, html=True)
    with pytest.raises(requests.exceptions.JSONDecodeError):
        client.order.all(timeout=TIMEOUT)


# HTTP controls and checkout endpoint -----------------------------------------------------
def test_http_controls_and_checkout_pay_endpoint(rzp, client, receiver):
    order = new_order(client)
    pre = requests.options(rzp.url + "/_emulator/checkout/pay", timeout=5,
                           headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == "*"
    bad_key = requests.post(rzp.url + "/_emulator/checkout/pay", json={"key": "rzp_test_x", "order_id": order["id"]},
                            timeout=5)
    assert bad_key.status_code == 401
    failed = requests.post(rzp.url + "/_emulator/checkout/pay", timeout=5, json={
        "key": KEY_ID, "order_id": order["id"], "amount": 50000, "outcome": "card_declined"}).json()
    assert failed["error"]["reason"] == "card_declined"
    ok = requests.post(rzp.url + "/_emulator/checkout/pay", timeout=5, json={
        "key": KEY_ID, "order_id": order["id"], "amount": 50000, "outcome": "success", "method": "netbanking"})
    assert ok.headers["access-control-allow-origin"] == "*"
    assert client.utility.verify_payment_signature(ok.json())
    assert client.order.fetch(order["id"], timeout=TIMEOUT)["attempts"] == 2
    r = requests.post(rzp.url + "/_emulator/webhooks/flush", json={"timeout": 5}, timeout=10).json()
    assert r == {"ok": True, "result": True}
    deliveries = requests.get(rzp.url + "/_emulator/webhooks/deliveries", timeout=5).json()["result"]
    assert [d["event"] for d in deliveries] == ["payment.failed", "payment.authorized", "payment.captured",
                                                "order.paid"]
    assert requests.post(rzp.url + "/_emulator/faults", json={"path": "^/v1/orders", "status": 503},
                         timeout=5).json()["ok"]
    with pytest.raises(razorpay.errors.ServerError):
        client.order.fetch(order["id"], timeout=TIMEOUT)
    bad = requests.post(rzp.url + "/_emulator/webhooks/duplicate", json={"nonsense": 1}, timeout=5)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "BAD_REQUEST_ERROR"
    assert requests.post(rzp.url + "/_emulator/reset", timeout=5).json()["ok"]
    assert requests.get(rzp.url + "/_emulator/state", timeout=5).json()["result"]["orders"] == []
    js = requests.get(rzp.url + "/v1/checkout.js", timeout=5)
    assert js.status_code == 200 and "window.Razorpay" in js.text
    assert "javascript" in js.headers["content-type"]
    page = requests.get(rzp.url + "/", timeout=5)
    assert page.status_code == 200 and "default-src 'none'" in page.headers["content-security-policy"]


def test_pending_payment_then_late_capture_or_failure(rzp, client, receiver):
    order = new_order(client)
    pending = rzp.controls.pay(order["id"], outcome="pending")
    payment = client.payment.fetch(pending["razorpay_payment_id"], timeout=TIMEOUT)
    assert payment["status"] == "created" and client.order.fetch(order["id"], timeout=TIMEOUT)["status"] == "attempted"
    assert rzp.controls.flush(5) and receiver.events() == []
    other = rzp.controls.pay(order["id"], outcome="pending")["razorpay_payment_id"]
    assert rzp.controls.fail_pending(other, "authentication_failed")["error_reason"] == "authentication_failed"
    captured = rzp.controls.late_capture(payment["id"])
    assert captured["status"] == "captured" and captured["error_code"] is None
    assert rzp.controls.flush(5)
    assert receiver.events() == ["payment.failed", "payment.authorized", "payment.captured", "order.paid"]


def test_concurrent_refunds_with_one_idempotency_key_make_one_refund(rzp, client):
    pay_id = rzp.controls.pay(new_order(client)["id"])["razorpay_payment_id"]
    results: list[str] = []

    def refund() -> None:
        mine = razorpay.Client(auth=(KEY_ID, KEY_SECRET), base_url=rzp.url)
        results.append(mine.payment.refund(pay_id, {"amount": 50000}, headers={"X-Refund-Idempotency": "same-key-0001"},
                                           timeout=TIMEOUT)["id"])

    threads = [threading.Thread(target=refund) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert client.payment.fetch_multiple_refund(pay_id, timeout=TIMEOUT)["count"] == 1
    assert client.payment.fetch(pay_id, timeout=TIMEOUT)["amount_refunded"] == 50000


def test_reset_during_a_slow_delivery_leaves_the_sender_usable(rzp, client, receiver):
    slow = Receiver(delay=0.5)
    rzp.controls.configure_webhook(url=slow.url)
    try:
        rzp.controls.pay(new_order(client)["id"], outcome="card_declined")
        time.sleep(0.2)  # the send is in flight
        rzp.controls.reset()
        assert rzp.controls.wait_idle(5)
        rzp.controls.pay(new_order(client)["id"], outcome="card_declined")
        assert rzp.controls.flush(5)
        assert [d["state"] for d in rzp.controls.deliveries()] == ["delivered"]
    finally:
        rzp.controls.configure_webhook(url=receiver.url)
        slow.server.stop()


def test_every_http_control(rzp, client, receiver):
    def post(route: str, /, **body):
        resp = requests.post(rzp.url + "/_emulator" + route, json=body, timeout=10)
        assert resp.status_code == 200, resp.text
        return resp.json()["result"]

    order = new_order(client)
    wrong = post(f"/orders/{new_order(client, receipt='BK-X')['id']}/capture_at", amount=60000, currency="USD")
    assert client.payment.fetch(wrong["razorpay_payment_id"], timeout=TIMEOUT)["currency"] == "USD"
    failed = post(f"/orders/{order['id']}/pay", outcome="card_declined")
    pay_id = failed["error"]["metadata"]["payment_id"]
    assert post(f"/payments/{pay_id}/late_capture")["status"] == "captured"
    pending = post(f"/orders/{new_order(client, receipt='BK-P')['id']}/pay", outcome="pending")
    assert post(f"/payments/{pending['razorpay_payment_id']}/fail", reason="gateway_error")["error_code"] == (
        "GATEWAY_ERROR")
    order3 = new_order(client, receipt="BK-M", payment_capture=0)
    pending3 = post(f"/orders/{order3['id']}/pay", outcome="pending")["razorpay_payment_id"]
    assert post(f"/payments/{pending3}/authorize_late")["status"] == "authorized"
    post("/refunds/latency", seconds=0.01)
    assert requests.get(rzp.url + "/_emulator/refunds/in_flight", timeout=5).json()["result"] == []
    post("/refunds/latency", seconds=0)
    post("/refunds/mode", mode="hold")
    ref1 = client.payment.refund(pay_id, {"amount": 100}, timeout=TIMEOUT)
    ref2 = client.payment.refund(pay_id, {"amount": 100}, timeout=TIMEOUT)
    assert post(f"/refunds/{ref1['id']}/process")["status"] == "processed"
    assert post(f"/refunds/{ref2['id']}/fail")["status"] == "failed"
    assert post("/webhooks/flush", timeout=5) is True
    receiver.clear()

    post("/webhooks/hold")
    post("/webhooks/duplicate", count=1, times=3, event="payment.failed")
    post("/webhooks/drop", count=1, event="payment.authorized")
    post("/webhooks/delay", seconds=0.01, count=1)
    post(f"/orders/{new_order(client, receipt='BK-W')['id']}/pay", outcome="card_declined")
    assert post("/webhooks/release", order="fifo") == ["payment.failed"] * 3
    post("/webhooks/pause")
    assert post("/webhooks/flush", timeout=5) is True  # flush resumes
    assert receiver.events() == ["payment.failed"] * 3
    post("/webhooks/pause")
    event_id = receiver.received[0]["event_id"]
    assert post("/webhooks/redeliver", event_id=event_id) is True
    time.sleep(0.1)
    assert len(receiver.received) == 3
    post("/webhooks/resume")
    assert rzp.controls.wait_idle(5) and len(receiver.received) == 4
    assert receiver.received[-1]["event_id"] == event_id
    post("/webhooks/config", url=receiver.url, secret=WEBHOOK_SECRET)
    post("/faults", path="^/v1/refunds", status="hang", hang_seconds=2, method="GET")
    post("/faults/clear")
    assert client.refund.fetch(ref1["id"], timeout=TIMEOUT)["status"] == "processed"
    state = requests.get(rzp.url + "/_emulator/state", timeout=5).json()["result"]
    assert state["refund_mode"] == "hold" and len(state["refunds"]) == 2


# X-Refund-Idempotency, as https://razorpay.com/docs/api/refunds/normal-refunds-idempotent states it ---------
@pytest.mark.parametrize("key", ["abc", "123456789", "bk:1:cancel-refund", "has space-000", "ünïcode-key-1",
                                 "a/b-c_d-e-f-g"])
def test_an_idempotency_key_breaking_the_documented_rule_is_refused(rzp, client, key):
    pay_id = rzp.controls.pay(new_order(client)["id"])["razorpay_payment_id"]
    status, body = raw_error(rzp, "POST", f"/v1/payments/{pay_id}/refund", json={"amount": 100},
                             headers={"X-Refund-Idempotency": key.encode("utf-8")})
    assert status == 400, body
    assert body["error"]["code"] == "BAD_REQUEST_ERROR" and body["error"]["field"] == "X-Refund-Idempotency"
    assert "at least 10 characters" in body["error"]["description"]
    assert client.payment.fetch_multiple_refund(pay_id, timeout=TIMEOUT)["count"] == 0


@pytest.mark.parametrize("key", ["0123456789", "550e8400-e29b-41d4-a716-446655440000", "tc_refund_ABC_xyz"])
def test_a_key_following_the_rule_is_accepted(rzp, client, key):
    pay_id = rzp.controls.pay(new_order(client)["id"])["razorpay_payment_id"]
    ref = client.payment.refund(pay_id, {"amount": 100}, headers={"X-Refund-Idempotency": key}, timeout=TIMEOUT)
    assert ref["amount"] == 100


@pytest.mark.parametrize("second", [{"amount": 100, "notes": {"reason": "changed"}},
                                    {"amount": 100, "notes": {"reason": "cancel"}, "speed": "optimum"},
                                    {"amount": 200, "notes": {"reason": "cancel"}},
                                    {"notes": {"reason": "cancel"}}])
def test_the_same_key_with_a_different_body_is_refused_as_razorpay_documents(rzp, client, second):
    pay_id = rzp.controls.pay(new_order(client)["id"])["razorpay_payment_id"]
    headers = {"X-Refund-Idempotency": "cancel-key-0001"}
    client.payment.refund(pay_id, {"amount": 100, "notes": {"reason": "cancel"}}, headers=headers, timeout=TIMEOUT)
    status, body = raw_error(rzp, "POST", f"/v1/payments/{pay_id}/refund", json=second, headers=headers)
    assert (status, body["error"]["code"]) == (400, "BAD_REQUEST_ERROR"), body
    assert body["error"]["description"] == "Different request with the same idempotency key has already been processed."
    assert client.payment.fetch_multiple_refund(pay_id, timeout=TIMEOUT)["count"] == 1


def test_the_same_key_on_another_payment_is_refused(rzp, client):
    first = rzp.controls.pay(new_order(client)["id"])["razorpay_payment_id"]
    other = rzp.controls.pay(new_order(client, receipt="BK-TEST-2")["id"])["razorpay_payment_id"]
    headers = {"X-Refund-Idempotency": "cancel-key-0002"}
    client.payment.refund(first, {"amount": 100}, headers=headers, timeout=TIMEOUT)
    with pytest.raises(razorpay.errors.BadRequestError, match="Different request with the same idempotency key"):
        client.payment.refund(other, {"amount": 100}, headers=headers, timeout=TIMEOUT)


def test_a_duplicate_while_the_first_is_in_flight_gets_409_and_a_later_retry_the_same_refund(rzp, client):
    pay_id = rzp.controls.pay(new_order(client)["id"])["razorpay_payment_id"]

    def in_flight_refund(key: str, results: list) -> threading.Thread:
        """A refund request held in flight (until refund_latency(0)) by another client."""
        rzp.controls.refund_latency(30)
        mine = razorpay.Client(auth=(KEY_ID, KEY_SECRET), base_url=rzp.url)
        thread = threading.Thread(target=lambda: results.append(mine.payment.refund(
            pay_id, {"amount": 100}, headers={"X-Refund-Idempotency": key}, timeout=(3, 60))))
        thread.start()
        deadline = time.monotonic() + 10
        while key not in rzp.controls.in_flight() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert key in rzp.controls.in_flight()
        return thread

    first: list[dict] = []
    thread = in_flight_refund("in-flight-0001", first)
    status, body = raw_error(rzp, "POST", f"/v1/payments/{pay_id}/refund", json={"amount": 100},
                             headers={"X-Refund-Idempotency": "in-flight-0001"})
    assert status == 409 and body["error"]["code"] == "BAD_REQUEST_ERROR", body
    assert "still being processed" in body["error"]["description"]
    rzp.controls.refund_latency(0)
    thread.join()
    # what the SDK raises for a 409 (BadRequestError, from the error code)
    other: list[dict] = []
    thread = in_flight_refund("in-flight-0002", other)
    try:
        with pytest.raises(razorpay.errors.BadRequestError, match="still being processed"):
            client.payment.refund(pay_id, {"amount": 100}, headers={"X-Refund-Idempotency": "in-flight-0002"},
                                  timeout=TIMEOUT)
    finally:
        rzp.controls.refund_latency(0)
        thread.join()
    again = client.payment.refund(pay_id, {"amount": 100}, headers={"X-Refund-Idempotency": "in-flight-0001"},
                                  timeout=TIMEOUT)
    assert again["id"] == first[0]["id"]
    assert client.payment.fetch_multiple_refund(pay_id, timeout=TIMEOUT)["count"] == 2


def test_instant_mode_answers_processed_at_create_as_the_sdk_sample_shows(rzp, client, receiver):
    pay_id = rzp.controls.pay(new_order(client)["id"])["razorpay_payment_id"]
    rzp.controls.refund_mode("instant")
    ref = client.payment.refund(pay_id, {"amount": 500}, headers={"X-Refund-Idempotency": "instant-0001"},
                                timeout=TIMEOUT)
    assert ref["status"] == "processed" and ref["speed_processed"] == "normal"
    assert client.refund.fetch(ref["id"], timeout=TIMEOUT)["status"] == "processed"
    assert rzp.controls.flush(5)
    assert [d["event"] for d in rzp.controls.deliveries()][-2:] == ["refund.created", "refund.processed"]


def test_a_late_authorization_stays_authorized_on_an_auto_capture_order_until_captured(rzp, client, receiver):
    order = new_order(client)  # payment_capture defaults to 1 (auto-capture)
    pending = rzp.controls.pay(order["id"], outcome="pending")["razorpay_payment_id"]
    late = rzp.controls.authorize_late(pending)
    assert (late["status"], late["captured"]) == ("authorized", False)
    assert client.payment.fetch(pending, timeout=TIMEOUT)["status"] == "authorized"
    assert client.order.fetch(order["id"], timeout=TIMEOUT)["status"] == "attempted"
    captured = client.payment.capture(pending, 50000, {"currency": "INR"}, timeout=TIMEOUT)
    assert (captured["status"], captured["captured"]) == ("captured", True)
    assert rzp.controls.flush(5)
    assert receiver.events() == ["payment.authorized", "payment.captured", "order.paid"]


def test_an_authorization_left_uncaptured_is_refunded_automatically(rzp, client, receiver):
    order = new_order(client)
    pending = rzp.controls.pay(order["id"], outcome="pending")["razorpay_payment_id"]
    rzp.controls.authorize_late(pending)
    expired = rzp.controls.expire_authorization(pending)
    assert (expired["status"], expired["captured"], expired["amount_refunded"]) == ("refunded", False, 50000)
    [refund] = client.payment.fetch_multiple_refund(pending, timeout=TIMEOUT)["items"]
    assert (refund["status"], refund["amount"]) == ("processed", 50000)
    with pytest.raises(razorpay.errors.BadRequestError, match="authorized and not yet captured"):
        client.payment.capture(pending, 50000, {"currency": "INR"}, timeout=TIMEOUT)
    assert client.order.fetch(order["id"], timeout=TIMEOUT)["status"] == "attempted"
    assert rzp.controls.flush(5)
    assert receiver.events() == ["payment.authorized", "refund.created", "refund.processed"]


def test_a_failing_webhook_is_retried_until_its_window_ends_not_after_a_fixed_count(rzp, client):
    """Razorpay retries "for 24 hours after event creation"; here the window is shortened."""
    sender = rzp.emulator.webhooks
    assert emulator.WebhookSender.__init__.__kwdefaults__["retry_window"] == 24 * 3600
    original = (sender.url, sender.max_attempts, sender.retry_window, sender.max_delay)
    rzp.controls.configure_webhook(url="http://127.0.0.1:9/nothing-listens")
    sender.max_attempts, sender.retry_window, sender.max_delay = None, 0.4, 0.05
    try:
        rzp.controls.pay(new_order(client)["id"], outcome="card_declined")
        assert rzp.controls.flush(10)
        (delivery,) = rzp.controls.deliveries()
        assert delivery["state"] == "failed" and len(delivery["attempts"]) > 5  # more than any fixed count
        # "at" is when an attempt began; the window is checked when it has failed. So the
        # last attempt began at most one backoff (max_delay 0.05 s) before the window's end,
        # and none began long after it.
        first, last = delivery["attempts"][0]["at"], delivery["attempts"][-1]["at"]
        assert 0.4 - 0.05 - 0.02 <= last - first < 2, delivery["attempts"]
    finally:
        sender.max_attempts, sender.retry_window, sender.max_delay = original[1:]
        rzp.controls.configure_webhook(url=original[0])


@pytest.mark.parametrize("kind", ["payment", "refund"])
def test_payment_and_refund_lists_page_like_orders(rzp, client, kind):
    pay_ids = [rzp.controls.pay(new_order(client, receipt=f"BK-L{i}")["id"])["razorpay_payment_id"] for i in range(12)]
    if kind == "refund":
        ids = [client.payment.refund(p, {"amount": 100}, timeout=TIMEOUT)["id"] for p in pay_ids]
        listing = client.refund.all
    else:
        ids, listing = pay_ids, client.payment.all
    newest_first = list(reversed(ids))
    assert [i["id"] for i in listing(timeout=TIMEOUT)["items"]] == newest_first[:10]  # default count 10
    assert [i["id"] for i in listing({"count": 3, "skip": 2}, timeout=TIMEOUT)["items"]] == newest_first[2:5]
    assert listing({"count": 100, "from": int(time.time()) + 3600}, timeout=TIMEOUT)["items"] == []
    assert len(listing({"count": 100, "to": int(time.time()) + 3600}, timeout=TIMEOUT)["items"]) == 12
    with pytest.raises(razorpay.errors.BadRequestError, match="count must be between 1 and 100"):
        listing({"count": 101}, timeout=TIMEOUT)


def test_a_duplicated_webhook_can_come_again_much_later(rzp, client, receiver):
    rzp.controls.duplicate_next(count=1, times=3, event="payment.failed", every=0.3)
    order = new_order(client)
    emitted_after = time.time()
    rzp.controls.pay(order["id"], outcome="card_declined")
    assert rzp.controls.wait_idle(5)  # (flush would make every copy due at once)
    copies = [d for d in rzp.controls.deliveries() if d["event"] == "payment.failed"]
    assert len(copies) == 3 and len({d["event_id"] for d in copies}) == 1
    # Copy i is due `i * every` after the event; it is never sent before that (the first one
    # may leave a little late, so the gaps between sends can be shorter than `every`).
    sent = [d["attempts"][0]["at"] - emitted_after for d in copies]
    assert all(at >= i * 0.3 - 0.01 for i, at in enumerate(sent)), sent
