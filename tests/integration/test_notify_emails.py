"""Notification emails end to end: a booking change (or a payment, a tutor decision, a
review) -> notify -> outbox -> the email job -> real SMTP -> the capture server; each
message parsed back (subject, text and HTML parts, the .ics read with icalendar).
Recipient zones, preferences, duplicates and send-time guards included.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo
from email import policy
from email.parser import BytesParser

import pytest
from icalendar import Calendar
from sqlalchemy import text

from tests.integration import payment_support
from tests.integration.booking_support import as_, book, bookable_tutor, future, student
from tests.integration import test_tutor_support
from tests.integration.test_tutor_support import complete_profile, make_subjects, make_user
from tests.support.email_samples import SAMPLES
from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from emulators.smtp_capture import SmtpCapture
from tutorconnect.integrations import mailer
from tutorconnect.services import bookings, jobs, notifications, payments, tutors

rzp_servers, rzp = payment_support.rzp_servers, payment_support.rzp  # fixtures
doc_dir = test_tutor_support.doc_dir  # fixture
FALLBACK = "https://rooms.example.org/TutorConnect-"


@pytest.fixture
def capture(db, tmp_path, monkeypatch):
    """A capture server on free ports with the app's SMTP settings pointed at it."""
    with SmtpCapture("127.0.0.1", 0, tmp_path / "mail", http_port=0) as cap:
        monkeypatch.setenv("SMTP_HOST", cap.host)
        monkeypatch.setenv("SMTP_PORT", str(cap.port))
        monkeypatch.setenv("FALLBACK_MEETING_URL", "https://rooms.example.org")
        get_settings.cache_clear()
        yield cap
        monkeypatch.undo()
        get_settings.cache_clear()


def parsed(cap: SmtpCapture, message: dict):
    return BytesParser(policy=policy.default).parsebytes(cap.folder.raw(message["id"]))


def set_zone(user_id, zone: str) -> None:
    with session_scope() as s:
        s.execute(text("UPDATE users SET time_zone = :z WHERE id = :u"), {"z": zone, "u": user_id})


def email_of(user_id) -> str:
    with session_scope() as s:
        return s.execute(text("SELECT email FROM users WHERE id = :u"), {"u": user_id}).scalar_one()


def booking(booking_id):
    with session_scope() as s:
        return s.execute(text("SELECT * FROM bookings WHERE id = :b"), {"b": booking_id}).one()


def outbox_emails(to: str | None = None) -> list[dict]:
    with session_scope() as s:
        found = s.execute(text("SELECT payload, dedupe_key FROM outbox WHERE job = 'email.send' ORDER BY id")).all()
    return [dict(r.payload, dedupe_key=r.dedupe_key) for r in found if to is None or r.payload["to"] == to]


def notices(user_id, kind: str | None = None) -> list:
    with session_scope() as s:
        sql = "SELECT kind, title, body, link FROM notifications WHERE user_id = :u"
        return [r for r in s.execute(text(sql), {"u": user_id}).all() if kind is None or r.kind == kind]


def confirmed(*, tutor_zone="America/New_York", student_zone="Asia/Kolkata", **tutor_kw):
    """A booking paid and confirmed; the meeting job (fallback room) sends the confirmation."""
    tutor, learner = bookable_tutor(**tutor_kw), student()
    set_zone(tutor, tutor_zone)
    set_zone(learner, student_zone)
    b = book(learner, tutor, future(days=4, hour=9, minute=30))
    with session_scope() as s:
        bookings.mark_paid(s, b.id)
    jobs.drain()
    return tutor, learner, b


# Every template ---------------------------------------------------------------------------
def test_every_template_has_a_sample():
    assert {template for template, _ in SAMPLES.values()} == set(notifications.SUBJECTS)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_template_renders_and_arrives_over_smtp(capture, name):
    template, context = SAMPLES[name]
    rendered = notifications.render("sample@example.com", template, context)
    mailer.send(rendered)
    got = capture.wait_for("sample@example.com", timeout=5)
    msg = parsed(capture, got)
    assert got["subject"] == rendered.subject and "{{" not in got["subject"] and len(got["subject"]) < 120
    text_part = msg.get_body(("plain",)).get_content()
    html_part = msg.get_body(("html",)).get_content()
    for part in (text_part, html_part):
        assert "{{" not in part and "{%" not in part
        assert context["link"] in part  # every email leads somewhere
    assert "<" not in text_part.replace("<http", "")  # plain text, no markup
    assert 'name="color-scheme" content="light dark"' in html_part and "max-width:600px" in html_part
    assert html_part.count("<table") >= 2 and "<div style=\"display:none" in html_part  # preheader
    if context.get("preheader"):
        assert context["preheader"] in html_part


def test_user_text_is_escaped_in_html(capture):
    template, context = SAMPLES["booking_declined-student"]
    mailer.send(notifications.render("x@example.com", template, {**context, "reason": "<script>alert(1)</script>"}))
    html_part = parsed(capture, capture.wait_for("x@example.com", timeout=5)).get_body(("html",)).get_content()
    assert "<script>" not in html_part and "&lt;script&gt;" in html_part


# Booking flows ----------------------------------------------------------------------------
def test_confirmation_arrives_with_join_link_and_ics_for_both_people(capture):
    tutor, learner, b = confirmed()
    row = booking(b.id)
    join = row.meeting_url
    assert join.startswith(FALLBACK)

    for who in (learner, tutor):
        got = capture.wait_for(email_of(who), subject_contains="Confirmed", timeout=10)
        msg = parsed(capture, got)
        assert join in msg.get_body(("plain",)).get_content()
        assert f'href="{join}"' in msg.get_body(("html",)).get_content()
        (ics_part,) = list(msg.iter_attachments())
        assert ics_part.get_content_type() == "text/calendar"
        assert ics_part.get_param("method") == "PUBLISH"
        assert ics_part.get_filename() == f"lesson-{row.reference}.ics"
        cal = Calendar.from_ical(ics_part.get_payload(decode=True))
        assert str(cal["method"]) == "PUBLISH"
        (event,) = cal.walk("VEVENT")
        assert str(event["uid"]) == f"{b.id}@tutorconnect"
        start = event.decoded("dtstart")
        assert start.utcoffset() == timedelta(0) and start == row.starts_at.astimezone(timezone.utc)
        assert event.decoded("dtend") == row.ends_at
        assert str(event["url"]) == join and str(event["location"]) == join
        assert join in str(event["description"])
        assert int(event["sequence"]) == row.sequence
    assert len(capture.messages()) == 2
    # the in-app rows too, one each
    assert len(notices(learner, "booking.confirmed")) == 1 and len(notices(tutor, "booking.confirmed")) == 1


def test_dates_are_in_each_recipients_own_zone(capture):
    tutor, learner, b = confirmed(tutor_zone="America/New_York", student_zone="Asia/Kolkata")
    row = booking(b.id)
    ist = row.starts_at.astimezone(ZoneInfo("Asia/Kolkata"))
    ny = row.starts_at.astimezone(ZoneInfo("America/New_York"))
    to_student = capture.wait_for(email_of(learner), subject_contains="Confirmed", timeout=10)
    to_tutor = capture.wait_for(email_of(tutor), subject_contains="Confirmed", timeout=10)
    assert f"{ist:%H:%M}" in to_student["subject"] and "IST" in to_student["subject"]
    assert f"{ist:%H:%M}–" in to_student["text"] and "Asia/Kolkata" in to_student["text"]
    assert ny.tzname() in to_tutor["subject"] and f"{ny:%H:%M}" in to_tutor["subject"]
    assert f"{ny:%H:%M}–" in to_tutor["text"] and "America/New_York" in to_tutor["text"]
    assert "IST" not in to_tutor["text"] and ny.tzname() not in to_student["text"]
    assert ist.strftime("%-d %B %Y") in to_student["html"]


def test_a_duplicate_event_sends_one_email_and_one_notice(capture):
    tutor, learner, b = confirmed()
    capture.wait_for(email_of(learner), subject_contains="Confirmed", timeout=10)
    row = booking(b.id)
    for _ in range(3):  # the meeting job ran again, a retried transaction, a redelivered message
        with session_scope() as s:
            notifications.booking_event(s, "booking.confirmed", row, join_url=row.meeting_url, provider="fallback")
    assert jobs.drain() == 0
    assert len(capture.messages(email_of(learner))) == 1 and len(capture.messages(email_of(tutor))) == 1
    assert len(notices(learner, "booking.confirmed")) == 1
    keys = [m["dedupe_key"] for m in outbox_emails()]
    assert len(keys) == len(set(keys)) == 2
    assert all(k.startswith(f"email:booking.confirmed:{b.id}:{row.sequence}:") for k in keys)


def test_preferences_are_respected_per_channel(capture):
    tutor, learner = bookable_tutor(), student()
    with session_scope() as s:
        notifications.set_choice(s, as_(learner), "booking.confirmed", "email", False)
        notifications.set_choice(s, as_(tutor), "booking.confirmed", "in_app", False)
    b = book(learner, tutor, future())
    with session_scope() as s:
        bookings.mark_paid(s, b.id)
    jobs.drain()
    assert outbox_emails(email_of(learner)) == []  # email off: no email row at all
    assert len(notices(learner, "booking.confirmed")) == 1  # in-app still on
    assert len(outbox_emails(email_of(tutor))) == 1  # the tutor's email still on
    assert notices(tutor, "booking.confirmed") == []  # in-app off: no notification
    capture.wait_for(email_of(tutor), subject_contains="Confirmed", timeout=10)
    assert capture.messages(email_of(learner)) == []


def test_awaiting_tutor_tells_the_student_to_wait_and_the_tutor_to_answer(capture):
    tutor, learner = bookable_tutor(requires_confirmation=True), student()
    set_zone(tutor, "Europe/London")
    b = book(learner, tutor, future(days=5))
    with session_scope() as s:
        bookings.mark_paid(s, b.id)
    jobs.drain()
    to_student = capture.wait_for(email_of(learner), subject_contains="waiting", timeout=10)
    to_tutor = capture.wait_for(email_of(tutor), subject_contains="New lesson request", timeout=10)
    assert "full refund" in to_student["text"] and "IST" in to_student["text"]
    assert "Accept or decline" in to_tutor["html"] and "GMT" in to_tutor["subject"]
    assert "/tutor/schedule" in to_tutor["text"]


def test_declined_says_the_refund_amount(capture):
    tutor, learner = bookable_tutor(requires_confirmation=True, hourly=1500_00), student()
    b = book(learner, tutor, future(days=5))
    with session_scope() as s:
        bookings.mark_paid(s, b.id)
    with session_scope() as s:
        bookings.decline(s, as_(tutor), b.id, "Away that week")
    jobs.drain()
    got = capture.wait_for(email_of(learner), subject_contains="declined", timeout=10)
    assert "₹1,500" in got["text"] and "₹1,500" in got["html"] and "Away that week" in got["text"]
    assert capture.messages(email_of(tutor)) == [m for m in capture.messages(email_of(tutor))
                                                  if "declined" not in m["subject"].lower()]


def test_reschedule_tells_both_the_old_and_new_time_with_an_updated_ics(capture):
    tutor, learner, b = confirmed()
    old = booking(b.id)
    new_start = old.starts_at + timedelta(days=1, hours=2)
    with session_scope() as s:
        bookings.reschedule(s, as_(learner), b.id, new_start)
    jobs.drain()
    new = booking(b.id)
    for who, zone in ((learner, "Asia/Kolkata"), (tutor, "America/New_York")):
        got = capture.wait_for(email_of(who), subject_contains="Moved", timeout=10)
        z = ZoneInfo(zone)
        assert f"{new.starts_at.astimezone(z):%H:%M}–" in got["text"]
        assert f"{old.starts_at.astimezone(z):%H:%M}–" in got["text"]
        (ics,) = list(parsed(capture, got).iter_attachments())
        (event,) = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")
        assert event.decoded("dtstart") == new.starts_at and int(event["sequence"]) == new.sequence
    assert "You moved" in capture.wait_for(email_of(learner), subject_contains="Moved")["text"]


def test_cancellation_says_who_and_the_refund_and_the_tutor_is_told(capture):
    tutor, learner, b = confirmed(hourly=2000_00)
    with session_scope() as s:
        bookings.cancel(s, as_(learner), b.id, "Exam moved")
    jobs.drain()
    to_student = capture.wait_for(email_of(learner), subject_contains="Cancelled", timeout=10)
    to_tutor = capture.wait_for(email_of(tutor), subject_contains="Cancelled", timeout=10)
    assert "We are refunding ₹2,000 (the full price)" in to_student["text"]
    assert "You cancelled" in to_student["text"]
    assert "cancelled your lesson" in to_tutor["text"] and "Exam moved" in to_tutor["text"]
    (ics,) = list(parsed(capture, to_tutor).iter_attachments())
    assert "STATUS:CANCELLED" in ics.get_payload(decode=True).decode()


def test_review_request_after_completion(capture):
    tutor, learner, b = confirmed()
    with session_scope() as s:
        bookings.complete(s, b.id, now=b.ends_at + timedelta(hours=2))
    jobs.drain()
    got = capture.wait_for(email_of(learner), subject_contains="How was your lesson", timeout=10)
    assert "/bookings?tab=past" in got["text"]
    (note,) = notices(learner, "booking.review_requested")
    assert b.reference in note.body


def test_no_show_of_the_tutor_refunds_and_tells_the_tutor(capture):
    tutor, learner, b = confirmed(hourly=1200_00)
    with session_scope() as s:
        bookings.mark_no_show(s, as_(learner), b.id, "tutor", now=b.starts_at + timedelta(minutes=15))
    jobs.drain()
    to_tutor = capture.wait_for(email_of(tutor), subject_contains="Missed", timeout=10)
    to_student = capture.wait_for(email_of(learner), subject_contains="Missed", timeout=10)
    assert "reported that you did not attend" in to_tutor["text"]
    assert "full refund of ₹1,200" in to_student["text"]


def test_reminder_is_sent_once_and_dropped_when_the_lesson_moved_before_it_went_out(capture):
    tutor, learner, b = confirmed()
    row = booking(b.id)
    with session_scope() as s:
        notifications.booking_event(s, "booking.reminder", row, offset_minutes=60)
        notifications.booking_event(s, "booking.reminder", row, offset_minutes=60)
    jobs.drain()
    got = capture.wait_for(email_of(learner), subject_contains="Reminder", timeout=10)
    assert "starts in 1 hour" in got["subject"] and row.meeting_url in got["text"]
    assert len([m for m in capture.messages(email_of(learner)) if "Reminder" in m["subject"]]) == 1
    # queued for a time the lesson no longer has: the job drops it
    with session_scope() as s:
        notifications.booking_event(s, "booking.reminder", booking(b.id), offset_minutes=1440)
    with session_scope() as s:
        bookings.reschedule(s, as_(tutor), b.id, row.starts_at + timedelta(days=2))
    jobs.drain()
    assert not [m for m in capture.messages() if "tomorrow" in m["subject"]]
    assert capture.wait_for(email_of(learner), subject_contains="Moved", timeout=10)


# Payments, tutors, reviews ----------------------------------------------------------------
def test_failed_payment_links_back_to_retry_once(capture, rzp):
    _, learner, b = payment_support.pending_booking()
    info = payment_support.checkout(learner, b.id)
    for _ in range(2):
        entity = payment_support.payment_entity(info.order_id, b.price_minor, status="failed",
                                                error_description="Your bank declined the payment.")
        with session_scope() as s:
            payments.apply_payment(s, entity, source="webhook")
    jobs.drain()
    (got,) = [m for m in capture.messages(email_of(learner)) if "did not go through" in m["subject"]]
    assert f"/pay/{b.reference}" in got["text"] and "Your bank declined the payment." in got["text"]
    assert f'href="http://localhost:3000/pay/{b.reference}"' in got["html"]
    assert len(notices(learner, "payment.failed")) == 1


def test_failed_payment_email_is_dropped_once_the_booking_is_paid(capture, rzp):
    _, learner, b = payment_support.pending_booking()
    info = payment_support.checkout(learner, b.id)
    with session_scope() as s:
        payments.apply_payment(s, payment_support.payment_entity(info.order_id, b.price_minor, status="failed"),
                               source="webhook")
        bookings.mark_paid(s, b.id)
    jobs.drain()
    assert not [m for m in capture.messages(email_of(learner)) if "did not go through" in m["subject"]]


def test_refund_processed_email_after_a_cancellation(capture, rzp):
    _, learner, b = payment_support.pending_booking(hourly=1000_00)
    info = payment_support.checkout(learner, b.id)
    payment_support.confirm(learner, b.id, rzp.controls.pay(info.order_id))
    rzp.settle()
    with session_scope() as s:
        bookings.cancel(s, as_(learner), b.id, "Change of plans")
    jobs.drain()
    payment_support.refunds_settled(rzp)
    jobs.drain()
    got = capture.wait_for(email_of(learner), subject_contains="Refund of", timeout=10)
    assert "₹1,000" in got["subject"] and b.reference in got["text"] and "5-7 working days" in got["text"]


def test_tutor_approved_and_rejected_emails(capture, doc_dir):
    make_subjects()
    admin = make_user("admin")
    approved, rejected = make_user("tutor", "Priya Sharma"), make_user("tutor", "Rohan Gupta")
    for tutor in (approved, rejected):
        complete_profile(tutor, doc_dir)
        with session_scope() as s:
            tutors.submit_profile(s, as_(tutor), tutor)
            tutors.start_review(s, as_(admin), tutor)
    with session_scope() as s:
        tutors.approve_tutor(s, as_(admin), approved)
        tutors.reject_tutor(s, as_(admin), rejected, reason="Please add a clear profile photo.")
    jobs.drain()
    ok = capture.wait_for(email_of(approved), subject_contains="approved", timeout=10)
    no = capture.wait_for(email_of(rejected), subject_contains="needs changes", timeout=10)
    assert "Hi Priya" in ok["text"] and "Hi Rohan" in no["text"]
    assert "/tutor/profile" in ok["text"] and "Please add a clear profile photo." in no["text"]
    # "being reviewed" stays in-app only
    assert len(capture.messages(email_of(approved))) == 1
    assert [n.kind for n in notices(approved)].count("tutor.under_review") == 1


def test_new_review_email_to_the_tutor(capture):
    tutor, learner, b = confirmed()
    with session_scope() as s:
        bookings.complete(s, b.id, now=b.ends_at + timedelta(hours=2))
    with session_scope() as s:
        tutors.review_booking(s, as_(learner), b.id, 4, "Clear and patient.")
    jobs.drain()
    got = capture.wait_for(email_of(tutor), subject_contains="out of 5", timeout=10)
    assert "4 out of 5" in got["subject"] and "/tutor/reviews" in got["text"]


def test_meeting_fallback_notice_by_user_event(capture):
    tutor, learner, b = confirmed()
    row = booking(b.id)
    with session_scope() as s:
        notifications.user_event(s, tutor, "meeting.fallback", {"booking_id": str(b.id), "join_url": row.meeting_url,
                                                                "reason": "403 forbidden"})
        notifications.user_event(s, learner, "meeting.fallback", {"booking_id": str(b.id), "join_url": row.meeting_url})
    jobs.drain()
    got = capture.wait_for(email_of(tutor), subject_contains="Google Meet", timeout=10)
    assert row.meeting_url in got["text"] and "403 forbidden" in got["text"]
    assert notices(learner, "meeting.fallback") == []  # only the booking's tutor


# SMS --------------------------------------------------------------------------------------
def test_sms_only_when_switched_on_with_a_number(capture, monkeypatch, caplog):
    monkeypatch.setenv("SMS_PROVIDER", "console")
    get_settings.cache_clear()
    tutor, learner = bookable_tutor(), student()
    with session_scope() as s:
        notifications.set_phone(s, as_(learner), "+91 98765 43210")
        notifications.set_choice(s, as_(learner), "booking.confirmed", "sms", True)
    b = book(learner, tutor, future())
    with caplog.at_level(logging.INFO, logger="tutorconnect.sms"):
        with session_scope() as s:
            bookings.mark_paid(s, b.id)
        jobs.drain()
    texts = [r.getMessage() for r in caplog.records if r.name == "tutorconnect.sms"]
    assert len(texts) == 1 and texts[0].startswith("SMS to +919876543210: TutorConnect: Lesson confirmed with")
    assert re.search(r"http://localhost:3000/bookings", texts[0])


def test_sms_is_never_queued_without_a_provider(capture, monkeypatch):
    monkeypatch.setenv("SMS_PROVIDER", "none")
    get_settings.cache_clear()
    tutor, learner = bookable_tutor(), student()
    with session_scope() as s:
        s.execute(text("UPDATE users SET phone_e164 = '+919876543210' WHERE id = :u"), {"u": learner})
        s.execute(text("INSERT INTO notification_preferences (user_id, event_type, channel, enabled) "
                       "VALUES (:u, 'booking.confirmed', 'sms', true)"), {"u": learner})
    b = book(learner, tutor, future())
    with session_scope() as s:
        bookings.mark_paid(s, b.id)
    jobs.drain()
    with session_scope() as s:
        assert s.execute(text("SELECT count(*) FROM outbox WHERE job = 'sms.send'")).scalar_one() == 0

