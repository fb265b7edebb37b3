"""Notifications by event: in-app row, email, SMS, by the user's preferences.

STUB (issue 6, notifications helper replaces the bodies).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session


def booking_event(session: Session, event: str, booking: Any, **extra: Any) -> None:
    """Tell the people of `booking` about `event` (in the caller's transaction)."""
