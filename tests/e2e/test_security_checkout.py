"""The checkout page's handlers over the websocket, as an attacker would call them: signed
out, with the wrong role, as another student, with forged callback payloads and a forged
signature. Each is refused with a clear message, shows no booking data, and writes no
payment, order, refund, ledger row or booking change."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import NO_PERMISSION, assert_denied, assert_sent_to_login, nothing_written, query
from tests.e2e.test_bookings_pages import future, make_booking, make_person
from tutorconnect.state.checkout import CheckoutState as S

pytestmark = pytest.mark.e2e
NOT_FOUND = "That booking was not found."
NOT_UNDERSTOOD = "The payment window sent something we do not understand. Please try again."


@pytest.fixture(scope="module")
def booking(db, people):
    """An unpaid booking of the demo student with a fresh tutor (a time no demo booking uses)."""
    tutor, _ = make_person(db, "tutor", "Ines Duarte", "Europe/Lisbon")
    start = future(random.randint(30, 50), random.choice([2, 3, 4])) + timedelta(minutes=random.choice([0, 30]))
    return make_booking(db, people.student.id, tutor, start, paid=False)


def money_state(db) -> list:
    return (query(db, "select id, status, expires_at from bookings order by id")
            + query(db, "select count(*) from payment_orders") + query(db, "select count(*) from payments")
            + query(db, "select count(*) from refunds") + query(db, "select count(*) from ledger_entries")
            + query(db, "select count(*) from booking_events"))


CALLS = [(S.load, None), (S.check_again, None), (S.pay, None),
         (S.payment_result, {"result": {"outcome": "success", "payment_id": "pay_AAAAAAAAAAAAAA",
                                        "order_id": "order_AAAAAAAAAAAAAA", "signature": "0" * 64}})]
IDS = ["load", "check_again", "pay", "payment_result"]


def _page(booking) -> str:
    return f"/pay/{booking.reference}"


@pytest.mark.parametrize("handler, payload", CALLS, ids=IDS)
def test_signed_out_every_handler_sends_to_sign_in(open_tab, db, booking, handler, payload):
    tab = open_tab(None, _page(booking))
    before = money_state(db)
    with nothing_written(db):
        reply = tab.call(handler, payload, page=_page(booking))
    assert money_state(db) == before
    assert_sent_to_login(reply)
    assert "Ines Duarte" not in reply.text


@pytest.mark.parametrize("who", ["tutor", "admin"])
def test_tutors_and_admins_see_nothing_and_are_denied(open_tab, db, people, booking, who):
    tab = open_tab(getattr(people, who), _page(booking))
    before = money_state(db)
    with nothing_written(db):
        loaded = tab.call(S.load, page=_page(booking))
        replies = [tab.call(h, p, page=_page(booking)) for h, p in CALLS[1:]]
    assert money_state(db) == before
    assert loaded.var(S, "visible_phase", "missing") == "missing" and not loaded.var(S, "info")
    assert "Ines Duarte" not in loaded.text and not loaded.scripts
    for reply in replies:
        assert_denied(reply, NO_PERMISSION)


def test_another_student_gets_not_found_and_cannot_pay(open_tab, db, people, booking):
    tab = open_tab(people.other_student, _page(booking))
    before = money_state(db)
    with nothing_written(db):
        loaded = tab.call(S.load, page=_page(booking))
        pay = tab.call(S.pay, page=_page(booking))
        result = tab.call(*CALLS[3], page=_page(booking))
    assert money_state(db) == before
    assert loaded.var(S, "visible_phase", "missing") == "missing" and not loaded.var(S, "info")
    assert "Ines Duarte" not in loaded.text + pay.text + result.text
    assert not loaded.scripts and not pay.scripts
    assert_denied(pay, NOT_FOUND)
    assert_denied(result, NOT_FOUND)


def test_unknown_and_malformed_references_show_not_found(open_tab, db, people):
    for ref in ("TC-ZZZZZZ", "not-a-reference", "x" * 3000):
        tab = open_tab(people.student, f"/pay/{ref}")
        with nothing_written(db):
            reply = tab.call(S.load, page=f"/pay/{ref}")
        assert reply.var(S, "visible_phase", "missing") == "missing" and not reply.var(S, "info")


FORGED = {
    "string": ("success", NOT_UNDERSTOOD),
    "list": (["success"], NOT_UNDERSTOOD),
    "none": (None, NOT_UNDERSTOOD),
    "unknown-outcome": ({"outcome": "refund_me"}, NOT_UNDERSTOOD),
    "outcome-type": ({"outcome": ["success"]}, NOT_UNDERSTOOD),
    "huge-outcome": ({"outcome": "s" * 100_000}, NOT_UNDERSTOOD),
}


@pytest.mark.parametrize("payload, message", FORGED.values(), ids=FORGED.keys())
def test_forged_payload_shapes_are_refused(open_tab, db, people, booking, payload, message):
    tab = open_tab(people.student, _page(booking))
    tab.call(S.load, page=_page(booking))
    before = money_state(db)
    with nothing_written(db):
        reply = tab.call(S.payment_result, {"result": payload}, page=_page(booking))
    assert money_state(db) == before
    assert_denied(reply, message)


SUCCESS_FORGERIES = {
    "types": ({"outcome": "success", "payment_id": 7, "order_id": ["order_x"], "signature": {"a": 1}},
              "The payment window did not confirm the payment."),
    "oversized": ({"outcome": "success", "payment_id": "pay_" + "A" * 5000, "order_id": "order_AAAAAAAAAA",
                   "signature": "0" * 64}, "The payment window did not confirm the payment."),
    "bad-payment-id": ({"outcome": "success", "payment_id": "pay_'; drop table payments;--",
                        "order_id": "order_AAAAAAAAAA", "signature": "0" * 64}, "The payment reference is not valid."),
    "bad-order-id": ({"outcome": "success", "payment_id": "pay_AAAAAAAAAA", "order_id": "order_<script>",
                      "signature": "0" * 64}, "The order reference is not valid."),
    "bad-signature-shape": ({"outcome": "success", "payment_id": "pay_AAAAAAAAAA", "order_id": "order_AAAAAAAAAA",
                             "signature": "not-hex"}, "The payment signature is not valid."),
    "forged-signature": ({"outcome": "success", "payment_id": "pay_AAAAAAAAAAAAAA",
                          "order_id": "order_AAAAAAAAAAAAAA", "signature": "ab" * 32},
                         "The payment signature is not valid."),
}


@pytest.mark.parametrize("payload, message", SUCCESS_FORGERIES.values(), ids=SUCCESS_FORGERIES.keys())
def test_forged_success_callbacks_are_refused_and_nothing_is_paid(open_tab, db, people, booking, payload, message):
    tab = open_tab(people.student, _page(booking))
    tab.call(S.load, page=_page(booking))
    started = tab.call(S.pay, page=_page(booking))  # creates (or reuses) the booking's one order
    assert started.scripts and "new window.Razorpay" in started.scripts[0], started.text
    before = money_state(db)
    with nothing_written(db):
        reply = tab.call(S.payment_result, {"result": payload}, page=_page(booking))
    assert money_state(db) == before
    assert not reply.crashed, reply.text
    assert reply.var(S, "visible_phase") == "failed"
    assert message in str(reply.var(S, "info").get("failure")), reply.text
    assert query(db, "select status from bookings where id = :id", id=booking.id)[0][0] == "pending_payment"


def test_a_failure_report_writes_nothing_and_keeps_the_same_order(open_tab, db, people, booking):
    tab = open_tab(people.student, _page(booking))
    tab.call(S.load, page=_page(booking))
    first = tab.call(S.pay, page=_page(booking))
    with nothing_written(db):
        reply = tab.call(S.payment_result, {"result": {"outcome": "failed", "reason": "card_declined",
                                                       "description": "<b>x</b>" * 1000}}, page=_page(booking))
    assert "Your bank declined the card." in reply.var(S, "info")["failure"]
    again = tab.call(S.pay, page=_page(booking))
    order = query(db, "select razorpay_order_id from payment_orders where booking_id = :id", id=booking.id)[0][0]
    assert order in first.scripts[0] and order in again.scripts[0]
