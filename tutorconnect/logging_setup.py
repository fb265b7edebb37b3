"""Structured logs: one JSON object per line, with the request id, secrets redacted.

Nothing that authenticates (cookies, session or reset tokens, Reflex client tokens,
passwords, OAuth codes) may reach a log line: the redaction filter scrubs values of such
keys in messages and in `extra` fields, whoever logged them.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import datetime, timezone

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

_SECRET_KEYS = ("token", "code", "password", "secret", "cookie", "authorization", "state", "session")
_QUERY_SECRET = re.compile(
    r"(?i)((?:token|code|password|secret|state|code_verifier|client_secret|tc_session)=)[^&\s\"';]+"
)
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/-]+=*")
# 'password': 'x' / "token": "x" inside reprs and JSON (event payloads, form data).
_MAPPING_SECRET = re.compile(
    r"""(?i)(['"](?:[a-z_]*password|confirm|token|code|code_verifier|secret|cookie|tc_session)['"]\s*:\s*['"])[^'"]*"""
)
_COOKIE_HEADER = re.compile(r"(?i)(tc_session=)[^;,\s'\"]+")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def redact(text: str) -> str:
    for pattern in (_QUERY_SECRET, _MAPPING_SECRET, _COOKIE_HEADER, _BEARER):
        text = pattern.sub(r"\1[redacted]", text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        for key in list(vars(record)):
            if key not in _STANDARD and any(s in key.lower() for s in _SECRET_KEYS):
                setattr(record, key, "[redacted]")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id_var.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Access logs carry full URLs; they go through the same redaction.
    for name in ("uvicorn.access", "uvicorn.error", "granian.access", "celery"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
