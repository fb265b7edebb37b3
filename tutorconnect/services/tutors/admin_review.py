"""Admin review of tutors: what an admin reads while deciding on tutors, the filtered
tutor list and one tutor's full profile as submitted, with documents and status history.
Admins only; read-only (decisions go through approval.py; students' reviews of lessons
are lesson_reviews.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, or_, select

from tutorconnect.models import (
    Subject,
    TutorLanguage,
    TutorProfile,
    TutorStatus,
    TutorStatusEvent,
    TutorSubject,
    User,
)
from tutorconnect.services import bookings
from tutorconnect.services.access import require_admin
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput, NotFound
from tutorconnect.services.lesson_prices import prices
from tutorconnect.services.tutors.approval import TRANSITIONS, TUTOR_TRANSITIONS
from tutorconnect.services.tutors.documents import DocumentItem, list_documents
from tutorconnect.services.tutors.profile_completeness import Completeness, completeness

S = TutorStatus
# The admin's tabs: name -> statuses shown. "waiting" is the review queue.
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "waiting": (S.SUBMITTED.value, S.UNDER_REVIEW.value),
    "approved": (S.APPROVED.value,),
    "suspended": (S.SUSPENDED.value,),
    "rejected": (S.REJECTED.value,),
    "draft": (S.DRAFT.value,),
}
PER_PAGE = 20
CANCELLATION_DAYS = 90
QUERY_MAX = 100


@dataclass(frozen=True)
class TutorRow:
    tutor_id: str
    slug: str
    name: str
    email: str
    headline: str
    status: str
    submitted_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    from_status: str
    to_status: str
    actor: str  # the actor's name and email, "the tutor", or "system"
    reason: str | None
    created_at: datetime


@dataclass(frozen=True)
class AdminTutorView:
    tutor_id: str
    slug: str
    status: str
    account_name: str
    email: str
    display_name: str
    headline: str
    bio: str
    photo_path: str | None
    intro_video_url: str | None
    subjects: list[tuple[str, str, bool]]  # (name, level, retired)
    languages: list[tuple[str, str]]  # (code, level)
    currency: str
    hourly_rate_minor: int | None
    trial_price_minor: int | None
    prices: dict[int, int]  # lesson length in minutes -> price in minor units
    requires_confirmation: bool
    years_experience: int | None
    time_zone: str
    completeness: Completeness
    rejection_reason: str | None
    submitted_at: datetime | None
    reviewed_at: datetime | None
    approved_at: datetime | None
    documents: list[DocumentItem]
    history: list[HistoryEntry]
    actions: list[str]  # admin transitions valid from `status` (target statuses)
    # bookings.tutor_cancellations over CANCELLATION_DAYS: (cancelled by the tutor, bookings)
    tutor_cancellations: tuple[int, int] = (0, 0)


def _page(page: object) -> int:
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= 100_000:
        raise InvalidInput("page", "Choose a page number of 1 or more.")
    return page


def admin_actions(status: str) -> list[str]:
    """Target statuses an admin may move a profile to from `status`, in a stable order."""
    order = [S.UNDER_REVIEW, S.APPROVED, S.REJECTED, S.SUSPENDED]
    allowed = TRANSITIONS.get(status, frozenset())
    return [t.value for t in order if t in allowed and (status, t) not in TUTOR_TRANSITIONS]


def _matching(q: str) -> list:
    """Conditions for live accounts whose name, display name or email contains `q`."""
    where = [col(User.deleted_at).is_(None)]
    needle = " ".join(q.split())
    if needle:
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(col(User.full_name).ilike(pattern), col(User.email).ilike(pattern),
                         col(TutorProfile.display_name).ilike(pattern)))
    return where


def tab_counts(session: Session, ctx: RequestContext, *, q: object = "") -> dict[str, int]:
    """{tab: number of tutors in it matching `q`} for every tab. Admins only."""
    require_admin(session, ctx.actor_user_id)
    if not isinstance(q, str) or len(q) > QUERY_MAX:
        raise InvalidInput("q", f"Search with at most {QUERY_MAX} characters.")
    by_status = dict(session.exec(
        select(TutorProfile.status, func.count())
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(*_matching(q))
        .group_by(col(TutorProfile.status))
    ).all())
    return {tab: sum(by_status.get(st, 0) for st in statuses) for tab, statuses in STATUS_FILTERS.items()}


def list_tutors(
    session: Session, ctx: RequestContext, *, status: object = "waiting", q: object = "", page: object = 1,
    per_page: int = PER_PAGE,
) -> tuple[list[TutorRow], int]:
    """Tutor profiles in one status tab, matching `q` (name, display name or email,
    case-insensitive substring), and their total. "waiting" lists the oldest submission
    first; the other tabs the most recently changed first. Admins only.

    Raises PermissionDenied, InvalidInput (unknown tab, over-long query, bad page).
    """
    require_admin(session, ctx.actor_user_id)
    if not isinstance(status, str) or status not in STATUS_FILTERS:
        raise InvalidInput("status", "Choose one of the tabs: " + ", ".join(STATUS_FILTERS) + ".")
    if not isinstance(q, str) or len(q) > QUERY_MAX:
        raise InvalidInput("q", f"Search with at most {QUERY_MAX} characters.")
    page = _page(page)
    per_page = max(1, min(int(per_page), 100))
    where = [col(TutorProfile.status).in_(STATUS_FILTERS[status]), *_matching(q)]
    base = select(func.count()).select_from(TutorProfile).join(User, col(User.id) == col(TutorProfile.user_id))
    total = session.exec(base.where(*where)).one()
    if status == "waiting":
        order = (col(TutorProfile.submitted_at).asc().nulls_last(), col(TutorProfile.user_id))
    else:
        order = (col(TutorProfile.updated_at).desc(), col(TutorProfile.user_id))
    rows = session.exec(
        select(TutorProfile, User.full_name, User.email)
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(*where)
        .order_by(*order)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return [
        TutorRow(str(p.user_id), p.slug, p.display_name or name, email, p.headline, p.status, p.submitted_at,
                 p.updated_at)
        for p, name, email in rows
    ], total


def _history(session: Session, tutor_id: uuid.UUID) -> list[HistoryEntry]:
    rows = session.exec(
        select(TutorStatusEvent, User.full_name, User.email)
        .join(User, col(User.id) == col(TutorStatusEvent.actor_user_id), isouter=True)
        .where(TutorStatusEvent.tutor_id == tutor_id)
        .order_by(col(TutorStatusEvent.created_at).desc(), col(TutorStatusEvent.id).desc())
    ).all()
    out = []
    for event, name, email in rows:
        if event.actor_user_id is None:
            actor = "system"
        elif event.actor_user_id == tutor_id:
            actor = "the tutor"
        else:
            actor = f"{name} ({email})" if name else "a removed account"
        out.append(HistoryEntry(event.from_status, event.to_status, actor, event.reason, event.created_at))
    return out


def admin_tutor_view(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> AdminTutorView:
    """Everything an admin needs to decide on one tutor, as the tutor saved it: profile,
    prices per length, completeness, documents, status history (newest first), the
    decisions valid now and how many recent bookings the tutor cancelled. Raises PermissionDenied, NotFound."""
    require_admin(session, ctx.actor_user_id)
    found = session.exec(
        select(TutorProfile, User).join(User, col(User.id) == col(TutorProfile.user_id))
        .where(TutorProfile.user_id == tutor_id)
    ).first()
    if found is None:
        raise NotFound("That tutor profile")
    p, user = found
    subjects = session.exec(
        select(Subject.name, TutorSubject.level, Subject.retired_at)
        .join(Subject, col(Subject.id) == col(TutorSubject.subject_id))
        .where(TutorSubject.tutor_id == tutor_id).order_by(col(Subject.name))
    ).all()
    languages = session.exec(
        select(TutorLanguage.language_code, TutorLanguage.level)
        .where(TutorLanguage.tutor_id == tutor_id).order_by(col(TutorLanguage.language_code))
    ).all()
    return AdminTutorView(
        tutor_id=str(p.user_id), slug=p.slug, status=p.status, account_name=user.full_name, email=user.email,
        display_name=p.display_name, headline=p.headline, bio=p.bio, photo_path=p.photo_path,
        intro_video_url=p.intro_video_url,
        subjects=[(name, level, retired is not None) for name, level, retired in subjects],
        languages=[(code, level) for code, level in languages],
        currency=p.currency, hourly_rate_minor=p.hourly_rate_minor, trial_price_minor=p.trial_price_minor,
        prices=prices(session, tutor_id), requires_confirmation=p.requires_confirmation,
        years_experience=p.years_experience, time_zone=user.time_zone,
        completeness=completeness(session, tutor_id), rejection_reason=p.rejection_reason,
        submitted_at=p.submitted_at, reviewed_at=p.reviewed_at, approved_at=p.approved_at,
        documents=list_documents(session, ctx, tutor_id),
        history=_history(session, tutor_id), actions=admin_actions(p.status),
        tutor_cancellations=bookings.tutor_cancellations(session, tutor_id, CANCELLATION_DAYS),
    )


def subject_tutor_counts(session: Session, ctx: RequestContext) -> dict[str, int]:
    """{subject id: number of tutor profiles teaching it} (any status). Admins only."""
    require_admin(session, ctx.actor_user_id)
    rows = session.exec(select(TutorSubject.subject_id, func.count()).group_by(col(TutorSubject.subject_id))).all()
    return {str(sid): n for sid, n in rows}
