"""The admins' queue of flagged payment events (#14 item 6) on real PostgreSQL, with signed
hand-built webhooks: what is listed (unresolved flags only, newest first, with the booking,
order, payment, amount and the automatic refund's state), resolving one with a note
(audited, once), who may do either (admins only), and the alert every admin gets when a
new flag is stored (in the app and by email, once per flag)."""

from __future__ import annotations

import uuid

import pytest

from tests.integration import payment_support
from tests.integration.payment_support import (
    deliver,
    event_body,
    local_order,
    payment_entity,
    pending_booking,
    rows,
)
from tests.integration.test_tutor_support import as_, make_user
from tutorconnect.db import session_scope
from tutorconnect.services import payments
from tutorconnect.services.errors import InvalidInput, NotFound, PermissionDenied

local_keys = payment_support.local_keys  # fixture
pytestmark = pytest.mark.usefixtures("local_keys")


def _flags(admin, page: int = 1) -> payments.PaymentFlagPage:
    with session_scope() as s:
        return payments.list_payment_flags(s, as_(admin), page)


def _count(admin) -> int:
    with session_scope() as s:
        return payments.unresolved_flag_count(s, as_(admin))


def _resolve(admin, flag_id, note="Refund confirmed in the Razorpay dashboard."):
    with session_scope() as s:
        return payments.resolve_payment_flag(s, as_(admin), flag_id, note)


def _four_flags():
    """A wrong-amount capture, an unknown order, a payment event without its payment and an
    unknown refund; plus an applied and an ignored event, which are not flags."""
    _, _, b = pending_booking()
    order_id = local_order(b.id, b.price_minor)
    wrong = payment_entity(order_id, 18001_00)
    deliver(event_body("payment.captured", payment=wrong), event_id="EvtFlagMismatch1")
    deliver(event_body("payment.captured", payment=payment_entity("order_NotOurs0000000042", 999_00)),
            event_id="EvtFlagUnknown01")
    deliver(event_body("payment.captured"), event_id="EvtFlagNoPaymnt1")
    refund = {"id": "rfnd_NotOurs00000042", "entity": "refund", "amount": 500_00, "currency": "INR",
              "payment_id": "pay_NotOurs000000042", "status": "processed", "notes": []}
    deliver(event_body("refund.processed", refund=refund), event_id="EvtFlagRefund001")
    _, _, paid = pending_booking()
    deliver(event_body("payment.captured", payment=payment_entity(local_order(paid.id, paid.price_minor),
                                                                  paid.price_minor)))
    deliver(event_body("payment.dispute.created"))
    return b, order_id, wrong


def test_unresolved_flags_are_listed_newest_first_with_what_they_concern():
    admin = make_user("admin", "Queue Admin")
    b, order_id, wrong = _four_flags()
    page = _flags(admin)
    assert (page.total, page.pages, _count(admin)) == (4, 1, 4)
    assert [f.event_id for f in page.rows] == ["EvtFlagRefund001", "EvtFlagNoPaymnt1", "EvtFlagUnknown01",
                                               "EvtFlagMismatch1"]
    refund, no_payment, unknown, mismatch = page.rows
    assert (mismatch.flag, mismatch.label, mismatch.event) == ("amount_mismatch", "Wrong amount or currency",
                                                               "payment.captured")
    assert (mismatch.booking_id, mismatch.booking_reference, mismatch.booking_status) == (
        b.id, b.reference, "pending_payment")
    assert (mismatch.order_id, mismatch.payment_id) == (order_id, wrong["id"])
    assert (mismatch.amount_minor, mismatch.currency) == (18001_00, "INR")
    assert (mismatch.order_amount_minor, mismatch.order_currency) == (b.price_minor, "INR")
    assert mismatch.refund_status == "pending" and mismatch.resolved_at is None  # its refund job is queued
    assert (unknown.flag, unknown.booking_id, unknown.amount_minor, unknown.order_amount_minor) == (
        "unknown_order", None, 999_00, None)
    assert "order_NotOurs0000000042" in unknown.reason
    assert (no_payment.flag, no_payment.label, no_payment.amount_minor) == ("no_payment", "Malformed event", None)
    assert (refund.flag, refund.refund_id, refund.amount_minor, refund.booking_id) == (
        "unknown_refund", "rfnd_NotOurs00000042", 500_00, None)


def test_pages_of_twenty_and_bad_pages_are_refused():
    admin = make_user("admin")
    for i in range(23):
        deliver(event_body("payment.captured", payment=payment_entity(f"order_Stray{i:017d}", 100_00)),
                event_id=f"EvtStray{i:08d}")
    first, second = _flags(admin, 1), _flags(admin, 2)
    assert (len(first.rows), len(second.rows), first.total, first.pages) == (20, 3, 23, 2)
    assert not {f.id for f in first.rows} & {f.id for f in second.rows}
    for bad in (0, -1, "2", True, None, 10**9):
        with pytest.raises(InvalidInput), session_scope() as s:
            payments.list_payment_flags(s, as_(admin), bad)


def test_an_admin_resolves_a_flag_once_with_a_note_and_it_is_audited():
    admin = make_user("admin", "Resolving Admin")
    _four_flags()
    target = _flags(admin).rows[-1]
    done = _resolve(admin, target.id, "  Refunded by the automatic refund; customer told.  ")
    assert done.resolved_at is not None and done.resolution_note == "Refunded by the automatic refund; customer told."
    assert done.resolved_by_email.startswith("admin-")
    assert target.id not in [f.id for f in _flags(admin).rows] and _count(admin) == 3
    audit = rows("SELECT actor_user_id, action, target_type, target_id, before, after FROM audit_log "
                 "WHERE action = 'payment_flag.resolve'")
    assert audit == [{"actor_user_id": admin, "action": "payment_flag.resolve", "target_type": "payment_event",
                      "target_id": str(target.id),
                      "before": {"event": "payment.captured", "flag": "amount_mismatch", "resolved": False},
                      "after": {"resolved": True, "note": "Refunded by the automatic refund; customer told."}}]
    with pytest.raises(InvalidInput, match="already resolved"):
        _resolve(make_user("admin"), target.id)
    stored = rows("SELECT resolved_by, resolution_note FROM payment_events WHERE id = :i", i=target.id)
    assert stored == [{"resolved_by": admin, "resolution_note": "Refunded by the automatic refund; customer told."}]


@pytest.mark.parametrize("note", ["", "  ", "ok", "x" * 1001, "bad\x00byte", None, 42, ["a note"]])
def test_a_note_we_cannot_take_is_refused_and_nothing_is_written(note):
    admin = make_user("admin")
    _four_flags()
    target = _flags(admin).rows[0]
    with pytest.raises(InvalidInput):
        _resolve(admin, target.id, note)
    assert _count(admin) == 4 and rows("SELECT id FROM audit_log WHERE action = 'payment_flag.resolve'") == []


def test_ids_that_are_not_flagged_events_are_not_found():
    admin = make_user("admin")
    _four_flags()
    unflagged = rows("SELECT id FROM payment_events WHERE NOT flagged ORDER BY id")[0]["id"]
    for bad in (unflagged, 987654321, 0, -3, "1", True, None, 2**70, str(uuid.uuid4())):
        with pytest.raises(NotFound):
            _resolve(admin, bad)
    assert _count(admin) == 4


@pytest.mark.parametrize("who", ["student", "tutor", "signed_out", "demoted_admin", "deleted_admin"])
def test_only_admins_may_list_count_or_resolve(who):
    admin = make_user("admin")
    _four_flags()
    target = _flags(admin).rows[0]
    actor = None if who == "signed_out" else make_user("admin" if who.endswith("admin") else who)
    if who == "demoted_admin":
        rows("UPDATE users SET role = 'student' WHERE id = :u RETURNING id", u=actor)
    if who == "deleted_admin":
        rows("UPDATE users SET deleted_at = now() WHERE id = :u RETURNING id", u=actor)
    for call in (lambda s: payments.list_payment_flags(s, as_(actor)),
                 lambda s: payments.unresolved_flag_count(s, as_(actor)),
                 lambda s: payments.resolve_payment_flag(s, as_(actor), target.id, "Looks fine to me.")):
        with pytest.raises(PermissionDenied), session_scope() as s:
            call(s)
    assert _count(admin) == 4 and rows("SELECT id FROM audit_log WHERE action = 'payment_flag.resolve'") == []


def test_every_admin_is_told_once_when_a_new_flag_is_stored():
    admins = [make_user("admin", "Alert Admin One"), make_user("admin", "Alert Admin Two")]
    gone = make_user("admin", "Gone Admin")
    rows("UPDATE users SET deleted_at = now() WHERE id = :u RETURNING id", u=gone)
    learner = make_user("student")
    _, _, b = pending_booking()
    order_id = local_order(b.id, b.price_minor)
    wrong = payment_entity(order_id, 18001_00)
    raw = event_body("payment.captured", payment=wrong)
    deliver(raw, event_id="EvtAlert00000001")
    deliver(raw, event_id="EvtAlert00000001")  # the same delivery again
    deliver(raw, event_id="EvtAlert00000002")  # Razorpay's redelivery under a new id
    deliver(event_body("order.paid", payment=wrong, order={"id": order_id, "entity": "order"}))
    told = rows("SELECT user_id, kind, title, link FROM notifications WHERE kind = 'payment.flagged'")
    assert sorted(t["user_id"] for t in told) == sorted(admins)
    assert all(t["link"] == "/admin/payments/flags" and b.reference in t["title"] for t in told)
    emails = rows("SELECT payload FROM outbox WHERE job = 'email.send' AND payload->>'template' = 'payment_flagged'")
    assert len(emails) == 2 and {e["payload"]["context"]["amount"] for e in emails} == {"₹18,001"}
    assert not rows("SELECT id FROM notifications WHERE kind = 'payment.flagged' AND user_id IN (:a, :b)",
                    a=gone, b=learner)
    assert len(rows("SELECT id FROM payment_events WHERE flagged")) == 1
    # another kind of flag: told again
    deliver(event_body("payment.captured", payment=payment_entity("order_NotOurs0000000077", 100_00)))
    assert len(rows("SELECT id FROM notifications WHERE kind = 'payment.flagged'")) == 4


@pytest.mark.parametrize("currency", ["rupees", "inr", 356, ""])
def test_a_capture_in_something_that_is_no_currency_is_flagged_malformed_and_not_stored(currency):
    admin = make_user("admin")
    _, _, b = pending_booking()
    order_id = local_order(b.id, b.price_minor)
    result = deliver(event_body("payment.captured", payment=payment_entity(order_id, b.price_minor,
                                                                           currency=currency)))
    assert (result.outcome, result.flagged) == ("malformed", True)
    assert rows("SELECT id FROM payments") == [] and rows("SELECT id FROM refunds") == []
    (flag,) = _flags(admin).rows
    assert (flag.flag, flag.label, flag.amount_minor, flag.currency) == ("malformed", "Malformed event", b.price_minor,
                                                                         None)
