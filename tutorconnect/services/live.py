"""Live updates: tell open pages that something they show has changed.

STUB (issue 6, live-updates helper replaces the body): `publish` must be cheap, must
never raise into the caller, and with a session must send only after that session's
transaction commits (nothing is announced for a rollback).

Topics are plain strings; the helpers below are the only way to build them.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session


def bookings_topic(user_id: uuid.UUID | str) -> str:
    """A booking of this user (student or tutor) changed."""
    return f"bookings:{user_id}"


def notifications_topic(user_id: uuid.UUID | str) -> str:
    """This user has a new notification or its read state changed."""
    return f"notifications:{user_id}"


def slots_topic(tutor_id: uuid.UUID | str) -> str:
    """This tutor's free times changed (a slot taken or freed, availability edited)."""
    return f"slots:{tutor_id}"


def publish(session: Session | None, *topics: str) -> None:
    """Announce `topics` to every open page watching them (after commit when given a session)."""
    return None
