"""Reconciliation against the Razorpay emulator (official SDK) on real PostgreSQL: a
payment whose callback and webhooks never arrived is found and applied; 5xx and timeouts
leave the item untouched for the next run (nothing lost, nothing half-applied); a late
payment for a taken slot is refunded; pending refunds are polled; unpaid holds expire;
every repair is logged with before and after; the CLI prints what it did."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.integration import payment_support
from tests.integration.booking_support import book, force_status, student
from tests.integration.payment_support import (
    as_,
    booking_row,
    checkout,
    confirm,
    counts,
    ledger_totals,
    local_order,
    pending_booking,
    rows,
)
from tutorconnect.config import PROJECT_ROOT
from tutorconnect.db import session_scope
from tutorconnect.integrations import razorpay_gateway as gateway
from tutorconnect.services import bookings, jobs, payments

rzp_servers, rzp = payment_support.rzp_servers, payment_support.rzp  # fixtures
pytestmark = pytest.mark.usefixtures("rzp")


def run():
    return payments.reconcile(after_minutes=0)


def log_rows():
    return rows("SELECT kind, target_id, action, before, after FROM reconciliation_log ORDER BY id")


def _unseen_payment(rzp):
    """A booking paid at Razorpay whose callback never came and whose webhooks are held."""
    tutor, learner, b = pending_booking()
    info = checkout(learner, b.id)
    rzp.controls.pause()
    paid = rzp.controls.pay(info.order_id)
    return tutor, learner, b, info, paid


def test_a_payment_we_never_heard_of_is_found_and_the_booking_confirmed_once(rzp):
    _, _, b, info, paid = _unseen_payment(rzp)
    assert booking_row(b.id)["status"] == "pending_payment"
    report = run()
    assert (report.orders_checked, report.repaired, report.retry_later) == (1, 1, 0)
    assert booking_row(b.id)["status"] == "confirmed"
    (entry,) = log_rows()
    assert (entry["kind"], entry["target_id"], entry["action"]) == ("order", info.order_id, "confirmed")
    assert entry["before"]["booking_status"] == "pending_payment" and entry["before"]["paid_minor"] == 0
    assert entry["after"]["booking_status"] == "confirmed" and entry["after"]["paid_minor"] == b.price_minor
    assert any(info.order_id in a for a in report.actions)
    # again: nothing to do (the order is paid now), nothing logged twice
    assert run().orders_checked == 0 and len(log_rows()) == 1
    rzp.controls.resume()
    rzp.settle()  # the held webhooks arrive afterwards and change nothing
    assert ledger_totals(b.id)["payment"] == b.price_minor and len(log_rows()) == 1


def test_fresh_orders_are_left_alone_until_the_setting_says(rzp):
    _unseen_payment(rzp)
    assert payments.reconcile().orders_checked == 0  # default 15 minutes
    rzp.controls.resume()


@pytest.mark.parametrize("fault", [503, 429, 500, "hang"])
def test_razorpay_5xx_or_timeout_leaves_the_item_for_the_next_run(rzp, monkeypatch, fault):
    _, _, b, info, _ = _unseen_payment(rzp)
    monkeypatch.setattr(gateway, "TIMEOUT", (1, 1))
    before = counts()
    # the first run fails on the order fetch, the second on its payments list
    rzp.controls.inject_fault(r"^/v1/orders/order_", fault, count=1, hang_seconds=3)
    first = run()
    assert (first.retry_later, first.repaired) == (1, 0)
    assert counts() == before and log_rows() == [] and booking_row(b.id)["status"] == "pending_payment"
    rzp.controls.inject_fault(r"/payments$", fault, count=1, hang_seconds=3)
    second = run()
    assert (second.retry_later, second.repaired) == (1, 0)
    assert counts() == before and log_rows() == []
    third = run()
    assert (third.retry_later, third.repaired) == (0, 1)
    assert booking_row(b.id)["status"] == "confirmed"
    assert [r["action"] for r in log_rows()] == ["confirmed"]
    rzp.controls.resume()


def test_a_late_payment_for_a_taken_slot_is_refunded_and_logged(rzp):
    tutor, learner, b = pending_booking()
    info = checkout(learner, b.id)
    force_status(b.id, "pending_payment", expires_at=b.expires_at - timedelta(hours=1))
    assert run().expired == 1
    rival = book(student(), tutor, b.starts_at)
    rzp.controls.pause()
    rzp.controls.pay(info.order_id)
    report = run()
    assert report.repaired == 1
    assert booking_row(b.id)["status"] == "expired" and booking_row(rival.id)["status"] == "pending_payment"
    actions = [r["action"] for r in log_rows()]
    assert actions == ["expired", "refunded_late"]
    jobs.drain()
    rzp.controls.resume()
    payment_support.refunds_settled(rzp)
    assert [r["amount"] for r in rzp.refunds()] == [b.price_minor]
    totals = ledger_totals(b.id)
    assert totals["payment"] + totals["refund"] == 0


def test_a_pending_refund_is_polled_and_finished(rzp):
    _, learner, b = pending_booking()
    info = checkout(learner, b.id)
    confirm(learner, b.id, rzp.controls.pay(info.order_id))
    rzp.settle()
    rzp.controls.refund_mode("hold")
    rzp.controls.pause()
    with session_scope() as s:
        bookings.cancel(s, as_(learner), b.id, "Change of plans")
    jobs.drain()
    (refund,) = rows("SELECT id, status, razorpay_refund_id FROM refunds")
    assert refund["status"] == "pending"
    rzp.controls.inject_fault(r"^/v1/refunds/", 502, count=1)
    assert run().retry_later == 1 and rows("SELECT status FROM refunds")[0]["status"] == "pending"
    assert run().repaired == 0  # still pending at Razorpay: nothing to log
    rzp.controls.process_refund(refund["razorpay_refund_id"])
    assert run().repaired == 1
    assert rows("SELECT status FROM refunds")[0]["status"] == "processed"
    (entry,) = [r for r in log_rows() if r["kind"] == "refund"]
    assert (entry["action"], entry["before"]["status"], entry["after"]["status"]) == \
        ("refund_processed", "pending", "processed")
    rzp.controls.resume()
    rzp.settle()
    rzp.controls.refund_mode("auto")
    assert ledger_totals(b.id)["refund"] == -b.price_minor


def test_unpaid_bookings_past_their_hold_expire_and_free_the_slot(rzp):
    tutor, learner, b = pending_booking()
    force_status(b.id, "pending_payment", expires_at=b.expires_at - timedelta(hours=1))
    report = run()
    assert report.expired == 1 and booking_row(b.id)["status"] == "expired"
    (entry,) = log_rows()
    assert (entry["kind"], entry["action"], entry["before"]["status"], entry["after"]["status"]) == \
        ("booking", "expired", "pending_payment", "expired")
    assert book(student(), tutor, b.starts_at).status == "pending_payment"  # the slot is free


def test_an_order_razorpay_does_not_know_is_flagged_not_crashed_on(rzp):
    _, _, b = pending_booking()
    order_id = local_order(b.id, b.price_minor)
    report = run()
    assert report.flagged == 1
    (entry,) = log_rows()
    assert (entry["target_id"], entry["action"]) == (order_id, "flagged")
    assert booking_row(b.id)["status"] == "pending_payment"
    assert run().flagged == 1 and len(log_rows()) == 1  # flagged once, not on every run


def test_cli_reconcile_prints_what_it_did(rzp, database_url):
    _, _, b = pending_booking()
    force_status(b.id, "pending_payment", expires_at=b.expires_at - timedelta(hours=1))
    env = {**os.environ, "DATABASE_URL": database_url, "RAZORPAY_BASE_URL": rzp.url, "LOG_FORMAT": "text"}
    done = subprocess.run([sys.executable, "-m", "tutorconnect.cli", "reconcile", "--after-minutes", "0"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"booking {b.reference}: expired" in done.stdout
    assert "expired 1" in done.stdout
    assert booking_row(b.id)["status"] == "expired"


def test_the_local_loop_without_redis_runs_reconciliation(rzp, monkeypatch):
    import asyncio

    from tutorconnect import background

    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(background, "RECONCILE_FIRST_AFTER_SECONDS", 0.0)
    ran = []
    real = background.reconcile
    monkeypatch.setattr(background, "reconcile", lambda: ran.append(real()) or ran[-1])
    _, _, b, info, _ = _unseen_payment(rzp)
    with session_scope() as s:
        s.execute(text("UPDATE payment_orders SET created_at = now() - interval '1 hour'"))

    async def main():
        stop = asyncio.Event()
        task = asyncio.create_task(background.local_worker_loop(stop, poll_seconds=0.1))
        for _ in range(100):
            await asyncio.sleep(0.1)
            if ran:
                break
        stop.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(main())
    assert ran and ran[0]["repaired"] == 1
    assert booking_row(b.id)["status"] == "confirmed"
    rzp.controls.resume()


def _late_authorized(rzp):
    """A customer whose bank answered after Razorpay stopped waiting: the payment is
    `authorized`, not captured, although the app's orders ask for auto-capture."""
    tutor, learner, b = pending_booking()
    info = checkout(learner, b.id)
    pid = rzp.controls.pay(info.order_id, outcome="pending")["razorpay_payment_id"]
    rzp.controls.authorize_late(pid)
    rzp.settle()  # payment.authorized reached the app: recorded, nothing confirmed
    return tutor, learner, b, info, pid


def test_a_late_authorized_payment_is_captured_by_reconciliation_and_confirms_the_booking_once(rzp):
    _, _, b, info, pid = _late_authorized(rzp)
    assert booking_row(b.id)["status"] == "pending_payment"
    assert rows("SELECT status FROM payments") == [{"status": "authorized"}]
    rzp.controls.pause()  # the capture's own webhooks wait: reconciliation does the confirming
    report = run()
    assert report.repaired == 1
    assert rzp.emulator.payment(pid).status == "captured"
    assert booking_row(b.id)["status"] == "confirmed"
    rzp.controls.resume()
    rzp.settle()  # payment.captured and order.paid arrive afterwards and change nothing
    assert ledger_totals(b.id)["payment"] == b.price_minor
    assert [r["action"] for r in log_rows()] == ["confirmed"]


def test_a_late_authorized_payment_for_a_taken_slot_is_captured_then_refunded_in_full(rzp):
    tutor, learner, b = pending_booking()
    info = checkout(learner, b.id)
    force_status(b.id, "pending_payment", expires_at=b.expires_at - timedelta(hours=1))
    assert run().expired == 1
    book(student(), tutor, b.starts_at)
    pid = rzp.controls.pay(info.order_id, outcome="pending")["razorpay_payment_id"]
    rzp.controls.authorize_late(pid)
    rzp.settle()
    rzp.controls.pause()
    assert run().repaired == 1
    rzp.controls.resume()
    assert booking_row(b.id)["status"] == "expired"
    jobs.drain()
    payment_support.refunds_settled(rzp)
    assert [r["amount"] for r in rzp.refunds()] == [b.price_minor]
    totals = ledger_totals(b.id)
    assert totals["payment"] + totals["refund"] == 0


def test_an_authorization_razorpay_refunded_automatically_never_counts_as_paid(rzp):
    _, _, b, info, pid = _late_authorized(rzp)
    rzp.controls.expire_authorization(pid)  # nobody captured it in time
    rzp.settle()
    report = run()
    assert report.repaired == 0
    assert booking_row(b.id)["status"] == "pending_payment"
    assert ledger_totals(b.id)["payment"] == 0
    assert rows("SELECT id FROM refunds") == []  # Razorpay's own refund, not one of ours
    assert log_rows() == []
