"""Accounts: registration, sign-in with lockout, verification, password reset and change,
profile settings and role changes. One function per user action; the caller owns the
transaction (tutorconnect.db.session_scope) unless a docstring says otherwise.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, or_, select

from tutorconnect.config import get_settings
from tutorconnect.db import autonomous_scope
from tutorconnect.models import AuthToken, LoginAttempt, Role, TokenPurpose, User
from tutorconnect.services import access, audit, notifications, ratelimit, search_documents, sessions
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import (
    AccountLocked,
    EmailTaken,
    FeatureDisabled,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from tutorconnect.services.passwords import (
    check_policy,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from tutorconnect.services.tokens import hash_secret, new_secret
from tutorconnect.services.validation import clean_name, clean_time_zone, normalize_email

SELF_SERVICE_ROLES = (Role.STUDENT.value, Role.TUTOR.value)
LOCKOUT_LOOKBACK = timedelta(hours=24)
MAX_LOCKOUT = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Profile:
    id: str
    email: str
    full_name: str
    role: str
    time_zone: str
    email_verified: bool
    has_password: bool
    created_at: datetime


def _profile(user: User) -> Profile:
    return Profile(
        id=str(user.id),
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        time_zone=user.time_zone,
        email_verified=user.email_verified_at is not None,
        has_password=user.password_hash is not None,
        created_at=user.created_at,
    )


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


# Registration ------------------------------------------------------------------------
def register(
    session: Session,
    ctx: RequestContext,
    *,
    email: object,
    password: object,
    full_name: object,
    role: object = Role.STUDENT.value,
    time_zone: object = "UTC",
) -> uuid.UUID:
    """Create a student or tutor account and queue its verification email.

    Raises InvalidInput, EmailTaken, RateLimited, FeatureDisabled.
    """
    if not get_settings().feature_registration:
        raise FeatureDisabled("Registration is closed at the moment.")
    ratelimit.enforce(ratelimit.REGISTER_PER_IP, ctx.ip)
    if role not in SELF_SERVICE_ROLES:
        raise InvalidInput("role", "Choose whether you want to learn or to teach.")
    clean_email = normalize_email(email)
    name = clean_name(full_name)
    zone = clean_time_zone(time_zone)
    pw = check_policy(password, email=clean_email, name=name)
    if find_by_email(session, clean_email) is not None:
        raise EmailTaken()
    user = User(
        email=clean_email,
        full_name=name,
        password_hash=hash_password(pw),
        role=str(role),
        time_zone=zone,
        password_changed_at=_now(),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # a concurrent registration won the unique index
        raise EmailTaken() from None
    audit.record(
        session,
        ctx.acting_as(user.id),
        action="user.registered",
        target_type="user",
        target_id=user.id,
        after={"email": clean_email, "role": user.role},
    )
    _queue_verification(session, user)
    return user.id


def create_user_from_google(
    session: Session, ctx: RequestContext, *, email: str, full_name: str
) -> User:
    """A new student account for a verified Google email (no password)."""
    user = User(
        email=email,
        full_name=clean_name(full_name or email.split("@")[0]),
        role=Role.STUDENT.value,
        email_verified_at=_now(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        ctx.acting_as(user.id),
        action="user.registered",
        target_type="user",
        target_id=user.id,
        after={"email": email, "role": user.role, "via": "google"},
    )
    return user


# Sign-in -----------------------------------------------------------------------------
def _lockout_until(session: Session, email: str) -> datetime | None:
    """When the account's lock ends, if it is locked now.

    Consecutive failures since the last success (within 24 h) beyond the allowance lock the
    account for 1, 2, 4 ... minutes, at most an hour, counted from the latest failure.
    """
    since = _now() - LOCKOUT_LOOKBACK
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
    return until if until > _now() else None


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
    user = find_by_email(session, clean_email)
    ok = verify_password(user.password_hash if user else dummy_hash(), password) and user is not None
    if not ok or user is None:
        _record_attempt(clean_email, user.id if user else None, ctx.ip, False, "bad_credentials")
        raise InvalidCredentials()
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    _record_attempt(clean_email, user.id, ctx.ip, True, "ok")
    return user.id


# Email verification ------------------------------------------------------------------
def _new_token(session: Session, user_id: uuid.UUID, purpose: TokenPurpose, ttl: timedelta) -> str:
    raw = new_secret()
    session.add(
        AuthToken(
            user_id=user_id,
            purpose=purpose.value,
            token_hash=hash_secret(raw),
            expires_at=_now() + ttl,
        )
    )
    return raw


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
    user = _active_user(session, user_id)
    if user.email_verified_at is None:
        _queue_verification(session, user)


def verify_email(session: Session, ctx: RequestContext, token: object) -> uuid.UUID:
    """Mark the token's account verified. Raises TokenInvalid."""
    user_id = sessions.consume_token(session, TokenPurpose.EMAIL_VERIFY, token, what="verification link")
    user = _active_user(session, user_id, lock=True)
    if user.email_verified_at is None:
        user.email_verified_at = _now()
        audit.record(
            session, ctx.acting_as(user.id), action="user.email_verified",
            target_type="user", target_id=user.id, before={"verified": False}, after={"verified": True},
        )
    return user.id


# Password reset and change -----------------------------------------------------------
def request_password_reset(session: Session, ctx: RequestContext, *, email: object) -> None:
    """Email a reset link if the account exists. Says nothing either way (no enumeration).

    Raises InvalidInput for a malformed email, RateLimited.
    """
    clean_email = normalize_email(email)
    ratelimit.enforce(ratelimit.RESET_PER_IP, ctx.ip)
    ratelimit.enforce(ratelimit.RESET_PER_ACCOUNT, clean_email)
    user = find_by_email(session, clean_email)
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


def reset_password(session: Session, ctx: RequestContext, *, token: object, new_password: object) -> uuid.UUID:
    """Set a new password from a reset link; revoke every session. Raises TokenInvalid, InvalidInput."""
    if not isinstance(new_password, str):
        raise InvalidInput("password", "Enter a new password.")
    user_id = sessions.consume_token(session, TokenPurpose.PASSWORD_RESET, token, what="reset link")
    user = _active_user(session, user_id, lock=True)
    pw = check_policy(new_password, email=user.email, name=user.full_name)
    _set_password(session, ctx.acting_as(user.id), user, pw, via="reset")
    # Following the emailed link proves control of the address.
    user.email_verified_at = user.email_verified_at or _now()
    sessions.revoke_all(session, ctx.acting_as(user.id), user_id=user.id, reason="password_reset")
    return user.id


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
    user = _active_user(session, user_id, lock=True)
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
    user.password_changed_at = _now()
    user.updated_at = _now()
    audit.record(
        session, ctx, action="user.password_changed", target_type="user", target_id=user.id,
        before={"had_password": had}, after={"via": via},
    )


# Profile -----------------------------------------------------------------------------
def get_profile(session: Session, user_id: uuid.UUID) -> Profile:
    return _profile(_active_user(session, user_id))


def update_profile(
    session: Session, ctx: RequestContext, *, user_id: uuid.UUID, full_name: object, time_zone: object
) -> Profile:
    user = _active_user(session, user_id, lock=True)
    name, zone = clean_name(full_name), clean_time_zone(time_zone)
    before = {"full_name": user.full_name, "time_zone": user.time_zone}
    after = {"full_name": name, "time_zone": zone}
    if before != after:
        user.full_name, user.time_zone, user.updated_at = name, zone, _now()
        audit.record(session, ctx, action="user.profile_updated", target_type="user",
                     target_id=user.id, before=before, after=after)
        if user.role == Role.TUTOR.value and before["full_name"] != name:
            session.flush()
            # A tutor's name is searchable: rebuild their search document (no-op without a profile).
            search_documents.refresh_search_document(session, user.id)
    return _profile(user)


# Administration ----------------------------------------------------------------------
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
    user = _active_user(session, target_user_id, lock=True)
    if user.role == new_role:
        return _profile(user)
    before = {"role": user.role}
    user.role, user.updated_at = str(new_role), _now()
    audit.record(session, ctx, action="user.role_changed", target_type="user",
                 target_id=user.id, before=before, after={"role": user.role})
    # Privileges changed: every existing session of that user ends; they sign in afresh.
    sessions.revoke_all(session, ctx, user_id=user.id, reason="role_changed")
    return _profile(user)


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
