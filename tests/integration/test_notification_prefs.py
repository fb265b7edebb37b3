"""Notification preferences: defaults per topic and channel, only a user's differences
stored, their own choices only, clear refusals for anything else."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.integration.test_tutor_support import as_, make_user
from tests.support.db import sql
from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.services import notifications
from tutorconnect.services.errors import InvalidInput, NotAuthenticated
from tutorconnect.services.context import RequestContext


@pytest.fixture
def sms_on(monkeypatch):
    monkeypatch.setenv("SMS_PROVIDER", "console")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def stored() -> list[tuple]:
    return [tuple(r) for r in sql("SELECT event_type, channel, enabled FROM notification_preferences ORDER BY 1, 2")]


def channels(user, event) -> set[str]:
    with session_scope() as s:
        return notifications.channels_for(s, user, event)


def choose(user, topic, channel, enabled):
    with session_scope() as s:
        return notifications.set_choice(s, as_(user), topic, channel, enabled)


def test_defaults_are_in_app_and_email_and_nothing_is_stored(db, sms_on):
    user = make_user("student")
    assert channels(user, "booking.confirmed") == {"in_app", "email"}
    assert channels(user, "payment.refunded_automatically") == {"in_app", "email"}  # topic payment.refund
    with session_scope() as s:
        rows = notifications.grid(s, as_(user))
    assert rows[0].key == notifications.ACCOUNT_TOPIC and rows[0].locked and rows[0].channels["email"]
    assert [r.key for r in rows[1:]] == [t.key for t in notifications.topics_for_role("student")]
    assert all(r.channels == {"in_app": True, "email": True, "sms": False} for r in rows[1:])
    assert stored() == []


def test_only_differences_from_the_default_are_stored(db):
    user = make_user("student")
    assert choose(user, "booking.reminder", "email", False) is False
    assert stored() == [("booking.reminder", "email", False)]
    assert channels(user, "booking.reminder") == {"in_app"}
    choose(user, "booking.reminder", "email", False)  # again: one row
    assert len(stored()) == 1
    choose(user, "booking.reminder", "email", True)  # back to the default: the row goes
    assert stored() == [] and channels(user, "booking.reminder") == {"in_app", "email"}


def test_a_user_changes_only_their_own_preferences(db):
    me, other = make_user("student"), make_user("student")
    choose(me, "booking.cancelled", "in_app", False)
    assert channels(other, "booking.cancelled") == {"in_app", "email"}
    assert [tuple(r) for r in sql("SELECT user_id FROM notification_preferences")] == [(me,)]
    with pytest.raises(NotAuthenticated), session_scope() as s:
        notifications.set_choice(s, RequestContext(), "booking.cancelled", "email", False)


@pytest.mark.parametrize("topic, channel, enabled, message", [
    ("account.security", "email", False, "always sent"),
    ("nope", "email", False, "does not exist"),
    (None, "email", False, "does not exist"),
    ("x" * 500, "email", False, "does not exist"),
    ("tutor.profile", "email", False, "does not exist"),  # a tutor's topic, asked by a student
    ("booking.confirmed", "fax", False, "does not exist"),
    ("booking.confirmed", ["email"], False, "does not exist"),
    ("booking.confirmed", "email", "false", "on or off"),
    ("booking.confirmed", "email", 0, "on or off"),
    ("booking.confirmed", "sms", True, "not available"),  # no SMS provider in tests
])
def test_bad_choices_are_refused_and_nothing_is_stored(db, topic, channel, enabled, message):
    user = make_user("student")
    with pytest.raises(InvalidInput, match=message):
        choose(user, topic, channel, enabled)
    assert stored() == []


def test_sms_needs_a_provider_and_a_number(db, sms_on):
    user = make_user("tutor")
    with pytest.raises(InvalidInput, match="mobile number"):
        choose(user, "booking.reminder", "sms", True)
    with session_scope() as s:
        assert notifications.set_phone(s, as_(user), "+91 (98765) 43-210") == "+919876543210"
    choose(user, "booking.reminder", "sms", True)
    assert channels(user, "booking.reminder") == {"in_app", "email", "sms"}
    # removing the number switches every text message off
    with session_scope() as s:
        assert notifications.set_phone(s, as_(user), "") is None
    assert stored() == [] and channels(user, "booking.reminder") == {"in_app", "email"}
    audits = sql("SELECT before, after FROM audit_log WHERE action = 'user.phone_changed' ORDER BY id")
    assert [(a.before["phone"], a.after["phone"]) for a in audits] == [(None, "+91…210"), ("+91…210", None)]


def test_sms_choices_are_ignored_once_sms_is_switched_off(db, monkeypatch):
    user = make_user("student")
    with session_scope() as s:
        s.execute(text("INSERT INTO notification_preferences (user_id, event_type, channel, enabled) "
                       "VALUES (:u, 'booking.reminder', 'sms', true)"), {"u": user})
    assert channels(user, "booking.reminder") == {"in_app", "email"}


@pytest.mark.parametrize("raw", ["12345", "+0123456789", "phone", "+91 98765 43210 ext 5", 919876543210,
                                 "+1" + "2" * 20])
def test_bad_phone_numbers_are_refused(db, raw):
    user = make_user("student")
    with pytest.raises(InvalidInput, match="country code"), session_scope() as s:
        notifications.set_phone(s, as_(user), raw)
    assert sql("SELECT phone_e164 FROM users WHERE id = :u", u=user)[0][0] is None


def test_every_event_notify_sends_has_a_topic():
    for event in [*notifications.BOOKING_EVENTS, *notifications.USER_EVENTS]:
        assert notifications.topic_for(event).key
