"""Booking lists on PostgreSQL: the rows carry names, slug, photo and the review flag; one
person reads only their own rows (admins anyone's); pages, requests order, the tutor's
recent cancellations; bad arguments are refused."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from tests.integration.booking_support import book, bookable_tutor, force_status, future, student
from tests.integration.test_tutor_support import as_, make_user
from tutorconnect.db import session_scope
from tutorconnect.services import bookings
from tutorconnect.services.errors import InvalidInput, NotFound, PermissionDenied

pytestmark = pytest.mark.usefixtures("db")


def run(fn, *args, **kwargs):
    with session_scope() as s:
        return fn(s, *args, **kwargs)


def add_review(booking, rating=5) -> None:
    with session_scope() as s:
        s.execute(text("INSERT INTO reviews (id, tutor_id, student_id, booking_id, rating, body, created_at) "
                       "VALUES (:id, :t, :s, :b, :r, '', now())"),
                  {"id": uuid.uuid4(), "t": booking.tutor_id, "s": booking.student_id, "b": booking.id, "r": rating})


def test_rows_carry_names_slug_photo_and_the_review_flag():
    tutor = bookable_tutor(name="Meera Iyer")
    with session_scope() as s:
        s.execute(text("UPDATE tutor_profiles SET display_name = 'Ms Meera', photo_path = '/avatars/m.svg' "
                       "WHERE user_id = :t"), {"t": tutor})
    learner = student("Kabir Shah")
    upcoming = book(learner, tutor, future(3))
    done = book(learner, tutor, future(4))
    force_status(done.id, "completed", starts_at=future(-3), ends_at=future(-3) + timedelta(hours=1),
                 blocked_from=future(-3), blocked_until=future(-3) + timedelta(hours=1))
    add_review(done)

    rows, total = run(bookings.student_bookings, as_(learner), learner)
    assert total == 1 and [r.id for r in rows] == [upcoming.id]
    (row,) = rows
    assert (row.tutor_name, row.student_name, row.tutor_slug, row.tutor_photo) == (
        "Ms Meera", "Kabir Shah", f"t-{tutor.hex}", "/avatars/m.svg")
    assert row.reviewed is False and row.status == "pending_payment" and row.cancellation_policy["student_tiers"]

    past, total = run(bookings.student_bookings, as_(learner), learner, when="past")
    assert total == 1 and past[0].id == done.id and past[0].reviewed is True

    tutor_rows, _ = run(bookings.tutor_bookings, as_(tutor), tutor, when="past")
    assert tutor_rows[0].student_name == "Kabir Shah" and tutor_rows[0].reviewed is True


def test_tutor_name_falls_back_to_the_account_name():
    tutor = bookable_tutor(name="Arjun Rao")
    learner = student()
    book(learner, tutor, future(2))
    (row,), _ = run(bookings.student_bookings, as_(learner), learner)
    assert row.tutor_name == "Arjun Rao"


def test_pages_and_totals():
    tutor, learner = bookable_tutor(), student()
    made = [book(learner, tutor, future(2, hour=h)) for h in range(1, 8)]  # 7 upcoming
    first, total = run(bookings.student_bookings, as_(learner), learner, page=1, per_page=3)
    second, _ = run(bookings.student_bookings, as_(learner), learner, page=2, per_page=3)
    third, _ = run(bookings.student_bookings, as_(learner), learner, page=3, per_page=3)
    beyond, beyond_total = run(bookings.student_bookings, as_(learner), learner, page=9, per_page=3)
    assert total == 7 and beyond_total == 7 and beyond == []
    assert [r.id for r in first + second + third] == [b.id for b in made]  # soonest first, no gaps


def test_requests_are_awaiting_tutor_only_the_soonest_lesson_first():
    tutor = bookable_tutor(requires_confirmation=True)
    a, b, c = student(), student(), student()
    late = book(a, tutor, future(5))
    soon = book(b, tutor, future(2))
    confirmed = book(c, tutor, future(3))
    for booking in (late, soon):
        run(bookings.mark_paid, booking.id)
    force_status(confirmed.id, "confirmed")
    rows, total = run(bookings.tutor_requests, as_(tutor), tutor)
    assert total == 2 and [r.id for r in rows] == [soon.id, late.id]
    assert all(r.status == "awaiting_tutor" and r.respond_by is not None for r in rows)
    summary = run(bookings.tutor_summary, as_(tutor), tutor)
    assert summary.requests == 2 and summary.cancellations == 0 and summary.bookings == 3


def test_tutor_cancellations_in_the_last_90_days_count_only_the_tutors_own():
    tutor = bookable_tutor()
    learners = [student() for _ in range(4)]
    made = [book(s, tutor, future(3 + i)) for i, s in enumerate(learners)]
    run(bookings.cancel, as_(tutor), made[0].id, "I am ill")
    run(bookings.cancel, as_(tutor), made[1].id, "Travelling")
    run(bookings.cancel, as_(learners[2]), made[2].id, "Changed my mind")  # the student's: not counted
    old = datetime.now(timezone.utc) - timedelta(days=120)
    with session_scope() as s:  # an old booking of the tutor's: outside the window
        s.execute(text("UPDATE bookings SET created_at = :old WHERE id = :b"), {"old": old, "b": made[1].id})
    summary = run(bookings.tutor_summary, as_(tutor), tutor)
    assert (summary.cancellations, summary.bookings) == (1, 2)  # the unpaid one is left out


def test_only_the_owner_or_an_admin_reads_a_list():
    tutor, learner, other = bookable_tutor(), student(), student()
    booking = book(learner, tutor, future(2))
    admin = make_user("admin")
    with pytest.raises(PermissionDenied):
        run(bookings.student_bookings, as_(other), learner)
    with pytest.raises(PermissionDenied):
        run(bookings.tutor_bookings, as_(learner), tutor)
    with pytest.raises(PermissionDenied):
        run(bookings.tutor_requests, as_(other), tutor)
    with pytest.raises(PermissionDenied):
        run(bookings.tutor_summary, as_(None), tutor)
    rows, _ = run(bookings.student_bookings, as_(admin), learner)
    assert [r.id for r in rows] == [booking.id]
    # one booking: its student, its tutor and an admin; anyone else is told it does not exist
    for who in (learner, tutor, admin):
        assert run(bookings.get_row, as_(who), booking.id).id == booking.id
    with pytest.raises(NotFound):
        run(bookings.get_row, as_(other), booking.id)
    with pytest.raises(NotFound):
        run(bookings.get_row, as_(learner), str(booking.id))


@pytest.mark.parametrize("kwargs", [
    {"when": "later"}, {"when": None}, {"page": 0}, {"page": "2"}, {"page": True}, {"per_page": 0},
    {"per_page": 500}, {"per_page": "10"},
])
def test_bad_arguments_are_refused(kwargs):
    learner = student()
    with pytest.raises(InvalidInput):
        run(bookings.student_bookings, as_(learner), learner, **kwargs)


def test_a_forged_user_id_is_refused():
    learner = student()
    with pytest.raises(InvalidInput):
        run(bookings.student_bookings, as_(learner), str(learner))


# What the cards show (state/bookings_list_view.card_for: pure, from a BookingRow) -----------------
def _row(role: str = "student", now: datetime | None = None, **changes) -> bookings.BookingRow:
    """A BookingRow as the lists return it to `role` at `now` (its actions computed by the
    bookings package, as lists.py does)."""
    start = datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc)
    base = dict(id=uuid.uuid4(), reference="TC-ABCDEF", status="confirmed", tutor_id=uuid.uuid4(),
                student_id=uuid.uuid4(), starts_at=start, ends_at=start + timedelta(hours=1), length_minutes=60,
                is_trial=False, price_minor=1000_00, currency="INR", tutor_earnings_minor=850_00,
                tutor_time_zone="Europe/Berlin", student_time_zone="Asia/Kolkata", reschedule_count=0,
                expires_at=None, respond_by=None, cancelled_by=None, cancel_reason=None, refund_minor=None,
                meeting_url=None, cancellation_policy={}, student_name="Kabir Shah", tutor_name="Ms Meera",
                tutor_slug="ms-meera", tutor_photo=None, reviewed=False)
    paid = changes.pop("paid", True)
    fields = {**base, **changes}
    actions = bookings.actions_for(role=role, status=fields["status"], starts_at=fields["starts_at"],
                                   now=now or BEFORE, reschedule_count=fields["reschedule_count"], reschedule_limit=2,
                                   expires_at=fields["expires_at"], reviewed=fields["reviewed"])
    earning = bookings.tutor_earning(fields["status"], paid=paid, price_minor=fields["price_minor"],
                                     platform_fee_minor=fields["price_minor"] - fields["tutor_earnings_minor"],
                                     refund_minor=fields["refund_minor"])
    return bookings.BookingRow(**fields, tutor_earning_minor=earning, actions=actions)


def _card(role: str, zone: str, now: datetime, **changes):
    from tutorconnect.state.bookings_list_view import card_for

    return card_for(_row(role, now, **changes), role, zone, now)


BEFORE = datetime(2026, 12, 1, tzinfo=timezone.utc)
AFTER = datetime(2026, 12, 4, 10, 30, tzinfo=timezone.utc)


def test_cards_show_times_in_the_viewers_zone_with_the_other_partys_time():
    card = _card("student", "Asia/Kolkata", BEFORE)
    assert (card.day, card.time_range) == ("Fri 04 Dec 2026", "15:30–16:30 IST")
    assert card.other_time == "Tutor's time: 11:00 CET (Europe/Berlin)"
    assert (card.name, card.profile_href, card.price) == ("Ms Meera", "/tutors/ms-meera", "₹1,000")
    tutor = _card("tutor", "Asia/Kolkata", BEFORE)
    assert tutor.name == "Kabir Shah" and tutor.other_time == "" and tutor.price == "₹1,000 · you earn ₹850"


def test_card_actions_follow_status_role_and_time():
    unpaid = _card("student", "Asia/Kolkata", BEFORE, status="pending_payment",
                   expires_at=BEFORE + timedelta(minutes=15))
    assert unpaid.status_label == "Awaiting payment · expires 05:45 IST" and unpaid.can_cancel
    request = _card("tutor", "UTC", BEFORE, status="awaiting_tutor", respond_by=BEFORE + timedelta(hours=24))
    assert request.can_respond and not request.can_cancel and request.status_note.startswith("Respond by Wed")
    upcoming = _card("student", "UTC", BEFORE, reschedule_count=1, meeting_url="https://meet.example/x")
    assert upcoming.can_reschedule and upcoming.reschedules_left == "1 reschedule left" and not upcoming.can_no_show
    assert upcoming.join_url == "https://meet.example/x"
    assert _card("student", "UTC", BEFORE, meeting_url="javascript:alert(1)").join_url == ""
    assert not _card("student", "UTC", BEFORE, reschedule_count=2).can_reschedule
    started = _card("tutor", "UTC", AFTER)
    assert started.can_no_show and not started.can_cancel and not started.can_reschedule
    done = _card("student", "UTC", AFTER, status="completed")
    assert done.can_review and not done.reviewed
    reviewed = _card("student", "UTC", AFTER, status="completed", reviewed=True)
    assert reviewed.reviewed and not reviewed.can_review
    assert not _card("tutor", "UTC", AFTER, status="completed").can_review


def test_cancelled_cards_say_who_why_and_the_refund():
    cancelled = dict(status="cancelled", cancelled_by="tutor", cancel_reason="I am ill", refund_minor=1000_00)
    assert _card("student", "UTC", BEFORE, **cancelled).outcome == \
        "Cancelled by the tutor: “I am ill” · Your refund: ₹1,000"
    assert _card("tutor", "UTC", BEFORE, **cancelled).outcome == \
        "Cancelled by you: “I am ill” · Refund to the student: ₹1,000"
    declined = dict(status="declined", cancelled_by="system", cancel_reason=None, refund_minor=500_00)
    assert _card("student", "UTC", BEFORE, **declined).outcome == "Declined by TutorConnect · Your refund: ₹500"
    assert _card("student", "UTC", BEFORE, **declined).ics_href == ""



# -- #14 item 14: Upcoming is active lessons only; the rest (cancelled, expired, declined,
# no-shows) is in Past, and only active lessons offer "Add to calendar" --------------------------
def test_upcoming_lists_active_lessons_only_and_past_the_other_outcomes():
    tutor, learner = bookable_tutor(), student()
    pending = book(learner, tutor, future(2))
    confirmed = book(learner, tutor, future(3))
    run(bookings.mark_paid, confirmed.id)
    awaiting = book(learner, tutor, future(4))
    run(bookings.mark_paid, awaiting.id)
    force_status(awaiting.id, "awaiting_tutor")
    cancelled = book(learner, tutor, future(5))
    run(bookings.cancel, as_(learner), cancelled.id, "Plans changed")
    expired = book(learner, tutor, future(6))
    force_status(expired.id, "expired")
    declined = book(learner, tutor, future(7))
    force_status(declined.id, "declined", cancelled_by="tutor", refund_minor=1000_00)
    # reported absent while the lesson's time is still running: an outcome, not an upcoming lesson
    now = datetime.now(timezone.utc)
    missed = book(learner, tutor, future(8))
    force_status(missed.id, "no_show_tutor", starts_at=now - timedelta(minutes=20), ends_at=now + timedelta(minutes=40),
                 blocked_from=now - timedelta(minutes=20), blocked_until=now + timedelta(minutes=40))
    done = book(learner, tutor, future(9))
    force_status(done.id, "completed", starts_at=future(-3), ends_at=future(-3) + timedelta(hours=1),
                 blocked_from=future(-3), blocked_until=future(-3) + timedelta(hours=1))
    active = [pending.id, confirmed.id, awaiting.id]
    others = {cancelled.id, expired.id, declined.id, missed.id, done.id}
    for fn, who in ((bookings.student_bookings, learner), (bookings.tutor_bookings, tutor)):
        upcoming, total = run(fn, as_(who), who)
        assert [r.id for r in upcoming] == active and total == 3
        assert all(r.actions.calendar for r in upcoming)
        past, total = run(fn, as_(who), who, when="past")
        assert {r.id for r in past} == others and total == 5
        assert not any(r.actions.calendar for r in past)
        assert [r.id for r in past] == [declined.id, expired.id, cancelled.id, missed.id, done.id]  # latest first


def test_a_cancelled_card_offers_no_add_to_calendar():
    cancelled = dict(status="cancelled", cancelled_by="student", cancel_reason="Plans changed", refund_minor=1000_00)
    for role in ("student", "tutor"):
        assert _card(role, "UTC", BEFORE, **cancelled).ics_href == ""
        assert _card(role, "UTC", AFTER, status="completed").ics_href == ""
        assert _card(role, "UTC", BEFORE).ics_href.endswith(".ics")  # confirmed


# -- #14 item 32: the tutor's earning only where the lesson will or did pay them ------------------
def test_rows_carry_the_tutors_earning_only_when_it_counts():
    tutor = bookable_tutor()
    learners = [student() for _ in range(5)]
    start = future(3)
    confirmed = book(learners[0], tutor, start)
    run(bookings.mark_paid, confirmed.id)
    by_tutor = book(learners[1], tutor, start + timedelta(hours=2))
    run(bookings.mark_paid, by_tutor.id)
    run(bookings.cancel, as_(tutor), by_tutor.id, "I am ill")  # full refund
    late = book(learners[2], tutor, start + timedelta(hours=4))
    run(bookings.mark_paid, late.id)
    late_start = start + timedelta(hours=4)
    run(bookings.cancel, as_(learners[2]), late.id, "Plans changed", now=late_start - timedelta(hours=3))  # 50% back
    unpaid = book(learners[3], tutor, start + timedelta(hours=6))
    run(bookings.cancel, as_(learners[3]), unpaid.id, "Changed my mind")  # never paid: refund 0, nothing kept
    last_minute = book(learners[4], tutor, start + timedelta(hours=8))
    run(bookings.mark_paid, last_minute.id)
    run(bookings.cancel, as_(learners[4]), last_minute.id, "Sorry",
        now=start + timedelta(hours=8) - timedelta(minutes=30))  # nothing back: the tutor keeps it all
    rows = {r.id: r for r in run(bookings.tutor_bookings, as_(tutor), tutor)[0]
            + run(bookings.tutor_bookings, as_(tutor), tutor, when="past")[0]}
    # 1,000.00 an hour, fee 15%: the tutor's share is 850.00
    assert rows[confirmed.id].tutor_earning_minor == 850_00
    assert rows[by_tutor.id].tutor_earning_minor is None
    assert rows[late.id].tutor_earning_minor == 425_00  # 850.00 less the reversed 425.00
    assert rows[unpaid.id].tutor_earning_minor is None
    assert rows[last_minute.id].tutor_earning_minor == 850_00
    with session_scope() as s:  # one booking on its own says the same
        assert bookings.get_row(s, as_(tutor), late.id).tutor_earning_minor == 425_00


def test_the_tutors_card_says_what_they_earn_keep_or_not():
    assert _card("tutor", "UTC", BEFORE).price == "₹1,000 · you earn ₹850"
    cancelled = dict(status="cancelled", cancelled_by="tutor", cancel_reason="I am ill", refund_minor=1000_00)
    assert _card("tutor", "UTC", BEFORE, **cancelled).price == "₹1,000 · Cancelled — no earning"
    late = dict(status="cancelled", cancelled_by="student", cancel_reason="Plans changed", refund_minor=500_00)
    assert _card("tutor", "UTC", BEFORE, **late).price == "₹1,000 · Cancelled late — you keep ₹425"
    assert _card("tutor", "UTC", BEFORE, status="cancelled", refund_minor=0, paid=False).price == \
        "₹1,000 · Cancelled — no earning"
    assert _card("tutor", "UTC", BEFORE, status="declined", refund_minor=1000_00).price == \
        "₹1,000 · Declined — no earning"
    assert _card("tutor", "UTC", BEFORE, status="expired", paid=False).price == "₹1,000 · Expired — no earning"
    assert _card("tutor", "UTC", AFTER, status="no_show_tutor", refund_minor=1000_00).price == \
        "₹1,000 · Missed — no earning"
    assert _card("tutor", "UTC", AFTER, status="no_show_student").price == "₹1,000 · you earn ₹850"
    assert _card("student", "UTC", BEFORE, **late).price == "₹1,000"  # the student sees what they paid
