"""Receipts (student) and earnings (tutor) in Chromium, plus their handlers over the
websocket. Payments are applied through payments.apply_payment and refunds through the
ledger (the paths the webhook and refund jobs take), on fresh people only. Screenshots:
desktop light and dark, and 390px wide."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, text
from sqlmodel import Session

from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import NO_PERMISSION, assert_denied, assert_sent_to_login, nothing_written
from tests.e2e.helpers import TIMEOUT, goto, query, settled
from tests.e2e.test_bookings_pages import DESKTOP, MOBILE, _signed_in, future, make_booking, make_person
from tutorconnect.models.scheduling import Booking
from tutorconnect.services import payments
from tutorconnect.state.earnings import EarningsState as E
from tutorconnect.state.receipts import ReceiptsState as R

pytestmark = pytest.mark.e2e


def pay(db, booking) -> str:
    pid = "pay_" + uuid.uuid4().hex[:14]
    order = "order_" + uuid.uuid4().hex[:14]
    with Session(db) as s:
        s.execute(text("INSERT INTO payment_orders (id, booking_id, razorpay_order_id, amount_minor, currency, receipt,"
                       " status) VALUES (:i, :b, :o, :a, 'INR', :r, 'created')"),
                  {"i": uuid.uuid4(), "b": booking.id, "o": order, "a": booking.price_minor, "r": booking.reference})
        assert payments.apply_payment(s, {"id": pid, "order_id": order, "status": "captured", "captured": True,
                                          "amount": booking.price_minor, "currency": "INR", "method": "card"},
                                      source="test") \
            == "confirmed"
        s.commit()
    return pid


def refund(db, booking, pid: str, amount: int, status: str) -> None:
    with Session(db) as s:
        pay_row = s.execute(text("SELECT id FROM payments WHERE razorpay_payment_id = :p"), {"p": pid}).scalar()
        rid = uuid.uuid4()
        s.execute(text("INSERT INTO refunds (id, booking_id, payment_id, idempotency_key, razorpay_refund_id,"
                       " amount_minor, currency, status, reason, processed_at) VALUES (:i, :b, :p, :k, :r, :a, 'INR',"
                       " :st, 'cancellation', :pa)"),
                  {"i": rid, "b": booking.id, "p": pay_row, "k": f"e2e-{rid}", "r": "rfnd_" + uuid.uuid4().hex[:14],
                   "a": amount, "st": status, "pa": datetime.now(timezone.utc) if status == "processed" else None})
        if status == "processed":
            row = s.execute(select(Booking.__table__).where(Booking.__table__.c.id == booking.id)).first()
            payments.record_refund(s, row, rid, amount)
        s.commit()


@pytest.fixture(scope="module")
def money(db):
    tutor, tutor_email = make_person(db, "tutor", "Yusuf Demir", "Europe/Istanbul")
    query(db, "update tutor_profiles set requires_confirmation = false where user_id = :t", t=tutor)
    learner, email = make_person(db, "student", "Ishita Bose")
    upcoming = make_booking(db, learner, tutor, future(4, 9), paid=False)
    pay(db, upcoming)
    done = make_booking(db, learner, tutor, future(5, 9), paid=False)
    pay(db, done)
    past = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(days=3)
    query(db, "update bookings set status = 'completed', starts_at = :s, ends_at = :e, blocked_from = :s,"
              " blocked_until = :e where id = :id", s=past, e=past + timedelta(hours=1), id=done.id)
    cancelled = make_booking(db, learner, tutor, future(6, 9), paid=False)
    pid = pay(db, cancelled)
    query(db, "update bookings set status = 'cancelled', cancelled_by = 'student', refund_minor = 50000"
              " where id = :id", id=cancelled.id)
    refund(db, cancelled, pid, 500_00, "processed")
    refunding = make_booking(db, learner, tutor, future(7, 9), paid=False)
    pid2 = pay(db, refunding)
    refund(db, refunding, pid2, 1000_00, "pending")
    make_booking(db, learner, tutor, future(8, 9), paid=False)  # unpaid: no receipt, no earnings
    return {"tutor": tutor, "tutor_email": tutor_email, "student": learner, "email": email, "upcoming": upcoming,
            "done": done, "cancelled": cancelled, "refunding": refunding}


def _shots(page, artifacts, name, url, ready):
    settled(page)
    page.screenshot(path=str(artifacts / f"{name}-desktop-light.png"), full_page=True)
    page.emulate_media(color_scheme="dark")
    goto(page, url)
    expect(page.locator(ready).first).to_be_visible(timeout=TIMEOUT)
    settled(page)
    page.screenshot(path=str(artifacts / f"{name}-desktop-dark.png"), full_page=True)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(MOBILE)
    goto(page, url)
    expect(page.locator(ready).first).to_be_visible(timeout=TIMEOUT)
    settled(page)
    page.screenshot(path=str(artifacts / f"{name}-mobile.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    page.set_viewport_size(DESKTOP)


def test_a_student_sees_payments_refunds_and_downloads_a_receipt(browser, live_app, db, money, artifacts):
    context, page = _signed_in(browser, live_app, money["email"])
    try:
        goto(page, "/receipts")
        cards = page.locator(".receipt-card")
        expect(cards).to_have_count(4, timeout=TIMEOUT)
        c = page.locator(f'.receipt-card[data-reference="{money["cancelled"].reference}"]')
        expect(c.locator(".receipt-paid")).to_have_text("₹1,000")
        expect(c.locator(".receipt-refunded")).to_have_text("₹500")
        expect(c.locator(".receipt-net")).to_have_text("₹500")
        expect(c).to_contain_text("Refunded")
        expect(c.locator(".receipt-lesson")).to_contain_text("IST")
        pending = page.locator(f'.receipt-card[data-reference="{money["refunding"].reference}"]')
        expect(pending).to_contain_text("Refund pending")
        expect(pending.locator(".receipt-net")).to_have_text("₹1,000")
        href = c.locator("a.receipt-pdf").get_attribute("href")
        assert href == f"/api/receipts/{money['cancelled'].id}.pdf"
        response = context.request.get(live_app.base_url + href)
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        assert response.body().startswith(b"%PDF-")
        _shots(page, artifacts, "receipts", "/receipts", ".receipt-card")
    finally:
        context.close()


def test_a_tutor_sees_pending_and_payable_earnings_from_the_ledger(browser, live_app, db, money, artifacts):
    context, page = _signed_in(browser, live_app, money["tutor_email"])
    try:
        goto(page, "/tutor/earnings")
        expect(page.locator("#tile-payable")).to_be_visible(timeout=TIMEOUT)
        # Fee is 15% (or whatever the booking copied): read the split from the ledger, not the bookings.
        sums = dict(query(db, "select b.status in ('awaiting_tutor', 'confirmed'), sum(l.amount_minor) from "
                              "ledger_entries l join bookings b on b.id = l.booking_id where b.tutor_id = :t and "
                              "l.kind in ('tutor_earnings', 'tutor_earnings_reversal') group by 1", t=money["tutor"]))
        from tutorconnect.money import format_money
        expect(page.locator("#tile-payable")).to_contain_text(format_money(int(sums[False]), "INR"))
        expect(page.locator("#tile-pending")).to_contain_text(format_money(int(sums[True]), "INR"))
        expect(page.locator(".earning-row")).to_have_count(4)
        expect(page.locator(".earnings-period").first).to_be_visible()
        _shots(page, artifacts, "earnings", "/tutor/earnings", "#tile-payable")
    finally:
        context.close()


def test_empty_receipts_and_earnings(browser, live_app, db):
    _, email = make_person(db, "student", "Empty Student")
    context, page = _signed_in(browser, live_app, email)
    try:
        goto(page, "/receipts")
        expect(page.locator("#receipts-empty")).to_be_visible(timeout=TIMEOUT)
    finally:
        context.close()
    _, email = make_person(db, "tutor", "Empty Tutor")
    context, page = _signed_in(browser, live_app, email)
    try:
        goto(page, "/tutor/earnings")
        expect(page.locator("#earnings-empty")).to_be_visible(timeout=TIMEOUT)
    finally:
        context.close()


# -- the handlers over the websocket ----------------------------------------------------------
CALLS = [(R, "/receipts", R.load, None), (R, "/receipts", R.go_to_page, {"page": 2}),
         (E, "/tutor/earnings", E.load, None), (E, "/tutor/earnings", E.go_to_page, {"page": 2})]
IDS = ["receipts-load", "receipts-page", "earnings-load", "earnings-page"]


@pytest.mark.parametrize("state, page, handler, payload", CALLS, ids=IDS)
def test_signed_out_is_sent_to_sign_in(open_tab, db, state, page, handler, payload):
    tab = open_tab(None, page)
    with nothing_written(db):
        reply = tab.call(handler, payload, page=page)
    assert_sent_to_login(reply)


@pytest.mark.parametrize("state, page, handler, payload, who", [
    (R, "/receipts", R.load, None, "tutor"), (R, "/receipts", R.load, None, "admin"),
    (R, "/receipts", R.go_to_page, {"page": 1}, "tutor"),
    (E, "/tutor/earnings", E.load, None, "student"), (E, "/tutor/earnings", E.load, None, "admin"),
    (E, "/tutor/earnings", E.go_to_page, {"page": 1}, "student"),
])
def test_the_wrong_role_is_denied(open_tab, db, people, state, page, handler, payload, who):
    tab = open_tab(getattr(people, who), page)
    with nothing_written(db):
        reply = tab.call(handler, payload, page=page)
    assert_denied(reply, NO_PERMISSION)
    assert not reply.var(state, "cards" if state is R else "rows")


@pytest.mark.parametrize("value", ["2", 1.5, True, -1, 0, 10**12, None, ["1"]])
@pytest.mark.parametrize("state, page, who", [(R, "/receipts", "student"), (E, "/tutor/earnings", "tutor")],
                         ids=["receipts", "earnings"])
def test_forged_pages_are_refused(open_tab, db, people, state, page, who, value):
    tab = open_tab(getattr(people, who), page)
    tab.call(state.load, page=page)
    with nothing_written(db):
        reply = tab.call(state.go_to_page, {"page": value}, page=page)
    assert_denied(reply, "Choose a page from the list.")


def test_one_student_never_sees_anothers_receipts(open_tab, db, people, money):
    tab = open_tab(people.student, "/receipts")
    reply = tab.call(R.load, page="/receipts")
    assert money["cancelled"].reference not in reply.text and "Yusuf Demir" not in reply.text
