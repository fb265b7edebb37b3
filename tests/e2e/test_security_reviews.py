"""Review handlers called over the websocket as an attacker would: the tutor's reply
(TutorReviewsState) and the admin's hide/unhide (TutorPageState), signed out, with the
wrong role, with someone else's review and with arguments of the wrong type. Nothing may
change in the reviews table or the tutor's rating."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import NO_PERMISSION, assert_denied, assert_sent_to_login, nothing_written, query
from tutorconnect.state.tutor_page import TutorPageState
from tutorconnect.state.tutor_reviews import TutorReviewsState

pytestmark = pytest.mark.e2e


def reviews_state(db) -> list:
    return query(db, "select id, reply_body, hidden_at, hidden_reason from reviews order by id") + query(
        db, "select user_id, rating_count, rating_sum from tutor_profiles order by user_id")


@contextmanager
def reviews_untouched(db) -> Iterator[None]:
    before = reviews_state(db)
    with nothing_written(db):
        yield
    assert reviews_state(db) == before, "reviews or ratings changed"


@pytest.fixture(scope="module")
def reviewed(db, people):
    """(slug, a review id) of a listed tutor other than the demo tutor, and one of the demo
    tutor's own reviews."""
    slug, review_id = query(db, """
        select p.slug, r.id from reviews r join tutor_profiles p on p.user_id = r.tutor_id
        where p.status = 'approved' and r.hidden_at is null and r.tutor_id <> :t
        order by r.created_at desc limit 1""", t=people.tutor.id)[0]
    return slug, str(review_id)


SIGNED_OUT = [
    (TutorReviewsState.load, "/tutor/reviews", {}),
    (TutorReviewsState.go_to_page, "/tutor/reviews", {"page": 2}),
    (TutorReviewsState.send_reply, "/tutor/reviews", {}),
    (TutorPageState.confirm_hide, "/tutors/x", {}),
    (TutorPageState.unhide_review, "/tutors/x", {"review_id": str(uuid.uuid4())}),
]


@pytest.mark.parametrize("handler, page, payload", SIGNED_OUT, ids=[h.fn.__name__ for h, _, _ in SIGNED_OUT])
def test_signed_out_review_handlers_send_to_login(open_tab, db, handler, page, payload):
    tab = open_tab(None, page)
    with reviews_untouched(db):
        reply = tab.call(handler, payload)
    assert_sent_to_login(reply)


def test_a_student_cannot_open_the_tutor_reviews_page(open_tab, db, people):
    tab = open_tab(people.student, "/tutor/reviews")
    with reviews_untouched(db):
        reply = tab.call(TutorReviewsState.load)
    assert_denied(reply)
    assert not reply.var(TutorReviewsState, "rows")


@pytest.mark.parametrize("who", ["student", "tutor"])
def test_only_admins_hide_or_unhide_reviews(open_tab, db, people, reviewed, who):
    slug, review_id = reviewed
    tab = open_tab(getattr(people, who), f"/tutors/{slug}")
    tab.call(TutorPageState.load)
    with reviews_untouched(db):
        tab.call(TutorPageState.ask_hide, {"review_id": review_id})  # opening a dialog is harmless
        tab.call(TutorPageState.set_hide_reason, {"value": "I do not like it at all"})
        hidden = tab.call(TutorPageState.confirm_hide)
        unhidden = tab.call(TutorPageState.unhide_review, {"review_id": review_id})
    assert_denied(hidden, NO_PERMISSION)
    assert_denied(unhidden, NO_PERMISSION)


def test_a_tutor_cannot_reply_to_another_tutors_review(open_tab, db, people, reviewed):
    _, review_id = reviewed
    tab = open_tab(people.tutor, "/tutor/reviews")
    tab.call(TutorReviewsState.load)
    with reviews_untouched(db):
        opened = tab.call(TutorReviewsState.open_reply, {"review_id": review_id})
        tab.call(TutorReviewsState.set_reply_text, {"value": "Not my review"})
        sent = tab.call(TutorReviewsState.send_reply)
    assert ("error", "That review cannot be replied to. Reload the page.") in opened.toasts
    assert sent.var(TutorReviewsState, "reply_error") == "Choose a review to reply to."


@pytest.mark.parametrize("value", [None, 7, ["x"], {"id": "x"}, "x" * 5000, True])
def test_wrong_types_are_refused_without_a_crash(open_tab, db, people, reviewed, value):
    slug, _ = reviewed
    tutor_tab = open_tab(people.tutor, "/tutor/reviews")
    admin_tab = open_tab(people.admin, f"/tutors/{slug}")
    admin_tab.call(TutorPageState.load)
    with reviews_untouched(db):
        replies = [
            tutor_tab.call(TutorReviewsState.go_to_page, {"page": value}),
            tutor_tab.call(TutorReviewsState.open_reply, {"review_id": value}),
            tutor_tab.call(TutorReviewsState.set_reply_text, {"value": value}),
            admin_tab.call(TutorPageState.ask_hide, {"review_id": value}),
            admin_tab.call(TutorPageState.unhide_review, {"review_id": value}),
            admin_tab.call(TutorPageState.set_hide_reason, {"value": value}),
            admin_tab.call(TutorPageState.confirm_hide),
        ]
    assert not any(r.crashed for r in replies), [r.text for r in replies if r.crashed]
