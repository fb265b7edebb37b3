"""Booking changes as events, and who listens to them: an explicit registry.

The bookings package publishes a `BookingChanged` for every change it makes (creation,
each state-machine step, a move), inside the transaction that made it. Other capabilities
(meetings, notifications) subscribe their handlers at start-up, in `tutorconnect/wiring.py`,
never by being imported; so the bookings package imports neither of them. The handlers run
in the publishing transaction, in the order they subscribed, so what they write (outbox
rows for meeting jobs and emails, in-app notifications) commits with the change or not at
all, exactly as when bookings called them directly.

Publishing with no subscriber at all raises: a process that forgot to call
`tutorconnect.wiring.wire()` must fail loudly rather than change bookings and tell nobody.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session


@dataclass(frozen=True)
class BookingChanged:
    """`action`: "create", "reschedule" or a machine.TRANSITIONS action; `before` and
    `after`: the booking row before (None on create) and after the change."""

    action: str
    before: Any
    after: Any

    @property
    def status_changed(self) -> bool:
        return self.before is not None and self.after.status != self.before.status


Handler = Callable[[Session, BookingChanged], None]
_handlers: list[tuple[str, Handler]] = []


def subscribe(name: str, handler: Handler) -> None:
    """Add `handler` under `name`; subscribing a name again replaces it (idempotent wiring)."""
    for i, (existing, _) in enumerate(_handlers):
        if existing == name:
            _handlers[i] = (name, handler)
            return
    _handlers.append((name, handler))


def subscribers() -> list[str]:
    return [name for name, _ in _handlers]


def publish(session: Session, event: BookingChanged) -> None:
    if not _handlers:
        raise RuntimeError("booking events have no subscribers: call tutorconnect.wiring.wire() at start-up")
    for _, handler in list(_handlers):
        handler(session, event)
