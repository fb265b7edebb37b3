"""The money path against the Razorpay emulator through the official SDK, with the
emulator's webhooks delivered to our real route: checkout orders, the signed callback,
callback/webhook races, late payments, refunds (idempotent, partial, transient and
permanent failures), and the ledger adding up for every booking."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest

from tests.integration.booking_support import book, bookable_tutor, force_status, future, student
from tests.integration.payment_support import (
    as_,
    booking_row,
    checkout,
    confirm,
    counts,
    eventually,
    ledger_totals,
    paid_events,
    pending_booking,
    rows,
    refunds_settled,
)
from tests.integration import payment_support
from tutorconnect.db import session_scope
from tutorconnect.integrations import razorpay_gateway as gateway
from tutorconnect.services import bookings, jobs, payments
from tutorconnect.services.errors import DomainError, InvalidInput, NotFound, PermissionDenied

rzp_servers, rzp = payment_support.rzp_servers, payment_support.rzp  # fixtures
pytestmark = pytest.mark.usefixtures("rzp")


def _pay(rzp, order_id: str, outcome: str = "success") -> dict:
    return rzp.controls.pay(order_id, outcome)


def _paid_booking(rzp, **tutor_kw):
    tutor, learner, b = pending_booking(**tutor_kw)
    info = checkout(learner, b.id)
    paid = _pay(rzp, info.order_id)
    confirm(learner, b.id, paid)
    rzp.settle()
    return tutor, learner, b, paid


# Checkout ---------------------------------------------------------------------------------
def test_one_order_per_booking_in_paise_with_the_reference_and_ids_reused_on_retry(rzp):
    tutor, learner, b = pending_booking()
    first = checkout(learner, b.id)
    again = checkout(learner, b.id)
    assert first.order_id == again.order_id and first.order_id.startswith("order_")
    assert (first.amount_minor, first.currency, first.key_id) == (b.price_minor, "INR", gateway.LOCAL_KEY_ID)
    assert first.checkout_js_url.endswith("/v1/checkout.js") and first.expires_at == b.expires_at
    orders = rzp.orders()
    assert len(orders) == 1
    assert orders[0]["amount"] == b.price_minor and orders[0]["receipt"] == b.reference
    assert orders[0]["notes"] == {"booking_id": str(b.id), "student_id": str(learner), "tutor_id": str(tutor),
                                  "reference": b.reference}
    assert rows("SELECT razorpay_order_id, status FROM payment_orders") == [
        {"razorpay_order_id": first.order_id, "status": "created"}]


def test_concurrent_checkouts_of_one_booking_agree_on_one_stored_order(rzp):
    _, learner, b = pending_booking()
    barrier = threading.Barrier(4)
    seen: list[str] = []

    def go() -> None:
        barrier.wait()
        seen.append(checkout(learner, b.id).order_id)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 4 and len(set(seen)) == 1
    assert len(rows("SELECT id FROM payment_orders")) == 1


@pytest.mark.parametrize("who", ["stranger", "tutor", "nobody"])
def test_only_the_bookings_student_may_check_out(rzp, who):
    tutor, learner, b = pending_booking()
    actor = {"stranger": student(), "tutor": tutor, "nobody": None}[who]
    before = counts()
    with pytest.raises(PermissionDenied if who == "tutor" else NotFound), session_scope() as s:
        payments.start_checkout(s, as_(actor), b.id)
    assert counts() == before and rzp.orders() == []


# No booking has this id (fixed: every test worker must collect the same test ids).
UNKNOWN_ID = uuid.UUID("5f0c3a4e-9b2d-4c7e-8a1f-6b3d2e9c7a41")


@pytest.mark.parametrize("bad", [None, 42, "not-a-uuid", "", "x" * 500, str(UNKNOWN_ID), UNKNOWN_ID, ["id"]])
def test_malformed_or_unknown_booking_ids_are_refused_with_nothing_written(rzp, bad):
    _, learner, _ = pending_booking()
    before = counts()
    with pytest.raises(NotFound), session_scope() as s:
        payments.start_checkout(s, as_(learner), bad)
    with pytest.raises(NotFound), session_scope() as s:
        payments.confirm_from_callback(s, as_(learner), bad, "pay_AAAAAAAAAAAAAA", "order_AAAAAAAAAAAAAA", "0" * 64)
    assert counts() == before and rzp.orders() == []


def test_an_expired_hold_is_a_typed_error_with_a_link_back_to_the_picker(rzp):
    _, learner, b = pending_booking()
    force_status(b.id, "pending_payment", expires_at=b.expires_at - timedelta(hours=1))
    with pytest.raises(payments.HoldExpired) as err, session_scope() as s:
        payments.start_checkout(s, as_(learner), b.id)
    assert err.value.link.startswith("/book/t-") and "expired" in err.value.message
    force_status(b.id, "expired")
    with pytest.raises(payments.HoldExpired), session_scope() as s:
        payments.start_checkout(s, as_(learner), b.id)
    assert rzp.orders() == [] and rows("SELECT id FROM payment_orders") == []


def test_a_paid_or_cancelled_booking_cannot_be_checked_out_again(rzp):
    _, learner, b, _ = _paid_booking(rzp)
    with pytest.raises(payments.AlreadyPaid), session_scope() as s:
        payments.start_checkout(s, as_(learner), b.id)
    _, other, c = pending_booking()
    force_status(c.id, "cancelled")
    with pytest.raises(DomainError, match="cancelled"), session_scope() as s:
        payments.start_checkout(s, as_(other), c.id)


def test_razorpay_down_during_checkout_is_a_clear_error_and_nothing_is_stored(rzp):
    _, learner, b = pending_booking()
    rzp.controls.inject_fault("^/v1/orders", 503, count=1)
    with pytest.raises(DomainError, match="could not start the payment"), session_scope() as s:
        payments.start_checkout(s, as_(learner), b.id)
    assert rows("SELECT id FROM payment_orders") == []
    assert checkout(learner, b.id).order_id  # and the retry works


# Callback ---------------------------------------------------------------------------------
def test_callback_confirms_and_the_webhooks_that_follow_are_no_ops(rzp):
    _, learner, b = pending_booking()
    info = checkout(learner, b.id)
    rzp.controls.pause()  # the webhooks arrive after the callback
    paid = _pay(rzp, info.order_id)
    view = confirm(learner, b.id, paid)
    assert view.status == "confirmed"
    rzp.controls.resume()
    rzp.settle()
    assert booking_row(b.id)["status"] == "confirmed" and paid_events(b.id) == 1
    assert ledger_totals(b.id) == {"payment": b.price_minor, "refund": 0, "platform_fee": b.platform_fee_minor,
                                   "tutor_earnings": b.tutor_earnings_minor, "platform_fee_reversal": 0,
                                   "tutor_earnings_reversal": 0}
    events = rows("SELECT event, outcome FROM payment_events ORDER BY id")
    assert {e["event"] for e in events} == {"payment.authorized", "payment.captured", "order.paid"}
    assert all(e["outcome"] in ("recorded", "already_applied", "duplicate") for e in events)


def test_callback_signature_is_checked_over_the_stored_order_id(rzp):
    _, learner, b = pending_booking()
    info = checkout(learner, b.id)
    rzp.controls.pause()  # no webhooks: only the callback could confirm
    # another booking's genuine payment, replayed against this booking
    _, other, c = pending_booking()
    other_paid = _pay(rzp, checkout(other, c.id).order_id)
    before = counts()
    for forged in (dict(other_paid),
                   {**other_paid, "razorpay_order_id": info.order_id},
                   {**_pay(rzp, info.order_id, "card_declined")["error"]["metadata"],
                    "razorpay_payment_id": other_paid["razorpay_payment_id"],
                    "razorpay_order_id": info.order_id, "razorpay_signature": "a" * 64}):
        with pytest.raises(payments.InvalidSignature), session_scope() as s:
            payments.confirm_from_callback(s, as_(learner), b.id, forged["razorpay_payment_id"],
                                           forged["razorpay_order_id"], forged["razorpay_signature"])
    assert counts() == before and booking_row(b.id)["status"] == "pending_payment"
    rzp.controls.resume()


@pytest.mark.parametrize("field,value", [("payment_id", 5), ("payment_id", "pay_<script>"), ("order_id", None),
                                         ("signature", "zz"), ("signature", None)])
def test_callback_arguments_of_the_wrong_shape_are_refused(rzp, field, value):
    _, learner, b = pending_booking()
    checkout(learner, b.id)
    args = {"payment_id": "pay_AAAAAAAAAAAAAA", "order_id": "order_AAAAAAAAAAAAAA", "signature": "0" * 64}
    args[field] = value
    before = counts()
    with pytest.raises((InvalidInput, payments.InvalidSignature)), session_scope() as s:
        payments.confirm_from_callback(s, as_(learner), b.id, args["payment_id"], args["order_id"], args["signature"])
    assert counts() == before


def test_callback_for_a_failed_payment_says_why(rzp):
    _, learner, b = pending_booking()
    info = checkout(learner, b.id)
    failed = _pay(rzp, info.order_id, "insufficient_funds")["error"]
    assert failed["reason"] == "insufficient_funds"
    # a retry on the same order succeeds
    paid = _pay(rzp, info.order_id)
    assert confirm(learner, b.id, paid).status == "confirmed"
    rzp.settle()
    statuses = sorted(r["status"] for r in rows("SELECT status FROM payments"))
    assert statuses == ["captured", "failed"]


def test_callback_and_webhook_at_the_same_moment_confirm_once(rzp):
    for _ in range(3):
        _, learner, b = pending_booking(requires_confirmation=True)
        info = checkout(learner, b.id)
        rzp.controls.hold()  # keep the webhooks until the callback is racing them
        paid = _pay(rzp, info.order_id)
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def callback() -> None:
            try:
                barrier.wait()
                confirm(learner, b.id, paid)
            except BaseException as err:  # noqa: BLE001
                errors.append(err)

        t = threading.Thread(target=callback)
        t.start()
        barrier.wait()
        rzp.controls.release("fifo")
        t.join()
        rzp.settle()
        assert errors == []
        assert booking_row(b.id)["status"] == "awaiting_tutor" and paid_events(b.id) == 1
        assert ledger_totals(b.id)["payment"] == b.price_minor
        assert len(rows("SELECT id FROM ledger_entries WHERE booking_id = :b", b=b.id)) == 3


def test_webhook_alone_confirms_when_the_browser_never_calls_back(rzp):
    _, learner, b = pending_booking()
    _pay(rzp, checkout(learner, b.id).order_id)
    rzp.settle()
    assert booking_row(b.id)["status"] == "confirmed" and paid_events(b.id) == 1


def test_duplicated_and_reversed_webhooks_end_confirmed_once(rzp):
    _, learner, b = pending_booking()
    info = checkout(learner, b.id)
    rzp.controls.duplicate_next(count=3, times=5)
    rzp.controls.hold()
    _pay(rzp, info.order_id)
    rzp.controls.release("reverse")
    rzp.settle()
    assert booking_row(b.id)["status"] == "confirmed" and paid_events(b.id) == 1
    assert ledger_totals(b.id)["payment"] == b.price_minor


# Late payments ----------------------------------------------------------------------------
def _expire(b) -> None:
    with session_scope() as s:
        bookings.expire_unpaid(s, b.expires_at)


def test_late_payment_with_the_time_still_free_revives_the_booking(rzp):
    _, learner, b = pending_booking()
    info = checkout(learner, b.id)
    _expire(b)
    paid = _pay(rzp, info.order_id)
    assert confirm(learner, b.id, paid).status == "confirmed"
    rzp.settle()
    assert paid_events(b.id) == 1 and rows("SELECT id FROM refunds") == []


def test_late_payment_after_the_time_was_taken_is_refunded_in_full_and_the_student_told(rzp):
    tutor, learner, b = pending_booking()
    info = checkout(learner, b.id)
    _expire(b)
    rival = student()
    taken = book(rival, tutor, b.starts_at)
    assert taken.status == "pending_payment"
    paid = _pay(rzp, info.order_id)
    rzp.settle()
    view = confirm(learner, b.id, paid)
    assert view.status == "expired"
    jobs.drain()
    refunds_settled(rzp)
    refunds = rows("SELECT amount_minor, status, reason FROM refunds")
    assert refunds == [{"amount_minor": b.price_minor, "status": "processed",
                        "reason": "paid after the time was taken"}]
    assert [r["amount"] for r in rzp.refunds()] == [b.price_minor]
    notes = rows("SELECT kind, title FROM notifications WHERE user_id = :u ORDER BY created_at", u=learner)
    assert [n["kind"] for n in notes][:1] == ["payment.refunded_automatically"]
    assert any(n["kind"] == "payment.refund_processed" for n in notes)
    totals = ledger_totals(b.id)
    assert totals["payment"] + totals["refund"] == 0
    assert totals["platform_fee"] + totals["platform_fee_reversal"] == 0
    assert booking_row(taken.id)["status"] == "pending_payment"


# Refunds ----------------------------------------------------------------------------------
def _cancel(actor, b, when=None):
    with session_scope() as s:
        return bookings.cancel(s, as_(actor), b.id, "Change of plans", now=when)


def test_cancelling_three_days_ahead_refunds_in_full_once_even_if_the_job_runs_twice(rzp):
    _, learner, b, paid = _paid_booking(rzp)
    _cancel(learner, b)
    # the outbox row twice, concurrently: two workers picked the same job
    payload = rows("SELECT payload FROM outbox WHERE job = 'booking.refund_requested'")[0]["payload"]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            jobs.run_job("booking.refund_requested", payload)
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    jobs.drain()
    refunds_settled(rzp)
    assert len(rzp.refunds()) == 1 and rzp.refunds()[0]["amount"] == b.price_minor
    assert rows("SELECT amount_minor, status, idempotency_key FROM refunds") == [
        {"amount_minor": b.price_minor, "status": "processed", "idempotency_key": f"{b.id}:1"}]
    totals = ledger_totals(b.id)
    assert totals["refund"] == -b.price_minor
    assert totals["platform_fee_reversal"] == -b.platform_fee_minor
    assert totals["tutor_earnings_reversal"] == -b.tutor_earnings_minor
    assert rows("SELECT status FROM payments") == [{"status": "refunded"}]


def test_a_partial_refund_splits_fee_and_earnings_exactly(rzp):
    tutor = bookable_tutor(hourly=999_99)
    learner = student()
    b = book(learner, tutor, future(days=2, hour=3))
    info = checkout(learner, b.id)
    confirm(learner, b.id, _pay(rzp, info.order_id))
    rzp.settle()
    # within the partial window: 50% back
    view = _cancel(learner, b, when=b.starts_at - timedelta(hours=5))
    assert 0 < view.refund_minor < b.price_minor
    jobs.drain()
    refunds_settled(rzp)
    totals = ledger_totals(b.id)
    assert totals["refund"] == -view.refund_minor
    assert totals["platform_fee_reversal"] + totals["tutor_earnings_reversal"] == -view.refund_minor
    assert totals["payment"] + totals["refund"] == sum(v for k, v in totals.items()
                                                       if k not in ("payment", "refund"))
    assert rows("SELECT status FROM payments") == [{"status": "captured"}]


def test_an_unpaid_booking_has_nothing_to_refund(rzp):
    _, learner, b = pending_booking()
    checkout(learner, b.id)
    _cancel(learner, b)
    jobs.drain()
    with session_scope() as s:
        assert payments.request_refund(s, b.id, b.price_minor, reason="test") is None
    assert rows("SELECT id FROM refunds") == [] and rzp.refunds() == []


def test_a_transient_razorpay_error_leaves_the_refund_pending_for_a_retry_with_the_same_key(rzp, monkeypatch):
    monkeypatch.setattr(gateway, "TIMEOUT", (3, 1))
    _, learner, b, _ = _paid_booking(rzp)
    _cancel(learner, b)
    payload = rows("SELECT payload FROM outbox WHERE job = 'booking.refund_requested'")[0]["payload"]
    rzp.controls.inject_fault("/refund$", 503, count=1)
    with pytest.raises(gateway.GatewayError) as err:
        jobs.run_job("booking.refund_requested", payload)
    assert err.value.transient
    assert rows("SELECT status FROM refunds") == [{"status": "pending"}] and rzp.refunds() == []
    rzp.controls.inject_fault("/refund$", "hang", count=1, hang_seconds=3)
    with pytest.raises(gateway.GatewayError) as err:
        jobs.run_job("booking.refund_requested", payload)
    assert err.value.transient and err.value.code == "TIMEOUT"
    jobs.run_job("booking.refund_requested", payload)
    refunds_settled(rzp)
    assert len(rzp.refunds()) == 1
    assert rows("SELECT status FROM refunds") == [{"status": "processed"}]


def _refund_job_payload(b) -> dict:
    return rows("SELECT payload FROM outbox WHERE job = 'booking.refund_requested'")[0]["payload"]


def test_the_refund_key_sent_follows_razorpays_rule_even_for_a_row_keyed_the_old_way(rzp):
    """Refund rows keep their own dedupe key ("<booking>:1", with a ':' Razorpay refuses); what
    goes out as X-Refund-Idempotency is derived from the row's id, so a row written before the
    rule existed goes through unchanged."""
    _, learner, b, _ = _paid_booking(rzp)
    _cancel(learner, b)
    jobs.drain()
    refunds_settled(rzp)
    [refund] = rows("SELECT id, idempotency_key, status FROM refunds")
    assert refund["idempotency_key"] == f"{b.id}:1" and refund["status"] == "processed"
    sent = list(rzp.emulator.idempotency)
    assert sent == [payments.razorpay_refund_key(refund["id"])]
    assert gateway.IDEMPOTENCY_KEY.fullmatch(sent[0])


def test_a_409_while_the_first_request_is_in_flight_is_retried_and_never_marks_the_refund_failed(rzp, monkeypatch):
    monkeypatch.setattr(gateway, "TIMEOUT", (3, 60))  # the held request must not time out on a slow machine
    _, learner, b, _ = _paid_booking(rzp)
    _cancel(learner, b)
    payload = _refund_job_payload(b)
    rzp.controls.refund_latency(30)  # held in flight until refund_latency(0), however slow the machine
    first_errors: list[BaseException] = []

    def first_worker() -> None:
        try:
            jobs.run_job("booking.refund_requested", payload)
        except BaseException as err:  # noqa: BLE001
            first_errors.append(err)

    thread = threading.Thread(target=first_worker)
    thread.start()
    assert eventually(rzp.controls.in_flight, timeout=10), "the first refund request never reached Razorpay"
    with pytest.raises(gateway.GatewayError) as err:  # a second worker with the same job, meanwhile
        jobs.run_job("booking.refund_requested", payload)
    assert err.value.status == 409 and err.value.transient
    assert rows("SELECT status, flagged FROM refunds") == [{"status": "pending", "flagged": False}]
    rzp.controls.refund_latency(0)  # the first request is answered now
    thread.join()
    assert first_errors == []
    jobs.run_job("booking.refund_requested", payload)  # the retry of the refused one: nothing new
    refunds_settled(rzp)
    assert len(rzp.refunds()) == 1
    assert rows("SELECT status, flagged FROM refunds") == [{"status": "processed", "flagged": False}]
    assert ledger_totals(b.id)["refund"] == -b.price_minor


def _refund_processed_notices(learner) -> int:
    return len(rows("SELECT id FROM notifications WHERE user_id = :u AND kind = 'payment.refund_processed'",
                    u=learner))


def test_a_refund_processed_at_create_is_recorded_once_when_the_answer_comes_before_the_webhook(rzp):
    _, learner, b, _ = _paid_booking(rzp)
    rzp.controls.refund_mode("instant")
    rzp.controls.hold()  # the webhooks wait until the answer is recorded
    _cancel(learner, b)
    jobs.drain()
    assert rows("SELECT status FROM refunds") == [{"status": "processed"}]
    rzp.controls.release("fifo")
    rzp.settle()
    assert rows("SELECT status FROM refunds") == [{"status": "processed"}]
    assert ledger_totals(b.id)["refund"] == -b.price_minor
    assert _refund_processed_notices(learner) == 1


def test_a_refund_processed_at_create_is_recorded_once_when_the_webhook_comes_before_the_answer(rzp):
    _, learner, b, paid = _paid_booking(rzp)
    rzp.controls.refund_mode("instant")
    _cancel(learner, b)
    with session_scope() as s:  # the refund row, as the cancellation's job writes it first
        payments.request_refund(s, b.id, b.price_minor, reason="cancelled by the student")
    [refund] = rows("SELECT id, booking_id, amount_minor FROM refunds")
    # Razorpay processed the app's request, and its webhook is recorded before the answer is
    # (the same key and body as execute_refund sends).
    answer = gateway.refund(paid["razorpay_payment_id"], refund["amount_minor"],
                            payments.razorpay_refund_key(refund["id"]),
                            {"refund_id": str(refund["id"]), "booking_id": str(refund["booking_id"])})
    assert answer["status"] == "processed"
    rzp.settle()
    assert rows("SELECT status FROM refunds") == [{"status": "processed"}]
    with session_scope() as s:
        assert payments.record_refund_entity(s, answer, refund_id=refund["id"]) == "processed"
    jobs.drain()  # the refund job itself now finds nothing to do
    assert len(rzp.refunds()) == 1
    assert ledger_totals(b.id)["refund"] == -b.price_minor
    assert _refund_processed_notices(learner) == 1


def test_a_permanent_refusal_marks_the_refund_failed_and_flagged(rzp):
    _, learner, b, paid = _paid_booking(rzp)
    # the money was already refunded outside the app: Razorpay refuses a second refund
    gateway.refund(paid["razorpay_payment_id"], b.price_minor, "outside-the-app", {})
    _cancel(learner, b)
    jobs.drain()
    refunds_settled(rzp)
    refund = rows("SELECT status, flagged, failure_reason FROM refunds")[0]
    assert refund["status"] == "failed" and refund["flagged"] and "BAD_REQUEST_ERROR" in refund["failure_reason"]
    assert ledger_totals(b.id)["refund"] == 0


def test_a_refund_left_pending_is_finished_by_polling(rzp):
    _, learner, b, _ = _paid_booking(rzp)
    rzp.controls.refund_mode("hold")
    rzp.controls.pause()
    _cancel(learner, b)
    jobs.drain()
    refund = rows("SELECT id, status, razorpay_refund_id FROM refunds")[0]
    assert refund["status"] == "pending" and refund["razorpay_refund_id"]
    assert payments.poll_refund(refund["id"]) == "pending"
    rzp.controls.process_refund(refund["razorpay_refund_id"])
    assert payments.poll_refund(refund["id"]) == "processed"
    rzp.controls.resume()
    rzp.settle()  # the refund.processed webhook afterwards changes nothing
    assert ledger_totals(b.id)["refund"] == -b.price_minor
    assert len(rows("SELECT id FROM notifications WHERE kind = 'payment.refund_processed'")) == 1
    rzp.controls.refund_mode("auto")


def test_the_gateway_sdk_calls_against_the_emulator(rzp):
    order = gateway.create_order(12345, "INR", "TC-GATEWAY", {"k": "v"})
    assert gateway.fetch_order(order["id"])["amount"] == 12345
    assert gateway.order_payments(order["id"]) == []
    paid = rzp.controls.pay(order["id"])
    assert gateway.verify_payment_signature(order["id"], paid["razorpay_payment_id"], paid["razorpay_signature"])
    assert not gateway.verify_payment_signature(order["id"], paid["razorpay_payment_id"], "0" * 64)
    assert gateway.fetch_payment(paid["razorpay_payment_id"])["status"] == "captured"
    assert [p["id"] for p in gateway.order_payments(order["id"])] == [paid["razorpay_payment_id"]]
    with pytest.raises(gateway.GatewayError) as err:
        gateway.capture(paid["razorpay_payment_id"], 12345, "INR")
    assert not err.value.transient and err.value.status == 400
    one = gateway.refund(paid["razorpay_payment_id"], 5000, "tc-refund-key-1", {})
    same = gateway.refund(paid["razorpay_payment_id"], 5000, "tc-refund-key-1", {})
    assert one["id"] == same["id"] and gateway.fetch_refund(one["id"])["amount"] == 5000
    rzp.controls.inject_fault("^/v1/payments", 429, count=1)
    with pytest.raises(gateway.GatewayError) as err:
        gateway.fetch_payment(paid["razorpay_payment_id"])
    assert err.value.transient and err.value.status == 429
    rzp.controls.inject_fault("^/v1/orders", 502, count=1, html=True)
    with pytest.raises(gateway.GatewayError) as err:
        gateway.fetch_order(order["id"])
    assert err.value.transient and err.value.status == 502


def test_the_ledger_adds_up_for_every_booking_after_a_mixed_run(rzp):
    made = []
    for i in range(4):
        tutor, learner, b = pending_booking()
        info = checkout(learner, b.id)
        confirm(learner, b.id, _pay(rzp, info.order_id))
        made.append((learner, b))
    rzp.settle()
    _cancel(made[0][0], made[0][1])
    _cancel(made[1][0], made[1][1], when=made[1][1].starts_at - timedelta(hours=3))
    jobs.drain()
    refunds_settled(rzp)
    with session_scope() as s:
        assert payments.unbalanced_bookings(s) == []
    assert len(rows("SELECT DISTINCT booking_id FROM ledger_entries")) == 4


def test_a_failed_attempt_captured_late_after_a_successful_retry_is_refunded_as_a_duplicate(rzp):
    _, learner, b = pending_booking()
    info = checkout(learner, b.id)
    failed = _pay(rzp, info.order_id, "card_declined")["error"]["metadata"]["payment_id"]
    confirm(learner, b.id, _pay(rzp, info.order_id))
    rzp.settle()
    rzp.controls.late_capture(failed)  # the bank confirms the first attempt after all
    rzp.settle()
    jobs.drain()
    refunds_settled(rzp)
    assert booking_row(b.id)["status"] == "confirmed" and paid_events(b.id) == 1
    assert rows("SELECT amount_minor, reason, status FROM refunds") == [
        {"amount_minor": b.price_minor, "reason": "duplicate payment", "status": "processed"}]
    assert rows("SELECT kind FROM notifications WHERE user_id = :u AND kind = 'payment.refunded_automatically'",
                u=learner) == [{"kind": "payment.refunded_automatically"}]
    # cancelling afterwards refunds the payment that still holds money
    _cancel(learner, b)
    jobs.drain()
    refunds_settled(rzp)
    totals = ledger_totals(b.id)
    assert totals["payment"] == 2 * b.price_minor and totals["refund"] == -2 * b.price_minor
    assert sorted(r["status"] for r in rows("SELECT status FROM payments")) == ["refunded", "refunded"]


def test_a_tutor_declining_a_paid_request_refunds_in_full(rzp):
    tutor, learner, b, _ = _paid_booking(rzp, requires_confirmation=True)
    assert booking_row(b.id)["status"] == "awaiting_tutor"
    with session_scope() as s:
        bookings.decline(s, as_(tutor), b.id, "Away that week")
    jobs.drain()
    refunds_settled(rzp)
    assert rows("SELECT amount_minor, status FROM refunds") == [{"amount_minor": b.price_minor,
                                                                 "status": "processed"}]


def test_payment_summary_for_the_parties_only(rzp):
    tutor, learner, b, _ = _paid_booking(rzp)
    _cancel(learner, b, when=b.starts_at - timedelta(hours=5))
    jobs.drain()
    refunds_settled(rzp)
    with session_scope() as s:
        mine = payments.payment_summary(s, as_(learner), b.id)
        theirs = payments.payment_summary(s, as_(tutor), b.id)
    assert mine == theirs and mine.paid_minor == b.price_minor
    assert mine.refunded_minor == b.price_minor // 2 and mine.refund_pending_minor == 0
    assert [r.status for r in mine.refunds] == ["processed"] and mine.last_failure is None
    for who in (student(), None):
        with pytest.raises(NotFound), session_scope() as s:
            payments.payment_summary(s, as_(who), b.id)
    with pytest.raises(NotFound), session_scope() as s:
        payments.payment_summary(s, as_(learner), "garbage")


def test_a_payment_for_a_booking_cancelled_before_it_arrived_is_refunded_with_the_reason(rzp):
    _, learner, b = pending_booking()
    info = checkout(learner, b.id)
    _cancel(learner, b)
    _pay(rzp, info.order_id)
    rzp.settle()
    jobs.drain()
    refunds_settled(rzp)
    assert booking_row(b.id)["status"] == "cancelled"
    assert rows("SELECT amount_minor, reason, status FROM refunds") == [
        {"amount_minor": b.price_minor, "reason": "paid after the booking was closed", "status": "processed"}]
    body = rows("SELECT body FROM notifications WHERE kind = 'payment.refunded_automatically'")[0]["body"]
    assert "was cancelled before your payment arrived" in body
