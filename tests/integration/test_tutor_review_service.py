"""The admin's read side of tutor review: tabs, search, pagination, one tutor's full view."""

from __future__ import annotations

import pytest

from tests.integration.test_tutor_support import (  # noqa: F401
    approved_tutor,
    as_,
    complete_profile,
    doc_dir,
    listed_tutor,
    make_subjects,
    make_user,
)
from tests.support.db import sql
from tutorconnect.db import session_scope
from tutorconnect.services import tutors
from tutorconnect.services.errors import InvalidInput, NotFound, PermissionDenied


@pytest.fixture
def admin(db):
    make_subjects()
    return make_user("admin", "Ada Admin")


def _submitted(name, doc_dir):  # noqa: F811
    tid = make_user("tutor", name)
    complete_profile(tid, doc_dir)
    with session_scope() as s:
        tutors.submit_profile(s, as_(tid), tid)
    return tid


def _list(admin, **kw):
    with session_scope() as s:
        return tutors.list_tutors(s, as_(admin), **kw)


def test_waiting_lists_submitted_and_under_review_oldest_first(admin, doc_dir):  # noqa: F811
    first = _submitted("Asha First", doc_dir)
    second = _submitted("Bela Second", doc_dir)
    sql("UPDATE tutor_profiles SET submitted_at = now() - interval '2 days' WHERE user_id = :t", t=first)
    with session_scope() as s:
        tutors.start_review(s, as_(admin), second)
    listed_tutor("approved", "Carl Approved")
    rows, total = _list(admin)
    assert total == 2
    assert [r.tutor_id for r in rows] == [str(first), str(second)]
    assert [r.status for r in rows] == ["submitted", "under_review"]


def test_each_tab_lists_only_its_status(admin):
    ids = {status: listed_tutor(status, f"Tutor {status}") for status in ("approved", "suspended", "rejected", "draft")}
    for tab, tid in ids.items():
        rows, total = _list(admin, status=tab)
        assert total == 1 and rows[0].tutor_id == str(tid)


def test_search_matches_name_and_email_and_escapes_wildcards(admin):
    listed_tutor("approved", "Priya Sharma")
    listed_tutor("approved", "Rahul Verma")
    rows, total = _list(admin, status="approved", q="priya")
    assert total == 1 and rows[0].name == "Priya Sharma"
    rows, total = _list(admin, status="approved", q="tutor-")  # emails are tutor-<hex>@example.com
    assert total == 2
    assert _list(admin, status="approved", q="%")[1] == 0


def test_pagination_is_server_side(admin):
    for i in range(5):
        listed_tutor("approved", f"Tutor {i}")
    rows, total = _list(admin, status="approved", page=2, per_page=2)
    assert total == 5 and len(rows) == 2
    rows, total = _list(admin, status="approved", page=9, per_page=2)
    assert total == 5 and rows == []


@pytest.mark.parametrize("kw", [{"status": "everything"}, {"status": 3}, {"q": "x" * 101}, {"q": None},
                                {"page": 0}, {"page": "2"}, {"page": True}])
def test_bad_arguments_are_refused(admin, kw):
    with pytest.raises(InvalidInput):
        _list(admin, **kw)


@pytest.mark.parametrize("role", ["student", "tutor"])
def test_only_admins_may_read(admin, role, doc_dir):  # noqa: F811
    tid = _submitted("Someone", doc_dir)
    other = make_user(role)
    with session_scope() as s, pytest.raises(PermissionDenied):
        tutors.list_tutors(s, as_(other))
    with session_scope() as s, pytest.raises(PermissionDenied):
        tutors.admin_tutor_view(s, as_(other), tid)
    with session_scope() as s, pytest.raises(PermissionDenied):
        tutors.admin_tutor_view(s, as_(tid), tid)  # not even the tutor: this is the admin's view
    with session_scope() as s, pytest.raises(PermissionDenied):
        tutors.subject_tutor_counts(s, as_(other))


def test_the_view_has_the_profile_documents_history_and_valid_actions(admin, doc_dir):  # noqa: F811
    tid = _submitted("Priya Sharma", doc_dir)
    with session_scope() as s:
        view = tutors.admin_tutor_view(s, as_(admin), tid)
    assert (view.status, view.display_name, view.headline) == ("submitted", "Ms Priya", "Maths that makes sense")
    assert view.subjects == [("Mathematics", "expert", False)]
    assert view.languages == [("en", "C2"), ("hi", "native")]
    assert view.prices == {30: 700_00, 60: 1200_00} and view.trial_price_minor == 300_00
    assert view.completeness.score == 100 and view.time_zone == "Asia/Kolkata"
    assert [(d.title, d.issuer, d.year, d.kind) for d in view.documents] == [("MSc Mathematics", "IIT Bombay", 2012, "education")]
    assert [(h.from_status, h.to_status, h.actor) for h in view.history] == [("draft", "submitted", "the tutor")]
    assert view.actions == ["under_review"]

    with session_scope() as s:
        tutors.start_review(s, as_(admin), tid)
    with session_scope() as s:
        tutors.reject_tutor(s, as_(admin), tid, reason="Please add a clearer photo.")
    with session_scope() as s:
        view = tutors.admin_tutor_view(s, as_(admin), tid)
    assert view.status == "rejected" and view.actions == []
    assert view.rejection_reason == "Please add a clearer photo."
    top = view.history[0]
    assert (top.to_status, top.reason) == ("rejected", "Please add a clearer photo.")
    assert top.actor.startswith("Ada Admin (admin-") and top.actor.endswith("@example.com)")


@pytest.mark.parametrize("status,actions", [("draft", []), ("submitted", ["under_review"]),
                                            ("under_review", ["approved", "rejected"]), ("approved", ["suspended"]),
                                            ("suspended", ["approved"]), ("rejected", [])])
def test_admin_actions_follow_the_state_machine(status, actions):
    assert tutors.admin_actions(status) == actions


def test_unknown_tutor_is_not_found(admin):
    import uuid

    with session_scope() as s, pytest.raises(NotFound):
        tutors.admin_tutor_view(s, as_(admin), uuid.uuid4())


def test_subject_counts_count_profiles_per_subject(admin, doc_dir):  # noqa: F811
    approved_tutor(admin, doc_dir, "One")
    approved_tutor(admin, doc_dir, "Two", subjects=(("mathematics", "expert"), ("physics", "advanced")))
    with session_scope() as s:
        counts = tutors.subject_tutor_counts(s, as_(admin))
        by_slug = {r.slug: counts.get(r.id, 0) for r in tutors.all_subjects(s, as_(admin))}
    assert by_slug == {"mathematics": 2, "physics": 1, "japanese": 0, "python-programming": 0}


def test_tab_counts_follow_the_search(admin):
    listed_tutor("approved", "Priya Sharma")
    listed_tutor("approved", "Rahul Verma")
    listed_tutor("suspended", "Priya Nair")
    listed_tutor("submitted", "Priya Das")
    with session_scope() as s:
        assert tutors.tab_counts(s, as_(admin)) == {"waiting": 1, "approved": 2, "suspended": 1, "rejected": 0, "draft": 0}
        assert tutors.tab_counts(s, as_(admin), q="priya") == {"waiting": 1, "approved": 1, "suspended": 1, "rejected": 0, "draft": 0}
        with pytest.raises(InvalidInput):
            tutors.tab_counts(s, as_(admin), q=["x"])
    student = make_user("student")
    with session_scope() as s, pytest.raises(PermissionDenied):
        tutors.tab_counts(s, as_(student))
