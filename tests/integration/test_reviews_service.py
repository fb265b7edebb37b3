"""Reviews on real PostgreSQL: who may publish, one per booking, immutability, the single
reply, hiding, pagination, and rating aggregates that never drift under concurrency."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest

from tests.integration.booking_rows import insert_booking
from tests.integration.test_tutor_support import as_, listed_tutor, make_user, profile
from tests.support.db import scalar, sql
from tutorconnect.db import session_scope
from tutorconnect.services import tutors
from tutorconnect.services.errors import InvalidInput, NotFound, PermissionDenied
from tutorconnect.services.tutors import ReviewNotAllowed, lesson_reviews


@pytest.fixture
def tutor(db):
    return listed_tutor()


def _publish(tutor_id, student_id, rating=5, body="Great teacher.", booking_id=None, actor="student"):
    with session_scope() as s:
        return tutors.publish_review(
            s, as_(student_id if actor == "student" else actor), tutor_id=tutor_id, student_id=student_id,
            booking_id=booking_id, rating=rating, body=body, without_booking=booking_id is None)


def _aggregates_match(tutor_id) -> tuple[int, int]:
    p = profile(tutor_id)
    count, total = sql("SELECT count(*), coalesce(sum(rating), 0) FROM reviews "
                       "WHERE tutor_id = :t AND hidden_at IS NULL", t=tutor_id)[0]
    assert (p.rating_count, p.rating_sum) == (count, total)
    return count, total


def test_a_published_review_counts_in_the_rating_and_notifies_the_tutor(tutor):
    student = make_user("student", "Aarav Patel")
    _publish(tutor, student, rating=4, body="<b>Clear</b> explanations & patient.")
    assert _aggregates_match(tutor) == (1, 4)
    with session_scope() as s:
        items, total = tutors.list_reviews(s, tutor)
    assert total == 1 and items[0].body == "<b>Clear</b> explanations & patient." and items[0].student_name == "Aarav P."
    assert scalar("SELECT title FROM notifications WHERE user_id = :u", u=tutor) == "You have a new review"


def test_a_review_without_a_booking_is_only_for_the_demo_loader_and_tests(tutor):
    student = make_user("student")
    with pytest.raises(ReviewNotAllowed), session_scope() as s:
        tutors.publish_review(s, as_(student), tutor_id=tutor, student_id=student, booking_id=None, rating=5)
    assert scalar("SELECT count(*) FROM reviews") == 0


def test_one_review_per_booking(tutor):
    student = make_user("student")
    booking = insert_booking(tutor, student)
    _publish(tutor, student, booking_id=booking)
    with pytest.raises(ReviewNotAllowed):
        _publish(tutor, student, rating=1, booking_id=booking)
    assert _aggregates_match(tutor) == (1, 5)


@pytest.mark.parametrize("status", ["draft", "submitted", "under_review", "rejected", "suspended"])
def test_unlisted_tutors_cannot_be_reviewed(db, status):
    tutor, student = listed_tutor(status), make_user("student")
    with pytest.raises(NotFound):
        _publish(tutor, student)


def test_only_the_student_themselves_publishes(tutor):
    student, other, admin = make_user("student"), make_user("student"), make_user("admin")
    for actor in (other, admin, tutor):
        with pytest.raises(PermissionDenied):
            _publish(tutor, student, actor=actor)
    for not_a_student in (admin, make_user("tutor")):
        with pytest.raises(PermissionDenied):
            _publish(tutor, not_a_student)


@pytest.mark.parametrize("field,value", [("rating", 0), ("rating", 6), ("rating", 4.5), ("rating", "5"),
                                         ("rating", True), ("rating", None), ("body", "x" * 2001), ("body", 42)])
def test_bad_ratings_and_texts_are_refused(tutor, field, value):
    student = make_user("student")
    args = {"rating": 5, "body": "ok", field: value}
    with pytest.raises(InvalidInput) as err:
        _publish(tutor, student, **args)
    assert err.value.field == field
    assert _aggregates_match(tutor) == (0, 0)


def test_a_review_has_no_edit_function_and_the_tutor_replies_exactly_once(tutor):
    own = [n for n, f in vars(lesson_reviews).items() if callable(f) and getattr(f, "__module__", "") == lesson_reviews.__name__]
    assert "reply" in own and not any(n.startswith(("edit", "update", "delete")) for n in own)
    student = make_user("student")
    review_id = _publish(tutor, student)
    with session_scope() as s:
        tutors.reply_to_review(s, as_(tutor), review_id, tutor, "Thank you, Aarav!")
    with pytest.raises(ReviewNotAllowed), session_scope() as s:
        tutors.reply_to_review(s, as_(tutor), review_id, tutor, "Edited reply")
    with session_scope() as s:
        item = tutors.list_reviews(s, tutor)[0][0]
    assert item.reply_body == "Thank you, Aarav!" and item.replied_at is not None


def test_only_the_reviewed_tutor_replies_with_a_sensible_text(tutor):
    review_id = _publish(tutor, make_user("student"))
    other = listed_tutor(name="Other Tutor")
    with pytest.raises(PermissionDenied), session_scope() as s:
        tutors.reply_to_review(s, as_(other), review_id, tutor, "Hijack")
    with pytest.raises(NotFound), session_scope() as s:
        tutors.reply_to_review(s, as_(other), review_id, other, "Hijack")
    for body in ("", "   ", "x" * 2001, None):
        with pytest.raises(InvalidInput), session_scope() as s:
            tutors.reply_to_review(s, as_(tutor), review_id, tutor, body)


def test_concurrent_replies_store_exactly_one(tutor):
    review_id = _publish(tutor, make_user("student"))
    barrier, outcomes = threading.Barrier(6), []

    def attempt(i):
        barrier.wait()
        try:
            with session_scope() as s:
                tutors.reply_to_review(s, as_(tutor), review_id, tutor, f"Reply {i}")
            outcomes.append("ok")
        except ReviewNotAllowed:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == ["ok"] + ["refused"] * 5


def test_an_admin_hides_and_unhides_a_review_with_the_rating_following(tutor):
    admin = make_user("admin")
    keep, hidden = _publish(tutor, make_user("student"), rating=5), _publish(tutor, make_user("student"), rating=1)
    with session_scope() as s:
        assert tutors.hide_review(s, as_(admin), hidden, "Abusive language.") is True
        assert tutors.hide_review(s, as_(admin), hidden, "Abusive language.") is False
    assert _aggregates_match(tutor) == (1, 5)
    with session_scope() as s:
        assert [i.id for i in tutors.list_reviews(s, tutor)[0]] == [str(keep)]
        assert tutors.rating_summary(s, tutor).distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1}
    row = sql("SELECT hidden_reason, hidden_by FROM reviews WHERE id = :r", r=hidden)[0]
    assert tuple(row) == ("Abusive language.", admin)
    with session_scope() as s:
        assert tutors.unhide_review(s, as_(admin), hidden) is True
        assert tutors.unhide_review(s, as_(admin), hidden) is False
    assert _aggregates_match(tutor) == (2, 6)
    actions = [r[0] for r in sql("SELECT action FROM audit_log WHERE target_id = :r ORDER BY id", r=str(hidden))]
    assert actions == ["review.hidden", "review.unhidden"]


def test_only_admins_hide_and_a_reason_is_required(tutor):
    review_id = _publish(tutor, make_user("student"))
    for actor in (tutor, make_user("student"), None):
        with pytest.raises(PermissionDenied), session_scope() as s:
            tutors.hide_review(s, as_(actor), review_id, "Abusive language.")
    admin = make_user("admin")
    for reason in ("", "bad", None, "x" * 501):
        with pytest.raises(InvalidInput), session_scope() as s:
            tutors.hide_review(s, as_(admin), review_id, reason)
    with pytest.raises(NotFound), session_scope() as s:
        tutors.hide_review(s, as_(admin), uuid.uuid4(), "Abusive language.")
    assert _aggregates_match(tutor) == (1, 5)


def test_reviews_are_paginated_newest_first(tutor):
    ids = [_publish(tutor, make_user("student"), rating=1 + i % 5, body=f"Review {i}") for i in range(7)]
    for i, review_id in enumerate(ids):
        sql("UPDATE reviews SET created_at = now() - make_interval(days => :d) WHERE id = :r", d=10 - i, r=review_id)
    with session_scope() as s:
        first, total = tutors.list_reviews(s, tutor, page=1, per_page=3)
        last, _ = tutors.list_reviews(s, tutor, page=3, per_page=3)
        beyond, _ = tutors.list_reviews(s, tutor, page=9, per_page=3)
    assert total == 7 and [i.body for i in first] == ["Review 6", "Review 5", "Review 4"]
    assert [i.body for i in last] == ["Review 0"] and beyond == []
    for page, per_page in ((0, 3), (-1, 3), ("2", 3), (1, 0), (1, 51), (True, 3)):
        with pytest.raises(InvalidInput), session_scope() as s:
            tutors.list_reviews(s, tutor, page=page, per_page=per_page)


def test_the_rating_summary_has_an_exact_two_place_average_and_a_distribution(tutor):
    with session_scope() as s:
        assert tutors.rating_summary(s, tutor) == tutors.RatingSummary(None, 0, {1: 0, 2: 0, 3: 0, 4: 0, 5: 0})
    for rating in (5, 4, 4):
        _publish(tutor, make_user("student"), rating=rating)
    with session_scope() as s:
        summary = tutors.rating_summary(s, tutor)
    assert summary.average == Decimal("4.33") and summary.count == 3
    assert summary.distribution == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}


def test_twenty_concurrent_reviews_never_drift_from_the_rows(tutor):
    students = [make_user("student") for _ in range(20)]
    barrier, errors = threading.Barrier(20), []

    lessons = {st: insert_booking(tutor, st) for st in students}

    def publish(i, student):
        barrier.wait()
        try:
            _publish(tutor, student, rating=1 + i % 5, booking_id=lessons[student])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(i, s)) for i, s in enumerate(students)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert _aggregates_match(tutor) == (20, sum(1 + i % 5 for i in range(20)))

    # and hiding concurrently with more reviews keeps them exact as well
    admin = make_user("admin")
    to_hide = [r[0] for r in sql("SELECT id FROM reviews ORDER BY id LIMIT 10")]
    barrier2 = threading.Barrier(20)

    def hide(review_id):
        barrier2.wait()
        with session_scope() as s:
            tutors.hide_review(s, as_(admin), review_id, "Spam review.")

    more = [make_user("student") for _ in range(10)]
    lessons.update({st: insert_booking(tutor, st) for st in more})
    threads = [threading.Thread(target=hide, args=(r,)) for r in to_hide]
    threads += [threading.Thread(target=lambda st=st: (barrier2.wait(), _publish(tutor, st, rating=3, booking_id=lessons[st])))
                for st in more]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert _aggregates_match(tutor)[0] == 20
