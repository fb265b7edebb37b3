"""The tutor's own profile row: created as an empty draft on first use, locked for each
edit, touched after one, and read back whole for the onboarding wizard.

Editing rules, applied by `editable_profile` for every edit (wizard steps, documents,
photos):
- only the tutor who owns the profile may edit it (`ctx.actor_user_id == tutor_id`, role
  tutor, account active); anyone else gets PermissionDenied;
- the profile row is locked (SELECT ... FOR UPDATE) for the transaction, so an edit never
  interleaves with an approval decision (those are compare-and-swap updates on status);
- editing is refused while an admin reviews the profile (`under_review`, ProfileLocked):
  they must see what the tutor submitted. In every other status editing is allowed. An
  approved profile stays approved when edited (tutors fix typos and change prices without
  being delisted; the approved-complete CHECK and the step validations keep it listable)
  and its search document is refreshed (`touch`).
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import text
from sqlmodel import Session, col, select

from tutorconnect.models import Subject, TutorLanguage, TutorPrice, TutorProfile, TutorStatus, TutorSubject, User
from tutorconnect.models.accounts import Role
from tutorconnect.services.context import RequestContext
from tutorconnect.services.discovery import refresh_search_document
from tutorconnect.services.errors import DomainError, NotFound, PermissionDenied
from tutorconnect.services.lesson_prices import prices
from tutorconnect.services.tutors.profile_completeness import Completeness, completeness


class ProfileLocked(DomainError):
    def __init__(self) -> None:
        super().__init__("Your profile is being reviewed by our team; you can edit it again once they decide.")


# Access ------------------------------------------------------------------------------
def _tutor_user(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> User:
    if ctx.actor_user_id is None or ctx.actor_user_id != tutor_id:
        raise PermissionDenied()
    user = session.exec(select(User).where(User.id == tutor_id, col(User.deleted_at).is_(None))).first()
    if user is None or user.role != Role.TUTOR.value:
        raise PermissionDenied("Only tutor accounts have a tutor profile.")
    return user


def editable_profile(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> TutorProfile:
    """The caller's own profile, locked for this transaction; refused while under review."""
    _tutor_user(session, ctx, tutor_id)
    profile = session.exec(select(TutorProfile).where(TutorProfile.user_id == tutor_id).with_for_update()).first()
    if profile is None:
        raise NotFound("Your tutor profile")
    if profile.status == TutorStatus.UNDER_REVIEW.value:
        raise ProfileLocked()
    return profile


def _slug_for(session: Session, name: str, user_id: uuid.UUID) -> str:
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    base = "-".join("".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())[:60].strip("-") or "tutor"
    for candidate in (base, f"{base}-{user_id.hex[:6]}", f"{base}-{user_id.hex}"):
        if session.exec(select(TutorProfile.user_id).where(TutorProfile.slug == candidate)).first() is None:
            return candidate
    return f"tutor-{user_id.hex}"


def get_or_create_draft(session: Session, ctx: RequestContext, user_id: uuid.UUID) -> TutorProfile:
    """The tutor's profile, created as an empty draft on first use (the wizard resumes it).

    Raises PermissionDenied unless the actor is this (active) tutor account.
    """
    user = _tutor_user(session, ctx, user_id)
    profile = session.get(TutorProfile, user_id)
    if profile is not None:
        return profile
    session.execute(
        text("INSERT INTO tutor_profiles (user_id, slug) VALUES (:u, :s) ON CONFLICT (user_id) DO NOTHING"),
        {"u": user_id, "s": _slug_for(session, user.full_name, user_id)},
    )
    refresh_search_document(session, user_id)
    profile = session.get(TutorProfile, user_id)
    assert profile is not None
    return profile


def touch(session: Session, profile: TutorProfile) -> None:
    profile.updated_at = datetime.now(timezone.utc)
    session.add(profile)
    session.flush()
    refresh_search_document(session, profile.user_id)


# Resuming the wizard -----------------------------------------------------------------
@dataclass(frozen=True)
class ProfileDraft:
    """Everything the wizard shows the tutor about their own profile, as plain values."""

    tutor_id: str
    slug: str
    status: str
    rejection_reason: str | None
    display_name: str
    headline: str
    bio: str
    years_experience: int | None
    time_zone: str
    subjects: list[tuple[str, str]]  # (slug, level), by subject name
    languages: list[tuple[str, str]]  # (code, level), by code
    hourly_rate_minor: int | None
    trial_price_minor: int | None
    currency: str
    lesson_lengths: list[int]
    overrides: dict[int, int]
    prices: dict[int, int]
    requires_confirmation: bool
    photo_path: str | None
    intro_video_url: str | None
    completeness: Completeness


def load_draft(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> ProfileDraft:
    """The tutor's own profile for the wizard (created as a draft on first use)."""
    p = get_or_create_draft(session, ctx, tutor_id)
    user = session.get(User, tutor_id)
    assert user is not None
    subjects = session.exec(
        select(Subject.slug, TutorSubject.level).join(Subject, col(Subject.id) == col(TutorSubject.subject_id))
        .where(TutorSubject.tutor_id == tutor_id).order_by(col(Subject.name))
    ).all()
    languages = session.exec(
        select(TutorLanguage.language_code, TutorLanguage.level).where(TutorLanguage.tutor_id == tutor_id)
        .order_by(col(TutorLanguage.language_code))
    ).all()
    overrides = dict(session.exec(
        select(TutorPrice.length_minutes, TutorPrice.price_minor).where(TutorPrice.tutor_id == tutor_id)
    ).all())
    return ProfileDraft(
        str(p.user_id), p.slug, p.status, p.rejection_reason, p.display_name, p.headline, p.bio,
        p.years_experience, user.time_zone, [tuple(r) for r in subjects], [tuple(r) for r in languages],
        p.hourly_rate_minor, p.trial_price_minor, p.currency, list(p.lesson_lengths), overrides,
        prices(session, tutor_id), p.requires_confirmation, p.photo_path, p.intro_video_url,
        completeness(session, tutor_id),
    )
