"""Text messages behind a small provider interface.

`provider()` returns the configured provider or None (SMS off: nothing is offered or
sent). SMS_PROVIDER=console writes each message to the log (logger
"tutorconnect.sms"), which is what development uses; a real gateway is one more class
with the same `send`.
"""

from __future__ import annotations

import logging
import re
from typing import Protocol

from tutorconnect.config import get_settings

log = logging.getLogger("tutorconnect.sms")

MAX_LENGTH = 320  # two SMS segments; longer texts are cut with an ellipsis
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


class SmsError(Exception):
    """The provider refused or failed; `transient` says whether a retry may help."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class Provider(Protocol):
    name: str

    def send(self, to: str, text: str) -> None:
        """Deliver `text` to the E.164 number `to`; raise SmsError on failure."""


class ConsoleProvider:
    """Development: the message goes to the log instead of a phone."""

    name = "console"

    def send(self, to: str, text: str) -> None:
        if not E164.match(to):
            raise SmsError("not an E.164 number", transient=False)
        log.info("SMS to %s: %s", to, text, extra={"sms_to": to, "sms_text": text})


def provider() -> Provider | None:
    name = get_settings().sms_provider_name
    if name == "console":
        return ConsoleProvider()
    return None


def available() -> bool:
    return provider() is not None


def clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_LENGTH else text[: MAX_LENGTH - 1] + "…"
