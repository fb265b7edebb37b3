"""What admins do to other accounts: change their role (their sessions end) and list
them with search, role filter and pagination.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, or_, select

from tutorconnect.models import Role, User
from tutorconnect.services import access, audit, sessions
from tutorconnect.services.accounts import lookup, profile
from tutorconnect.services.accounts.profile import Profile
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput, PermissionDenied


def change_role(
    session: Session, ctx: RequestContext, *, target_user_id: uuid.UUID, new_role: object
) -> Profile:
    """An admin sets another account's role; the account's sessions are rotated (revoked).

    Raises PermissionDenied (actor not admin, or an admin demoting themselves), InvalidInput,
    NotFound.
    """
    access.require_admin(session, ctx.actor_user_id)
    if new_role not in tuple(r.value for r in Role):
        raise InvalidInput("role", "Choose student, tutor or admin.")
    if target_user_id == ctx.actor_user_id:
        raise PermissionDenied("You cannot change your own role. Ask another admin.")
    user = lookup._active_user(session, target_user_id, lock=True)
    if user.role == new_role:
        return profile._profile(user)
    before = {"role": user.role}
    user.role, user.updated_at = str(new_role), lookup._now()
    audit.record(session, ctx, action="user.role_changed", target_type="user",
                 target_id=user.id, before=before, after={"role": user.role})
    # Privileges changed: every existing session of that user ends; they sign in afresh.
    sessions.revoke_all(session, ctx, user_id=user.id, reason="role_changed")
    return profile._profile(user)


@dataclass(frozen=True)
class UserRow:
    id: str
    email: str
    full_name: str
    role: str
    email_verified: bool
    created_at: datetime
    last_login_at: datetime | None


def list_users(
    session: Session,
    ctx: RequestContext,
    *,
    query: str = "",
    role: str = "",
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[UserRow], int]:
    """Admin user list with search by email or name, role filter and pagination."""
    access.require_admin(session, ctx.actor_user_id)
    page = max(1, int(page))
    per_page = min(max(1, int(per_page)), 100)
    stmt = select(User).where(col(User.deleted_at).is_(None))
    if query:
        escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        stmt = stmt.where(
            or_(col(User.email).like(like, escape="\\"), func.lower(User.full_name).like(like, escape="\\"))
        )
    if role:
        stmt = stmt.where(User.role == role)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(col(User.created_at).desc(), col(User.id)).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return [
        UserRow(str(u.id), u.email, u.full_name, u.role, u.email_verified_at is not None,
                u.created_at, u.last_login_at)
        for u in rows
    ], total
