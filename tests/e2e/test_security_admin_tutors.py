"""Attacks on the admin tutor review, admin subjects and notifications handlers over the
real websocket: signed out (sent to sign in), as a student and as a tutor (refused, no one
else's data in the reply), and as an admin with forged or wrong-type arguments (a clear
message, nothing changed in PostgreSQL). A user can neither read nor mark another user's
notifications."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.e2e.admin_tutor_builders import submitted_tutor
from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import (
    NO_PERMISSION,
    assert_denied,
    assert_no_personal_data,
    assert_sent_to_login,
    assert_still_works,
    db_state,
    query,
    sign_in,
)
from tutorconnect.state.admin_subjects import AdminSubjectsState
from tutorconnect.state.admin_tutors import AdminTutorReviewState, AdminTutorsState
from tutorconnect.state.notifications import BellState, NotificationsState

pytestmark = pytest.mark.e2e


# -- what these handlers could write ---------------------------------------------------------
def full_state(db) -> dict[str, Any]:
    return {
        **db_state(db),
        "profiles": query(db, "select user_id, status, rejection_reason, updated_at from tutor_profiles order by user_id"),
        "status_events": query(db, "select count(*), coalesce(max(id), 0) from tutor_status_events"),
        "subjects": query(db, "select id, slug, name, category, retired_at from subjects order by id"),
        "notifications": query(db, "select id, user_id, read_at from notifications order by id"),
    }


@contextmanager
def unchanged(db) -> Iterator[None]:
    before = full_state(db)
    yield
    after = full_state(db)
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"the database changed: {changed}"


@pytest.fixture(scope="module")
def tutor_under_test(live_app, tmp_path_factory) -> uuid.UUID:
    """A submitted tutor profile no other test decides on."""
    tid, _ = submitted_tutor(live_app.database_url, "Security Probe Tutor", tmp_path_factory.mktemp("docs"))
    return tid


@pytest.fixture(scope="module")
def tutor_person(live_app, db):
    return sign_in(live_app.base_url, db, "tutor@tutorconnect.test")


@pytest.fixture(scope="module")
def other_note(db, people) -> uuid.UUID:
    """An unread notification belonging to the other student."""
    nid = uuid.uuid4()
    query_write(db, "insert into notifications (id, user_id, kind, title, body) values (:i, :u, 'test', "
                    "'Private to Diya', 'Secret body for Diya only')", i=nid, u=people.other_student.id)
    return nid


def query_write(db, sql: str, **params: Any) -> None:
    from sqlalchemy import text

    with db.begin() as conn:
        conn.execute(text(sql), params)


def subject_id(db, slug: str = "mathematics") -> str:
    return str(query(db, "select id from subjects where slug = :s", s=slug)[0][0])


def review_page(tid) -> str:
    return f"/admin/tutors/{tid}"


# == 1. Signed out =====================================================================================
def signed_out_calls(tid, sid, nid):
    return [
        (AdminTutorsState.load, "/admin/tutors", {}),
        (AdminTutorsState.search, "/admin/tutors", {"form_data": {"q": "a"}}),
        (AdminTutorsState.choose_tab, "/admin/tutors", {"tab": "approved"}),
        (AdminTutorsState.go_to_page, "/admin/tutors", {"page": 2}),
        (AdminTutorReviewState.load, review_page(tid), {}),
        (AdminTutorReviewState.ask, review_page(tid), {"action": "start_review"}),
        (AdminTutorReviewState.confirm, review_page(tid), {"form_data": {}}),
        (AdminSubjectsState.load, "/admin/subjects", {}),
        (AdminSubjectsState.add, "/admin/subjects", {"form_data": {"name": "Hacking", "category": "Evil"}}),
        (AdminSubjectsState.start_rename, "/admin/subjects", {"subject_id": sid}),
        (AdminSubjectsState.save_rename, "/admin/subjects", {"form_data": {"new_name": "Owned"}}),
        (AdminSubjectsState.ask_retire, "/admin/subjects", {"subject_id": sid, "retire": True}),
        (AdminSubjectsState.confirm_retire, "/admin/subjects", {}),
        (NotificationsState.load, "/notifications", {}),
        (NotificationsState.go_to_page, "/notifications", {"page": 2}),
        (NotificationsState.mark_read, "/notifications", {"notification_id": nid}),
        (NotificationsState.open, "/notifications", {"notification_id": nid}),
        (NotificationsState.mark_all_read, "/notifications", {}),
    ]


HANDLER_NAMES = [f"{h.state.__name__}.{h.fn.__name__}" for h, _, _ in signed_out_calls("x", "x", "x")]


@pytest.mark.parametrize("index", range(len(HANDLER_NAMES)), ids=HANDLER_NAMES)
def test_signed_out_calls_are_sent_to_sign_in(open_tab, db, people, tutor_under_test, other_note, index):
    handler, page, payload = signed_out_calls(tutor_under_test, subject_id(db), str(other_note))[index]
    tab = open_tab(None, page)
    with unchanged(db):
        reply = tab.call(handler, payload)
    assert_sent_to_login(reply)
    assert_no_personal_data(reply, db)
    assert "Secret body" not in reply.text and "Security Probe Tutor" not in reply.text


def test_signed_out_bell_shows_nothing_and_does_not_redirect(open_tab, db):
    tab = open_tab(None, "/")
    with unchanged(db):
        reply = tab.call(BellState.refresh)
    assert not reply.crashed and not reply.redirects, reply.text
    assert reply.var(BellState, "unread", 0) == 0


HARMLESS = [AdminTutorReviewState.cancel, AdminSubjectsState.cancel_rename, AdminSubjectsState.cancel_retire]


@pytest.mark.parametrize("handler", HARMLESS, ids=[h.fn.__name__ for h in HARMLESS])
def test_cancel_handlers_only_clear_this_tabs_own_dialog(open_tab, db, handler):
    tab = open_tab(None, "/admin/subjects")
    with unchanged(db):
        reply = tab.call(handler)
    assert not reply.crashed and not reply.redirects and not reply.scripts, reply.text
    assert_no_personal_data(reply, db)


# == 2. A student's or a tutor's cookie on the admin handlers =======================================
def admin_calls(tid, sid):
    return [
        (AdminTutorsState.load, "/admin/tutors", {}),
        (AdminTutorsState.search, "/admin/tutors", {"form_data": {"q": "a"}}),
        (AdminTutorsState.choose_tab, "/admin/tutors", {"tab": "approved"}),
        (AdminTutorsState.go_to_page, "/admin/tutors", {"page": 2}),
        (AdminTutorReviewState.load, review_page(tid), {}),
        (AdminTutorReviewState.ask, review_page(tid), {"action": "start_review"}),
        (AdminTutorReviewState.confirm, review_page(tid), {"form_data": {}}),
        (AdminSubjectsState.load, "/admin/subjects", {}),
        (AdminSubjectsState.add, "/admin/subjects", {"form_data": {"name": "Hacking", "category": "Evil"}}),
        (AdminSubjectsState.start_rename, "/admin/subjects", {"subject_id": sid}),
        (AdminSubjectsState.save_rename, "/admin/subjects", {"form_data": {"new_name": "Owned"}}),
        (AdminSubjectsState.ask_retire, "/admin/subjects", {"subject_id": sid, "retire": True}),
        (AdminSubjectsState.confirm_retire, "/admin/subjects", {}),
    ]


ADMIN_NAMES = [f"{h.state.__name__}.{h.fn.__name__}" for h, _, _ in admin_calls("x", "x")]


@pytest.mark.parametrize("role", ["student", "tutor"])
@pytest.mark.parametrize("index", range(len(ADMIN_NAMES)), ids=ADMIN_NAMES)
def test_students_and_tutors_are_refused_admin_handlers(open_tab, db, people, tutor_person, tutor_under_test, role, index):
    person = people.student if role == "student" else tutor_person
    handler, page, payload = admin_calls(tutor_under_test, subject_id(db))[index]
    tab = open_tab(person, page)
    with unchanged(db):
        reply = tab.call(handler, payload)
    assert_denied(reply, NO_PERMISSION)
    assert_no_personal_data(reply, db, allowed=(person.email,))
    for var in ("rows", "profile", "documents", "history", "subjects", "counts"):
        assert not reply.var(handler.state, var), reply.text
    assert "Security Probe Tutor" not in reply.text and "BSc Mathematics" not in reply.text
    assert status_of(db, tutor_under_test) == "submitted"
    assert_still_works(tab, person)


def status_of(db, tid) -> str:
    return query(db, "select status from tutor_profiles where user_id = :t", t=tid)[0][0]


def test_a_tutor_cannot_decide_on_their_own_profile(open_tab, db, live_app, tmp_path):
    tid, email = submitted_tutor(live_app.database_url, "Self Approver", tmp_path)
    me = sign_in(live_app.base_url, db, email)
    tab = open_tab(me, review_page(tid))
    with unchanged(db):
        loaded = tab.call(AdminTutorReviewState.load)
        asked = tab.call(AdminTutorReviewState.ask, {"action": "start_review"})
        confirmed = tab.call(AdminTutorReviewState.confirm, {"form_data": {}})
    for reply in (loaded, asked, confirmed):
        assert_denied(reply)
    assert status_of(db, tid) == "submitted"


# == 3. An admin with forged or wrong-type arguments =================================================
@pytest.fixture
def review_tab(open_tab, people, tutor_under_test):
    tab = open_tab(people.admin, review_page(tutor_under_test))
    reply = tab.call(AdminTutorReviewState.load)
    assert reply.var(AdminTutorReviewState, "actions") == ["start_review"], reply.text
    return tab


@pytest.mark.parametrize("action", ["approve", "reject", "suspend", "reinstate", "delete", ["start_review"],
                                    {"action": "approve"}, None, 7])
def test_ask_for_a_decision_not_valid_now_is_refused(review_tab, db, tutor_under_test, action):
    with unchanged(db):
        asked = review_tab.call(AdminTutorReviewState.ask, {"action": action})
        confirmed = review_tab.call(AdminTutorReviewState.confirm, {"form_data": {"reason": "A long enough reason"}})
    assert ("error", "That decision is not available for this tutor now. Reload the page.") in asked.toasts, asked.text
    assert ("error", "Choose a decision first.") in confirmed.toasts, confirmed.text
    assert status_of(db, tutor_under_test) == "submitted"


@pytest.fixture
def rejecting_tab(open_tab, people, live_app, tmp_path):
    """An admin with the reject dialog open on a tutor under review."""
    from tests.e2e.admin_tutor_builders import decide
    from tutorconnect.services import tutors

    tid, _ = submitted_tutor(live_app.database_url, "Reason Probe", tmp_path)
    decide(live_app.database_url, people.admin.id, tid, tutors.start_review)
    tab = open_tab(people.admin, review_page(tid))
    tab.call(AdminTutorReviewState.load)
    asked = tab.call(AdminTutorReviewState.ask, {"action": "reject"})
    assert asked.var(AdminTutorReviewState, "pending_action") == "reject", asked.text
    return tab, tid


BAD_REASONS = {
    "too short": {"reason": "bad"},
    "too long": {"reason": "x" * 501},
    "blank": {"reason": "     "},
    "reason as a list": {"reason": ["A good reason here"]},
    "reason as a dict": {"reason": {"text": "A good reason here"}},
    "extra field": {"reason": "A good reason here", "status": "approved"},
    "form as a string": "A good reason here",
    "form as a list": ["A good reason here"],
}


@pytest.mark.parametrize("form", BAD_REASONS.values(), ids=BAD_REASONS.keys())
def test_reject_with_a_bad_reason_changes_nothing(rejecting_tab, db, form):
    tab, tid = rejecting_tab
    with unchanged(db):
        reply = tab.call(AdminTutorReviewState.confirm, {"form_data": form})
    assert not reply.crashed, reply.text
    assert reply.var(AdminTutorReviewState, "reason_error"), reply.text
    assert status_of(db, tid) == "under_review"


@pytest.mark.parametrize("path", ["/admin/tutors/not-a-uuid", "/admin/tutors/5f0c3a4e-9b2d-4c7e-8a1f-6b3d2e9c7a41", "/admin/tutors/%00",
                                  "/admin/tutors/" + "a" * 500])
def test_unknown_tutor_pages_show_not_found(open_tab, db, people, path):
    tab = open_tab(people.admin, path)
    with unchanged(db):
        reply = tab.call(AdminTutorReviewState.load)
        confirmed = tab.call(AdminTutorReviewState.confirm, {"form_data": {}})
    assert reply.var(AdminTutorReviewState, "found") is False, reply.text
    assert not reply.var(AdminTutorReviewState, "profile")
    assert ("error", "Choose a decision first.") in confirmed.toasts


@pytest.mark.parametrize("payload", [{"tab": {"$ne": 1}}, {"tab": ["approved"]}, {"tab": "' or 1=1 --"}, {"tab": None}])
def test_forged_tabs_fall_back_to_the_waiting_list(open_tab, db, people, payload):
    tab = open_tab(people.admin, "/admin/tutors")
    with unchanged(db):
        reply = tab.call(AdminTutorsState.choose_tab, payload)
    assert reply.redirects == ["/admin/tutors"], reply.text


@pytest.mark.parametrize("form", [{"q": ["x"]}, {"q": "x" * 101}, {"q": "a", "status": "approved"}, "q=a", None])
def test_forged_search_forms_get_a_clear_error(open_tab, db, people, form):
    tab = open_tab(people.admin, "/admin/tutors")
    with unchanged(db):
        reply = tab.call(AdminTutorsState.search, {"form_data": form})
    assert not reply.crashed and not reply.redirects, reply.text
    assert reply.toast("error"), reply.text


@pytest.mark.parametrize("query_params", [{"status": "bogus", "page": "-3"}, {"page": "9999999999"}, {"q": "%_\\"}])
def test_odd_list_urls_still_load(open_tab, db, people, query_params):
    tab = open_tab(people.admin, "/admin/tutors")
    with unchanged(db):
        reply = tab.call(AdminTutorsState.load, query=query_params)
    assert not reply.crashed and not reply.toast("error"), reply.text


BAD_SUBJECT_FORMS = {
    "name as a list": {"name": ["Maths"], "category": "Science"},
    "missing category": {"name": "Probe Subject"},
    "blank name": {"name": "   ", "category": "Science"},
    "too long": {"name": "x" * 81, "category": "Science"},
    "control characters": {"name": "Bad\u202eName", "category": "Science"},
    "extra field": {"name": "Probe", "category": "Science", "slug": "mathematics"},
    "duplicate": {"name": "MATHEMATICS", "category": "Science"},
    "form as a string": "name=Probe",
}


@pytest.mark.parametrize("form", BAD_SUBJECT_FORMS.values(), ids=BAD_SUBJECT_FORMS.keys())
def test_bad_subject_forms_get_a_message_and_add_nothing(open_tab, db, people, form):
    tab = open_tab(people.admin, "/admin/subjects")
    tab.call(AdminSubjectsState.load)
    with unchanged(db):
        reply = tab.call(AdminSubjectsState.add, {"form_data": form})
    assert not reply.crashed, reply.text
    assert reply.var(AdminSubjectsState, "add_error"), reply.text


@pytest.mark.parametrize("subject", ["5f0c3a4e-9b2d-4c7e-8a1f-6b3d2e9c7a41", "not-a-uuid", {"id": "x"}, ["x"], 12, None])
def test_forged_subject_ids_are_refused(open_tab, db, people, subject):
    tab = open_tab(people.admin, "/admin/subjects")
    tab.call(AdminSubjectsState.load)
    with unchanged(db):
        renamed = tab.call(AdminSubjectsState.start_rename, {"subject_id": subject})
        retired = tab.call(AdminSubjectsState.ask_retire, {"subject_id": subject, "retire": True})
        confirmed = tab.call(AdminSubjectsState.confirm_retire)
        saved = tab.call(AdminSubjectsState.save_rename, {"form_data": {"new_name": "Owned"}})
    for reply in (renamed, retired, confirmed):
        assert reply.toast("error"), reply.text
    assert saved.var(AdminSubjectsState, "rename_error"), saved.text


@pytest.mark.parametrize("retire", ["yes", 1, None, ["true"]])
def test_retire_flag_must_be_a_boolean(open_tab, db, people, retire):
    tab = open_tab(people.admin, "/admin/subjects")
    tab.call(AdminSubjectsState.load)
    with unchanged(db):
        asked = tab.call(AdminSubjectsState.ask_retire, {"subject_id": subject_id(db), "retire": retire})
        confirmed = tab.call(AdminSubjectsState.confirm_retire)
    assert asked.toast("error") and confirmed.toast("error"), (asked.text, confirmed.text)


# == 4. Notifications belong to their owner ===========================================================
def test_a_user_sees_only_their_own_notifications(open_tab, db, people, other_note):
    tab = open_tab(people.student, "/notifications")
    reply = tab.call(NotificationsState.load)
    assert not reply.crashed and not reply.redirects, reply.text
    shown = {uuid.UUID(r["id"]) for r in reply.var(NotificationsState, "rows") or []}
    own = {r[0] for r in query(db, "select id from notifications where user_id = :u", u=people.student.id)}
    assert shown <= own
    assert "Secret body for Diya" not in reply.text and str(other_note) not in reply.text
    # A new note of the student's own changes the bell's count, so the refresh sends it
    # (a delta carries only changed vars); the count is the student's own, not Diya's too.
    query_write(db, "insert into notifications (id, user_id, kind, title, body) values (:i, :u, 'test', "
                    "'For the student', 'Own note')", i=uuid.uuid4(), u=people.student.id)
    bell = tab.call(BellState.refresh)
    unread = query(db, "select count(*) from notifications where user_id = :u and read_at is null", u=people.student.id)[0][0]
    assert bell.var(BellState, "unread") == unread


@pytest.mark.parametrize("handler", [NotificationsState.mark_read, NotificationsState.open],
                         ids=["mark_read", "open"])
def test_a_user_cannot_mark_or_open_another_users_notification(open_tab, db, people, other_note, handler):
    tab = open_tab(people.student, "/notifications")
    with unchanged(db):
        reply = tab.call(handler, {"notification_id": str(other_note)})
    assert_denied(reply, "That notification was not found.")
    assert not reply.redirects and "Secret body" not in reply.text
    assert query(db, "select read_at from notifications where id = :i", i=other_note)[0][0] is None


@pytest.mark.parametrize("nid", ["not-a-uuid", "", None, 42, {"id": "x"}, ["x"], "x" * 1000])
def test_malformed_notification_ids_get_a_clear_error(open_tab, db, people, nid):
    tab = open_tab(people.student, "/notifications")
    with unchanged(db):
        reply = tab.call(NotificationsState.mark_read, {"notification_id": nid})
    assert_denied(reply, "That notification could not be found. Please reload the page.")


def test_mark_all_read_touches_only_the_callers_notifications(open_tab, db, people, other_note):
    tab = open_tab(people.student, "/notifications")
    reply = tab.call(NotificationsState.mark_all_read)
    assert not reply.crashed and reply.toast("success"), reply.text
    assert query(db, "select read_at from notifications where id = :i", i=other_note)[0][0] is None
    assert query(db, "select count(*) from notifications where user_id = :u and read_at is null",
                 u=people.student.id)[0][0] == 0
