"""Notifications by event: an in-app row, an email and a text message, as each recipient's
preferences say (prefs.py), all in the caller's transaction.

- booking_event(session, event, booking_row, **extra): the people of a booking (events
  listed in the bookings package's effects, plus "booking.confirmed" from the meeting job
  with join_url=/provider=, "booking.reminder" with offset_minutes=, and
  "meeting.fallback" with join_url=).
- user_event(session, user_id, event, context): one person (payment.failed,
  payment.refund_processed, payment.refunded_automatically, tutor.under_review/approved/
  rejected/suspended, review.published, meeting.fallback; see user_messages.py for each
  event's context keys).

What each recipient is told lives in booking_messages.py and user_messages.py (in-app
title/body and the email template's context) and tutorconnect/templates/email/. Dates
are in the recipient's own zone (users.time_zone), money via tutorconnect.money.

Exactly once: every notice has a key naming the event, the booking (or refund, review,
...), the booking's `sequence` (it rises on every change) and the recipient; the in-app
row (notifications.dedupe_key), the email and the SMS (outbox.dedupe_key) are unique by
it, so a duplicate event, a job run twice or a retried transaction adds nothing.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlmodel import Session

from tutorconnect.integrations import sms
from tutorconnect.integrations.mailer import Attachment
from tutorconnect.services import calendar_feed, outbox
from tutorconnect.services.notifications import booking_messages, inbox, mail, notices, prefs, user_messages
from tutorconnect.services.notifications.notices import Notice

log = logging.getLogger(__name__)

SMS_JOB = "sms.send"


def booking_event(session: Session, event: str, booking: Any, **extra: Any) -> None:
    """Tell the people of `booking` about `event` (in the caller's transaction)."""
    builder = booking_messages.BOOKING_EVENTS.get(event)
    if builder is None:
        log.warning("no notification for booking event", extra={"event": event})
        return
    facts = notices.booking_facts(session, booking, extra)
    if facts is None:  # a deleted account, or the booking's people are gone
        return
    for notice in builder(facts):
        _deliver(session, notice)


def user_event(session: Session, user_id: uuid.UUID, event: str, context: dict[str, Any]) -> None:
    """Tell one person about `event` (in the caller's transaction)."""
    builder = user_messages.USER_EVENTS.get(event)
    if builder is None:
        log.warning("no notification for user event", extra={"event": event})
        return
    person = notices.person(session, user_id)
    if person is None:
        return
    for notice in builder(session, person, context):
        _deliver(session, notice)


def _deliver(session: Session, notice: Notice) -> None:
    who = notice.to
    channels = prefs.channels_for(session, who.id, notice.event)
    if "in_app" in channels:
        inbox.create(session, user_id=who.id, kind=notice.kind, title=notice.title, body=notice.body,
                     link=notice.link, dedupe_key=f"in_app:{notice.key}")
    if "email" in channels and notice.template:
        attachments: tuple[Attachment, ...] = ()
        if notice.ics_booking_id is not None:
            data = calendar_feed.email_ics(session, notice.ics_booking_id, who.id, meeting_url=notice.join_url)
            attachments = (Attachment(f"lesson-{notice.context['lesson']['reference']}.ics",
                                      "text/calendar; method=PUBLISH; charset=utf-8", data),)
        mail.queue(session, to=who.email, template=notice.template, context=notice.context,
                   dedupe_key=f"email:{notice.key}", attachments=attachments, only_if=notice.only_if)
    if "sms" in channels and who.phone:
        text = sms.clip(f"TutorConnect: {notice.title}." + (f" {mail.url(notice.link)}" if notice.link else ""))
        payload: dict[str, Any] = {"to": who.phone, "text": text}
        if notice.only_if:
            payload["only_if"] = notice.only_if
        outbox.enqueue(session, SMS_JOB, payload, dedupe_key=f"sms:{notice.key}")
