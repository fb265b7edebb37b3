"""Tutor earnings from the ledger: pending (paid, still to come) vs payable (took place or
cancelled with money left to the tutor), net of refunds, per month and per booking; only
for the tutor themself."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.integration.booking_support import book, bookable_tutor, future, student
from tests.integration.test_receipts import paid_booking
from tests.integration.test_tutor_support import as_, make_user
from tutorconnect.db import session_scope
from tutorconnect.services import payments
from tutorconnect.services.errors import InvalidInput, PermissionDenied

pytestmark = pytest.mark.usefixtures("db")


def test_totals_come_from_the_ledger_and_split_pending_from_payable():
    tutor, learner = bookable_tutor(name="Ledger Tutor"), student("Ledger Student")
    upcoming = paid_booking(learner, tutor, 3)
    done = paid_booking(learner, tutor, 4)
    book(learner, tutor, future(5))  # unpaid: nothing
    with session_scope() as s:
        s.execute(text("UPDATE bookings SET status = 'completed' WHERE id = :b"), {"b": done.id})
    with session_scope() as s:
        (total,) = payments.earnings_summary(s, as_(tutor), tutor)
        months = payments.earnings_by_period(s, as_(tutor), tutor, "Asia/Kolkata")
        rows, count = payments.earnings_by_booking(s, as_(tutor), tutor, page=1, per_page=1)
        fee = s.execute(text("SELECT sum(amount_minor) FROM ledger_entries l JOIN bookings b ON b.id = l.booking_id "
                             "WHERE b.tutor_id = :t AND kind = 'platform_fee'"), {"t": tutor}).scalar()
    assert isinstance(total.payable_minor, int)
    assert total.pending_minor == upcoming.tutor_earnings_minor and total.payable_minor == done.tutor_earnings_minor
    assert total.fee_minor == fee and total.gross_minor == 2000_00
    assert sum(m.pending_minor + m.payable_minor for m in months) == total.pending_minor + total.payable_minor
    assert count == 2 and len(rows) == 1 and rows[0].reference == done.reference  # the latest lesson first


def test_only_the_tutor_and_valid_arguments():
    tutor, other = bookable_tutor(name="Own Tutor"), bookable_tutor(name="Other Tutor")
    admin = make_user("admin", "Ada Admin")
    with session_scope() as s:
        for who in (other, admin):
            with pytest.raises(PermissionDenied):
                payments.earnings_summary(s, as_(who), tutor)
            with pytest.raises(PermissionDenied):
                payments.earnings_by_booking(s, as_(who), tutor)
        with pytest.raises(InvalidInput):
            payments.earnings_by_period(s, as_(tutor), tutor, "Mars/Olympus")
        for bad in ("1", 0, True, 2.0):
            with pytest.raises(InvalidInput):
                payments.earnings_by_booking(s, as_(tutor), tutor, page=bad)
        assert payments.earnings_summary(s, as_(tutor), tutor) == []
