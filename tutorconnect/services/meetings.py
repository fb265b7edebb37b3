"""Meeting links for confirmed bookings (Google Calendar + Meet, or the fallback room).

STUB (issue 6, meetings helper replaces the bodies). Called by services/booking_effects.py
inside the transaction that changed the booking; each only enqueues outbox jobs.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session


def on_confirmed(session: Session, booking: Any) -> None:
    """The booking became confirmed: create its meeting (then send the confirmation)."""


def on_rescheduled(session: Session, booking: Any) -> None:
    """The booking moved: update its meeting's time."""


def on_cancelled(session: Session, booking: Any) -> None:
    """The booking was cancelled: cancel its meeting (if it has one)."""
