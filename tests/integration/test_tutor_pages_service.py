"""The public tutor page's read: approved, active tutors only, by slug or by id."""

from __future__ import annotations


import pytest

from tests.integration.test_tutor_support import as_, approved_tutor, doc_dir, listed_tutor, make_subjects, make_user, profile  # noqa: F401
from tests.support.db import sql
from tutorconnect.db import session_scope
from tutorconnect.services import tutors


def _read(key):
    with session_scope() as s:
        return tutors.public_profile(s, key)


def test_an_approved_tutor_reads_by_slug_and_by_id(db, doc_dir):  # noqa: F811
    make_subjects()
    admin = make_user("admin")
    tutor = approved_tutor(admin, doc_dir, subjects=(("mathematics", "expert"), ("physics", "advanced")))
    slug = profile(tutor).slug
    by_slug, by_id, by_uuid = _read(slug), _read(str(tutor)), _read(tutor)
    assert by_slug == by_id == by_uuid
    assert by_slug.tutor_id == str(tutor) and by_slug.slug == slug
    assert by_slug.name == "Ms Priya" and by_slug.headline == "Maths that makes sense"
    assert by_slug.subjects == [("Mathematics", "expert"), ("Physics", "advanced")]
    assert by_slug.languages == [("en", "C2"), ("hi", "native")]
    assert by_slug.prices == {30: 700_00, 60: 1200_00}
    assert by_slug.trial_price_minor == 300_00 and by_slug.currency == "INR"
    assert by_slug.years_experience == 11 and by_slug.time_zone == "Asia/Kolkata"
    assert by_slug.rating_count == 0 and by_slug.rating_average is None


def test_the_bio_comes_back_as_written(db):
    tutor = listed_tutor()
    sql("UPDATE tutor_profiles SET bio = :b WHERE user_id = :t", b="<script>alert(1)</script> & <b>hi</b>", t=tutor)
    assert _read(str(tutor)).bio == "<script>alert(1)</script> & <b>hi</b>"


@pytest.mark.parametrize("status", ["draft", "submitted", "under_review", "rejected", "suspended"])
def test_unlisted_tutors_are_not_found(db, status):
    tutor = listed_tutor(status)
    assert _read(str(tutor)) is None
    assert _read(profile(tutor).slug) is None


def test_a_deleted_account_is_not_found(db):
    tutor = listed_tutor()
    assert _read(str(tutor)) is not None
    sql("UPDATE users SET deleted_at = now() WHERE id = :t", t=tutor)
    assert _read(str(tutor)) is None


@pytest.mark.parametrize("key", ["", "nobody-here", "5f0c3a4e-9b2d-4c7e-8a1f-6b3d2e9c7a41", "x" * 500, "../etc", "a b", None, 42, ["slug"], {"a": 1}])
def test_unknown_or_malformed_keys_are_not_found(db, key):
    listed_tutor()
    assert _read(key) is None
