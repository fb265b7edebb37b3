import json
import logging

import pytest

from tutorconnect.logging_setup import JsonFormatter, RedactingFilter, redact


@pytest.mark.parametrize(
    "text, secret",
    [
        ("GET /reset-password?token=abcDEF123_-xyz HTTP/1.1", "abcDEF123_-xyz"),
        ("callback?state=s3cr3tstate&code=4/0AX-code", "4/0AX-code"),
        ("Event data: {'name': 'x.submit', 'payload': {'form_data': {'password': 'hunter2hunter2'}}}", "hunter2hunter2"),
        ('{"confirm": "same-secret-again", "email": "a@b.c"}', "same-secret-again"),
        ("cookie: theme=dark; tc_session=Zk9xA1b2C3d4E5f6G7h8", "Zk9xA1b2C3d4E5f6G7h8"),
        ("Authorization: Bearer ya29.a0AfH6SMB", "ya29.a0AfH6SMB"),
        ("/_event/?EIO=4&transport=websocket&token=5f0c2d1e-aaaa-bbbb", "5f0c2d1e-aaaa-bbbb"),
    ],
)
def test_secrets_never_survive_redaction(text, secret):
    assert secret not in redact(text)


def test_ordinary_text_is_left_alone():
    line = "user registered email=a@example.com role=student"
    assert redact(line) == line


def test_json_log_line_carries_request_id_and_redacts_extra_fields():
    record = logging.makeLogRecord(
        {"msg": "reset requested token=%s", "args": ("tok_abcdefghijklmnop",), "levelname": "INFO",
         "name": "t", "session_token": "raw-session-token-value", "request_id": "req42"}
    )
    RedactingFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req42"
    assert "tok_abcdefghijklmnop" not in line["msg"]
    assert line["session_token"] == "[redacted]"
