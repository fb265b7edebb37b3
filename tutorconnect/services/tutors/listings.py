"""Tutors as the public sees them: featured tutors, the subject catalogue, counts.

Read-only queries (the wizard, approval and admin review live in sibling modules, discovery
search in services/discovery/). Only approved profiles of active (not deleted) accounts
are ever listed.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_
from sqlmodel import Session, col, func, select

from tutorconnect.models import Subject, TutorProfile, TutorStatus, TutorSubject, User


@dataclass(frozen=True)
class TutorCard:
    slug: str
    name: str
    headline: str
    subjects: tuple[str, ...]  # names of active subjects, alphabetical
    hourly_rate_minor: int | None
    currency: str
    time_zone: str
    photo_path: str | None
    tutor_id: str = ""
    rating_count: int = 0
    rating_average: Decimal | None = None  # two decimal places; None without reviews (not for display)
    rating_sum: int = 0  # the exact aggregate: pages show format_rating(rating_sum, rating_count)


@dataclass(frozen=True)
class SubjectItem:
    slug: str
    name: str
    category: str
    tutor_count: int  # approved tutors teaching it


def _listed():
    """Conditions for a profile that the public may see (joined with its user)."""
    return and_(
        TutorProfile.status == TutorStatus.APPROVED.value,
        col(User.deleted_at).is_(None),
    )


def count_approved(session: Session) -> int:
    return session.exec(
        select(func.count())
        .select_from(TutorProfile)
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(_listed())
    ).one()


def _subject_names(session: Session, tutor_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, ...]]:
    if not tutor_ids:
        return {}
    rows = session.exec(
        select(TutorSubject.tutor_id, Subject.name)
        .join(Subject, col(Subject.id) == col(TutorSubject.subject_id))
        .where(col(TutorSubject.tutor_id).in_(tutor_ids), col(Subject.retired_at).is_(None))
        .order_by(col(Subject.name))
    ).all()
    names: dict[uuid.UUID, list[str]] = defaultdict(list)
    for tutor_id, name in rows:
        names[tutor_id].append(name)
    return {k: tuple(v) for k, v in names.items()}


def featured_tutors(session: Session, limit: int = 6) -> list[TutorCard]:
    """Approved tutors for the home page: the most experienced first, then by name.

    Ratings and bookings will weigh in once reviews exist.
    """
    limit = max(0, min(int(limit), 100))
    rows = session.exec(
        select(TutorProfile, User.full_name, User.time_zone)
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(_listed())
        .order_by(
            col(TutorProfile.years_experience).desc().nulls_last(),
            col(User.full_name),
            col(TutorProfile.slug),
        )
        .limit(limit)
    ).all()
    return _cards(session, rows)


def _average(profile: TutorProfile) -> Decimal | None:
    if not profile.rating_count:
        return None
    return (Decimal(profile.rating_sum) / profile.rating_count).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _cards(session: Session, rows) -> list[TutorCard]:
    subjects = _subject_names(session, [p.user_id for p, _, _ in rows])
    return [
        TutorCard(
            slug=p.slug,
            name=p.display_name or name,
            headline=p.headline,
            subjects=subjects.get(p.user_id, ()),
            hourly_rate_minor=p.hourly_rate_minor,
            currency=p.currency,
            time_zone=zone,
            photo_path=p.photo_path,
            tutor_id=str(p.user_id),
            rating_count=p.rating_count,
            rating_average=_average(p),
            rating_sum=p.rating_sum,
        )
        for p, name, zone in rows
    ]


def cards_for(session: Session, tutor_ids: list[uuid.UUID]) -> list[TutorCard]:
    """Cards of those of `tutor_ids` that are listed now (order not preserved)."""
    if not tutor_ids:
        return []
    rows = session.exec(
        select(TutorProfile, User.full_name, User.time_zone)
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(_listed(), col(TutorProfile.user_id).in_(tutor_ids))
    ).all()
    return _cards(session, rows)


def subject_catalog(session: Session) -> list[SubjectItem]:
    """Active subjects by category and name, each with its number of approved tutors."""
    approved = (
        select(TutorSubject.subject_id, func.count().label("n"))
        .join(TutorProfile, col(TutorProfile.user_id) == col(TutorSubject.tutor_id))
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(_listed())
        .group_by(col(TutorSubject.subject_id))
        .subquery()
    )
    rows = session.exec(
        select(Subject.slug, Subject.name, Subject.category, func.coalesce(approved.c.n, 0))
        .outerjoin(approved, approved.c.subject_id == col(Subject.id))
        .where(col(Subject.retired_at).is_(None))
        .order_by(col(Subject.category), col(Subject.name))
    ).all()
    return [SubjectItem(slug=s, name=n, category=c, tutor_count=int(k)) for s, n, c, k in rows]
