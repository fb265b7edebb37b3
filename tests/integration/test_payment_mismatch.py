"""Captures at the wrong amount or currency (#14 item 5), against the Razorpay emulator
through the official SDK, with its signed webhooks delivered to our real route.

A capture that does not match its order (18,001 INR for a 1,500 INR lesson, or the right
number in USD) is never counted as paid: the booking is not confirmed, receipts and
earnings (both from the ledger) show nothing for it, the ledger has no revenue row, the
payment is recorded as `mismatched`, and the whole captured amount is refunded
automatically at Razorpay, once, however often the webhook comes. A refund that fails
stays in the admins' queue of flagged events (item 6)."""

from __future__ import annotations

import pytest

from tests.integration import payment_support
from tests.integration.payment_support import (
    as_,
    booking_row,
    checkout,
    confirm,
    deliver,
    event_body,
    eventually,
    ledger_totals,
    paid_events,
    pending_booking,
    refunds_settled,
    rows,
)
from tutorconnect.db import session_scope
from tutorconnect.services import jobs, payments
from tutorconnect.services.errors import PermissionDenied

rzp_servers, rzp = payment_support.rzp_servers, payment_support.rzp  # fixtures
pytestmark = pytest.mark.usefixtures("rzp")

LESSON = 1500_00  # a ₹1,500 lesson: 60 minutes at ₹1,500 an hour
WRONG = 18001_00


def _lesson():
    tutor, learner, b = pending_booking(hourly=LESSON)
    assert (b.price_minor, b.currency) == (LESSON, "INR")
    return tutor, learner, b


def _emulator_payment(rzp, payment_id: str) -> dict:
    return next(p for p in rzp.emulator.snapshot()["payments"] if p["id"] == payment_id)


def _nothing_counted(tutor, learner, b) -> None:
    """No revenue anywhere for the booking: ledger, receipts, earnings, payment summary."""
    assert rows("SELECT kind FROM ledger_entries WHERE booking_id = :b", b=b.id) == []
    assert set(ledger_totals(b.id).values()) == {0}
    with session_scope() as s:
        receipts, total = payments.list_receipts(s, as_(learner), learner)
        assert (receipts, total) == ([], 0)
        assert payments.earnings_summary(s, as_(tutor), tutor) == []
        assert payments.earnings_by_booking(s, as_(tutor), tutor) == ([], 0)
        summary = payments.payment_summary(s, as_(learner), b.id)
        assert (summary.paid_minor, summary.refunded_minor, summary.refund_pending_minor) == (0, 0, 0)


def _one_flag_for(payment_id: str) -> dict:
    flagged = rows("SELECT event, outcome, flagged FROM payment_events WHERE payment_id = :p AND flagged",
                   p=payment_id)
    assert [f["outcome"] for f in flagged] == ["amount_mismatch"], flagged
    return flagged[0]


@pytest.mark.parametrize("amount, currency", [(WRONG, "INR"), (LESSON, "USD")], ids=["18001-inr", "1500-usd"])
def test_a_webhook_capture_at_the_wrong_amount_or_currency_is_refunded_in_full_and_never_counted(
        rzp, amount, currency):
    tutor, learner, b = _lesson()
    info = checkout(learner, b.id)
    rzp.controls.duplicate_next(count=3, times=2)  # every event of the capture arrives twice
    wrong = rzp.controls.capture_at(info.order_id, amount, currency)
    rzp.settle()
    pid = wrong["razorpay_payment_id"]
    # ... and Razorpay sends the capture once more under a new event id
    again = deliver(event_body("payment.captured", payment=_emulator_payment(rzp, pid)))
    assert again.outcome == "amount_mismatch" and not again.flagged
    jobs.drain()
    refunds_settled(rzp)
    jobs.drain()

    assert booking_row(b.id)["status"] == "pending_payment" and paid_events(b.id) == 0
    assert rows("SELECT status, amount_minor, currency FROM payments") == [
        {"status": "mismatched", "amount_minor": amount, "currency": currency}]
    at_razorpay = [(r["amount"], r["currency"], r["status"]) for r in rzp.refunds() if r["payment_id"] == pid]
    assert at_razorpay == [(amount, currency, "processed")]
    assert rows("SELECT amount_minor, currency, status FROM refunds") == [
        {"amount_minor": amount, "currency": currency, "status": "processed"}]
    _nothing_counted(tutor, learner, b)
    _one_flag_for(pid)
    told = rows("SELECT kind, body FROM notifications WHERE user_id = :u AND kind = 'payment.refunded_automatically'",
                u=learner)
    assert len(told) == 1 and "did not match" in told[0]["body"]


def test_a_wrong_capture_after_the_lesson_was_paid_leaves_its_receipt_and_earnings_alone(rzp):
    tutor, learner, b = _lesson()
    info = checkout(learner, b.id)
    good = rzp.controls.pay(info.order_id)
    confirm(learner, b.id, good)
    rzp.settle()
    wrong = rzp.controls.capture_at(info.order_id, WRONG)
    usd = rzp.controls.capture_at(info.order_id, LESSON, "USD")
    rzp.settle()
    jobs.drain()
    refunds_settled(rzp)

    assert booking_row(b.id)["status"] == "confirmed" and paid_events(b.id) == 1
    with session_scope() as s:
        (receipt,), total = payments.list_receipts(s, as_(learner), learner)
        (earned,) = payments.earnings_summary(s, as_(tutor), tutor)
    assert total == 1 and (receipt.currency, receipt.paid_minor, receipt.refunded_minor) == ("INR", LESSON, 0)
    assert [p.razorpay_payment_id for p in receipt.payments] == [good["razorpay_payment_id"]]
    assert [p.amount_minor for p in receipt.payments] == [LESSON] and receipt.refunds == []
    assert (earned.currency, earned.gross_minor) == ("INR", LESSON)
    assert ledger_totals(b.id)["payment"] == LESSON
    refunded = sorted((r["payment_id"], r["amount"], r["currency"]) for r in rzp.refunds())
    assert refunded == sorted([(wrong["razorpay_payment_id"], WRONG, "INR"),
                               (usd["razorpay_payment_id"], LESSON, "USD")])
    pdf = payments.render_receipt_pdf(receipt, "Asia/Kolkata")
    assert pdf.startswith(b"%PDF")


def test_the_checkout_callback_with_a_wrong_capture_refuses_records_and_refunds_it_once(rzp):
    tutor, learner, b = _lesson()
    info = checkout(learner, b.id)
    rzp.controls.pause()  # the browser's callback comes before any webhook
    wrong = rzp.controls.capture_at(info.order_id, WRONG)
    with pytest.raises(payments.PaymentFailed, match="does not match"):
        confirm(learner, b.id, wrong)
    # kept although the student's callback was refused
    assert rows("SELECT status, amount_minor FROM payments") == [{"status": "mismatched", "amount_minor": WRONG}]
    assert [r["amount_minor"] for r in rows("SELECT amount_minor FROM refunds")] == [WRONG]
    with pytest.raises(payments.PaymentFailed):  # the student tries the callback again
        confirm(learner, b.id, wrong)
    jobs.drain()
    rzp.controls.resume()
    rzp.settle()
    jobs.drain()
    refunds_settled(rzp)
    assert booking_row(b.id)["status"] == "pending_payment"
    assert [(r["amount"], r["status"]) for r in rzp.refunds()] == [(WRONG, "processed")]
    _nothing_counted(tutor, learner, b)
    _one_flag_for(wrong["razorpay_payment_id"])


def test_reconciliation_meeting_a_wrong_capture_refunds_nothing_twice(rzp):
    _, learner, b = _lesson()
    info = checkout(learner, b.id)
    rzp.controls.drop_next(count=3)  # the webhooks never arrive
    wrong = rzp.controls.capture_at(info.order_id, WRONG)
    report = payments.reconcile(after_minutes=0)
    assert report.flagged == 1
    payments.reconcile(after_minutes=0)
    jobs.drain()
    refunds_settled(rzp)
    assert booking_row(b.id)["status"] == "pending_payment"
    assert [(r["payment_id"], r["amount"]) for r in rzp.refunds()] == [(wrong["razorpay_payment_id"], WRONG)]
    assert rows("SELECT status FROM payments") == [{"status": "mismatched"}]


def test_a_refund_razorpay_fails_keeps_the_flag_in_the_admins_queue(rzp):
    from tests.integration.test_tutor_support import make_user

    _, learner, b = _lesson()
    info = checkout(learner, b.id)
    rzp.controls.refund_mode("fail", 0.05)
    wrong = rzp.controls.capture_at(info.order_id, WRONG)
    rzp.settle()
    jobs.drain()
    assert eventually(lambda: rows("SELECT status FROM refunds") == [{"status": "failed"}])
    rzp.settle()
    assert booking_row(b.id)["status"] == "pending_payment"
    admin = make_user("admin", "Flag Admin")
    with session_scope() as s:
        page = payments.list_payment_flags(s, as_(admin))
    (flag,) = [f for f in page.rows if f.payment_id == wrong["razorpay_payment_id"]]
    assert (flag.flag, flag.booking_reference, flag.amount_minor, flag.currency) == (
        "amount_mismatch", b.reference, WRONG, "INR")
    assert flag.refund_status == "failed" and flag.resolved_at is None
    with pytest.raises(PermissionDenied), session_scope() as s:
        payments.list_payment_flags(s, as_(learner))
