"""The booking sweep the background loops run (every 30 s, in-process without Redis and
from Celery beat with it): unpaid bookings past their window expire, so their time is
free again; a second sweep changes nothing."""

from __future__ import annotations

from tests.integration.booking_support import (
    book,
    bookable_tutor,
    future,
    student,
)
from tests.support.db import scalar, sql
from tutorconnect import background


def test_sweep_expires_unpaid_bookings_once(db):
    tutor = bookable_tutor()
    made = book(student(), tutor, future(hour=9))
    kept = book(student(), tutor, future(hour=12))
    sql("UPDATE bookings SET expires_at = now() - interval '1 minute' WHERE id = :b", b=made.id)
    assert background.sweep_bookings() == {"expired": 1, "declined": 0, "completed": 0, "reminded": 0}
    assert background.sweep_bookings() == {"expired": 0, "declined": 0, "completed": 0, "reminded": 0}
    assert scalar("SELECT status FROM bookings WHERE id = :b", b=made.id) == "expired"
    assert scalar("SELECT status FROM bookings WHERE id = :b", b=kept.id) == "pending_payment"
    assert scalar("SELECT count(*) FROM booking_events WHERE booking_id = :b AND to_status = 'expired'", b=made.id) == 1



def _ended_confirmed(minutes_ago: int):
    """A confirmed booking (its own tutor), moved by hand to have ended `minutes_ago` ago."""
    made = book(student(), bookable_tutor(), future(hour=9))
    sql("UPDATE bookings SET status = 'confirmed', expires_at = NULL, "
        "starts_at = now() - make_interval(mins => :m + 60), ends_at = now() - make_interval(mins => :m), "
        "blocked_from = now() - make_interval(mins => :m + 60), blocked_until = now() - make_interval(mins => :m) "
        "WHERE id = :b", b=made.id, m=minutes_ago)
    return made.id


def test_sweep_completes_lessons_after_the_no_show_window_once(db):
    done = _ended_confirmed(61)      # past the 60-minute no-show window
    waiting = _ended_confirmed(30)   # still inside it: a no-show can be reported
    assert background.sweep_bookings() == {"expired": 0, "declined": 0, "completed": 1, "reminded": 0}
    assert background.sweep_bookings() == {"expired": 0, "declined": 0, "completed": 0, "reminded": 0}
    assert scalar("SELECT status FROM bookings WHERE id = :b", b=done) == "completed"
    assert scalar("SELECT status FROM bookings WHERE id = :b", b=waiting) == "confirmed"
    assert scalar("SELECT count(*) FROM booking_events WHERE booking_id = :b AND to_status = 'completed'",
                  b=done) == 1
    # The student is asked for a review, once.
    assert scalar("SELECT count(*) FROM notifications n JOIN bookings b ON b.student_id = n.user_id "
                  "WHERE b.id = :b AND n.kind = 'booking.review_requested'", b=done) == 1


def test_concurrent_sweeps_complete_each_lesson_once(db):
    from concurrent.futures import ThreadPoolExecutor

    ids = [_ended_confirmed(120) for _ in range(6)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: background.sweep_bookings()["completed"], range(4)))
    assert sum(results) == 6
    assert scalar("SELECT count(*) FROM booking_events WHERE to_status = 'completed' AND booking_id = ANY(:ids)",
                  ids=ids) == 6
