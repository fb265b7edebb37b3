"""Attacks over the real websocket on the notification settings handlers and the admin mail
page: signed out (sent to sign in, nothing written), the wrong role (refused, no mail in
the reply), forged or oversized arguments (a clear message, PostgreSQL unchanged), and a
user's preferences touched only by that user."""

from __future__ import annotations

import smtplib
import uuid
from contextlib import contextmanager

import pytest

from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import (
    NO_PERMISSION,
    assert_denied,
    assert_no_personal_data,
    assert_sent_to_login,
    assert_still_works,
    db_state,
    query,
    sign_in,
)
from tutorconnect.integrations import mailer
from tutorconnect.state.admin_mail import NOT_FOUND, AdminMailState as M
from tutorconnect.state.notification_settings import NotificationSettingsState as P

pytestmark = pytest.mark.e2e
NO_TOPIC = "That notification type does not exist. Please reload the page."


@contextmanager
def unchanged(db):
    def state():
        return {**db_state(db),
                "prefs": query(db, "select user_id, event_type, channel, enabled from notification_preferences "
                                   "order by 1, 2, 3"),
                "phones": query(db, "select id, phone_e164 from users where phone_e164 is not null order by id")}
    before = state()
    yield
    after = state()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"the database changed: {changed}"


@pytest.fixture(scope="module")
def tutor_person(live_app, db):
    return sign_in(live_app.base_url, db, "tutor@tutorconnect.test")


@pytest.fixture(scope="module")
def secret_mail(live_app):
    """A captured mail whose subject must never reach anyone but an admin."""
    tag = "secret-" + uuid.uuid4().hex[:10]
    mail = mailer.RenderedEmail(to=f"victim-{tag}@example.org", subject=f"Reset link {tag}",
                                text=f"token {tag}", html=f"<p>token {tag}</p>")
    with smtplib.SMTP("127.0.0.1", live_app.smtp_port, timeout=10) as smtp:
        smtp.send_message(mailer.build_message(mail))
    found = live_app.wait_for_mail(f"victim-{tag}@example.org", tag)
    return tag, found["id"]


# Notification settings ------------------------------------------------------------------
PREF_CALLS = [
    (P.load, {}),
    (P.toggle, {"topic": "booking.reminder", "channel": "email", "enabled": False}),
    (P.save_phone, {"form_data": {"phone": "+919876543210"}}),
    (P.remove_phone, {}),
]
PREF_NAMES = [h.fn.__name__ for h, _ in PREF_CALLS]


@pytest.mark.parametrize("index", range(len(PREF_CALLS)), ids=PREF_NAMES)
def test_preferences_signed_out_are_sent_to_sign_in(open_tab, db, index):
    handler, payload = PREF_CALLS[index]
    tab = open_tab(None, "/notifications/settings")
    with unchanged(db):
        reply = tab.call(handler, payload)
    assert_sent_to_login(reply)
    assert not reply.var(P, "rows") and not reply.var(P, "phone")


@pytest.mark.parametrize("topic, channel, enabled, message", [
    ("account.security", "email", False, "always sent"),
    ("tutor.profile", "email", False, NO_TOPIC),  # a tutor's topic from a student
    ("no.such.topic", "email", False, NO_TOPIC),
    ("x" * 100_000, "email", False, NO_TOPIC),
    (None, None, None, NO_TOPIC),
    (["booking.reminder"], "email", False, NO_TOPIC),
    ({"key": "booking.reminder"}, "email", False, NO_TOPIC),
    ("booking.reminder", "fax", False, "That way of notifying does not exist"),
    ("booking.reminder", {"c": 1}, False, "That way of notifying does not exist"),
    ("booking.reminder", "email", "false", "Choose on or off."),
    ("booking.reminder", "email", 0, "Choose on or off."),
    ("booking.reminder", "email", None, "Choose on or off."),
    ("booking.reminder", "sms", True, "Add your mobile number first"),
])
def test_forged_toggles_get_a_clear_message_and_change_nothing(open_tab, db, people, topic, channel, enabled,
                                                               message):
    tab = open_tab(people.student, "/notifications/settings")
    tab.call(P.load)
    with unchanged(db):
        reply = tab.call(P.toggle, {"topic": topic, "channel": channel, "enabled": enabled})
    assert not reply.crashed, reply.text
    assert any(kind == "error" and message in text for kind, text in reply.toasts), reply.text
    assert_still_works(tab, people.student)


@pytest.mark.parametrize("form", [{"phone": "12345"}, {"phone": "+91" + "9" * 40}, {"phone": ["+919876543210"]},
                                  {"phone": "+919876543210", "user_id": "x"}, "not a form", None,
                                  {"phone": "+91 98765 43210<script>"}])
def test_forged_phone_numbers_are_refused(open_tab, db, people, form):
    tab = open_tab(people.student, "/notifications/settings")
    tab.call(P.load)
    with unchanged(db):
        reply = tab.call(P.save_phone, {"form_data": form})
    assert not reply.crashed, reply.text
    assert any(kind == "error" for kind, _ in reply.toasts), reply.text


def test_a_toggle_changes_only_the_callers_own_preferences(open_tab, db, people, handler_errors_expected):
    other = open_tab(people.other_student, "/notifications/settings")
    other.call(P.load)
    # extra arguments naming someone else are not accepted by the handler at all
    with unchanged(db):
        other.call(P.toggle, {"topic": "booking.cancelled", "channel": "email", "enabled": False,
                              "user_id": str(people.student.id)})
    reply = other.call(P.toggle, {"topic": "booking.cancelled", "channel": "email", "enabled": False})
    assert any(kind == "success" for kind, _ in reply.toasts), reply.text
    mine = query(db, "select user_id from notification_preferences where event_type = 'booking.cancelled'")
    assert {r[0] for r in mine} == {people.other_student.id}
    assert_no_personal_data(reply, db, allowed=(people.other_student.email,))
    other.call(P.toggle, {"topic": "booking.cancelled", "channel": "email", "enabled": True})
    assert not query(db, "select 1 from notification_preferences where event_type = 'booking.cancelled'")


# Admin mail -------------------------------------------------------------------------------
def mail_calls(msg_id: str):
    return [(M.load, {}), (M.refresh, {}), (M.go_to_page, {"page": 2}), (M.open, {"msg_id": msg_id})]


MAIL_NAMES = [h.fn.__name__ for h, _ in mail_calls("x")]


@pytest.mark.parametrize("index", range(len(MAIL_NAMES)), ids=MAIL_NAMES)
def test_mail_signed_out_is_sent_to_sign_in(open_tab, db, secret_mail, index):
    tag, msg_id = secret_mail
    handler, payload = mail_calls(msg_id)[index]
    tab = open_tab(None, "/admin/mail")
    with unchanged(db):
        reply = tab.call(handler, payload)
    assert_sent_to_login(reply)
    assert tag not in reply.text and not reply.var(M, "rows") and not reply.var(M, "detail")


@pytest.mark.parametrize("role", ["student", "tutor"])
@pytest.mark.parametrize("index", range(len(MAIL_NAMES)), ids=MAIL_NAMES)
def test_mail_is_refused_to_students_and_tutors(open_tab, db, people, tutor_person, secret_mail, role, index):
    tag, msg_id = secret_mail
    person = people.student if role == "student" else tutor_person
    handler, payload = mail_calls(msg_id)[index]
    tab = open_tab(person, "/admin/mail")
    with unchanged(db):
        reply = tab.call(handler, payload)
    assert_denied(reply, NO_PERMISSION)
    assert tag not in reply.text
    assert not reply.var(M, "rows") and not reply.var(M, "detail")
    assert_no_personal_data(reply, db, allowed=(person.email,))
    assert_still_works(tab, person)


@pytest.mark.parametrize("forged", ["../../etc/passwd", "..%2F..%2Fsecret", "", None, 12, [1], {"id": 1}, True,
                                    "9" * 40, "1" * 19 + "-XYZ", "x" * 100_000])
def test_forged_message_ids_get_a_clear_error(open_tab, db, people, secret_mail, forged):
    tab = open_tab(people.admin, "/admin/mail")
    tab.call(M.load)
    with unchanged(db):
        reply = tab.call(M.open, {"msg_id": forged})
    assert not reply.crashed, reply.text
    assert ("error", NOT_FOUND) in reply.toasts, reply.text
    assert not reply.var(M, "detail")


def test_an_unknown_but_well_formed_id_is_not_found(open_tab, db, people, secret_mail):
    tab = open_tab(people.admin, "/admin/mail")
    tab.call(M.load)
    reply = tab.call(M.open, {"msg_id": "00000000000000000001-deadbeef"})
    assert ("error", NOT_FOUND) in reply.toasts, reply.text


def test_an_admin_opens_a_message(open_tab, db, people, secret_mail):
    tag, msg_id = secret_mail
    tab = open_tab(people.admin, "/admin/mail")
    loaded = tab.call(M.load)
    assert any(tag in r["subject"] for r in loaded.var(M, "rows")), loaded.text
    opened = tab.call(M.open, {"msg_id": msg_id})
    detail = opened.var(M, "detail")
    assert detail["subject"] == f"Reset link {tag}" and f"<p>token {tag}</p>" in detail["html"]
    assert detail["html"].startswith('<base target="_blank">')
    closed = tab.call(M.close)
    assert closed.var(M, "detail") == {}


@pytest.mark.parametrize("page", ["abc", -3, None, [2], 10**30, "2; drop table users"])
def test_forged_page_numbers_land_on_a_real_page(open_tab, db, people, page):
    tab = open_tab(people.admin, "/admin/mail")
    with unchanged(db):
        reply = tab.call(M.go_to_page, {"page": page})
    assert not reply.crashed, reply.text
    assert reply.redirects and all(r.startswith("/admin/mail?page=") and r.split("=")[1].isdigit()
                                   for r in reply.redirects), reply.redirects
