"""bookings.tutor_cancellations on real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.integration.booking_rows import insert_booking
from tests.integration.test_tutor_support import listed_tutor, make_user
from tutorconnect.db import session_scope
from tutorconnect.services import bookings
from tutorconnect.services.errors import InvalidInput

NOW = datetime.now(timezone.utc)


def _stats(tutor, days=90, now=None):
    with session_scope() as s:
        return bookings.tutor_cancellations(s, tutor, days, now=now)


def test_counts_tutor_cancellations_among_paid_bookings_of_the_period(db):
    tutor, other, learner = listed_tutor(), listed_tutor(name="Other Tutor"), make_user("student")
    recent = NOW - timedelta(days=10)
    for status, by in [("completed", None), ("confirmed", None), ("cancelled", "tutor"), ("cancelled", "tutor"),
                       ("cancelled", "student"), ("cancelled", "admin"), ("declined", "tutor"),
                       ("no_show_tutor", None), ("expired", None), ("pending_payment", None)]:
        insert_booking(tutor, learner, status, created_at=recent, cancelled_by=by)
    insert_booking(tutor, learner, "cancelled", created_at=NOW - timedelta(days=91), cancelled_by="tutor")  # too old
    insert_booking(other, learner, "cancelled", created_at=recent, cancelled_by="tutor")  # someone else
    # 8 paid bookings (expired and pending_payment left out); 2 cancelled by the tutor (a decline is not)
    assert _stats(tutor) == (2, 8)
    assert _stats(tutor, days=365) == (3, 9)
    assert _stats(tutor, days=5) == (0, 0)
    assert _stats(other) == (1, 1)


def test_a_tutor_without_bookings_has_zero_of_zero(db):
    assert _stats(listed_tutor()) == (0, 0)
    assert _stats(uuid.uuid4()) == (0, 0)


@pytest.mark.parametrize("tutor_id,days", [("x", 90), (None, 90), (uuid.uuid4(), 0), (uuid.uuid4(), 367),
                                           (uuid.uuid4(), "90"), (uuid.uuid4(), True), (uuid.uuid4(), 9.5)])
def test_bad_arguments_are_refused(db, tutor_id, days):
    with pytest.raises(InvalidInput), session_scope() as s:
        bookings.tutor_cancellations(s, tutor_id, days)


def test_the_admin_tutor_view_carries_the_figure(db):
    from tests.integration.test_tutor_support import as_
    from tutorconnect.services import tutors
    from tutorconnect.state.admin_tutors import cancellation_text

    tutor, learner, admin = listed_tutor(), make_user("student"), make_user("admin")
    insert_booking(tutor, learner, "completed")
    insert_booking(tutor, learner, "cancelled", cancelled_by="tutor")
    with session_scope() as s:
        view = tutors.admin_tutor_view(s, as_(admin), tutor)
    assert view.tutor_cancellations == (1, 2)
    assert cancellation_text(*view.tutor_cancellations) == "Cancelled by the tutor in the last 90 days: 1 of 2 bookings"
    assert cancellation_text(0, 1) == "Cancelled by the tutor in the last 90 days: 0 of 1 booking"
