"""Favorites: a student's saved tutors. Students only; only approved tutors can be saved.

A tutor suspended after being saved drops out of the list (the row stays and the tutor
reappears if reinstated).
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from tutorconnect.models import Favorite, TutorProfile, TutorStatus, User
from tutorconnect.models.accounts import Role
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import NotFound, PermissionDenied
from tutorconnect.services.tutors import listings


def _student(session: Session, ctx: RequestContext, student_id: uuid.UUID) -> None:
    if ctx.actor_user_id is None or ctx.actor_user_id != student_id:
        raise PermissionDenied()
    user = session.exec(select(User).where(User.id == student_id, col(User.deleted_at).is_(None))).first()
    if user is None or user.role != Role.STUDENT.value:
        raise PermissionDenied("Only students can save tutors.")


def add_favorite(session: Session, ctx: RequestContext, student_id: uuid.UUID, tutor_id: uuid.UUID) -> None:
    """Save an approved tutor; saving twice changes nothing. Raises PermissionDenied, NotFound."""
    _student(session, ctx, student_id)
    listed = session.exec(
        select(TutorProfile.user_id).join(User, col(User.id) == col(TutorProfile.user_id))
        .where(TutorProfile.user_id == tutor_id, TutorProfile.status == TutorStatus.APPROVED.value,
               col(User.deleted_at).is_(None))
    ).first()
    if listed is None:
        raise NotFound("That tutor")
    session.execute(insert(Favorite).values(student_id=student_id, tutor_id=tutor_id).on_conflict_do_nothing())


def remove_favorite(session: Session, ctx: RequestContext, student_id: uuid.UUID, tutor_id: uuid.UUID) -> None:
    """Forget a saved tutor (idempotent)."""
    _student(session, ctx, student_id)
    session.execute(delete(Favorite).where(col(Favorite.student_id) == student_id, col(Favorite.tutor_id) == tutor_id))


def is_favorite(session: Session, student_id: uuid.UUID, tutor_id: uuid.UUID) -> bool:
    return session.get(Favorite, (student_id, tutor_id)) is not None


def list_favorites(session: Session, ctx: RequestContext, student_id: uuid.UUID) -> list[listings.TutorCard]:
    """The student's saved tutors that are listed now, most recently saved first."""
    _student(session, ctx, student_id)
    ids = session.exec(
        select(Favorite.tutor_id).where(Favorite.student_id == student_id)
        .order_by(col(Favorite.created_at).desc(), col(Favorite.tutor_id))
    ).all()
    cards = {c.tutor_id: c for c in listings.cards_for(session, list(ids))}
    return [cards[str(i)] for i in ids if str(i) in cards]
