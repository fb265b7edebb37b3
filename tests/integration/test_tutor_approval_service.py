"""The approval state machine on real PostgreSQL: every allowed transition and every
forbidden one, who may make each, compare-and-swap under concurrency, history, audit and
notifications, and the admin review queue."""

# ruff: noqa: F811  (pytest fixtures imported from test_tutor_support are parameters here)
from __future__ import annotations

import itertools
import threading
import uuid

import pytest

from tests.integration.test_tutor_support import (
    as_,
    complete_profile,
    doc_dir,  # noqa: F401  (fixture)
    draft,
    make_subjects,
    make_user,
    profile,
)
from tests.support.db import scalar, sql
from tutorconnect.db import session_scope
from tutorconnect.models.tutors import TUTOR_STATUSES
from tutorconnect.services import notifications, tutors
from tutorconnect.services.errors import InvalidInput, PermissionDenied
from tutorconnect.services.tutors import TRANSITIONS, TUTOR_TRANSITIONS, TransitionNotAllowed

ALLOWED = sorted((a, b) for a, targets in TRANSITIONS.items() for b in targets)
FORBIDDEN = sorted((a, b) for a, b in itertools.product(TUTOR_STATUSES, TUTOR_STATUSES) if (a, b) not in ALLOWED)
REASON = "Please add your degree certificate."


@pytest.fixture
def people(db, doc_dir):
    make_subjects()
    admin, tutor = make_user("admin"), make_user("tutor", "Priya Sharma")
    complete_profile(tutor, doc_dir)
    return admin, tutor


def _force(tutor_id, status):
    sql("UPDATE tutor_profiles SET status = :s WHERE user_id = :u", s=status, u=tutor_id)


def _actor(step, admin, tutor):
    return tutor if step in TUTOR_TRANSITIONS else admin


def _go(actor, tutor_id, target, reason=None):
    with session_scope() as s:
        return tutors.transition_tutor(s, as_(actor), tutor_id, target, reason=reason)


def test_the_machine_is_the_documented_one():
    assert {k.value for k in TRANSITIONS} == set(TUTOR_STATUSES)
    assert len(ALLOWED) == 8 and len(ALLOWED) + len(FORBIDDEN) == 36


@pytest.mark.parametrize("step", ALLOWED, ids=lambda s: "->".join(s))
def test_every_allowed_transition_is_recorded_audited_and_notified(people, step):
    admin, tutor = people
    current, target = step
    _force(tutor, current)
    actor = _actor(step, admin, tutor)
    # when
    assert _go(actor, tutor, target, REASON) == target
    # then
    p = profile(tutor)
    assert p.status == target
    events = sql("SELECT from_status, to_status, actor_user_id, reason FROM tutor_status_events")
    expected_reason = REASON if target in ("rejected", "suspended") else None
    assert [tuple(e) for e in events] == [(current, target, actor, expected_reason)]
    audits = sql("SELECT action, actor_user_id, before, after FROM audit_log WHERE target_id = :t", t=str(tutor))
    assert [(a.action, a.actor_user_id, a.before) for a in audits] == [(f"tutor.{target}", actor, {"status": current})]
    with session_scope() as s:
        notes, _ = notifications.list_for(s, tutor)
    assert len(notes) == (0 if step in TUTOR_TRANSITIONS else 1)
    if target == "submitted":
        assert p.submitted_at is not None and p.rejection_reason is None
    if target == "rejected":
        assert p.rejection_reason == REASON and p.reviewed_at is not None and REASON in notes[0].body
    if target == "approved":
        assert p.approved_at is not None


@pytest.mark.parametrize("step", FORBIDDEN, ids=lambda s: "->".join(s))
def test_every_other_transition_is_refused_and_changes_nothing(people, step):
    admin, tutor = people
    current, target = step
    _force(tutor, current)
    for actor in (admin, tutor):
        with pytest.raises(TransitionNotAllowed):
            _go(actor, tutor, target, REASON)
    assert profile(tutor).status == current
    assert scalar("SELECT count(*) FROM tutor_status_events") == 0
    assert scalar("SELECT count(*) FROM notifications") == 0


@pytest.mark.parametrize("step", ALLOWED, ids=lambda s: "->".join(s))
def test_each_transition_is_refused_to_the_wrong_kind_of_actor(people, step):
    admin, tutor = people
    current, target = step
    _force(tutor, current)
    student, other_tutor = make_user("student"), make_user("tutor")
    wrong = [student, other_tutor, None] + ([admin] if step in TUTOR_TRANSITIONS else [tutor])
    for actor in wrong:
        with pytest.raises(PermissionDenied):
            _go(actor, tutor, target, REASON)
    assert profile(tutor).status == current


def test_a_stranger_cannot_probe_a_status_with_an_impossible_transition(people):
    _, tutor = people
    with pytest.raises(PermissionDenied):
        _go(make_user("student"), tutor, "approved")


def test_an_incomplete_profile_cannot_be_submitted_and_is_told_what_is_missing(db):
    tutor = make_user("tutor")
    draft(tutor)
    with pytest.raises(InvalidInput) as err, session_scope() as s:
        tutors.submit_profile(s, as_(tutor), tutor)
    assert "hourly rate" in err.value.message and "headline" in err.value.message
    assert profile(tutor).status == "draft"


@pytest.mark.parametrize("reason", [None, "", "no", "x" * 501, 42])
def test_rejecting_or_suspending_needs_a_reason(people, reason):
    admin, tutor = people
    _force(tutor, "under_review")
    with pytest.raises(InvalidInput) as err, session_scope() as s:
        tutors.reject_tutor(s, as_(admin), tutor, reason=reason)
    assert err.value.field == "reason"
    _force(tutor, "approved")
    with pytest.raises(InvalidInput), session_scope() as s:
        tutors.suspend_tutor(s, as_(admin), tutor, reason=reason)


def test_the_full_journey_reject_fix_resubmit_approve_suspend_reinstate(people):
    admin, tutor = people
    with session_scope() as s:
        tutors.submit_profile(s, as_(tutor), tutor)
    with session_scope() as s:
        tutors.start_review(s, as_(admin), tutor)
    with session_scope() as s:
        tutors.reject_tutor(s, as_(admin), tutor, reason=REASON)
    with session_scope() as s:
        tutors.submit_profile(s, as_(tutor), tutor)
    assert profile(tutor).rejection_reason is None
    with session_scope() as s:
        tutors.start_review(s, as_(admin), tutor)
        tutors.approve_tutor(s, as_(admin), tutor)
    with session_scope() as s:
        tutors.suspend_tutor(s, as_(admin), tutor, reason="Repeated no-shows reported.")
        tutors.reinstate_tutor(s, as_(admin), tutor)
    with session_scope() as s:
        hist = tutors.approval_history(s, tutor)
        notes, total = notifications.list_for(s, tutor)
    assert [h.to_status for h in hist] == ["submitted", "under_review", "rejected", "submitted", "under_review",
                                           "approved", "suspended", "approved"]
    assert total == 6 and notes[0].kind == "tutor.approved"


def test_withdrawing_returns_a_submission_to_draft(people):
    _, tutor = people
    with session_scope() as s:
        tutors.submit_profile(s, as_(tutor), tutor)
        tutors.withdraw_submission(s, as_(tutor), tutor)
    assert profile(tutor).status == "draft"


@pytest.mark.parametrize("decision", ["approved", "rejected"])
def test_concurrent_decisions_on_one_profile_exactly_one_wins(people, decision):
    admin, tutor = people
    second_admin = make_user("admin")
    _force(tutor, "under_review")
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def decide(actor, target):
        barrier.wait()
        try:
            _go(actor, tutor, target, REASON)
            outcomes.append("won")
        except TransitionNotAllowed:
            outcomes.append("lost")

    targets = [decision] * 4 + ["approved" if decision == "rejected" else "rejected"] * 4
    threads = [threading.Thread(target=decide, args=(admin if i % 2 else second_admin, t)) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["lost"] * 7 + ["won"]
    assert scalar("SELECT count(*) FROM tutor_status_events") == 1
    assert scalar("SELECT count(*) FROM notifications") == 1
    assert scalar("SELECT count(*) FROM audit_log WHERE action LIKE 'tutor.%'") == 1


def test_the_review_queue_lists_waiting_profiles_oldest_first_for_admins_only(people, doc_dir):
    admin, first = people
    second = make_user("tutor", "Arjun Mehta")
    complete_profile(second, doc_dir)
    approved = make_user("tutor", "Already Listed")
    complete_profile(approved, doc_dir)
    for t in (first, second):
        with session_scope() as s:
            tutors.submit_profile(s, as_(t), t)
    sql("UPDATE tutor_profiles SET submitted_at = now() - interval '2 days' WHERE user_id = :u", u=second)
    _force(approved, "approved")
    with session_scope() as s:
        tutors.start_review(s, as_(admin), first)
    with session_scope() as s:
        items, total = tutors.review_queue(s, as_(admin))
        assert tutors.review_queue(s, as_(admin), page=2, per_page=1)[0][0].tutor_id == str(first)
    assert total == 2 and [i.tutor_id for i in items] == [str(second), str(first)]
    assert [h.to_status for h in items[1].history] == ["submitted", "under_review"] and items[1].name == "Ms Priya"
    for stranger in (first, make_user("student"), None):
        with pytest.raises(PermissionDenied), session_scope() as s:
            tutors.review_queue(s, as_(stranger))
    with pytest.raises(InvalidInput), session_scope() as s:
        tutors.review_queue(s, as_(admin), page=0)


def test_an_unknown_profile_is_not_found(db):
    admin = make_user("admin")
    from tutorconnect.services.errors import NotFound

    with pytest.raises(NotFound):
        _go(admin, uuid.uuid4(), "approved")
