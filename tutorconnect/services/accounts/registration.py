"""Creating accounts: a student or tutor registering with email and password (their
verification email is queued), and a student account for a verified Google email
(google.py, no password).
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from tutorconnect.config import get_settings
from tutorconnect.models import Role, User
from tutorconnect.services import audit, ratelimit
from tutorconnect.services.accounts import email_tokens, lookup
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import EmailTaken, FeatureDisabled, InvalidInput
from tutorconnect.services.passwords import check_policy, hash_password
from tutorconnect.services.validation import clean_name, clean_time_zone, normalize_email

SELF_SERVICE_ROLES = (Role.STUDENT.value, Role.TUTOR.value)


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
    if lookup.find_by_email(session, clean_email) is not None:
        raise EmailTaken()
    user = User(
        email=clean_email,
        full_name=name,
        password_hash=hash_password(pw),
        role=str(role),
        time_zone=zone,
        password_changed_at=lookup._now(),
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
    email_tokens._queue_verification(session, user)
    return user.id


def create_user_from_google(
    session: Session, ctx: RequestContext, *, email: str, full_name: str
) -> User:
    """A new student account for a verified Google email (no password)."""
    user = User(
        email=email,
        full_name=clean_name(full_name or email.split("@")[0]),
        role=Role.STUDENT.value,
        email_verified_at=lookup._now(),
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
