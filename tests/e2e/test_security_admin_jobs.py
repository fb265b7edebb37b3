"""Attacks on the /admin/jobs handlers over the real websocket: signed out (sent to sign
in), a student's or tutor's cookie (refused, no rows in the reply, nothing retried), and an
admin with forged or wrong-type dead-letter ids (a clear message, nothing written)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.e2e.admin_jobs_support import dead_letter, plant_dead_letter
from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import settle_outbox
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
from tutorconnect.state.admin_jobs import AdminJobsState

pytestmark = pytest.mark.e2e
NOT_FOUND = "That job could not be found. Please reload the page."


@contextmanager
def unchanged(db):
    # First let background work finish: a retried job runs (and dies again) in the app's
    # Celery worker, and must not be taken for something the forged call wrote.
    settle_outbox(db)

    def state():
        return {**db_state(db),
                "dead_letters": query(db, "select id, retried_at, retried_by from dead_letters order by id"),
                "outbox_dead": query(db, "select id, attempts, dead_at from outbox where dead_at is not null order by id")}
    before = state()
    yield
    after = state()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"the database changed: {changed}"


@pytest.fixture(scope="module")
def dead_id(live_app, db) -> int:
    return plant_dead_letter(db)


@pytest.fixture(scope="module")
def tutor_person(live_app, db):
    return sign_in(live_app.base_url, db, "tutor@tutorconnect.test")


def calls(did):
    return [
        (AdminJobsState.load, {}),
        (AdminJobsState.go_to_page, {"page": 2}),
        (AdminJobsState.go_to_log_page, {"page": 2}),
        (AdminJobsState.ask_retry, {"dead_letter_id": str(did)}),
        (AdminJobsState.confirm_retry, {}),
    ]


NAMES = [h.fn.__name__ for h, _ in calls(1)]


@pytest.mark.parametrize("index", range(len(NAMES)), ids=NAMES)
def test_signed_out_calls_are_sent_to_sign_in(open_tab, db, dead_id, index):
    handler, payload = calls(dead_id)[index]
    tab = open_tab(None, "/admin/jobs")
    with unchanged(db):
        reply = tab.call(handler, payload)
    assert_sent_to_login(reply)
    assert_no_personal_data(reply, db)
    assert "refund exceeds payment" not in reply.text


@pytest.mark.parametrize("role", ["student", "tutor"])
@pytest.mark.parametrize("index", range(len(NAMES)), ids=NAMES)
def test_students_and_tutors_are_refused(open_tab, db, people, tutor_person, dead_id, role, index):
    person = people.student if role == "student" else tutor_person
    handler, payload = calls(dead_id)[index]
    tab = open_tab(person, "/admin/jobs")
    with unchanged(db):
        reply = tab.call(handler, payload)
    assert_denied(reply, NO_PERMISSION)
    assert_no_personal_data(reply, db, allowed=(person.email,))
    assert not reply.var(AdminJobsState, "rows") and not reply.var(AdminJobsState, "log")
    assert "refund exceeds payment" not in reply.text
    assert dead_letter(db, dead_id).retried_at is None
    assert_still_works(tab, person)


@pytest.mark.parametrize("forged", ["abc", "-1", "0", -5, None, [1], {"id": 1}, True, "9" * 40, 10**30, "1; drop table x"])
def test_forged_dead_letter_ids_get_a_clear_error_and_nothing_is_written(open_tab, db, people, dead_id, forged):
    tab = open_tab(people.admin, "/admin/jobs")
    tab.call(AdminJobsState.load)
    with unchanged(db):
        asked = tab.call(AdminJobsState.ask_retry, {"dead_letter_id": forged})
        confirmed = tab.call(AdminJobsState.confirm_retry)
    assert not asked.crashed and not confirmed.crashed, asked.text
    assert ("error", NOT_FOUND) in asked.toasts, asked.text
    assert ("error", NOT_FOUND) in confirmed.toasts, confirmed.text  # nothing was pending
    assert dead_letter(db, dead_id).retried_at is None


def test_an_id_that_is_not_a_dead_letter_is_refused(open_tab, db, people, dead_id):
    tab = open_tab(people.admin, "/admin/jobs")
    tab.call(AdminJobsState.load)
    with unchanged(db):
        reply = tab.call(AdminJobsState.ask_retry, {"dead_letter_id": 987654321})
    assert ("error", NOT_FOUND) in reply.toasts, reply.text


def test_an_admin_retries_once_then_a_second_retry_is_refused(open_tab, db, people, live_app):
    did = plant_dead_letter(db, "RuntimeError('boom for the retry test')")
    tab = open_tab(people.admin, "/admin/jobs")
    loaded = tab.call(AdminJobsState.load)
    assert any(r["id"] == str(did) for r in loaded.var(AdminJobsState, "rows")), loaded.text
    asked = tab.call(AdminJobsState.ask_retry, {"dead_letter_id": did})
    assert asked.var(AdminJobsState, "pending_id") == str(did)
    done = tab.call(AdminJobsState.confirm_retry)
    assert any(kind == "success" for kind, _ in done.toasts), done.text
    row = dead_letter(db, did)
    assert row.retried_at is not None and row.retried_by == people.admin.id
    assert query(db, "select count(*) from audit_log where action = 'job.retry' and target_id = :t", t=str(did))[0][0] == 1
    # A forged second retry of the same dead letter (another tab, stale page) changes nothing.
    with unchanged(db):
        again = open_tab(people.admin, "/admin/jobs")
        again.call(AdminJobsState.load)
        reply = again.call(AdminJobsState.ask_retry, {"dead_letter_id": did})
    assert ("error", NOT_FOUND) in reply.toasts, reply.text


def test_cancel_only_clears_this_tabs_dialog(open_tab, db):
    tab = open_tab(None, "/admin/jobs")
    with unchanged(db):
        reply = tab.call(AdminJobsState.cancel_retry)
    assert not reply.crashed and not reply.redirects and not reply.scripts, reply.text
