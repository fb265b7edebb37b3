"""A tutor's public page: everything the public may see about one listed tutor.

Only approved profiles of active (not deleted) accounts are returned; anything else,
including unknown, draft, rejected and suspended tutors, reads as None.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from tutorconnect.models import Subject, TutorProfile, TutorStatus, TutorSubject, User
from tutorconnect.models.tutors import TutorLanguage
from tutorconnect.services.lesson_prices import prices
from tutorconnect.services.tutors.listings import _average

SLUG_MAX = 200
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class PublicProfile:
    tutor_id: str
    slug: str
    name: str
    headline: str
    bio: str
    years_experience: int | None
    time_zone: str
    photo_path: str | None
    subjects: list[tuple[str, str]]  # (subject name, level), by name
    languages: list[tuple[str, str]]  # (language code, level), by code
    currency: str
    hourly_rate_minor: int | None
    trial_price_minor: int | None
    prices: dict[int, int]  # lesson minutes -> price in minor units
    rating_count: int
    rating_average: Decimal | None


def _lookup(slug_or_id: object) -> tuple[str, object] | None:
    if isinstance(slug_or_id, uuid.UUID):
        return "id", slug_or_id
    if not isinstance(slug_or_id, str) or not 0 < len(slug_or_id) <= SLUG_MAX:
        return None
    try:
        return "id", uuid.UUID(slug_or_id)
    except ValueError:
        pass
    return ("slug", slug_or_id) if _SLUG.match(slug_or_id) else None


def public_profile(session: Session, slug_or_id: object) -> PublicProfile | None:
    """The public profile of a listed tutor by slug or user id, or None."""
    key = _lookup(slug_or_id)
    if key is None:
        return None
    kind, value = key
    where = TutorProfile.user_id == value if kind == "id" else TutorProfile.slug == value
    row = session.exec(
        select(TutorProfile, User.full_name, User.time_zone)
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(where, TutorProfile.status == TutorStatus.APPROVED.value, col(User.deleted_at).is_(None))
    ).first()
    if row is None:
        return None
    p, full_name, zone = row
    subjects = session.exec(
        select(Subject.name, TutorSubject.level).join(Subject, col(Subject.id) == col(TutorSubject.subject_id))
        .where(TutorSubject.tutor_id == p.user_id, col(Subject.retired_at).is_(None)).order_by(col(Subject.name))
    ).all()
    languages = session.exec(
        select(TutorLanguage.language_code, TutorLanguage.level).where(TutorLanguage.tutor_id == p.user_id)
        .order_by(col(TutorLanguage.language_code))
    ).all()
    return PublicProfile(
        tutor_id=str(p.user_id), slug=p.slug, name=p.display_name or full_name, headline=p.headline, bio=p.bio,
        years_experience=p.years_experience, time_zone=zone, photo_path=p.photo_path,
        subjects=[(n, lv) for n, lv in subjects], languages=[(c, lv) for c, lv in languages],
        currency=p.currency, hourly_rate_minor=p.hourly_rate_minor, trial_price_minor=p.trial_price_minor,
        prices=prices(session, p.user_id), rating_count=p.rating_count, rating_average=_average(p),
    )
