"""Booking lists for the bookings pages: one query per page, with what the cards show.

queries.py lists bare BookingViews; the pages also need the other party's name,
the tutor's slug and photo, and whether the student has already reviewed the lesson. Each
list here is ONE statement (the total rides along as `count(*) OVER ()`), joining users,
tutor_profiles and (left) reviews on reviews.booking_id.

Upcoming and past (#14): upcoming is the ACTIVE lessons (awaiting payment, awaiting the
tutor, confirmed) that have not ended, the soonest first; past is everything else (ended
lessons, and cancelled, declined, expired or no-show ones whenever they were due), the
latest first. Each row also carries what the lesson pays the tutor
(`tutor_earning_minor`, policy.tutor_earning: None when it pays nothing), decided from
its status, its refund and whether it was ever paid (a payment moves it to awaiting_tutor
or confirmed, which the booking's history records).

Authorization: a person reads their own rows only; an admin may read anyone's. Requests
are a tutor's awaiting_tutor bookings, the soonest lesson first. The tutor's recent
cancellation count (bookings the tutor cancelled in the last 90 days) is what the schedule
page shows as "counted against you" comes from stats.py, so the tutor and the admins
see the same figure.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.models.scheduling import ACTIVE_STATUSES, PAID_ACTIVE_STATUSES
from tutorconnect.services import access
from tutorconnect.services.bookings import policy, records, stats
from tutorconnect.services.bookings.actions import Actions, actions_for
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput, NotFound, PermissionDenied

PER_PAGE_MAX = 50
CANCELLATION_WINDOW_DAYS = 90
WHENS = ("upcoming", "past")


@dataclass(frozen=True)
class BookingRow:
    id: uuid.UUID
    reference: str
    status: str
    tutor_id: uuid.UUID
    student_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    length_minutes: int
    is_trial: bool
    price_minor: int
    currency: str
    tutor_earnings_minor: int
    tutor_time_zone: str
    student_time_zone: str
    reschedule_count: int
    expires_at: datetime | None
    respond_by: datetime | None
    cancelled_by: str | None
    cancel_reason: str | None
    refund_minor: int | None
    meeting_url: str | None
    cancellation_policy: dict
    student_name: str
    tutor_name: str
    tutor_slug: str
    tutor_photo: str | None
    reviewed: bool
    # What the lesson pays the tutor (policy.tutor_earning): the share for a lesson that
    # will or did take place, what a late cancellation leaves, None when it pays nothing.
    tutor_earning_minor: int | None
    actions: Actions  # what the viewer may do next (actions.py), as of the query's `now`


_COMPUTED = ("tutor_earning_minor", "actions")
_FIELDS = tuple(name for name in BookingRow.__dataclass_fields__ if name not in _COMPUTED)
_ACTIVE = list(ACTIVE_STATUSES)

# A booking was paid if it ever reached a status only a payment leads to (awaiting_tutor,
# confirmed): a cancelled one keeps refund_minor = 0 both when it was never paid and when
# a paid one was cancelled too late for a refund.
_PAID = ", ".join(f"'{s}'" for s in sorted(PAID_ACTIVE_STATUSES))
_SELECT = f"""
    SELECT b.id, b.reference, b.status, b.tutor_id, b.student_id, b.starts_at, b.ends_at, b.length_minutes,
           b.is_trial, b.price_minor, b.currency, b.tutor_earnings_minor, b.tutor_time_zone, b.student_time_zone,
           b.reschedule_count, b.expires_at, b.respond_by, b.cancelled_by, b.cancel_reason, b.refund_minor,
           b.meeting_url, b.cancellation_policy, b.platform_fee_minor,
           EXISTS (SELECT 1 FROM booking_events e WHERE e.booking_id = b.id
                   AND e.to_status IN ({_PAID})) AS was_paid,
           su.full_name AS student_name,
           COALESCE(NULLIF(p.display_name, ''), tu.full_name) AS tutor_name,
           p.slug AS tutor_slug, p.photo_path AS tutor_photo,
           (r.id IS NOT NULL) AS reviewed,
           count(*) OVER () AS total
    FROM bookings b
    JOIN users su ON su.id = b.student_id
    JOIN tutor_profiles p ON p.user_id = b.tutor_id
    JOIN users tu ON tu.id = b.tutor_id
    LEFT JOIN reviews r ON r.booking_id = b.id
"""


def _row(r: Any, role: str, now: datetime) -> BookingRow:
    actions = actions_for(role=role, status=r.status, starts_at=r.starts_at, now=now,
                          reschedule_count=r.reschedule_count,
                          reschedule_limit=records._settings().reschedule_limit,
                          expires_at=r.expires_at, reviewed=r.reviewed, no_show_grace=records.no_show_grace())
    earning = policy.tutor_earning(r.status, paid=r.was_paid, price_minor=r.price_minor,
                                   platform_fee_minor=r.platform_fee_minor, refund_minor=r.refund_minor)
    return BookingRow(**{name: getattr(r, name) for name in _FIELDS}, tutor_earning_minor=earning, actions=actions)


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc)


def _authorize(session: Session, ctx: RequestContext, user_id: object) -> uuid.UUID:
    if not isinstance(user_id, uuid.UUID):
        raise InvalidInput("user", "Choose whose bookings to show.")
    if ctx.actor_user_id is None or ctx.actor_user_id != user_id:
        try:
            access.require_admin(session, ctx.actor_user_id)
        except PermissionDenied:
            raise PermissionDenied("You can only see your own bookings.") from None
    return user_id


def _page(page: object, per_page: object) -> tuple[int, int]:
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InvalidInput("page", "Choose a page number of 1 or more.")
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= PER_PAGE_MAX:
        raise InvalidInput("per_page", f"Choose 1 to {PER_PAGE_MAX} bookings per page.")
    return page, per_page


def _run(session: Session, where: str, order: str, params: dict[str, Any], page: int,
         per_page: int, role: str, now: datetime) -> tuple[list[BookingRow], int]:
    rows = session.execute(text(f"{_SELECT} WHERE {where} ORDER BY {order} LIMIT :limit OFFSET :offset"),
                           {**params, "limit": per_page, "offset": (page - 1) * per_page}).all()
    if rows:
        return [_row(r, role, now) for r in rows], int(rows[0].total)
    if page == 1:
        return [], 0
    # Past the last page: the window count is not there, count separately (rare).
    total = session.execute(text(f"SELECT count(*) FROM ({_SELECT} WHERE {where}) t"), params).scalar_one()
    return [], int(total)


def _list(session: Session, ctx: RequestContext, column: str, user_id: object, when: object, page: object,
          per_page: object, now: datetime | None) -> tuple[list[BookingRow], int]:
    uid = _authorize(session, ctx, user_id)
    if when not in WHENS:
        raise InvalidInput("when", "Choose upcoming or past bookings.")
    page_, per_page_ = _page(page, per_page)
    # Upcoming: active and not ended. Past: the rest (ended, or cancelled/declined/expired/no-show).
    upcoming = "b.ends_at > :now AND b.status = ANY(:active)"
    if when == "upcoming":
        where, order = f"b.{column} = :uid AND {upcoming}", "b.starts_at ASC, b.id"
    else:
        where, order = f"b.{column} = :uid AND NOT ({upcoming})", "b.starts_at DESC, b.id"
    role = "student" if column == "student_id" else "tutor"  # the list's own person (also when an admin reads it)
    at = _now(now)
    return _run(session, where, order, {"uid": uid, "now": at, "active": _ACTIVE}, page_, per_page_, role, at)


def student_bookings(session: Session, ctx: RequestContext, student_id: uuid.UUID, *, when: str = "upcoming",
                     page: object = 1, per_page: object = 10, now: datetime | None = None) -> tuple[list[BookingRow], int]:
    """A student's bookings with the tutor's name, slug and photo and the review flag:
    upcoming (active lessons not yet ended, soonest first) or past (the rest: ended,
    cancelled, declined, expired, no-shows; latest first). (rows, total)."""
    return _list(session, ctx, "student_id", student_id, when, page, per_page, now)


def tutor_bookings(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, *, when: str = "upcoming",
                   page: object = 1, per_page: object = 10, now: datetime | None = None) -> tuple[list[BookingRow], int]:
    """A tutor's bookings with the student's name, as student_bookings."""
    return _list(session, ctx, "tutor_id", tutor_id, when, page, per_page, now)


def tutor_requests(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, *, page: object = 1,
                   per_page: object = 10) -> tuple[list[BookingRow], int]:
    """The tutor's bookings awaiting their answer, the soonest lesson first."""
    uid = _authorize(session, ctx, tutor_id)
    page_, per_page_ = _page(page, per_page)
    return _run(session, "b.tutor_id = :uid AND b.status = 'awaiting_tutor'",
                "b.starts_at ASC, b.id", {"uid": uid}, page_, per_page_, "tutor", _now(None))


@dataclass(frozen=True)
class TutorSummary:
    requests: int  # awaiting the tutor's answer
    cancellations: int  # cancelled by the tutor, of the bookings made in the last CANCELLATION_WINDOW_DAYS days
    bookings: int  # the bookings made in that window (never-paid ones left out)


def tutor_summary(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, *,
                  now: datetime | None = None) -> TutorSummary:
    """Open requests and the tutor's own recent cancellations (counted against them): the
    same figure the admin sees on the tutor's review page (stats.py)."""
    uid = _authorize(session, ctx, tutor_id)
    requests = session.execute(text("SELECT count(*) FROM bookings WHERE tutor_id = :uid AND status = 'awaiting_tutor'"),
                               {"uid": uid}).scalar_one()
    cancelled, made = stats.tutor_cancellations(session, uid, CANCELLATION_WINDOW_DAYS, now=_now(now))
    return TutorSummary(int(requests), cancelled, made)


def get_row(session: Session, ctx: RequestContext, booking_id: object, *,
            now: datetime | None = None) -> BookingRow:
    """One booking as the lists show it, for its student, its tutor or an admin (anyone
    else: NotFound, so existence is not leaked), with the actions open to that viewer."""
    _, role = records.visible_booking(session, ctx, booking_id)  # authorizes
    row = session.execute(text(f"{_SELECT} WHERE b.id = :id"), {"id": booking_id}).first()
    if row is None:
        raise NotFound("That booking")
    return _row(row, role, _now(now))
