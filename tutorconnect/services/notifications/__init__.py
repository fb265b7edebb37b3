"""Telling people things: notifications by event (booking_event, user_event) delivered in
the app, by email and by text message as each person's preferences say (prefs), the
message texts per event family, the in-app notification list (inbox), lesson reminders,
email queueing/rendering/sending (mail) and the admins' view of captured mail. It uses
services.outbox (email and SMS are outbox jobs), services.calendar_feed (the .ics
attached to lesson emails), services.live (the bell refreshes), services.audit (phone
changes) and services.validation; its outbox jobs (jobs.py: a `JOBS` table) are
assembled by services.jobs; nothing here imports services.jobs.
"""

from tutorconnect.services.notifications.booking_subscriber import on_booking_changed
from tutorconnect.services.notifications.booking_messages import BOOKING_EVENTS
from tutorconnect.services.notifications.captured_mail import PER_PAGE as CAPTURED_PER_PAGE
from tutorconnect.services.notifications.captured_mail import MailSummary
from tutorconnect.services.notifications.captured_mail import configured as capture_configured
from tutorconnect.services.notifications.captured_mail import detail as captured_detail
from tutorconnect.services.notifications.captured_mail import page as captured_page
from tutorconnect.services.notifications.inbox import create, list_for, mark_all_read, mark_read, unread_count
from tutorconnect.services.notifications.mail import SEND_JOB, SUBJECTS, deliver, link, queue, render
from tutorconnect.services.notifications.notify import SMS_JOB, booking_event, user_event
from tutorconnect.services.notifications.prefs import (
    ACCOUNT_TOPIC,
    CHANNEL_LABELS,
    channels_for,
    grid,
    phone,
    set_choice,
    set_phone,
    topic_for,
    topics_for_role,
)
from tutorconnect.services.notifications.reminders import send_due
from tutorconnect.services.notifications.user_messages import USER_EVENTS

__all__ = [
    "on_booking_changed",
    "ACCOUNT_TOPIC",
    "BOOKING_EVENTS",
    "CHANNEL_LABELS",
    "CAPTURED_PER_PAGE",
    "SEND_JOB",
    "SMS_JOB",
    "SUBJECTS",
    "USER_EVENTS",
    "MailSummary",
    "booking_event",
    "channels_for",
    "capture_configured",
    "create",
    "deliver",
    "captured_detail",
    "grid",
    "link",
    "list_for",
    "mark_all_read",
    "mark_read",
    "captured_page",
    "phone",
    "queue",
    "render",
    "send_due",
    "set_choice",
    "set_phone",
    "topic_for",
    "topics_for_role",
    "unread_count",
    "user_event",
]
