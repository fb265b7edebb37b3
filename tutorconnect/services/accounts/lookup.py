"""Reading account rows: an account by email, an active (not deleted) account by id, and
the clock every module of the package reads (`_now`, looked up on this module at call
time, so a test can move it for the whole package in one place).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlmodel import Session, col, select

from tutorconnect.models import User
from tutorconnect.services.errors import NotFound


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _active_user(session: Session, user_id: uuid.UUID, *, lock: bool = False) -> User:
    query = select(User).where(User.id == user_id, col(User.deleted_at).is_(None))
    user = session.exec(query.with_for_update() if lock else query).first()
    if user is None:
        raise NotFound("That account")
    return user


def find_by_email(session: Session, email: str) -> User | None:
    return session.exec(
        select(User).where(User.email == email, col(User.deleted_at).is_(None))
    ).first()
