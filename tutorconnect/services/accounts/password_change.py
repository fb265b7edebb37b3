"""Changing a password while signed in (knowing the current one), and `_set_password`,
the one place a password is stored, shared with the reset link (email_tokens.py). Hashing
and the password policy are the platform module services/passwords.py.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from tutorconnect.models import User
from tutorconnect.services import audit, sessions
from tutorconnect.services.accounts import lookup
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.passwords import check_policy, hash_password, verify_password


def change_password(
    session: Session,
    ctx: RequestContext,
    *,
    user_id: uuid.UUID,
    current_password: object,
    new_password: object,
    current_session_id: uuid.UUID,
) -> None:
    """Change a password knowing the current one; sign out every other session."""
    user = lookup._active_user(session, user_id, lock=True)
    if user.password_hash is not None and not verify_password(user.password_hash, current_password if isinstance(current_password, str) else ""):
        raise InvalidInput("current_password", "Your current password is not correct.")
    pw = check_policy(new_password, email=user.email, name=user.full_name)
    if user.password_hash and verify_password(user.password_hash, pw):
        raise InvalidInput("password", "Choose a password different from your current one.")
    _set_password(session, ctx, user, pw, via="change")
    sessions.revoke_all(
        session, ctx, user_id=user.id, reason="password_changed", except_session_id=current_session_id
    )


def _set_password(session: Session, ctx: RequestContext, user: User, password: str, *, via: str) -> None:
    had = user.password_hash is not None
    user.password_hash = hash_password(password)
    user.password_changed_at = lookup._now()
    user.updated_at = lookup._now()
    audit.record(
        session, ctx, action="user.password_changed", target_type="user", target_id=user.id,
        before={"had_password": had}, after={"via": via},
    )
