"""The headers of outgoing mail, read back from real SMTP (the capture server): a Date
(RFC 5322 requires one), a Message-ID on the app's mail domain (MAIL_FROM's), and
List-Unsubscribe (the notification settings page) on notification mails only, never on
the account and security mails (email confirmation, password reset). Issue #14, item 4."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

import pytest

from emulators.smtp_capture import SmtpCapture
from tests.support.email_samples import SAMPLES
from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.services import accounts, jobs, notifications

MAIL_DOMAIN = "mail.tutors.example.org"
BASE = "https://tutors.example.org"
SECURITY_TEMPLATES = {"verify_email", "password_reset"}


@pytest.fixture
def capture(db, tmp_path, monkeypatch):
    with SmtpCapture("127.0.0.1", 0, tmp_path / "mail", http_port=0) as cap:
        monkeypatch.setenv("SMTP_HOST", cap.host)
        monkeypatch.setenv("SMTP_PORT", str(cap.port))
        monkeypatch.setenv("MAIL_FROM", f"TutorConnect <no-reply@{MAIL_DOMAIN}>")
        monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
        get_settings.cache_clear()
        yield cap
        monkeypatch.undo()
        get_settings.cache_clear()


def _headers(cap: SmtpCapture, to: str):
    got = cap.wait_for(to, timeout=5)
    return BytesParser(policy=policy.default).parsebytes(cap.folder.raw(got["id"]))


def _check_date_and_message_id(msg) -> None:
    assert msg["Date"], "no Date header"
    sent = parsedate_to_datetime(str(msg["Date"]))
    assert sent.tzinfo is not None
    assert abs(datetime.now(timezone.utc) - sent) < timedelta(minutes=2)
    message_id = str(msg["Message-ID"])
    assert message_id.startswith("<") and message_id.endswith(f"@{MAIL_DOMAIN}>"), message_id


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_template_has_a_date_a_message_id_on_the_mail_domain_and_unsubscribe_when_it_is_a_notification(
        capture, name):
    template, context = SAMPLES[name]
    to = f"{name.replace('_', '-')}@example.com"
    notifications.deliver({"to": to, "template": template, "context": context})
    msg = _headers(capture, to)
    _check_date_and_message_id(msg)
    if template in SECURITY_TEMPLATES:
        assert msg["List-Unsubscribe"] is None
    else:
        assert str(msg["List-Unsubscribe"]) == f"<{BASE}/notifications/settings>"
    # No one-click POST endpoint exists, so the mail must not claim one (RFC 8058).
    assert msg["List-Unsubscribe-Post"] is None


def test_a_queued_notification_has_a_stable_message_id_on_the_mail_domain(capture):
    with session_scope() as s:
        notifications.queue(s, to="stable@example.com", template="tutor_approved",
                            context=SAMPLES["tutor_approved"][1], dedupe_key="headers-test:approved:42")
    jobs.drain()
    msg = _headers(capture, "stable@example.com")
    _check_date_and_message_id(msg)
    assert str(msg["List-Unsubscribe"]) == f"<{BASE}/notifications/settings>"
    with session_scope() as s:  # the same dedupe key elsewhere names the same message
        notifications.queue(s, to="stable-2@example.com", template="tutor_approved",
                            context=SAMPLES["tutor_approved"][1], dedupe_key="headers-test:approved:43")
    jobs.drain()
    other = _headers(capture, "stable-2@example.com")
    assert str(other["Message-ID"]) != str(msg["Message-ID"])


def test_a_password_reset_sent_through_the_outbox_has_a_date_and_no_unsubscribe(capture, ctx, fast_password_hashing):
    with session_scope() as s:
        user_id = accounts.register(s, ctx, email="reset-headers@example.com", password="Maple-123456-river",
                                    full_name="Rhea Verma", role="student", time_zone="Asia/Kolkata")
    assert user_id
    capture.clear()
    with session_scope() as s:
        accounts.request_password_reset(s, ctx, email="reset-headers@example.com")
    jobs.drain()
    msg = _headers(capture, "reset-headers@example.com")
    assert "Reset" in str(msg["Subject"])
    _check_date_and_message_id(msg)
    assert msg["List-Unsubscribe"] is None
