"""Server-side sessions: created at sign-in, resolved on every event, revocable.

The browser holds a random token in an HttpOnly cookie; the database holds its SHA-256.
A State handler cannot set an HttpOnly cookie (the websocket has no HTTP response), so
sign-in issues a one-minute single-use handoff code that an API route redeems for the
cookie (see tutorconnect/api/auth_routes.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import update
from sqlmodel import Session, col, select

from tutorconnect.config import get_settings
from tutorconnect.models import AuthToken, TokenPurpose, User, UserSession
from tutorconnect.services import audit
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import NotFound, TokenInvalid
from tutorconnect.services.tokens import hash_secret, looks_like_secret, new_secret

HANDOFF_TTL = timedelta(seconds=60)
# last_seen_at is written at most this often, so resolving a session is a read.
TOUCH_EVERY = timedelta(minutes=5)


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class CurrentUser:
    """What a request knows about its signed-in user. Plain data, safe to cache per event."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    email: str
    full_name: str
    role: str
    time_zone: str
    email_verified: bool


@dataclass(frozen=True)
class SessionInfo:
    id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str
    user_agent: str
    current: bool


def create_session(session: Session, ctx: RequestContext, user_id: uuid.UUID) -> str:
    """Open a session for `user_id` and return its raw token (for the cookie only)."""
    settings = get_settings()
    raw = new_secret()
    now = _now()
    row = UserSession(
        user_id=user_id,
        token_hash=hash_secret(raw),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_ttl_hours),
        ip=ctx.ip,
        user_agent=ctx.user_agent[:300],
    )
    session.add(row)
    session.execute(update(User).where(col(User.id) == user_id).values(last_login_at=now))
    session.flush()
    audit.record(
        session,
        ctx.acting_as(user_id),
        action="session.created",
        target_type="session",
        target_id=row.id,
        after={"user_id": str(user_id), "ip": ctx.ip},
    )
    return raw


def resolve(session: Session, raw_token: str | None) -> CurrentUser | None:
    """The signed-in user for a cookie token, or None if absent, expired, idle or revoked."""
    if not looks_like_secret(raw_token):
        return None
    now = _now()
    row = session.exec(
        select(UserSession, User)
        .join(User, col(User.id) == col(UserSession.user_id))
        .where(UserSession.token_hash == hash_secret(raw_token))  # type: ignore[arg-type]
    ).first()
    if row is None:
        return None
    us, user = row
    idle_limit = timedelta(hours=get_settings().session_idle_hours)
    if (
        us.revoked_at is not None
        or us.expires_at <= now
        or us.last_seen_at + idle_limit <= now
        or user.deleted_at is not None
    ):
        return None
    if now - us.last_seen_at >= TOUCH_EVERY:
        session.execute(
            update(UserSession).where(col(UserSession.id) == us.id).values(last_seen_at=now)
        )
    return CurrentUser(
        user_id=user.id,
        session_id=us.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        time_zone=user.time_zone,
        email_verified=user.email_verified_at is not None,
    )


def revoke_session(
    session: Session, ctx: RequestContext, *, user_id: uuid.UUID, session_id: uuid.UUID, reason: str
) -> None:
    """Revoke one of `user_id`'s own sessions. Raises NotFound for anyone else's."""
    us = session.exec(
        select(UserSession)
        .where(UserSession.id == session_id, UserSession.user_id == user_id)
        .with_for_update()
    ).first()
    if us is None or us.revoked_at is not None:
        raise NotFound("That session")
    us.revoked_at = _now()
    us.revoked_reason = reason
    audit.record(
        session,
        ctx,
        action="session.revoked",
        target_type="session",
        target_id=us.id,
        before={"revoked": False},
        after={"revoked": True, "reason": reason, "user_id": str(user_id)},
    )


def revoke_all(
    session: Session,
    ctx: RequestContext,
    *,
    user_id: uuid.UUID,
    reason: str,
    except_session_id: uuid.UUID | None = None,
) -> int:
    """Revoke every active session of `user_id` (but `except_session_id`); return how many."""
    stmt = (
        update(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.revoked_at).is_(None))
        .values(revoked_at=_now(), revoked_reason=reason)
        .returning(col(UserSession.id))
    )
    if except_session_id is not None:
        stmt = stmt.where(col(UserSession.id) != except_session_id)
    revoked = list(session.execute(stmt).scalars())
    if revoked:
        audit.record(
            session,
            ctx,
            action="session.revoked_all",
            target_type="user",
            target_id=user_id,
            before={"active_sessions": len(revoked) + (1 if except_session_id else 0)},
            after={"revoked": len(revoked), "reason": reason, "kept": str(except_session_id or "")},
        )
    return len(revoked)


def list_active(session: Session, user_id: uuid.UUID, current_session_id: uuid.UUID) -> list[SessionInfo]:
    now = _now()
    idle_cutoff = now - timedelta(hours=get_settings().session_idle_hours)
    rows = session.exec(
        select(UserSession)
        .where(
            UserSession.user_id == user_id,
            col(UserSession.revoked_at).is_(None),
            col(UserSession.expires_at) > now,
            col(UserSession.last_seen_at) > idle_cutoff,
        )
        .order_by(col(UserSession.last_seen_at).desc())
        .limit(50)
    ).all()
    return [
        SessionInfo(
            id=str(r.id),
            created_at=r.created_at,
            last_seen_at=r.last_seen_at,
            expires_at=r.expires_at,
            ip=r.ip or "",
            user_agent=r.user_agent or "",
            current=r.id == current_session_id,
        )
        for r in rows
    ]


def issue_handoff(session: Session, user_id: uuid.UUID) -> str:
    """A single-use code, valid one minute, that the cookie route exchanges for a session."""
    raw = new_secret()
    session.add(
        AuthToken(
            user_id=user_id,
            purpose=TokenPurpose.SESSION_HANDOFF.value,
            token_hash=hash_secret(raw),
            expires_at=_now() + HANDOFF_TTL,
        )
    )
    return raw


def redeem_handoff(
    session: Session, ctx: RequestContext, code: object, *, previous_token: str | None
) -> str:
    """Exchange a handoff code for a new session token, revoking the browser's old session.

    Rotating here means a token seen before sign-in (or before a password change) never
    becomes a signed-in token: session fixation is impossible.
    """
    user_id = consume_token(session, TokenPurpose.SESSION_HANDOFF, code, what="sign-in link")
    return rotate_into_new_session(session, ctx, user_id, previous_token=previous_token)


def rotate_into_new_session(
    session: Session, ctx: RequestContext, user_id: uuid.UUID, *, previous_token: str | None
) -> str:
    """A new session token for the cookie, revoking the browser's previous session.

    Every sign-in path ends here, so a token that existed before sign-in never becomes
    a signed-in token (no session fixation).
    """
    if previous_token and looks_like_secret(previous_token):
        session.execute(
            update(UserSession)
            .where(
                col(UserSession.token_hash) == hash_secret(previous_token),
                col(UserSession.revoked_at).is_(None),
            )
            .values(revoked_at=_now(), revoked_reason="rotated")
        )
    return create_session(session, ctx, user_id)


def _usable_token(session: Session, purpose: TokenPurpose, raw: object, *, lock: bool) -> AuthToken | None:
    """The unused, unexpired token of this purpose for `raw`, or None."""
    if not looks_like_secret(raw):
        return None
    query = select(AuthToken).where(
        AuthToken.token_hash == hash_secret(raw), AuthToken.purpose == purpose.value  # type: ignore[arg-type]
    )
    token = session.exec(query.with_for_update() if lock else query).first()
    if token is None or token.used_at is not None or token.expires_at <= _now():
        return None
    return token


def consume_token(
    session: Session, purpose: TokenPurpose, raw: object, *, what: str = "link"
) -> uuid.UUID:
    """Mark a single-use token used and return its user; TokenInvalid if unusable.

    The row is locked, so two concurrent uses of one token cannot both succeed.
    """
    token = _usable_token(session, purpose, raw, lock=True)
    if token is None:
        raise TokenInvalid(what)
    token.used_at = _now()
    return token.user_id


def peek_token(session: Session, purpose: TokenPurpose, raw: object) -> uuid.UUID | None:
    """The user of a single-use token that `consume_token` would accept now, without using
    it (a page that checks its link on opening); None when it is unusable."""
    token = _usable_token(session, purpose, raw, lock=False)
    return token.user_id if token is not None else None
