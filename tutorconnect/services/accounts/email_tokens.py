"""The emailed links: verifying an email address (sent at registration, resent on
request) and resetting a forgotten password. Each link carries a one-time token, stored
hashed (services/tokens.py) and consumed by services/sessions.py.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import Session

from tutorconnect.config import get_settings
from tutorconnect.models import AuthToken, TokenPurpose, User
from tutorconnect.services import audit, notifications, ratelimit, sessions
from tutorconnect.services.accounts import lookup, password_change
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput, NotFound
from tutorconnect.services.passwords import check_policy
from tutorconnect.services.tokens import hash_secret, new_secret
from tutorconnect.services.validation import normalize_email


def _new_token(session: Session, user_id: uuid.UUID, purpose: TokenPurpose, ttl: timedelta) -> str:
    raw = new_secret()
    session.add(
        AuthToken(
            user_id=user_id,
            purpose=purpose.value,
            token_hash=hash_secret(raw),
            expires_at=lookup._now() + ttl,
        )
    )
    return raw


# Email verification ------------------------------------------------------------------
def _queue_verification(session: Session, user: User) -> None:
    raw = _new_token(
        session, user.id, TokenPurpose.EMAIL_VERIFY, timedelta(hours=get_settings().email_verify_ttl_hours)
    )
    notifications.queue(
        session,
        to=user.email,
        template="verify_email",
        context={"name": user.full_name, "link": notifications.link("/verify-email", token=raw)},
    )


def resend_verification(session: Session, ctx: RequestContext, user_id: uuid.UUID) -> None:
    ratelimit.enforce(ratelimit.VERIFY_RESEND_PER_ACCOUNT, str(user_id))
    user = lookup._active_user(session, user_id)
    if user.email_verified_at is None:
        _queue_verification(session, user)


def verify_email(session: Session, ctx: RequestContext, token: object) -> uuid.UUID:
    """Mark the token's account verified. Raises TokenInvalid."""
    user_id = sessions.consume_token(session, TokenPurpose.EMAIL_VERIFY, token, what="verification link")
    user = lookup._active_user(session, user_id, lock=True)
    if user.email_verified_at is None:
        user.email_verified_at = lookup._now()
        audit.record(
            session, ctx.acting_as(user.id), action="user.email_verified",
            target_type="user", target_id=user.id, before={"verified": False}, after={"verified": True},
        )
    return user.id


# Password reset ----------------------------------------------------------------------
def request_password_reset(session: Session, ctx: RequestContext, *, email: object) -> None:
    """Email a reset link if the account exists. Says nothing either way (no enumeration).

    Raises InvalidInput for a malformed email, RateLimited.
    """
    clean_email = normalize_email(email)
    ratelimit.enforce(ratelimit.RESET_PER_IP, ctx.ip)
    ratelimit.enforce(ratelimit.RESET_PER_ACCOUNT, clean_email)
    user = lookup.find_by_email(session, clean_email)
    if user is None:
        return
    raw = _new_token(
        session, user.id, TokenPurpose.PASSWORD_RESET,
        timedelta(minutes=get_settings().password_reset_ttl_minutes),
    )
    notifications.queue(
        session,
        to=user.email,
        template="password_reset",
        context={
            "name": user.full_name,
            "link": notifications.link("/reset-password", token=raw),
            "minutes": get_settings().password_reset_ttl_minutes,
        },
    )


def check_reset_token(session: Session, token: object) -> bool:
    """Whether a reset link can still be used: unused, unexpired, its account open. Read
    only (the reset page checks its link when it opens; only reset_password uses it up)."""
    user_id = sessions.peek_token(session, TokenPurpose.PASSWORD_RESET, token)
    if user_id is None:
        return False
    try:
        lookup._active_user(session, user_id)
    except NotFound:
        return False
    return True


def reset_password(session: Session, ctx: RequestContext, *, token: object, new_password: object) -> uuid.UUID:
    """Set a new password from a reset link; revoke every session. Raises TokenInvalid, InvalidInput."""
    if not isinstance(new_password, str):
        raise InvalidInput("password", "Enter a new password.")
    user_id = sessions.consume_token(session, TokenPurpose.PASSWORD_RESET, token, what="reset link")
    user = lookup._active_user(session, user_id, lock=True)
    pw = check_policy(new_password, email=user.email, name=user.full_name)
    password_change._set_password(session, ctx.acting_as(user.id), user, pw, via="reset")
    # Following the emailed link proves control of the address.
    user.email_verified_at = user.email_verified_at or lookup._now()
    sessions.revoke_all(session, ctx.acting_as(user.id), user_id=user.id, reason="password_reset")
    return user.id
