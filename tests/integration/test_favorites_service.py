"""Favorites: students only, approved tutors only, idempotent."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.test_tutor_support import as_, listed_tutor, make_user
from tests.support.db import scalar, sql
from tutorconnect.db import session_scope
from tutorconnect.services import tutors
from tutorconnect.services.errors import NotFound, PermissionDenied


@pytest.fixture
def student(db):
    return make_user("student")


def _add(student, tutor, actor=None):
    with session_scope() as s:
        tutors.add_favorite(s, as_(actor or student), student, tutor)


def _list(student):
    with session_scope() as s:
        return [c.tutor_id for c in tutors.list_favorites(s, as_(student), student)]


def test_a_student_saves_tutors_once_however_often_they_click(student):
    first, second = listed_tutor(name="Ann Tutor"), listed_tutor(name="Bob Tutor")
    _add(student, first)
    _add(student, second)
    _add(student, first)
    assert scalar("SELECT count(*) FROM favorites") == 2
    sql("UPDATE favorites SET created_at = now() - interval '1 day' WHERE tutor_id = :t", t=first)
    assert _list(student) == [str(second), str(first)]
    with session_scope() as s:
        assert tutors.is_favorite(s, student, first)


def test_removing_is_idempotent(student):
    tutor = listed_tutor()
    _add(student, tutor)
    for _ in range(2):
        with session_scope() as s:
            tutors.remove_favorite(s, as_(student), student, tutor)
    assert _list(student) == []


@pytest.mark.parametrize("status", ["draft", "submitted", "under_review", "rejected", "suspended"])
def test_only_approved_tutors_can_be_saved(student, status):
    with pytest.raises(NotFound):
        _add(student, listed_tutor(status))
    with pytest.raises(NotFound):
        _add(student, uuid.uuid4())
    assert scalar("SELECT count(*) FROM favorites") == 0


def test_a_suspended_tutor_drops_out_of_the_list_and_returns_when_reinstated(student):
    tutor = listed_tutor()
    _add(student, tutor)
    sql("UPDATE tutor_profiles SET status = 'suspended' WHERE user_id = :t", t=tutor)
    assert _list(student) == []
    sql("UPDATE tutor_profiles SET status = 'approved' WHERE user_id = :t", t=tutor)
    assert _list(student) == [str(tutor)]


@pytest.mark.parametrize("role", ["tutor", "admin"])
def test_tutors_and_admins_have_no_favorites(db, role):
    user, tutor = make_user(role), listed_tutor()
    with pytest.raises(PermissionDenied):
        _add(user, tutor)
    with pytest.raises(PermissionDenied), session_scope() as s:
        tutors.list_favorites(s, as_(user), user)
    with pytest.raises(PermissionDenied), session_scope() as s:
        tutors.remove_favorite(s, as_(user), user, tutor)


def test_nobody_touches_another_students_favorites(student):
    tutor, other = listed_tutor(), make_user("student")
    _add(student, tutor)
    for actor in (other, None):
        with pytest.raises(PermissionDenied):
            _add(student, tutor, actor=actor or uuid.uuid4())
        with pytest.raises(PermissionDenied), session_scope() as s:
            tutors.list_favorites(s, as_(actor), student)
        with pytest.raises(PermissionDenied), session_scope() as s:
            tutors.remove_favorite(s, as_(actor), student, tutor)
    assert _list(student) == [str(tutor)]
