"""The subject taxonomy: admins add, rename, retire and unretire; every change audited;
retired subjects leave pickers and facets but stay on profiles."""

from __future__ import annotations

import pytest

from tests.integration.test_tutor_support import as_, listed_tutor, make_subjects, make_user
from tests.support.db import scalar, sql
from tutorconnect.db import session_scope
from tutorconnect.services import tutors
from tutorconnect.services.errors import InvalidInput, PermissionDenied


@pytest.fixture
def admin(db):
    return make_user("admin")


def _add(admin, name, category="Languages"):
    with session_scope() as s:
        return tutors.add_subject(s, as_(admin), name=name, category=category)


def test_an_admin_adds_a_subject_with_a_slug_from_its_name(admin):
    row = _add(admin, "  Ancient   Greek ")
    assert (row.slug, row.name, row.category, row.retired) == ("ancient-greek", "Ancient Greek", "Languages", False)
    assert scalar("SELECT action FROM audit_log WHERE target_id = :i", i=row.id) == "subject.added"
    with session_scope() as s:
        assert [r.slug for r in tutors.active_subjects(s)] == ["ancient-greek"]


def test_names_with_accents_make_ascii_slugs(admin):
    assert _add(admin, "Español avanzado").slug == "espanol-avanzado"


@pytest.mark.parametrize("name,category", [("", "X"), ("x" * 81, "X"), ("Ok", ""), ("Ok", "c" * 61),
                                           (None, "X"), ("!!!", "X"), ("Bad\u202eName", "X")])
def test_bad_names_and_categories_are_refused(admin, name, category):
    with pytest.raises(InvalidInput):
        _add(admin, name, category)
    assert scalar("SELECT count(*) FROM subjects") == 0


def test_a_second_subject_with_the_same_slug_is_refused(admin):
    _add(admin, "Python Programming")
    with pytest.raises(InvalidInput, match="already exists"):
        _add(admin, "python  PROGRAMMING")


def test_renaming_keeps_the_slug_is_audited_and_updates_search_documents(admin):
    row = _add(admin, "Maths")
    tutor = listed_tutor(name="Asha Rao")
    sql("INSERT INTO tutor_subjects (tutor_id, subject_id, level) VALUES (:t, :s, 'expert')", t=tutor, s=row.id)
    with session_scope() as s:
        renamed = tutors.rename_subject(s, as_(admin), row.id, name="Mathematics")
    assert (renamed.slug, renamed.name) == ("maths", "Mathematics")
    assert scalar("SELECT after->>'name' FROM audit_log WHERE action = 'subject.renamed'") == "Mathematics"
    assert scalar("SELECT search_text FROM tutor_profiles WHERE user_id = :t", t=tutor) == "asha rao tutor mathematics"


def test_a_retired_subject_leaves_pickers_and_facets_but_stays_on_profiles(admin):
    ids = make_subjects()
    tutor = listed_tutor()
    sql("INSERT INTO tutor_subjects (tutor_id, subject_id, level) VALUES (:t, :s, 'expert')", t=tutor, s=ids["japanese"])
    with session_scope() as s:
        tutors.retire_subject(s, as_(admin), ids["japanese"])
        tutors.retire_subject(s, as_(admin), ids["japanese"])  # idempotent
    with session_scope() as s:
        assert "japanese" not in [r.slug for r in tutors.active_subjects(s)]
        assert "japanese" not in [i.slug for i in tutors.subject_catalog(s)]
        assert next(r for r in tutors.all_subjects(s, as_(admin)) if r.slug == "japanese").retired
    assert scalar("SELECT count(*) FROM tutor_subjects WHERE subject_id = :s", s=ids["japanese"]) == 1
    with session_scope() as s:
        tutors.unretire_subject(s, as_(admin), ids["japanese"])
    with session_scope() as s:
        assert "japanese" in [r.slug for r in tutors.active_subjects(s)]
    actions = [r[0] for r in sql("SELECT action FROM audit_log WHERE target_id = :i ORDER BY id", i=str(ids["japanese"]))]
    assert actions == ["subject.retired", "subject.unretired"]


def test_only_admins_manage_subjects(admin):
    row = _add(admin, "Latin")
    for role in ("student", "tutor"):
        actor = as_(make_user(role))
        with pytest.raises(PermissionDenied), session_scope() as s:
            tutors.add_subject(s, actor, name="Greek", category="Languages")
        with pytest.raises(PermissionDenied), session_scope() as s:
            tutors.rename_subject(s, actor, row.id, name="Greek")
        with pytest.raises(PermissionDenied), session_scope() as s:
            tutors.retire_subject(s, actor, row.id)
        with pytest.raises(PermissionDenied), session_scope() as s:
            tutors.all_subjects(s, actor)
    assert scalar("SELECT name FROM subjects") == "Latin"
