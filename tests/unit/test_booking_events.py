"""The booking-event registry (services/booking_events.py) and the start-up wiring
(tutorconnect/wiring.py). That meetings and notifications really act on each change is
tested where they act (tests/integration/test_meetings.py, test_notify_emails.py, ...)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tutorconnect.services import booking_events
from tutorconnect.wiring import wire


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test; the wired one comes back afterwards."""
    monkeypatch.setattr(booking_events, "_handlers", [])
    return booking_events


def test_the_wiring_subscribes_meetings_then_notifications_once():
    wire()
    wire()  # idempotent: a second call replaces, never doubles
    assert booking_events.subscribers() == ["meetings", "notifications"]


def test_publishing_with_nobody_listening_fails_loudly(registry):
    event = booking_events.BookingChanged("cancel", SimpleNamespace(status="confirmed"), SimpleNamespace(status="cancelled"))
    with pytest.raises(RuntimeError, match="wire"):
        registry.publish(None, event)


def test_handlers_run_in_the_order_they_subscribed(registry):
    heard = []
    registry.subscribe("first", lambda session, event: heard.append(("first", event.action)))
    registry.subscribe("second", lambda session, event: heard.append(("second", event.action)))
    registry.subscribe("first", lambda session, event: heard.append(("first again", event.action)))
    registry.publish(None, booking_events.BookingChanged("create", None, SimpleNamespace(status="pending_payment")))
    assert heard == [("first again", "create"), ("second", "create")]


@pytest.mark.parametrize(("before", "after", "changed"), [
    (None, "pending_payment", False),  # a new booking: nothing changed from
    ("confirmed", "confirmed", False),  # a move keeps the status
    ("awaiting_tutor", "confirmed", True),
])
def test_status_changed_compares_before_and_after(before, after, changed):
    def row(status):
        return None if status is None else SimpleNamespace(status=status)

    assert booking_events.BookingChanged("x", row(before), row(after)).status_changed is changed
