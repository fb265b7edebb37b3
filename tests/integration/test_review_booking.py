"""Reviews written from bookings (tutors.review_booking) on real PostgreSQL: only the
student of a completed lesson, once; every refusal is clear and writes nothing. Also the
FK reviews.booking_id -> bookings.id and the "leave a review" nudge of bookings.complete."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.integration.booking_rows import insert_booking
from tests.integration.booking_support import bookable_tutor, book, future, student
from tests.integration.test_tutor_support import as_, listed_tutor, make_user, profile
from tests.support.db import scalar, sql
from tutorconnect.db import session_scope
from tutorconnect.services import bookings, tutors
from tutorconnect.services.errors import InvalidInput, NotFound, PermissionDenied
from tutorconnect.services.tutors import ReviewNotAllowed


def _review(actor, booking_id, rating=5, body="Very clear."):
    with session_scope() as s:
        return tutors.review_booking(s, as_(actor), booking_id, rating, body)


def _written() -> tuple[int, int, int]:
    """(reviews, notifications, rating_count summed over tutors)."""
    return (scalar("SELECT count(*) FROM reviews"), scalar("SELECT count(*) FROM notifications"),
            scalar("SELECT coalesce(sum(rating_count), 0) FROM tutor_profiles"))


@pytest.fixture
def lesson(db):
    tutor, learner = listed_tutor(name="Priya Sharma"), make_user("student", "Aarav Patel")
    return tutor, learner, insert_booking(tutor, learner, "completed")


def test_the_student_reviews_a_completed_lesson_and_the_rating_updates(lesson):
    tutor, learner, booking = lesson
    review_id = _review(learner, booking, rating=4, body="Patient and clear.")
    row = sql("SELECT tutor_id, student_id, booking_id, rating, body FROM reviews WHERE id = :i", i=review_id)[0]
    assert tuple(row) == (tutor, learner, booking, 4, "Patient and clear.")
    p = profile(tutor)
    assert (p.rating_count, p.rating_sum) == (1, 4)
    with session_scope() as s:
        assert tutors.rating_summary(s, tutor).average == 4
    assert scalar("SELECT title FROM notifications WHERE user_id = :u", u=tutor) == "You have a new review"


def test_a_second_review_of_the_same_lesson_is_refused(lesson):
    tutor, learner, booking = lesson
    _review(learner, booking, rating=5)
    before = _written()
    with pytest.raises(ReviewNotAllowed, match="already reviewed"):
        _review(learner, booking, rating=1)
    assert _written() == before
    assert (profile(tutor).rating_count, profile(tutor).rating_sum) == (1, 5)


@pytest.mark.parametrize("status", ["pending_payment", "awaiting_tutor", "confirmed", "declined", "expired",
                                    "cancelled", "no_show_student", "no_show_tutor"])
def test_only_completed_lessons_can_be_reviewed(db, status):
    tutor, learner = listed_tutor(), make_user("student")
    booking = insert_booking(tutor, learner, status)
    with pytest.raises(ReviewNotAllowed, match="after it has been completed"):
        _review(learner, booking)
    assert _written() == (0, 0, 0)


def test_the_tutor_of_the_lesson_is_denied(lesson):
    tutor, _, booking = lesson
    with pytest.raises(PermissionDenied, match="Only the student"):
        _review(tutor, booking)
    assert _written() == (0, 0, 0)


@pytest.mark.parametrize("who", ["other student", "admin", "other tutor", "signed out"])
def test_anyone_else_gets_not_found_as_for_a_booking_that_does_not_exist(lesson, who):
    _, _, booking = lesson
    actor = {"other student": lambda: make_user("student"), "admin": lambda: make_user("admin"),
             "other tutor": lambda: listed_tutor(name="Other Tutor"), "signed out": lambda: None}[who]()
    with pytest.raises(NotFound) as refused:
        _review(actor, booking)
    with pytest.raises(NotFound) as missing:
        _review(actor, uuid.uuid4())
    assert str(refused.value) == str(missing.value)
    assert _written() == (0, 0, 0)


@pytest.mark.parametrize("bogus", [None, "", "not-a-uuid", 42, 1.5, True, [], {}, "5f0c3a4e-9b2d-4c7e-8a1f-6b3d2e9c7a41"])
def test_bogus_booking_ids_are_refused(lesson, bogus):
    _, learner, _ = lesson
    with pytest.raises(NotFound):
        _review(learner, bogus)
    assert _written() == (0, 0, 0)


@pytest.mark.parametrize("rating,body", [(0, ""), (6, ""), ("5", ""), (None, ""), (True, ""), (4.5, ""),
                                         (5, "x" * 2001), (5, 12), (5, ["a"])])
def test_bad_ratings_and_bodies_are_refused(lesson, rating, body):
    _, learner, booking = lesson
    with pytest.raises(InvalidInput):
        _review(learner, booking, rating=rating, body=body)
    assert _written() == (0, 0, 0)


def test_a_suspended_tutor_cannot_be_reviewed(lesson):
    tutor, learner, booking = lesson
    sql("UPDATE tutor_profiles SET status = 'suspended' WHERE user_id = :t", t=tutor)
    with pytest.raises(NotFound):
        _review(learner, booking)
    assert scalar("SELECT count(*) FROM reviews") == 0


def test_the_database_refuses_a_review_naming_a_missing_booking(lesson):
    tutor, learner, _ = lesson
    with pytest.raises(IntegrityError, match="reviews_booking_id_fkey"), session_scope() as s:
        s.execute(text("INSERT INTO reviews (id, tutor_id, student_id, booking_id, rating) "
                       "VALUES (gen_random_uuid(), :t, :s, :b, 5)"), {"t": tutor, "s": learner, "b": uuid.uuid4()})
    # publish_review given a missing booking says so (not "already reviewed")
    with pytest.raises(NotFound, match="lesson"), session_scope() as s:
        tutors.publish_review(s, as_(learner), tutor_id=tutor, student_id=learner, booking_id=uuid.uuid4(), rating=5)


def test_a_reviewed_booking_cannot_be_deleted(lesson):
    _, learner, booking = lesson
    _review(learner, booking)
    with pytest.raises(IntegrityError, match="reviews_booking_id_fkey"), session_scope() as s:
        s.execute(text("DELETE FROM bookings WHERE id = :b"), {"b": booking})


def test_completing_a_lesson_asks_the_student_for_a_review_and_the_review_works(db):
    tutor, learner = bookable_tutor(name="Priya Sharma"), student("Aarav Patel")
    b = book(learner, tutor, future())
    with session_scope() as s:
        bookings.mark_paid(s, b.id)
    with pytest.raises(ReviewNotAllowed):
        _review(learner, b.id)
    with session_scope() as s:
        bookings.complete(s, b.id, now=b.ends_at + timedelta(minutes=1))
    notes = sql("SELECT kind, title, link FROM notifications WHERE user_id = :u", u=learner)
    assert [tuple(n) for n in notes] == [("booking.review_requested",
                                          "How was your lesson with Priya Sharma? Leave a review",
                                          "/bookings?tab=past")]
    assert scalar("SELECT count(*) FROM notifications WHERE user_id = :u", u=tutor) == 0
    _review(learner, b.id, rating=5)
    assert (profile(tutor).rating_count, profile(tutor).rating_sum) == (1, 5)


def test_a_refused_completion_notifies_nobody(db):
    tutor, learner = bookable_tutor(), student()
    b = book(learner, tutor, future())
    with pytest.raises(bookings.TransitionNotAllowed), session_scope() as s:
        bookings.complete(s, b.id, now=b.ends_at + timedelta(minutes=1))  # never paid
    assert scalar("SELECT count(*) FROM notifications") == 0
