"""Meeting links end to end: booking confirmation -> outbox -> meeting job -> the Google
Calendar emulator through the official SDK (or the fallback room) -> the meetings row,
bookings.meeting_url and the confirmation notice. Real PostgreSQL, real HTTP.
"""

from __future__ import annotations

import base64
import threading
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from tests.integration import meeting_support
from tests.integration.meeting_support import (
    as_,
    book,
    bookable_tutor,
    confirmed_booking,
    connect,
    future,
    meeting,
    meeting_jobs,
    notices,
    rows,
    run_due,
    skip_backoff,
    student,
)
from tutorconnect.db import session_scope
from tutorconnect.integrations import google_calendar as gcal
from tutorconnect.services import bookings, jobs, meetings

FALLBACK = "https://rooms.example.org/base/TutorConnect-"
TUTOR_MAIL = "tutor.calendar@gmail.com"

gemu, google = meeting_support.gemu, meeting_support.google  # fixtures


def _one_event(google, b) -> dict:
    (event,) = google.events(TUTOR_MAIL)
    assert event["id"] == meetings.event_id_for(b.id)
    return event


def _confirmations(b) -> int:
    return len(notices("booking.confirmed", b.student_id))


def _event_calls(google) -> dict[str, int]:
    """Calls of the events endpoints (freeBusy is the slots' business: busy times)."""
    return {k: v for k, v in google.calls().items() if k.startswith("events.")}


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# Names ---------------------------------------------------------------------------------------
def test_event_id_is_lowercase_base32hex_of_the_booking_uuid():
    import uuid

    for _ in range(50):
        bid = uuid.uuid4()
        eid = meetings.event_id_for(bid)
        assert len(eid) == 26 and set(eid) <= set("0123456789abcdefghijklmnopqrstuv")
        assert base64.b32hexdecode(eid.upper() + "======") == bid.bytes
        assert meetings.event_id_for(bid) == eid


def test_fallback_rooms_are_unguessable_and_distinct(google):
    urls = {meetings.fallback_room_url() for _ in range(200)}
    assert len(urls) == 200
    assert all(u.startswith(FALLBACK) and len(u) - len(FALLBACK) >= 22 for u in urls)


# Without Google --------------------------------------------------------------------------------
def test_confirmed_booking_without_google_gets_a_fallback_room_once(google):
    tutor, learner, b = confirmed_booking()
    assert [j["job"] for j in meeting_jobs(b.id)] == ["meeting.create"]  # enqueued with the confirmation
    run_due()
    m = meeting(b.id)
    assert (m["provider"], m["status"], m["calendar_event_id"]) == ("fallback", "ready", None)
    assert m["join_url"].startswith(FALLBACK)
    assert rows("SELECT meeting_url FROM bookings WHERE id = :b", b=b.id)[0]["meeting_url"] == m["join_url"]
    assert _confirmations(b) == 1 and len(notices("booking.confirmed", tutor)) == 1
    assert notices("meeting.fallback") == []  # no Google to fail: nothing to explain to the tutor
    # The same job again (a redelivery) and a duplicate job: the room and the notice stay one.
    jobs.run_job(meetings.CREATE_JOB, {"booking_id": str(b.id)})
    jobs.run_job(meetings.CREATE_JOB, {"booking_id": str(b.id)})
    assert meeting(b.id)["join_url"] == m["join_url"] and _confirmations(b) == 1
    assert _event_calls(google) == {}  # Google never called
    with session_scope() as s:
        assert meetings.join_link_for(s, [b.id]) == {b.id: (m["join_url"], "fallback", "ready")}


# With Google -----------------------------------------------------------------------------------
def test_connected_tutor_gets_a_meet_event_with_the_student_invited(google):
    tutor, learner, b = confirmed_booking(connected=google)
    run_due()
    m = meeting(b.id)
    event = _one_event(google, b)
    assert (m["provider"], m["status"], m["conference_status"]) == ("google", "ready", "success")
    assert m["calendar_event_id"] == event["id"]
    assert m["join_url"] == event["hangoutLink"] and m["join_url"].startswith("https://meet.google.com/")
    assert event["conferenceData"]["createRequest"]["status"]["statusCode"] == "success"
    assert event["conferenceData"]["conferenceSolution"]["key"]["type"] == "hangoutsMeet"
    student_email = rows("SELECT email FROM users WHERE id = :u", u=learner)[0]["email"]
    assert [a["email"] for a in event["attendees"]] == [student_email]
    assert _parse(event["start"]["dateTime"]) == b.starts_at and _parse(event["end"]["dateTime"]) == b.ends_at
    assert m["synced_starts_at"] == b.starts_at
    assert rows("SELECT meeting_url FROM bookings WHERE id = :b", b=b.id)[0]["meeting_url"] == m["join_url"]
    assert _confirmations(b) == 1
    assert google.calls()["events.insert"] == 1
    with session_scope() as s:
        assert meetings.join_link_for(s, [b.id, learner]) == {b.id: (m["join_url"], "google", "ready")}


def test_duplicate_jobs_running_at_once_make_one_event_and_one_confirmation(google):
    tutor, learner, b = confirmed_booking(connected=google)
    google.config(conference_ready_after_reads=4, conference_ready_after_seconds=None)  # both poll a while
    errors: list[BaseException] = []
    gate = threading.Barrier(4)

    def run() -> None:
        try:
            gate.wait(5)
            jobs.run_job(meetings.CREATE_JOB, {"booking_id": str(b.id)})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    event = _one_event(google, b)
    assert google.calls()["events.insert"] == 4  # each tried; three were told 409 and read it
    m = meeting(b.id)
    assert (m["provider"], m["status"], m["join_url"]) == ("google", "ready", event["hangoutLink"])
    assert _confirmations(b) == 1
    run_due()  # the outbox's own meeting.create: nothing more
    assert len(google.events(TUTOR_MAIL)) == 1 and _confirmations(b) == 1


def test_pending_conference_is_waited_for(google):
    tutor, learner, b = confirmed_booking(connected=google)
    google.config(conference_ready_after_reads=3, conference_ready_after_seconds=None)
    run_due()
    m = meeting(b.id)
    event = _one_event(google, b)
    assert event["reads"] == 3 and google.calls()["events.get"] == 3
    assert (m["status"], m["join_url"]) == ("ready", event["hangoutLink"])
    assert _confirmations(b) == 1


def test_conference_still_pending_after_the_wait_is_retried_later(google, monkeypatch):
    monkeypatch.setenv("MEETING_CONFERENCE_WAIT_SECONDS", "0.6")
    from tutorconnect.config import get_settings

    get_settings.cache_clear()
    tutor, learner, b = confirmed_booking(connected=google)
    google.config(conference_ready_after_reads=None, conference_ready_after_seconds=None)  # pending for now
    run_due()
    m = meeting(b.id)
    (job,) = meeting_jobs(b.id)
    assert (m["status"], m["attempts"], m["conference_status"]) == ("pending", 1, "pending")
    assert job["completed_at"] is None and job["waiting"] and "ConferencePending" in job["last_error"]
    assert _confirmations(b) == 0  # no confirmation without a link
    google.config(conference_ready_after_reads=1)
    skip_backoff()
    run_due()
    m = meeting(b.id)
    event = _one_event(google, b)
    assert (m["status"], m["join_url"]) == ("ready", event["hangoutLink"])
    assert google.calls()["events.insert"] == 2  # the retry was told 409 and read the event
    assert _confirmations(b) == 1 and meeting_jobs(b.id)[0]["completed_at"] is not None


@pytest.mark.parametrize("status", [403, 429, 500, 503])
def test_google_errors_are_retried_with_backoff_then_fall_back_and_tell_the_tutor(google, status):
    tutor, learner, b = confirmed_booking(connected=google)
    google.fault("events.insert", status, count=10)
    for attempt in (1, 2):
        run_due()
        (job,) = meeting_jobs(b.id)
        m = meeting(b.id)
        assert (m["status"], m["provider"], m["attempts"]) == ("pending", "google", attempt)
        assert job["completed_at"] is None and job["dead_at"] is None
        assert job["waiting"], "a failed try waits out the outbox backoff before the next"
        assert str(status) in m["last_error"]
        assert _confirmations(b) == 0
        skip_backoff()
    run_due()  # the third try (MEETING_GOOGLE_ATTEMPTS=3) fails too: the fallback room
    m = meeting(b.id)
    assert (m["status"], m["provider"], m["attempts"]) == ("ready", "fallback", 3)
    assert m["join_url"].startswith(FALLBACK)
    assert google.calls()["events.insert"] == 3 and google.events(TUTOR_MAIL) == []
    assert meeting_jobs(b.id)[0]["completed_at"] is not None
    (note,) = notices("meeting.fallback", tutor)
    assert "Google Meet" in note["title"]
    assert notices("meeting.fallback", learner) == []
    assert _confirmations(b) == 1
    assert rows("SELECT meeting_url FROM bookings WHERE id = :b", b=b.id)[0]["meeting_url"] == m["join_url"]


def test_one_transient_error_then_success_needs_no_fallback(google):
    tutor, learner, b = confirmed_booking(connected=google)
    google.fault("events.insert", 503, count=1)
    run_due()
    assert meeting(b.id)["status"] == "pending"
    skip_backoff()
    run_due()
    m = meeting(b.id)
    assert (m["provider"], m["status"], m["attempts"]) == ("google", "ready", 1)
    assert m["join_url"] == _one_event(google, b)["hangoutLink"]
    assert notices("meeting.fallback") == [] and _confirmations(b) == 1


def test_a_403_that_no_retry_fixes_falls_back_at_once(google):
    tutor, learner, b = confirmed_booking(connected=google)
    google.fault("events.insert", 403, count=1, reason="forbidden")
    run_due()
    m = meeting(b.id)
    assert (m["provider"], m["status"], m["attempts"]) == ("fallback", "ready", 1)
    assert len(notices("meeting.fallback", tutor)) == 1 and _confirmations(b) == 1


def test_revoked_grant_falls_back_and_flags_the_connection(google):
    tutor = bookable_tutor()
    token = connect(google, tutor, TUTOR_MAIL)
    assert httpx.post(f"{google.url}/revoke", data={"token": token}, timeout=5).status_code == 200
    learner = student()
    b = book(learner, tutor, future())
    with session_scope() as s:
        bookings.mark_paid(s, b.id)
    run_due()
    m = meeting(b.id)
    assert (m["provider"], m["status"]) == ("fallback", "ready")
    assert "401" in m["last_error"]
    (conn,) = rows("SELECT last_error FROM calendar_connections WHERE user_id = :u", u=tutor)
    assert "connect it again" in conn["last_error"]
    assert len(notices("meeting.fallback", tutor)) == 1


def test_a_google_timeout_is_a_transient_failure(google, monkeypatch):
    monkeypatch.setattr(gcal, "TIMEOUT_SECONDS", 1.0)
    tutor, learner, b = confirmed_booking(connected=google)
    google.fault("events.insert", 503, count=1, hang_seconds=3)
    run_due()
    m = meeting(b.id)
    assert (m["status"], m["attempts"]) == ("pending", 1) and "did not answer (timeout)" in m["last_error"]
    skip_backoff()
    run_due()
    # The hung insert was never applied; the retry makes the one event.
    assert meeting(b.id)["status"] == "ready" and len(google.events(TUTOR_MAIL)) == 1


def test_conference_failure_falls_back_but_keeps_the_calendar_event(google):
    tutor, learner, b = confirmed_booking(connected=google)
    google.config(conference_outcome="failure", conference_ready_after_reads=1)
    run_due()
    m = meeting(b.id)
    assert (m["provider"], m["status"], m["conference_status"]) == ("fallback", "ready", "failed")
    event = _one_event(google, b)  # still on the tutor's calendar, pointing at the room
    assert m["calendar_event_id"] == event["id"] and event["location"] == m["join_url"]
    assert m["join_url"] in event["description"] and "hangoutLink" not in event
    assert len(notices("meeting.fallback", tutor)) == 1 and _confirmations(b) == 1
    new_start = b.starts_at + timedelta(hours=2)  # and it still follows the lesson
    with session_scope() as s:
        bookings.reschedule(s, as_(learner), b.id, new_start)
    run_due()
    assert _parse(_one_event(google, b)["start"]["dateTime"]) == new_start
    assert meeting(b.id)["join_url"] == m["join_url"]


# Confirmation paths ----------------------------------------------------------------------------
def test_accepting_a_request_makes_the_meeting(google):
    tutor = bookable_tutor(requires_confirmation=True)
    connect(google, tutor, TUTOR_MAIL)
    learner = student()
    b = book(learner, tutor, future())
    with session_scope() as s:
        assert bookings.mark_paid(s, b.id).status == "awaiting_tutor"
    run_due()
    assert meeting(b.id) is None and meeting_jobs(b.id) == []
    with session_scope() as s:
        bookings.accept(s, as_(tutor), b.id)
    run_due()
    assert meeting(b.id)["status"] == "ready" and len(google.events(TUTOR_MAIL)) == 1


def test_a_late_payment_reviving_a_booking_makes_the_meeting(google):
    tutor = bookable_tutor()
    learner = student()
    b = book(learner, tutor, future())
    with session_scope() as s:
        s.execute(text("UPDATE bookings SET status = 'expired' WHERE id = :b"), {"b": b.id})
    with session_scope() as s:
        bookings.revive_paid(s, b.id)
    run_due()
    assert meeting(b.id)["provider"] == "fallback" and _confirmations(b) == 1


# Reschedule and cancel --------------------------------------------------------------------------
def test_reschedule_patches_the_event_time_and_keeps_the_link(google):
    tutor, learner, b = confirmed_booking(connected=google)
    run_due()
    link = meeting(b.id)["join_url"]
    new_start = b.starts_at + timedelta(days=1, hours=2)
    with session_scope() as s:
        bookings.reschedule(s, as_(learner), b.id, new_start)
    (update,) = [j for j in meeting_jobs(b.id) if j["job"] == meetings.UPDATE_JOB]
    run_due()
    event = _one_event(google, b)
    assert _parse(event["start"]["dateTime"]) == new_start
    assert _parse(event["end"]["dateTime"]) == new_start + timedelta(minutes=b.length_minutes)
    assert event["hangoutLink"] == link and event["sequence"] == 1
    m = meeting(b.id)
    assert m["synced_starts_at"] == new_start and m["join_url"] == link
    assert google.calls()["events.insert"] == 1 and google.calls()["events.patch"] == 1
    jobs.run_job(meetings.UPDATE_JOB, {"booking_id": str(b.id)})  # again: already in sync, no call
    assert google.calls()["events.patch"] == 1


def test_reschedule_before_the_meeting_exists_creates_it_at_the_new_time(google):
    tutor, learner, b = confirmed_booking(connected=google)
    new_start = b.starts_at + timedelta(hours=5)
    with session_scope() as s:
        bookings.reschedule(s, as_(tutor), b.id, new_start)
    run_due()
    event = _one_event(google, b)
    assert _parse(event["start"]["dateTime"]) == new_start
    assert meeting(b.id)["synced_starts_at"] == new_start
    assert google.calls().get("events.patch", 0) == 0


def test_reschedule_patch_errors_are_retried(google):
    tutor, learner, b = confirmed_booking(connected=google)
    run_due()
    new_start = b.starts_at + timedelta(hours=3)
    google.fault("events.patch", 429, count=1)
    with session_scope() as s:
        bookings.reschedule(s, as_(learner), b.id, new_start)
    run_due()
    assert meeting(b.id)["synced_starts_at"] == b.starts_at  # not yet
    skip_backoff()
    run_due()
    assert meeting(b.id)["synced_starts_at"] == new_start
    assert _parse(_one_event(google, b)["start"]["dateTime"]) == new_start


def test_cancel_deletes_the_event(google):
    tutor, learner, b = confirmed_booking(connected=google)
    run_due()
    with session_scope() as s:
        bookings.cancel(s, as_(learner), b.id, "Change of plans")
    run_due()
    (event,) = google.events(TUTOR_MAIL)
    assert event["deleted"] and event["status"] == "cancelled"
    assert meeting(b.id)["status"] == "cancelled"
    assert google.calls()["events.delete"] == 1
    jobs.run_job(meetings.CANCEL_JOB, {"booking_id": str(b.id)})  # again: Google says 410, that is done
    assert google.calls()["events.delete"] == 2 and meeting(b.id)["status"] == "cancelled"
    with session_scope() as s:
        assert meetings.join_link_for(s, [b.id])[b.id][2] == "cancelled"


def test_cancel_of_a_fallback_meeting_calls_nobody(google):
    tutor, learner, b = confirmed_booking()
    run_due()
    with session_scope() as s:
        bookings.cancel(s, as_(tutor), b.id, "Ill")
    run_due()
    assert meeting(b.id)["status"] == "cancelled" and _event_calls(google) == {}


def test_cancelled_before_the_meeting_job_ran_makes_nothing(google):
    tutor, learner, b = confirmed_booking(connected=google)
    with session_scope() as s:
        bookings.cancel(s, as_(learner), b.id, "Oops")
    run_due()
    assert meeting(b.id) is None and google.events(TUTOR_MAIL) == [] and _event_calls(google) == {}
    assert _confirmations(b) == 0


def test_cancelled_while_google_made_the_event_deletes_it(google):
    """The booking is cancelled between the insert at Google and recording it: the job
    sees the cancellation when it records the link and deletes the event itself."""
    tutor, learner, b = confirmed_booking(connected=google)
    real_insert = gcal.insert_event

    def insert_then_cancel(*args, **kwargs):
        answer = real_insert(*args, **kwargs)
        with session_scope() as s:
            bookings.cancel(s, as_(learner), b.id, "Changed my mind")
        return answer

    gcal.insert_event = insert_then_cancel
    try:
        jobs.run_job(meetings.CREATE_JOB, {"booking_id": str(b.id)})
    finally:
        gcal.insert_event = real_insert
    (event,) = google.events(TUTOR_MAIL)
    assert event["deleted"] and meeting(b.id)["status"] == "cancelled"
    assert _confirmations(b) == 0
    run_due()  # the cancel job (and the outbox create): nothing more
    assert meeting(b.id)["status"] == "cancelled" and _confirmations(b) == 0


def test_unconfirmed_cancellations_enqueue_no_meeting_work(google):
    tutor = bookable_tutor()
    learner = student()
    b = book(learner, tutor, future())
    with session_scope() as s:
        bookings.cancel(s, as_(learner), b.id, "Never mind")
    assert meeting_jobs(b.id) == []


def test_join_link_for_ignores_meetings_without_a_link(google):
    tutor, learner, b = confirmed_booking(connected=google)
    google.fault("events.insert", 503, count=1)
    run_due()
    with session_scope() as s:
        assert meetings.join_link_for(s, [b.id]) == {}
        assert meetings.join_link_for(s, []) == {}
        assert meetings.join_link_for(s, ["not-a-uuid", None]) == {}  # type: ignore[list-item]



# Where people find the link ---------------------------------------------------------------------
def test_the_link_reaches_the_bookings_lists_and_the_pay_confirmation(google):
    from datetime import datetime, timezone

    from tutorconnect.services import payments
    from tutorconnect.services.errors import NotFound
    from tutorconnect.state.bookings_list_view import card_for

    tutor, learner, b = confirmed_booking(connected=google)
    with session_scope() as s:
        assert payments.checkout_summary(s, as_(learner), b.reference).join_url == ""  # not made yet
    run_due()
    link = meeting(b.id)["join_url"]
    now = datetime.now(timezone.utc)
    with session_scope() as s:
        assert payments.checkout_summary(s, as_(learner), b.reference).join_url == link
        with pytest.raises(NotFound):  # the page is the student's only
            payments.checkout_summary(s, as_(tutor), b.reference)
        (mine,), _ = bookings.student_bookings(s, as_(learner), learner)
        (theirs,), _ = bookings.tutor_bookings(s, as_(tutor), tutor)
    assert card_for(mine, "student", "UTC", now).join_url == link
    assert card_for(theirs, "tutor", "UTC", now).join_url == link
    with session_scope() as s:
        bookings.cancel(s, as_(learner), b.id, "Plans changed")
    run_due()
    with session_scope() as s:  # cancelled: under Past now (#14)
        (mine,), _ = bookings.student_bookings(s, as_(learner), learner, when="past")
        assert payments.checkout_summary(s, as_(learner), b.reference).join_url == ""
    assert card_for(mine, "student", "UTC", now).join_url == ""  # only confirmed lessons show Join
