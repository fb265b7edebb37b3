"""Receipts: the student's paid bookings with payments and refunds, and the PDF route
(only the booking's student or an admin; 404 for everyone else, unpaid bookings and
malformed ids). Payments are applied through payments.apply_payment (the path the
callback and webhooks take), so the ledger rows are the real ones."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tests.integration.booking_support import book, bookable_tutor, future, student
from tests.integration.test_tutor_support import as_, make_user
from tutorconnect.api import receipt_routes
from tutorconnect.db import session_scope
from tutorconnect.services import payments, sessions
from tutorconnect.services.errors import InvalidInput, NotFound, PermissionDenied

pytestmark = pytest.mark.usefixtures("db")


def paid_booking(learner, tutor, days: int, *, refund: tuple[int, str] | None = None):
    b = book(learner, tutor, future(days))
    pid = "pay_" + uuid.uuid4().hex[:14]
    with session_scope() as s:
        s.execute(text("INSERT INTO payment_orders (id, booking_id, razorpay_order_id, amount_minor, currency, receipt,"
                       " status) VALUES (:i, :b, :o, :a, 'INR', :r, 'created')"),
                  {"i": uuid.uuid4(), "b": b.id, "o": "order_" + uuid.uuid4().hex[:14], "a": b.price_minor,
                   "r": b.reference})
        order = s.execute(text("SELECT razorpay_order_id FROM payment_orders WHERE booking_id = :b"), {"b": b.id}).scalar()
        assert payments.apply_payment(s, {"id": pid, "order_id": order, "status": "captured", "captured": True,
                                          "amount": b.price_minor,
                                          "currency": "INR", "method": "upi"}, source="test") == "confirmed"
        if refund:
            amount, status = refund
            pay_row = s.execute(text("SELECT id FROM payments WHERE razorpay_payment_id = :p"), {"p": pid}).scalar()
            refund_id, rzp_id = uuid.uuid4(), "rfnd_" + uuid.uuid4().hex[:14]
            s.execute(text("INSERT INTO refunds (id, booking_id, payment_id, idempotency_key, razorpay_refund_id,"
                           " amount_minor, currency, status, reason) VALUES (:i, :b, :p, :k, :r, :a,"
                           " 'INR', 'pending', 'test')"),
                      {"i": refund_id, "b": b.id, "p": pay_row, "k": f"test-{b.id}", "r": rzp_id, "a": amount})
            if status == "processed":  # as Razorpay's answer or webhook records it: the ledger too
                assert payments.record_refund_entity(s, {"id": rzp_id, "status": "processed"},
                                                     refund_id=refund_id) == "processed"
    return b


@pytest.fixture
def people():
    return {"tutor": bookable_tutor(name="Ravi Shankar"), "student": student("Meera Pillai"),
            "admin": make_user("admin", "Ada Admin"), "stranger": student("Sam Stranger")}


def test_the_list_holds_paid_bookings_with_payments_refunds_and_net(people):
    learner, tutor = people["student"], people["tutor"]
    plain = paid_booking(learner, tutor, 3)
    refunded = paid_booking(learner, tutor, 4, refund=(400_00, "processed"))
    pending = paid_booking(learner, tutor, 5, refund=(1000_00, "pending"))
    book(learner, tutor, future(6))  # unpaid: no receipt
    with session_scope() as s:
        rows, total = payments.list_receipts(s, as_(learner), learner, page=1, per_page=2)
        rest, _ = payments.list_receipts(s, as_(learner), learner, page=2, per_page=2)
    assert total == 3 and [r.reference for r in rows + rest] == [pending.reference, refunded.reference, plain.reference]
    by_ref = {r.reference: r for r in rows + rest}
    assert (by_ref[plain.reference].paid_minor, by_ref[plain.reference].net_minor) == (1000_00, 1000_00)
    assert by_ref[plain.reference].payments[0].method == "upi"
    assert (by_ref[refunded.reference].refunded_minor, by_ref[refunded.reference].net_minor) == (400_00, 600_00)
    assert by_ref[pending.reference].refunds[0].status == "pending" and by_ref[pending.reference].net_minor == 1000_00


def test_the_list_is_only_for_oneself_and_pages_are_checked(people):
    with session_scope() as s:
        with pytest.raises(PermissionDenied):
            payments.list_receipts(s, as_(people["stranger"]), people["student"])
        with pytest.raises(PermissionDenied):
            payments.list_receipts(s, as_(people["admin"]), people["student"])
        for bad in (0, -1, "2", True, 1.5, 10**9):
            with pytest.raises(InvalidInput):
                payments.list_receipts(s, as_(people["student"]), people["student"], page=bad)


def test_receipt_for_the_student_or_an_admin_only(people):
    b = paid_booking(people["student"], people["tutor"], 3)
    with session_scope() as s:
        assert payments.receipt_for(s, as_(people["student"]), b.id).number == f"R-{b.reference}"
        assert payments.receipt_for(s, as_(people["admin"]), b.id, is_admin=True).paid_minor == 1000_00
        for who in ("stranger", "tutor"):
            with pytest.raises(NotFound):
                payments.receipt_for(s, as_(people[who]), b.id)
        with pytest.raises(NotFound):
            payments.receipt_for(s, as_(people["student"]), str(b.id))  # ids arrive typed


@pytest.fixture
def client():
    with TestClient(Starlette(routes=receipt_routes.routes), base_url="http://testserver") as c:
        yield c


def sign_in(user_id) -> str:
    with session_scope() as s:
        return sessions.create_session(s, as_(user_id), user_id)



@pytest.mark.parametrize("who", ["student", "admin"])
def test_pdf_route_serves_the_receipt(people, client, who):
    b = paid_booking(people["student"], people["tutor"], 3, refund=(250_00, "processed"))
    r = client.get(f"/api/receipts/{b.id}.pdf", cookies={"tc_session": sign_in(people[who])})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == f'attachment; filename="receipt-{b.reference}.pdf"'
    assert "no-store" in r.headers["cache-control"] and r.headers["x-content-type-options"] == "nosniff"
    assert r.content.startswith(b"%PDF-") and len(r.content) > 1000


def test_pdf_route_is_404_for_everyone_else(people, client):
    b = paid_booking(people["student"], people["tutor"], 3)
    unpaid = book(people["student"], people["tutor"], future(8))
    assert client.get(f"/api/receipts/{b.id}.pdf").status_code == 404  # signed out
    assert client.get(f"/api/receipts/{b.id}.pdf", cookies={"tc_session": "forged-token"}).status_code == 404
    for who in ("stranger", "tutor"):
        r = client.get(f"/api/receipts/{b.id}.pdf", cookies={"tc_session": sign_in(people[who])})
        assert r.status_code == 404 and not r.content.startswith(b"%PDF")
    cookie = {"tc_session": sign_in(people["student"])}
    assert client.get(f"/api/receipts/{unpaid.id}.pdf", cookies=cookie).status_code == 404
    assert client.get(f"/api/receipts/{uuid.uuid4()}.pdf", cookies=cookie).status_code == 404
    assert client.get("/api/receipts/not-a-uuid.pdf", cookies=cookie).status_code == 404
    assert client.get("/api/receipts/" + "9" * 5000 + ".pdf", cookies=cookie).status_code == 404


def test_the_pdf_says_what_was_paid_and_refunded(people):
    b = paid_booking(people["student"], people["tutor"], 3, refund=(250_00, "processed"))
    with session_scope() as s:
        receipt = payments.receipt_for(s, as_(people["student"]), b.id)
    body = payments.render_receipt_pdf(receipt, "Asia/Kolkata")
    assert body.startswith(b"%PDF-")
    # The text is compressed; check the receipt's figures through the object itself.
    assert (receipt.paid_minor, receipt.refunded_minor, receipt.net_minor) == (1000_00, 250_00, 750_00)
