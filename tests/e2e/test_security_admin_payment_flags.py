"""Attacks on the /admin/payments/flags handlers over the real websocket: signed out (sent
to sign in), a student's or tutor's cookie (refused, no rows in the reply, nothing
resolved), and an admin with forged or wrong-type flag ids or notes (a clear message,
nothing written); an admin resolves once, and a second resolution is refused."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import (
    NO_PERMISSION,
    assert_denied,
    assert_no_personal_data,
    assert_sent_to_login,
    assert_still_works,
    db_state,
    query,
    settle_outbox,
    sign_in,
)
from tests.e2e.payment_flags_support import flag, plant_flag
from tutorconnect.state.admin_payment_flags import GONE, AdminPaymentFlagsState as F

pytestmark = pytest.mark.e2e
NOTE = {"note": "Checked in the Razorpay dashboard: refunded in full."}


@contextmanager
def unchanged(db):
    settle_outbox(db)

    def state():
        return {**db_state(db),
                "flags": query(db, "select id, resolved_at, resolved_by, resolution_note from payment_events"
                                   " where flagged order by id")}
    before = state()
    yield
    after = state()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"the database changed: {changed}"


@pytest.fixture(scope="module")
def flag_id(live_app, db) -> int:
    return plant_flag(db, amount=77777_00)


@pytest.fixture(scope="module")
def tutor_person(live_app, db):
    return sign_in(live_app.base_url, db, "tutor@tutorconnect.test")


def calls(fid):
    return [
        (F.load, {}),
        (F.go_to_page, {"page": 2}),
        (F.ask_resolve, {"flag_id": str(fid)}),
        (F.confirm_resolve, {"form_data": NOTE}),
    ]


NAMES = [h.fn.__name__ for h, _ in calls(1)]


@pytest.mark.parametrize("index", range(len(NAMES)), ids=NAMES)
def test_signed_out_calls_are_sent_to_sign_in(open_tab, db, flag_id, index):
    handler, payload = calls(flag_id)[index]
    tab = open_tab(None, "/admin/payments/flags")
    with unchanged(db):
        reply = tab.call(handler, payload)
    assert_sent_to_login(reply)
    assert_no_personal_data(reply, db)
    assert "77,777" not in reply.text and "order_NotOurs" not in reply.text


@pytest.mark.parametrize("role", ["student", "tutor"])
@pytest.mark.parametrize("index", range(len(NAMES)), ids=NAMES)
def test_students_and_tutors_are_refused(open_tab, db, people, tutor_person, flag_id, role, index):
    person = people.student if role == "student" else tutor_person
    handler, payload = calls(flag_id)[index]
    tab = open_tab(person, "/admin/payments/flags")
    with unchanged(db):
        reply = tab.call(handler, payload)
    assert_denied(reply, NO_PERMISSION)
    assert_no_personal_data(reply, db, allowed=(person.email,))
    assert not reply.var(F, "rows") and "77,777" not in reply.text and "order_NotOurs" not in reply.text
    assert flag(db, flag_id).resolved_at is None
    assert_still_works(tab, person)


@pytest.mark.parametrize("role", ["student", "tutor"])
def test_a_student_or_tutor_who_forges_a_pending_id_resolves_nothing(open_tab, db, people, tutor_person, flag_id,
                                                                     role):
    """The pending id is state, but a browser can only set it through ask_resolve (refused);
    confirm re-checks admin before reading it."""
    person = people.student if role == "student" else tutor_person
    tab = open_tab(person, "/admin/payments/flags")
    with unchanged(db):
        asked = tab.call(F.ask_resolve, {"flag_id": flag_id})
        done = tab.call(F.confirm_resolve, {"form_data": NOTE})
    assert_denied(asked)
    assert_denied(done)
    assert not asked.var(F, "pending_id") and flag(db, flag_id).resolved_at is None


@pytest.mark.parametrize("forged", ["abc", "-1", "0", -5, None, [1], {"id": 1}, True, "9" * 40, 10**30,
                                    "1; drop table x"])
def test_forged_flag_ids_get_a_clear_error_and_nothing_is_written(open_tab, db, people, flag_id, forged):
    tab = open_tab(people.admin, "/admin/payments/flags")
    tab.call(F.load)
    with unchanged(db):
        asked = tab.call(F.ask_resolve, {"flag_id": forged})
        confirmed = tab.call(F.confirm_resolve, {"form_data": NOTE})
    assert not asked.crashed and not confirmed.crashed, asked.text
    assert ("error", GONE) in asked.toasts, asked.text
    assert ("error", GONE) in confirmed.toasts, confirmed.text  # nothing was pending
    assert flag(db, flag_id).resolved_at is None


def test_an_id_that_is_not_a_flagged_event_is_refused(open_tab, db, people, flag_id):
    tab = open_tab(people.admin, "/admin/payments/flags")
    tab.call(F.load)
    with unchanged(db):
        reply = tab.call(F.ask_resolve, {"flag_id": 987654321})
    assert ("error", GONE) in reply.toasts, reply.text


@pytest.mark.parametrize("form", [{"note": ""}, {"note": "ok"}, {"note": "x" * 1201}, {"note": ["a list"]},
                                  {"note": "fine note", "extra": "field"}, "not a form", None])
def test_a_note_we_cannot_take_is_shown_in_the_dialog_and_nothing_is_written(open_tab, db, people, form):
    fid = plant_flag(db)
    tab = open_tab(people.admin, "/admin/payments/flags")
    tab.call(F.load)
    tab.call(F.ask_resolve, {"flag_id": fid})
    with unchanged(db):
        reply = tab.call(F.confirm_resolve, {"form_data": form})
    assert not reply.crashed, reply.text
    assert reply.var(F, "note_error"), reply.text
    assert flag(db, fid).resolved_at is None


def test_an_admin_resolves_once_then_a_second_resolution_is_refused(open_tab, db, people):
    fid = plant_flag(db, amount=4242_00)
    tab = open_tab(people.admin, "/admin/payments/flags")
    loaded = tab.call(F.load)
    assert any(r["id"] == str(fid) and r["amount"] == "₹4,242" for r in loaded.var(F, "rows")), loaded.text
    asked = tab.call(F.ask_resolve, {"flag_id": fid})
    assert asked.var(F, "pending_id") == str(fid)
    done = tab.call(F.confirm_resolve, {"form_data": NOTE})
    assert any(kind == "success" for kind, _ in done.toasts), done.text
    row = flag(db, fid)
    assert row.resolved_at is not None and row.resolved_by == people.admin.id
    assert row.resolution_note == NOTE["note"]
    assert query(db, "select count(*) from audit_log where action = 'payment_flag.resolve' and target_id = :t",
                 t=str(fid))[0][0] == 1
    # A stale tab that still lists it: the id is gone from the list, nothing changes.
    with unchanged(db):
        again = open_tab(people.admin, "/admin/payments/flags")
        again.call(F.load)
        reply = again.call(F.ask_resolve, {"flag_id": fid})
    assert ("error", GONE) in reply.toasts, reply.text


def test_cancel_only_clears_this_tabs_dialog(open_tab, db):
    tab = open_tab(None, "/admin/payments/flags")
    with unchanged(db):
        reply = tab.call(F.cancel_resolve)
    assert not reply.crashed and not reply.redirects and not reply.scripts, reply.text
