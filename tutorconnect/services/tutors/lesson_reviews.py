"""Lesson reviews: a student's stars and words about a tutor after a completed lesson
(not the admin's review of a tutor profile, which is admin_review.py). Published by the
student, immutable once published (the tutor may reply once), hidden and unhidden by admins.

The tutor's rating_count and rating_sum count the visible reviews and are changed in the
same transaction as the review, by one atomic UPDATE (`rating_sum = rating_sum + :r`), never
by reading, adding and writing back: concurrent reviews cannot lose an update, and the
CHECK count <= sum <= 5*count guards the rest.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from tutorconnect.models import Review, TutorProfile, TutorStatus, User
from tutorconnect.models.accounts import Role
from tutorconnect.models.scheduling import Booking, BookingStatus
from tutorconnect.models.tutors import REVIEW_BODY_MAX
from tutorconnect.services import audit, notifications
from tutorconnect.services.access import require_admin
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from tutorconnect.services.tutors.input_cleaning import clean_int, clean_text

PER_PAGE_MAX = 50


class ReviewNotAllowed(DomainError):
    pass


@dataclass(frozen=True)
class ReviewItem:
    id: str
    student_name: str  # first name and initial: "Aarav P."
    rating: int
    body: str
    created_at: datetime
    reply_body: str | None
    replied_at: datetime | None


@dataclass(frozen=True)
class RatingSummary:
    average: Decimal | None  # two decimal places; None without reviews (not for display: format_rating)
    count: int
    distribution: dict[int, int]  # stars 1..5 -> number of visible reviews
    rating_sum: int = 0  # the exact aggregate: pages show format_rating(rating_sum, count)


def _adjust_rating(session: Session, tutor_id: uuid.UUID, rating: int, sign: int) -> None:
    session.execute(
        update(TutorProfile)
        .where(col(TutorProfile.user_id) == tutor_id)
        .values(rating_sum=TutorProfile.rating_sum + sign * rating,
                rating_count=TutorProfile.rating_count + sign)
    )


def publish_review(
    session: Session,
    ctx: RequestContext,
    *,
    tutor_id: uuid.UUID,
    student_id: uuid.UUID,
    booking_id: uuid.UUID | None,
    rating: object,
    body: object = "",
    without_booking: bool = False,
) -> uuid.UUID:
    """Publish a 1..5 star review with optional text (<= 2000 characters).

    Precondition: `booking_id` is a completed booking of this student with this tutor;
    `review_booking` (the entry point for students) checks it and calls this. One review
    per booking (a second raises ReviewNotAllowed; the database holds it with the partial
    unique index uq_reviews_booking_id and the FK reviews_booking_id_fkey).
    `booking_id=None` is accepted only with `without_booking=True`, which is for the demo
    loader and tests. When ctx has an actor it must be the student.
    Raises ReviewNotAllowed, PermissionDenied, InvalidInput, NotFound.
    """
    if booking_id is None and not without_booking:
        raise ReviewNotAllowed("You can review a tutor after a completed lesson.")
    if ctx.actor_user_id is not None and ctx.actor_user_id != student_id:
        raise PermissionDenied()
    student = session.exec(select(User).where(User.id == student_id, col(User.deleted_at).is_(None))).first()
    if student is None or student.role != Role.STUDENT.value:
        raise PermissionDenied("Only students can review tutors.")
    tutor = session.get(TutorProfile, tutor_id)
    if tutor is None or tutor.status != TutorStatus.APPROVED.value:
        raise NotFound("That tutor")
    stars = clean_int("rating", rating, low=1, high=5, message="Choose from 1 to 5 stars.")
    text_ = clean_text("body", body if body is not None else "", max_len=REVIEW_BODY_MAX, multiline=True)
    review = Review(tutor_id=tutor_id, student_id=student_id, booking_id=booking_id, rating=stars, body=text_)
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except IntegrityError as err:
        diag = getattr(err.orig, "diag", None)
        if getattr(diag, "constraint_name", None) == "reviews_booking_id_fkey":
            raise NotFound("That lesson") from None
        raise ReviewNotAllowed("You have already reviewed this lesson.") from None
    _adjust_rating(session, tutor_id, stars, +1)
    notifications.user_event(session, tutor_id, "review.published",
                             {"review_id": str(review.id), "stars": stars, "student": _short_name(student.full_name)})
    return review.id


def review_booking(session: Session, ctx: RequestContext, booking_id: uuid.UUID, rating: object,
                   body: object) -> uuid.UUID:
    """The signed-in student reviews one of their completed lessons (1..5 stars, optional text).

    The booking is read FOR SHARE, so its status cannot change under the review. Only the
    booking's student may review it: its tutor gets PermissionDenied, anyone else NotFound
    (existence is not leaked). A lesson that is not completed (upcoming, cancelled,
    no-show, ...) raises ReviewNotAllowed; a second review of the same lesson too.
    Raises NotFound, PermissionDenied, ReviewNotAllowed, InvalidInput (rating, body).
    """
    if not isinstance(booking_id, uuid.UUID):
        raise NotFound("That lesson")
    bookings = Booking.__table__  # type: ignore[attr-defined]
    row = session.execute(
        select(bookings.c.id, bookings.c.tutor_id, bookings.c.student_id, bookings.c.status)
        .where(bookings.c.id == booking_id).with_for_update(read=True)
    ).first()
    actor = ctx.actor_user_id
    if row is None or actor is None or actor not in (row.student_id, row.tutor_id):
        raise NotFound("That lesson")
    if actor != row.student_id:
        raise PermissionDenied("Only the student who took this lesson can review it.")
    if row.status != BookingStatus.COMPLETED.value:
        raise ReviewNotAllowed("You can review a lesson after it has been completed.")
    return publish_review(session, ctx, tutor_id=row.tutor_id, student_id=row.student_id, booking_id=row.id,
                          rating=rating, body=body)


def reply(session: Session, ctx: RequestContext, review_id: uuid.UUID, tutor_user_id: uuid.UUID, body: object) -> None:
    """The reviewed tutor replies, once (compare-and-swap on reply_body IS NULL).

    Raises PermissionDenied (not that tutor), NotFound, ReviewNotAllowed (already replied),
    InvalidInput (empty or over 2000 characters).
    """
    if ctx.actor_user_id != tutor_user_id:
        raise PermissionDenied()
    review = session.get(Review, review_id)
    if review is None or review.tutor_id != tutor_user_id:
        raise NotFound("That review")
    text_ = clean_text("reply", body, max_len=REVIEW_BODY_MAX, min_len=1, multiline=True)
    done = session.execute(
        update(Review)
        .where(col(Review.id) == review_id, col(Review.tutor_id) == tutor_user_id, col(Review.reply_body).is_(None))
        .values(reply_body=text_, replied_at=datetime.now(timezone.utc))
        .returning(col(Review.id))
    ).first()
    if done is None:
        raise ReviewNotAllowed("You have already replied to this review.")
    session.expire_all()


def _set_hidden(session: Session, ctx: RequestContext, review_id: uuid.UUID, hide: bool, reason: str | None) -> bool:
    require_admin(session, ctx.actor_user_id)
    now = datetime.now(timezone.utc)
    condition = col(Review.hidden_at).is_(None) if hide else col(Review.hidden_at).is_not(None)
    values = ({"hidden_at": now, "hidden_reason": reason, "hidden_by": ctx.actor_user_id} if hide
              else {"hidden_at": None, "hidden_reason": None, "hidden_by": None})
    row = session.execute(
        update(Review).where(col(Review.id) == review_id, condition).values(**values)
        .returning(col(Review.tutor_id), col(Review.rating))
    ).first()
    if row is None:
        if session.get(Review, review_id) is None:
            raise NotFound("That review")
        return False  # already in the requested state
    session.expire_all()
    _adjust_rating(session, row[0], row[1], -1 if hide else +1)
    audit.record(session, ctx, action="review.hidden" if hide else "review.unhidden", target_type="review",
                 target_id=review_id, before={"hidden": not hide}, after={"hidden": hide, **({"reason": reason} if reason else {})})
    return True


def hide(session: Session, ctx: RequestContext, review_id: uuid.UUID, reason: object) -> bool:
    """An admin hides a review (5..500 character reason); it stops counting in the rating.
    Returns False if it was already hidden. Raises PermissionDenied, NotFound, InvalidInput."""
    require_admin(session, ctx.actor_user_id)
    why = clean_text("reason", reason, max_len=500, min_len=5, multiline=True)
    return _set_hidden(session, ctx, review_id, True, why)


def unhide(session: Session, ctx: RequestContext, review_id: uuid.UUID) -> bool:
    """An admin shows a hidden review again. Returns False if it was visible."""
    return _set_hidden(session, ctx, review_id, False, None)


def _short_name(full_name: str) -> str:
    parts = full_name.split()
    if not parts:
        return "A student"
    return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0]}."


def list_reviews(session: Session, tutor_id: uuid.UUID, *, page: object = 1, per_page: object = 10) -> tuple[list[ReviewItem], int]:
    """Visible reviews of a tutor, newest first, with the tutor's reply; and their total."""
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InvalidInput("page", "Choose a page number of 1 or more.")
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= PER_PAGE_MAX:
        raise InvalidInput("per_page", f"Show between 1 and {PER_PAGE_MAX} reviews per page.")
    visible = (Review.tutor_id == tutor_id, col(Review.hidden_at).is_(None))
    total = session.exec(select(func.count()).select_from(Review).where(*visible)).one()
    rows = session.exec(
        select(Review, User.full_name).join(User, col(User.id) == col(Review.student_id)).where(*visible)
        .order_by(col(Review.created_at).desc(), col(Review.id).desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return [ReviewItem(str(r.id), _short_name(name), r.rating, r.body, r.created_at, r.reply_body, r.replied_at)
            for r, name in rows], total


def rating_summary(session: Session, tutor_id: uuid.UUID) -> RatingSummary:
    """Average (from the exact aggregates), count and star distribution of visible reviews."""
    profile = session.get(TutorProfile, tutor_id)
    if profile is None:
        raise NotFound("That tutor")
    counts = dict(session.exec(
        select(Review.rating, func.count()).where(Review.tutor_id == tutor_id, col(Review.hidden_at).is_(None))
        .group_by(col(Review.rating))
    ).all())
    average = None
    if profile.rating_count:
        average = (Decimal(profile.rating_sum) / Decimal(profile.rating_count)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return RatingSummary(average, profile.rating_count, {stars: int(counts.get(stars, 0)) for stars in range(1, 6)},
                         profile.rating_sum)
