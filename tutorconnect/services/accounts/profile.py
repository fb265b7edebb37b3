"""A person's own profile settings: the `Profile` view of an account, reading it and
changing the name and time zone (a tutor's new name is searchable: their search document
is rebuilt).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from tutorconnect.models import Role, User
from tutorconnect.services import audit, discovery
from tutorconnect.services.accounts import lookup
from tutorconnect.services.context import RequestContext
from tutorconnect.services.validation import clean_name, clean_time_zone


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


def get_profile(session: Session, user_id: uuid.UUID) -> Profile:
    return _profile(lookup._active_user(session, user_id))


def update_profile(
    session: Session, ctx: RequestContext, *, user_id: uuid.UUID, full_name: object, time_zone: object
) -> Profile:
    user = lookup._active_user(session, user_id, lock=True)
    name, zone = clean_name(full_name), clean_time_zone(time_zone)
    before = {"full_name": user.full_name, "time_zone": user.time_zone}
    after = {"full_name": name, "time_zone": zone}
    if before != after:
        user.full_name, user.time_zone, user.updated_at = name, zone, lookup._now()
        audit.record(session, ctx, action="user.profile_updated", target_type="user",
                     target_id=user.id, before=before, after=after)
        if user.role == Role.TUTOR.value and before["full_name"] != name:
            session.flush()
            # A tutor's name is searchable: rebuild their search document (no-op without a profile).
            discovery.refresh_search_document(session, user.id)
    return _profile(user)
