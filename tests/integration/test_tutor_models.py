"""Database-level rules of the tutor tables: keys, uniqueness, checks, cascades."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from tutorconnect.db import session_scope
from tutorconnect.models import Subject, TutorProfile, TutorSubject, User


def _user(email: str, role: str = "tutor") -> uuid.UUID:
    with session_scope() as s:
        user = User(email=email, full_name="Test Tutor", role=role)
        s.add(user)
        s.flush()
        return user.id


def _subject(slug: str = "mathematics") -> uuid.UUID:
    with session_scope() as s:
        subject = Subject(slug=slug, name=slug.title(), category="Mathematics")
        s.add(subject)
        s.flush()
        return subject.id


def _profile(user_id: uuid.UUID, slug: str, **fields) -> None:
    with session_scope() as s:
        s.add(TutorProfile(user_id=user_id, slug=slug, **fields))


def test_profile_defaults(db):
    uid = _user("t1@example.com")
    _profile(uid, "t-one")
    with session_scope() as s:
        p = s.get(TutorProfile, uid)
        assert (p.status, p.currency, p.headline, p.bio, p.hourly_rate_minor) == ("draft", "INR", "", "", None)
        assert p.created_at.tzinfo is not None


def test_profile_needs_an_existing_user(db):
    with pytest.raises(IntegrityError):
        _profile(uuid.uuid4(), "ghost")


def test_profile_slug_is_unique(db):
    _profile(_user("a@example.com"), "same-slug")
    with pytest.raises(IntegrityError):
        _profile(_user("b@example.com"), "same-slug")


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "published"},
        {"hourly_rate_minor": 0},
        {"hourly_rate_minor": -50_000},
        {"currency": "inr"},
        {"currency": "RS"},
        {"years_experience": -1},
        {"years_experience": 71},
        {"headline": "x" * 121},
        {"bio": "x" * 4001},
        # An approved (listed) profile must have a price and a headline.
        {"status": "approved", "headline": "Maths tutor"},
        {"status": "approved", "hourly_rate_minor": 100_000},
    ],
)
def test_profile_checks_refuse_bad_values(db, fields):
    uid = _user("c@example.com")
    with pytest.raises(IntegrityError):
        _profile(uid, "bad-values", **fields)


@pytest.mark.parametrize("slug", ["Upper", "two--dashes", "-lead", "trail-", "sp ace", ""])
def test_slugs_are_url_safe(db, slug):
    uid = _user("d@example.com")
    with pytest.raises(IntegrityError):
        _profile(uid, slug)
    with pytest.raises(IntegrityError):
        _subject(slug)


def test_approved_profile_with_rate_and_headline_is_accepted(db):
    uid = _user("e@example.com")
    _profile(uid, "ok", status="approved", headline="Physics", hourly_rate_minor=150_000, years_experience=70)
    with session_scope() as s:
        assert s.get(TutorProfile, uid).status == "approved"


def test_subject_slug_is_unique(db):
    _subject("physics")
    with pytest.raises(IntegrityError):
        _subject("physics")


def test_tutor_subject_level_and_keys(db):
    uid = _user("f@example.com")
    _profile(uid, "teacher")
    sid = _subject()
    with pytest.raises(IntegrityError), session_scope() as s:
        s.add(TutorSubject(tutor_id=uid, subject_id=sid, level="guru"))
    with session_scope() as s:
        s.add(TutorSubject(tutor_id=uid, subject_id=sid, level="expert"))
    with pytest.raises(IntegrityError), session_scope() as s:
        s.add(TutorSubject(tutor_id=uid, subject_id=sid, level="beginner"))
    with pytest.raises(IntegrityError), session_scope() as s:
        s.add(TutorSubject(tutor_id=uid, subject_id=uuid.uuid4(), level="expert"))


def test_subject_in_use_cannot_be_deleted(db):
    uid = _user("g@example.com")
    _profile(uid, "teacher")
    sid = _subject()
    with session_scope() as s:
        s.add(TutorSubject(tutor_id=uid, subject_id=sid, level="advanced"))
    with pytest.raises(IntegrityError), session_scope() as s:
        s.execute(delete(Subject).where(Subject.id == sid))


def test_deleting_the_user_removes_profile_and_subjects(db):
    uid = _user("h@example.com")
    _profile(uid, "teacher")
    sid = _subject()
    with session_scope() as s:
        s.add(TutorSubject(tutor_id=uid, subject_id=sid, level="advanced"))
    with session_scope() as s:
        s.execute(delete(User).where(User.id == uid))
    with session_scope() as s:
        assert s.get(TutorProfile, uid) is None
        assert s.exec(select(TutorSubject)).all() == []
        assert s.get(Subject, sid) is not None


def test_currency_is_fixed_width(db):
    with session_scope() as s:
        kind = s.execute(
            text(
                "SELECT data_type, character_maximum_length FROM information_schema.columns "
                "WHERE table_name = 'tutor_profiles' AND column_name = 'currency'"
            )
        ).one()
    assert tuple(kind) == ("character", 3)
