"""The mail capture server receives what the app's real SMTP code sends, and shows it back
through `SmtpCapture.messages()` and the inbox's HTTP API and pages.
"""

from __future__ import annotations

import httpx
import pytest

from tutorconnect.config import get_settings
from emulators.smtp_capture import SmtpCapture
from tutorconnect.integrations import mailer

LINK = "http://localhost:3000/verify-email?token=abc123"


@pytest.fixture
def capture(tmp_path, monkeypatch):
    """A capture server on free ports, with the app's SMTP settings pointed at it."""
    with SmtpCapture("127.0.0.1", 0, tmp_path / "mail", http_port=0) as cap:
        monkeypatch.setenv("SMTP_HOST", cap.host)
        monkeypatch.setenv("SMTP_PORT", str(cap.port))
        get_settings.cache_clear()
        yield cap
        monkeypatch.undo()
        get_settings.cache_clear()


def send(to: str, subject: str = "Verify your email") -> None:
    mailer.send(mailer.RenderedEmail(
        to=to,
        subject=subject,
        text=f"Hi Ada,\nConfirm your address: {LINK}\n",
        html=f"<p>Hi Ada,</p><p><a href=\"{LINK}\">Confirm your address</a></p>",
    ))


def test_sent_mail_is_captured_with_text_and_html(capture, tmp_path):
    send("Ada <Ada@Example.com>")

    message = capture.wait_for("ada@example.com", subject_contains="verify", timeout=5)

    assert message["subject"] == "Verify your email"
    assert message["to"] == "Ada <Ada@Example.com>"
    assert message["from"] == get_settings().mail_from
    assert LINK in message["text"] and "<a href" not in message["text"]
    assert f'<a href="{LINK}">' in message["html"]
    assert list((tmp_path / "mail").glob("*.eml")) != []
    assert capture.messages(to="someone-else@example.com") == []


def test_http_api_lists_filters_and_clears(capture):
    send("ada@example.com", "First")
    send("bob@example.com", "Second")
    capture.wait_for("bob@example.com", timeout=5)

    listed = httpx.get(f"{capture.http_url}/api/messages").json()
    assert [m["subject"] for m in listed] == ["Second", "First"]  # newest first
    assert set(listed[0]) == {"id", "to", "from", "subject", "date", "text", "html", "attachments"}
    assert listed[0]["attachments"] == []

    only_ada = httpx.get(f"{capture.http_url}/api/messages", params={"to": "ADA@example.com"}).json()
    assert [m["subject"] for m in only_ada] == ["First"]
    assert LINK in only_ada[0]["text"] and LINK in only_ada[0]["html"]

    assert httpx.delete(f"{capture.http_url}/api/messages").json() == {"deleted": 2}
    assert httpx.get(f"{capture.http_url}/api/messages").json() == [] == capture.messages()


def test_inbox_pages_show_the_message_safely(capture):
    send("ada@example.com", "Your <lesson> is booked")
    message = capture.wait_for("ada@example.com", timeout=5)

    index = httpx.get(f"{capture.http_url}/")
    assert index.status_code == 200 and "Your &lt;lesson&gt; is booked" in index.text
    page = httpx.get(f"{capture.http_url}/messages/{message['id']}")
    assert page.status_code == 200
    # The mail's HTML is only ever rendered inside a sandboxed iframe, scripts off.
    assert "<iframe title='HTML part' sandbox='allow-popups" in page.text
    assert f'<a href="{LINK}">' not in page.text  # not live markup in the inbox page itself
    assert "srcdoc=\"&lt;base target=_blank&gt;&lt;p&gt;Hi Ada" in page.text
    assert "script-src" not in page.headers["content-security-policy"]
    assert httpx.get(f"{capture.http_url}/messages/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_login_is_accepted_when_the_app_is_configured_with_smtp_credentials(capture, monkeypatch):
    monkeypatch.setenv("SMTP_USERNAME", "app")
    monkeypatch.setenv("SMTP_PASSWORD", "secret")
    get_settings.cache_clear()
    send("ada@example.com")
    assert capture.wait_for("ada@example.com", timeout=5)["subject"] == "Verify your email"


def test_wait_for_times_out_when_nothing_arrives(capture):
    send("ada@example.com")
    with pytest.raises(TimeoutError):
        capture.wait_for("ada@example.com", subject_contains="password reset", timeout=0.3)


def test_attachments_are_listed_and_summaries_page_newest_first(capture):
    mailer.send(mailer.RenderedEmail(
        to="ada@example.com", subject="With a file", text="see attached", html="<p>see attached</p>",
        attachments=(mailer.Attachment("lesson-TC-1.ics", "text/calendar; method=PUBLISH; charset=utf-8",
                                       b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),),
    ))
    for n in range(4):
        send("bob@example.com", f"Plain {n}")
    capture.wait_for("bob@example.com", subject_contains="Plain 3", timeout=5)

    (with_file,) = capture.messages(to="ada@example.com")
    assert with_file["attachments"] == [{"filename": "lesson-TC-1.ics", "content_type": "text/calendar", "size": 32}]
    assert with_file["text"].strip() == "see attached"

    first = httpx.get(f"{capture.http_url}/api/summaries", params={"limit": 2}).json()
    assert first["total"] == 5
    assert [m["subject"] for m in first["messages"]] == ["Plain 3", "Plain 2"]
    assert "html" not in first["messages"][0] and "text" not in first["messages"][0]
    last = httpx.get(f"{capture.http_url}/api/summaries", params={"offset": 4, "limit": 2}).json()
    assert [(m["subject"], len(m["attachments"])) for m in last["messages"]] == [("With a file", 1)]
    junk = httpx.get(f"{capture.http_url}/api/summaries", params={"offset": "x", "limit": "9999"}).json()
    assert len(junk["messages"]) == 5

    page = httpx.get(f"{capture.http_url}/messages/{with_file['id']}")
    assert "lesson-TC-1.ics" in page.text and "text/calendar" in page.text
