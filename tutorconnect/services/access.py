"""Who may call what: the one rule every State handler applies to its signed-in user."""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from tutorconnect.models import Role, User
from tutorconnect.services.errors import NotAuthenticated, PermissionDenied
from tutorconnect.services.sessions import CurrentUser

VERIFY_FIRST = "Please confirm your email address first: we sent you a link."


def check_access(
    user: CurrentUser | None,
    roles: tuple[str, ...] = (),
    *,
    allow_unverified: bool = False,
    require_verified_email: bool = False,
) -> CurrentUser:
    """Return `user` if signed in, of one of `roles` (any when empty), and verified when
    the deployment requires it; else raise NotAuthenticated or PermissionDenied."""
    if user is None:
        raise NotAuthenticated()
    if roles and user.role not in roles:
        raise PermissionDenied()
    if require_verified_email and not user.email_verified and not allow_unverified:
        raise PermissionDenied(VERIFY_FIRST)
    return user


def require_admin(session: Session, actor_id: uuid.UUID | None) -> User:
    """Re-read the actor from the database: a role removed a second ago no longer counts."""
    if actor_id is None:
        raise PermissionDenied()
    actor = session.exec(select(User).where(User.id == actor_id, col(User.deleted_at).is_(None))).first()
    if actor is None or actor.role != Role.ADMIN.value:
        raise PermissionDenied()
    return actor
