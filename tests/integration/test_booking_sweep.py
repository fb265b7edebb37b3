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
    assert background.sweep_bookings() == {"expired": 1, "declined": 0}
    assert background.sweep_bookings() == {"expired": 0, "declined": 0}
    assert scalar("SELECT status FROM bookings WHERE id = :b", b=made.id) == "expired"
    assert scalar("SELECT status FROM bookings WHERE id = :b", b=kept.id) == "pending_payment"
    assert scalar("SELECT count(*) FROM booking_events WHERE booking_id = :b AND to_status = 'expired'", b=made.id) == 1
