"""An in-process SMTP sink for tests that only need to count what was sent."""

from __future__ import annotations

import email
import email.message
import socket
import threading


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MessageSink:
    """aiosmtpd handler keeping every message in memory."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd hook
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, addr: str) -> list[email.message.Message]:
        with self._lock:
            return [m for m in self.messages if m["To"] == addr]
