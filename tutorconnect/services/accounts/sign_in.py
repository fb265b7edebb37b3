"""Signing in with email and password, with lockout: every attempt is recorded (in its
own transaction, so a refused one still counts), and consecutive wrong passwords lock the
account for a growing while.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from tutorconnect.config import get_settings
from tutorconnect.db import autonomous_scope
from tutorconnect.models import LoginAttempt
from tutorconnect.services import ratelimit
from tutorconnect.services.accounts import lookup
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import AccountLocked, InvalidCredentials, InvalidInput
from tutorconnect.services.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from tutorconnect.services.validation import normalize_email

LOCKOUT_LOOKBACK = timedelta(hours=24)
MAX_LOCKOUT = timedelta(hours=1)


def _lockout_until(session: Session, email: str) -> datetime | None:
    """When the account's lock ends, if it is locked now.

    Consecutive failures since the last success (within 24 h) beyond the allowance lock the
    account for 1, 2, 4 ... minutes, at most an hour, counted from the latest failure.
    """
    since = lookup._now() - LOCKOUT_LOOKBACK
    last_success = session.exec(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.email == email, LoginAttempt.succeeded, col(LoginAttempt.created_at) > since
        )
    ).one()
    since = max(since, last_success) if last_success else since
    failures, last_failure = session.exec(
        select(func.count(), func.max(LoginAttempt.created_at)).where(
            LoginAttempt.email == email,
            col(LoginAttempt.succeeded).is_(False),
            # Attempts refused *because* of a lock do not extend it: only wrong passwords count.
            LoginAttempt.reason == "bad_credentials",
            col(LoginAttempt.created_at) > since,
        )
    ).one()
    allowed = get_settings().login_max_failures
    if failures < allowed or last_failure is None:
        return None
    # Cap the exponent before building the timedelta: 2**n minutes overflows it quickly.
    delay = min(timedelta(minutes=2 ** min(failures - allowed, 6)), MAX_LOCKOUT)
    until = last_failure + delay
    return until if until > lookup._now() else None


def _record_attempt(email: str, user_id: uuid.UUID | None, ip: str, ok: bool, reason: str) -> None:
    # Own transaction: a refused sign-in raises, but its attempt must still count.
    with autonomous_scope() as s:
        s.add(LoginAttempt(email=email, user_id=user_id, ip=ip, succeeded=ok, reason=reason))


def authenticate(session: Session, ctx: RequestContext, *, email: object, password: object) -> uuid.UUID:
    """Check an email and password; return the user id on success.

    Raises InvalidCredentials (same message for unknown email and wrong password),
    AccountLocked, RateLimited. Every attempt is recorded, even refused ones.
    """
    ratelimit.enforce(ratelimit.LOGIN_PER_IP, ctx.ip)
    try:
        clean_email = normalize_email(email)
    except InvalidInput:
        raise InvalidCredentials() from None
    if not isinstance(password, str) or not password:
        raise InvalidInput("password", "Enter your password.")
    locked_until = _lockout_until(session, clean_email)
    if locked_until is not None:
        _record_attempt(clean_email, None, ctx.ip, False, "locked")
        raise AccountLocked(locked_until)
    user = lookup.find_by_email(session, clean_email)
    ok = verify_password(user.password_hash if user else dummy_hash(), password) and user is not None
    if not ok or user is None:
        _record_attempt(clean_email, user.id if user else None, ctx.ip, False, "bad_credentials")
        raise InvalidCredentials()
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    _record_attempt(clean_email, user.id, ctx.ip, True, "ok")
    return user.id
