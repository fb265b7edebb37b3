"""The bookings pages' handlers over the websocket, as an attacker would call them: signed
out, with the wrong role, with someone else's booking id, with forged or wrong-type
arguments. Each is refused with a clear message and nothing is written: no booking, event,
review, outbox row or audit entry changes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import (
    NO_PERMISSION, assert_denied, assert_sent_to_login, nothing_written, query, reopen_tab,
)
from tests.support.reflex_ws import handler_name
from tests.e2e.test_bookings_pages import accept, future, make_booking, make_person
from tutorconnect.state.bookings_list import StudentBookingsState as Student
from tutorconnect.state.bookings_list import TutorScheduleState as Tutor

pytestmark = pytest.mark.e2e
NOT_FOUND = "That booking was not found."
CHOOSE_BOOKING = "Choose a booking from the list."


@pytest.fixture(scope="module")
def foreign(db) -> dict[str, str]:
    """Bookings between a fresh tutor and a fresh student: none of the demo people's."""
    tutor, _ = make_person(db, "tutor", "Ola Nordmann", "Europe/Oslo")
    learner, _ = make_person(db, "student", "Tara Singh")
    request = make_booking(db, learner, tutor, future(3))
    confirmed = make_booking(db, learner, tutor, future(4))
    accept(db, tutor, confirmed.id)
    started = make_booking(db, learner, tutor, future(5))
    accept(db, tutor, started.id)
    # Started 20 minutes ago and still running: the booking sweep must not complete it
    # (and queue its review request) in the middle of an attack test.
    past = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(minutes=20)
    query(db, "update bookings set starts_at = :s, ends_at = :e, blocked_from = :s, blocked_until = :e where id = :id",
          s=past, e=past + timedelta(hours=1), id=started.id)
    done = make_booking(db, learner, tutor, future(6))
    earlier = past - timedelta(days=2, hours=2)
    query(db, "update bookings set status = 'completed', starts_at = :s, ends_at = :e, blocked_from = :s, "
              "blocked_until = :e where id = :id", s=earlier, e=earlier + timedelta(hours=1), id=done.id)
    return {"request": str(request.id), "confirmed": str(confirmed.id), "started": str(started.id),
            "completed": str(done.id)}


def bookings_state(db) -> list:
    return (query(db, "select id, status, starts_at, reschedule_count, sequence, refund_minor from bookings order by id")
            + query(db, "select count(*) from booking_events") + query(db, "select count(*) from reviews"))


def _tab(open_tab, person, state):
    page = "/bookings" if state is Student else "/tutor/schedule"
    tab = open_tab(person, page)
    tab.call(state.load)
    return tab


STUDENT_CALLS = [
    (Student.load, None), (Student.set_tab, {"tab": "past"}), (Student.go_to_page, {"page": 2}),
    (Student.open_cancel, {"booking_id": "00000000-0000-0000-0000-000000000001"}),
    (Student.submit_dialog, {"form_data": {"reason": "because"}}),
    (Student.open_reschedule, {"booking_id": "00000000-0000-0000-0000-000000000001"}),
    (Student.reschedule_week, {"weeks": 1}),
    (Student.confirm_reschedule, {"starts_at": "2030-01-07T10:00:00+00:00"}),
    (Student.report_no_show, {"booking_id": "00000000-0000-0000-0000-000000000001"}),
    (Student.open_review, {"booking_id": "00000000-0000-0000-0000-000000000001"}),
    (Student.submit_review, {"form_data": {"body": "great"}}),
    (Student.toggle_history, {"booking_id": "00000000-0000-0000-0000-000000000001"}),
]
TUTOR_CALLS = [
    (Tutor.load, None), (Tutor.set_tab, {"tab": "requests"}), (Tutor.go_to_page, {"page": 2}),
    (Tutor.open_cancel, {"booking_id": "00000000-0000-0000-0000-000000000001"}),
    (Tutor.open_decline, {"booking_id": "00000000-0000-0000-0000-000000000001"}),
    (Tutor.submit_dialog, {"form_data": {"reason": "because"}}),
    (Tutor.accept, {"booking_id": "00000000-0000-0000-0000-000000000001"}),
    (Tutor.open_reschedule, {"booking_id": "00000000-0000-0000-0000-000000000001"}),
    (Tutor.reschedule_week, {"weeks": -1}),
    (Tutor.confirm_reschedule, {"starts_at": "2030-01-07T10:00:00+00:00"}),
    (Tutor.report_no_show, {"booking_id": "00000000-0000-0000-0000-000000000001"}),
    (Tutor.toggle_history, {"booking_id": "00000000-0000-0000-0000-000000000001"}),
]


def _name(handler) -> str:
    """"open_cancel-tutor" style ids."""
    full = handler_name(handler)
    return full.rsplit(".", 1)[1] + ("-tutor" if "tutor_schedule" in full else "-student")


def _ids(calls):
    return [_name(h) for h, _ in calls]


@pytest.mark.parametrize("handler, payload", STUDENT_CALLS + TUTOR_CALLS, ids=_ids(STUDENT_CALLS + TUTOR_CALLS))
def test_signed_out_every_handler_sends_to_sign_in(open_tab, db, handler, payload):
    tab = open_tab(None, "/bookings")
    before = bookings_state(db)
    with nothing_written(db):
        reply = tab.call(handler, payload)
    assert bookings_state(db) == before
    assert_sent_to_login(reply)


@pytest.mark.parametrize("who, calls", [("tutor", STUDENT_CALLS), ("admin", STUDENT_CALLS),
                                        ("student", TUTOR_CALLS), ("admin", TUTOR_CALLS)])
def test_the_wrong_role_is_denied_everywhere(open_tab, db, people, who, calls):
    person = getattr(people, who)
    tab = open_tab(person, "/bookings")
    before = bookings_state(db)
    with nothing_written(db):
        replies = [tab.call(handler, payload) for handler, payload in calls]
    assert bookings_state(db) == before
    for reply in replies:
        assert_denied(reply, NO_PERMISSION)


@pytest.mark.parametrize("handler, key", [
    (Student.open_cancel, "confirmed"), (Student.open_reschedule, "confirmed"), (Student.report_no_show, "started"),
    (Student.open_review, "completed"), (Student.toggle_history, "confirmed"),
])
def test_a_student_cannot_touch_someone_elses_booking(open_tab, db, people, foreign, handler, key):
    tab = _tab(open_tab, people.student, Student)
    before = bookings_state(db)
    with nothing_written(db):
        reply = tab.call(handler, {"booking_id": foreign[key]})
        # and nothing was opened for a follow-up to act on
        after_cancel = tab.call(Student.submit_dialog, {"form_data": {"reason": "sneaky"}})
        after_move = tab.call(Student.confirm_reschedule, {"starts_at": "2030-01-07T10:00:00+00:00"})
        after_review = tab.call(Student.submit_review, {"form_data": {"body": "sneaky"}})
    assert bookings_state(db) == before
    assert_denied(reply, NOT_FOUND)
    assert foreign[key] not in reply.text and "Tara Singh" not in reply.text
    assert ("error", "Choose a booking first.") in after_cancel.toasts
    assert ("error", "Choose a booking to reschedule first.") in after_move.toasts
    assert ("error", "Choose a lesson to review first.") in after_review.toasts


@pytest.mark.parametrize("handler, key", [
    (Tutor.accept, "request"), (Tutor.open_decline, "request"), (Tutor.open_cancel, "confirmed"),
    (Tutor.open_reschedule, "confirmed"), (Tutor.report_no_show, "started"), (Tutor.toggle_history, "request"),
])
def test_a_tutor_cannot_touch_another_tutors_booking(open_tab, db, people, foreign, handler, key):
    tab = _tab(open_tab, people.tutor, Tutor)
    before = bookings_state(db)
    with nothing_written(db):
        reply = tab.call(handler, {"booking_id": foreign[key]})
        follow_up = tab.call(Tutor.submit_dialog, {"form_data": {"reason": "sneaky"}})
    assert bookings_state(db) == before
    assert_denied(reply, NOT_FOUND)
    assert ("error", "Choose a booking first.") in follow_up.toasts


FORGED_IDS = {"int": 42, "none": None, "list": ["x"], "dict": {"id": 1}, "junk": "not-a-uuid", "oversized": "9" * 5000,
              "bool": True}


@pytest.mark.parametrize("value", FORGED_IDS.values(), ids=FORGED_IDS.keys())
@pytest.mark.parametrize("handler", [Student.open_cancel, Student.open_reschedule, Student.report_no_show,
                                     Student.open_review, Student.toggle_history, Tutor.accept, Tutor.open_decline, Tutor.open_cancel,
                                     Tutor.report_no_show],
                         ids=_name)
def test_forged_booking_ids_are_refused(open_tab, db, people, handler, value):
    state = Tutor if "tutor_schedule" in handler_name(handler) else Student
    person = people.tutor if state is Tutor else people.other_student
    tab = _tab(open_tab, person, state)
    before = bookings_state(db)
    with nothing_written(db):
        reply = tab.call(handler, {"booking_id": value})
    assert bookings_state(db) == before
    assert_denied(reply, CHOOSE_BOOKING)


@pytest.mark.parametrize("state", [Student, Tutor], ids=["student", "tutor"])
@pytest.mark.parametrize("handler_name, payload, message", [
    ("go_to_page", {"page": "2"}, "Choose a page from the list."),
    ("go_to_page", {"page": 1.5}, "Choose a page from the list."),
    ("go_to_page", {"page": True}, "Choose a page from the list."),
    ("go_to_page", {"page": -1}, "Choose a page from the list."),
    ("go_to_page", {"page": 10**12}, "Choose a page from the list."),
    ("set_tab", {"tab": "admin"}, "Choose one of the tabs."),
    ("set_tab", {"tab": ["past"]}, "Choose one of the tabs."),
    ("reschedule_week", {"weeks": 5}, "Choose the previous or the next week."),
    ("reschedule_week", {"weeks": "1"}, "Choose the previous or the next week."),
    ("reschedule_week", {"weeks": True}, "Choose the previous or the next week."),
    ("reschedule_week", {"weeks": 1}, "Choose a booking to reschedule first."),
    ("confirm_reschedule", {"starts_at": "tomorrow at nine"}, "Choose a new time from the list."),
    ("confirm_reschedule", {"starts_at": "2030-01-07T10:00:00"}, "Choose a new time from the list."),
    ("confirm_reschedule", {"starts_at": ["2030-01-07T10:00:00+00:00"]}, "Choose a new time from the list."),
    ("confirm_reschedule", {"starts_at": "9" * 5000}, "Choose a new time from the list."),
    ("confirm_reschedule", {"starts_at": "2030-01-07T10:00:00+00:00"}, "Choose a booking to reschedule first."),
    ("submit_dialog", {"form_data": "reason"}, "Choose a booking first."),
    ("submit_dialog", {"form_data": {"reason": "x", "booking_id": "1"}}, "Choose a booking first."),
])
def test_forged_arguments_are_refused(open_tab, db, people, state, handler_name, payload, message):
    person = people.tutor if state is Tutor else people.other_student
    tab = _tab(open_tab, person, state)
    before = bookings_state(db)
    with nothing_written(db):
        reply = tab.call(getattr(state, handler_name), payload)
    assert bookings_state(db) == before
    assert_denied(reply, message)


@pytest.mark.parametrize("payload, message", [
    ({"form_data": {"body": "fine"}}, "Choose a lesson to review first."),
    ({"form_data": ["body"]}, "Choose a lesson to review first."),
])
def test_a_review_needs_an_opened_completed_lesson(open_tab, db, people, payload, message):
    tab = _tab(open_tab, people.other_student, Student)
    before = bookings_state(db)
    with nothing_written(db):
        stars = tab.call(Student.set_rating, {"stars": 9})
        reply = tab.call(Student.submit_review, payload)
    assert bookings_state(db) == before
    assert ("error", "Choose from 1 to 5 stars.") in stars.toasts
    assert_denied(reply, message)


def test_a_tab_used_again_with_another_cookie_gets_none_of_the_previous_users_dialog_or_history(open_tab, db, people):
    """#13's finding: `load` re-bound the private data to the new session but kept the
    previous user's cancel dialog (refund amount included) and booking history, so the new
    user's first delta held them. Now a change of owner wipes them before anything loads."""
    [(booking_id, reference)] = query(
        db, "select id, reference from bookings where student_id = :u and status = 'confirmed' and starts_at > now() "
            "order by starts_at limit 1", u=people.student.id)
    first = _tab(open_tab, people.student, Student)
    opened = first.call(Student.open_cancel, {"booking_id": str(booking_id)})
    assert reference in opened.text
    first.call(Student.toggle_history, {"booking_id": str(booking_id)})
    token = first.token
    first.close()
    # The same client token (the tab's sessionStorage) now carries another student's cookie.
    second = reopen_tab(open_tab, people.other_student, "/bookings", token)
    reply = second.call(Student.load)
    assert not reply.crashed, reply.text
    assert reference not in reply.text and str(booking_id) not in reply.text, reply.text
    assert reference not in second.snapshot.text and str(booking_id) not in second.snapshot.text, second.snapshot.text


@pytest.mark.parametrize("value", ["9999-12-31T23:45:00+00:00", "0001-01-01T00:00:00+05:00"])
def test_a_reschedule_to_the_edge_of_time_is_refused_and_the_tab_still_works(open_tab, db, people, value):
    """#13's finding: one such date raised OverflowError after `busy` was set, and every later
    reschedule in that tab was ignored."""
    [(booking_id,)] = query(
        db, "select id from bookings where student_id = :u and status = 'confirmed' and starts_at > now() "
            "order by starts_at limit 1", u=people.student.id)
    tab = _tab(open_tab, people.student, Student)
    opened = tab.call(Student.open_reschedule, {"booking_id": str(booking_id)})
    assert not any(level == "error" for level, _ in opened.toasts), opened.text
    before = bookings_state(db)
    with nothing_written(db):
        reply = tab.call(Student.confirm_reschedule, {"starts_at": value})
        again = tab.call(Student.confirm_reschedule, {"starts_at": "2020-01-06T10:00:00+00:00"})
    assert bookings_state(db) == before
    assert not reply.crashed and any(level == "error" for level, _ in reply.toasts), reply.text
    # The next click is answered, not ignored as by a tab left busy (which message depends on
    # whether the refusal closed the reschedule dialog).
    assert again.toasts and again.toasts[0][0] == "error", again.text
