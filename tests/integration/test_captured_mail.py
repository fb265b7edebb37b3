"""The admin mail page's service against a real capture server: pages newest first, one
message with both parts and attachment names, and clear states when the server is not
running or not configured (production)."""

from __future__ import annotations

import pytest

from tests.support.smtp import free_port
from tutorconnect.config import get_settings
from emulators.smtp_capture import SmtpCapture
from tutorconnect.integrations import mail_inbox, mailer
from tutorconnect.services import notifications
from tutorconnect.services.errors import InvalidInput


@pytest.fixture
def settings_env(monkeypatch):
    def apply(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def capture(tmp_path, settings_env):
    with SmtpCapture("127.0.0.1", 0, tmp_path / "mail", http_port=0) as cap:
        settings_env(SMTP_HOST=cap.host, SMTP_PORT=str(cap.port), MAIL_CAPTURE_HTTP_PORT=str(cap.http.port))
        yield cap


def _send(n: int, *, ics: bool = False) -> None:
    attachments = (mailer.Attachment("lesson-TC-1.ics", "text/calendar; method=PUBLISH", b"BEGIN:VCALENDAR\r\n"),)
    mailer.send(mailer.RenderedEmail(to=f"p{n}@example.com", subject=f"Mail {n}", text=f"text {n}",
                                     html=f"<p>html {n}</p>", attachments=attachments if ics else ()))


def test_pages_newest_first_and_one_message_in_full(capture):
    for n in range(notifications.CAPTURED_PER_PAGE + 3):
        _send(n, ics=n == 0)
    capture.wait_for(f"p{notifications.CAPTURED_PER_PAGE + 2}@example.com", timeout=10)

    first = notifications.captured_page(1)
    assert first.error == "" and first.total == notifications.CAPTURED_PER_PAGE + 3 and first.pages == 2
    assert [m.subject for m in first.rows[:2]] == [f"Mail {notifications.CAPTURED_PER_PAGE + 2}",
                                                   f"Mail {notifications.CAPTURED_PER_PAGE + 1}"]
    second = notifications.captured_page(2)
    assert [m.subject for m in second.rows] == ["Mail 2", "Mail 1", "Mail 0"]
    oldest = second.rows[-1]
    assert [(a.filename, a.content_type) for a in oldest.attachments] == [("lesson-TC-1.ics", "text/calendar")]

    full = notifications.captured_detail(oldest.id)
    assert full.text.strip() == "text 0" and "<p>html 0</p>" in full.html
    assert full.summary.to == "p0@example.com" and full.summary.date is not None
    assert notifications.captured_detail("00000000000000000000-deadbeef") is None


@pytest.mark.parametrize("bad", ["../../etc/passwd", "", None, 12, ["x"], "1" * 19 + "-XYZ", "a" * 5000])
def test_malformed_ids_are_refused_before_any_request(capture, bad):
    with pytest.raises(InvalidInput):
        notifications.captured_detail(bad)


def test_a_capture_server_that_is_not_running_is_reported(settings_env):
    settings_env(MAIL_CAPTURE_URL=f"http://127.0.0.1:{free_port()}")
    assert notifications.captured_page(1).error == "unreachable"
    with pytest.raises(mail_inbox.InboxUnavailable):
        notifications.captured_detail("00000000000000000000-deadbeef")


def test_production_without_a_capture_url_is_not_configured(settings_env):
    settings_env(APP_ENV="production", DATABASE_URL="postgresql://x@127.0.0.1/x", REDIS_URL="redis://127.0.0.1:6379/0",
                 FEATURE_GOOGLE_SIGNIN="false")
    assert not notifications.capture_configured()
    assert notifications.captured_page(1).error == "not_configured"
