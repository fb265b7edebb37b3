"""The approval workflow: an explicit state machine over tutor_profiles.status.

    draft --submit--> submitted --start_review--> under_review --approve--> approved
      ^                 |  (withdraw)                   |                    |  ^
      +-----------------+                               +--reject--> rejected|  |
                                     rejected --resubmit--> submitted   suspend  reinstate
                                                                             v  |
                                                                          suspended

Every transition is a compare-and-swap (`UPDATE ... WHERE status = :expected`): of two
concurrent decisions on the same profile exactly one wins, the other gets
TransitionNotAllowed. Each is recorded in tutor_status_events and the audit log with the
actor from ctx, and every admin decision notifies the tutor in-app in the same transaction.
Tutor transitions (submit, withdraw) are for the profile's owner; the others for admins.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from tutorconnect.models import TutorProfile, TutorStatus, TutorStatusEvent, User
from tutorconnect.models.accounts import Role
from tutorconnect.services import audit, notifications
from tutorconnect.services.access import require_admin
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from tutorconnect.services.tutors.input_cleaning import clean_text
from tutorconnect.services.tutors.profile_completeness import completeness

S = TutorStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.DRAFT}),
    S.UNDER_REVIEW: frozenset({S.APPROVED, S.REJECTED}),
    S.REJECTED: frozenset({S.SUBMITTED}),
    S.APPROVED: frozenset({S.SUSPENDED}),
    S.SUSPENDED: frozenset({S.APPROVED}),
}
# Transitions the tutor makes on their own profile; every other one is an admin's.
TUTOR_TRANSITIONS = frozenset({(S.DRAFT, S.SUBMITTED), (S.REJECTED, S.SUBMITTED), (S.SUBMITTED, S.DRAFT)})
# Transitions that need a reason shown to the tutor.
REASON_REQUIRED = frozenset({S.REJECTED, S.SUSPENDED})
REASON_MIN, REASON_MAX = 5, 500


class TransitionNotAllowed(DomainError):
    def __init__(self, current: str, target: str) -> None:
        self.current, self.target = current, target
        super().__init__(f"A profile that is {current.replace('_', ' ')} cannot become {target.replace('_', ' ')}. "
                         "Reload the page to see its current status.")


def _authorize(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, step: tuple[str, str]) -> None:
    if step in TUTOR_TRANSITIONS:
        actor = session.exec(select(User).where(User.id == tutor_id, col(User.deleted_at).is_(None))).first()
        if ctx.actor_user_id != tutor_id or actor is None or actor.role != Role.TUTOR.value:
            raise PermissionDenied()
    else:
        require_admin(session, ctx.actor_user_id)


def transition(
    session: Session, ctx: RequestContext, tutor_id: uuid.UUID, to_status: str, *, reason: object = None
) -> str:
    """Move the profile to `to_status` from its current status; returns the new status.

    Preconditions checked here: the step is in TRANSITIONS, the actor may make it,
    submitting needs completeness 100, rejecting/suspending needs a 5..500 character reason.
    Raises NotFound, PermissionDenied, TransitionNotAllowed (including when another
    decision won a race), InvalidInput (incomplete profile, missing reason).
    """
    current = session.exec(select(TutorProfile.status).where(TutorProfile.user_id == tutor_id)).first()
    if current is None:
        raise NotFound("That tutor profile")
    target = str(to_status)
    if target not in TRANSITIONS.get(current, frozenset()):
        # Only the owner or an admin learns that the step is impossible from this status.
        if ctx.actor_user_id != tutor_id:
            require_admin(session, ctx.actor_user_id)
        raise TransitionNotAllowed(current, target)
    step = (current, target)
    _authorize(session, ctx, tutor_id, step)
    clean_reason = None
    if target in REASON_REQUIRED:
        clean_reason = clean_text("reason", reason if reason is not None else "", max_len=REASON_MAX,
                                  min_len=REASON_MIN, multiline=True)
    if target == S.SUBMITTED:
        done = completeness(session, tutor_id)
        if not done.complete:
            raise InvalidInput("profile", "Complete your profile before submitting it: " + "; ".join(done.missing) + ".")

    now = datetime.now(timezone.utc)
    values: dict[str, object] = {"status": target, "updated_at": now}
    if target == S.SUBMITTED:
        values.update(submitted_at=now, rejection_reason=None)
    elif target in (S.APPROVED, S.REJECTED) and current == S.UNDER_REVIEW:
        values["reviewed_at"] = now
    if target == S.APPROVED:
        values["approved_at"] = now
    if target == S.REJECTED:
        values["rejection_reason"] = clean_reason
    won = session.execute(
        update(TutorProfile)
        .where(col(TutorProfile.user_id) == tutor_id, col(TutorProfile.status) == current)
        .values(**values)
        .returning(col(TutorProfile.user_id))
    ).first()
    if won is None:  # someone else changed the status between our read and this update
        latest = session.exec(select(TutorProfile.status).where(TutorProfile.user_id == tutor_id)).first()
        raise TransitionNotAllowed(latest or current, target)
    session.expire_all()  # ORM copies of the profile are stale now

    status_event = TutorStatusEvent(tutor_id=tutor_id, from_status=current, to_status=target,
                                    actor_user_id=ctx.actor_user_id, reason=clean_reason)
    session.add(status_event)
    audit.record(session, ctx, action=f"tutor.{target}", target_type="tutor_profile", target_id=tutor_id,
                 before={"status": current}, after={"status": target, **({"reason": clean_reason} if clean_reason else {})})
    session.flush()
    if step not in TUTOR_TRANSITIONS:
        # Wording and delivery (in-app, email for approved/rejected) live in notifications.
        notifications.user_event(session, tutor_id, f"tutor.{target}",
                                 {"reason": clean_reason or "", "status_event_id": status_event.id})
    return target


# One function per action (what pages and handlers call) -----------------------------
def submit_profile(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> str:
    """The tutor submits (or, after a rejection, resubmits) a 100% complete profile."""
    return transition(session, ctx, tutor_id, S.SUBMITTED)


def withdraw_submission(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> str:
    """The tutor takes a submitted profile back to draft before an admin picks it up."""
    return transition(session, ctx, tutor_id, S.DRAFT)


def start_review(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> str:
    return transition(session, ctx, tutor_id, S.UNDER_REVIEW)


def approve_tutor(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> str:
    return transition(session, ctx, tutor_id, S.APPROVED)


def reject_tutor(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, *, reason: object) -> str:
    return transition(session, ctx, tutor_id, S.REJECTED, reason=reason)


def suspend_tutor(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, *, reason: object) -> str:
    return transition(session, ctx, tutor_id, S.SUSPENDED, reason=reason)


def reinstate_tutor(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> str:
    return transition(session, ctx, tutor_id, S.APPROVED)


# The admin review queue ---------------------------------------------------------------
@dataclass(frozen=True)
class StatusEvent:
    from_status: str
    to_status: str
    actor_user_id: str
    reason: str | None
    created_at: datetime


@dataclass(frozen=True)
class QueueItem:
    tutor_id: str
    slug: str
    name: str
    email: str
    headline: str
    status: str
    submitted_at: datetime | None
    history: list[StatusEvent]


def history(session: Session, tutor_id: uuid.UUID) -> list[StatusEvent]:
    rows = session.exec(select(TutorStatusEvent).where(TutorStatusEvent.tutor_id == tutor_id)
                        .order_by(col(TutorStatusEvent.id))).all()
    return [StatusEvent(e.from_status, e.to_status, str(e.actor_user_id or ""), e.reason, e.created_at) for e in rows]


def review_queue(session: Session, ctx: RequestContext, *, page: object = 1, per_page: int = 20) -> tuple[list[QueueItem], int]:
    """Profiles waiting for a decision (submitted or under review), oldest submission
    first, each with its status history; and their total. Admins only."""
    require_admin(session, ctx.actor_user_id)
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InvalidInput("page", "Choose a page number of 1 or more.")
    per_page = max(1, min(int(per_page), 100))
    waiting = col(TutorProfile.status).in_([S.SUBMITTED.value, S.UNDER_REVIEW.value])
    total = session.exec(select(func.count()).select_from(TutorProfile).where(waiting)).one()
    rows = session.exec(
        select(TutorProfile, User.full_name, User.email)
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(waiting)
        .order_by(col(TutorProfile.submitted_at).asc().nulls_last(), col(TutorProfile.user_id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return [
        QueueItem(str(p.user_id), p.slug, p.display_name or name, email, p.headline, p.status, p.submitted_at,
                  history(session, p.user_id))
        for p, name, email in rows
    ], total
