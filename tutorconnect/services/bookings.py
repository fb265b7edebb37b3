"""The booking engine: the ONLY place that creates bookings or changes their status.

State machine (every step a compare-and-swap `UPDATE ... WHERE id = :id AND status =
:expected`, recorded in booking_events with from, to, actor, reason; admin steps also in
the audit log):

    pending_payment --mark_paid--> confirmed | awaiting_tutor (tutor confirms by hand)
    pending_payment --expire_unpaid--> expired
    expired --revive_paid--> confirmed | awaiting_tutor  (a payment landed after expiry and
                                                         the time is still free)
    awaiting_tutor  --accept--> confirmed
    awaiting_tutor  --decline | auto_decline_overdue--> declined (paid: full refund)
    pending_payment | awaiting_tutor | confirmed --cancel--> cancelled
    confirmed --complete--> completed                  (system, after the end)
    confirmed --mark_no_show--> no_show_student | no_show_tutor (after the start)
    reschedule: an active booking moves to a new time, status unchanged (limit per booking)

No double booking is guaranteed by PostgreSQL itself: the exclusion constraints
ex_bookings_tutor_overlap (tutor, blocked range incl. buffers) and
ex_bookings_student_overlap (student, lesson range) over active statuses. The service
checks the slot first (slots.ensure_bookable) for a clear message, then inserts with
ON CONFLICT DO NOTHING (booking, history row and hold release in one statement) and turns
a lost race (no row back) into SlotUnavailable("taken"); reschedule moves a booking inside
a SAVEPOINT and turns SQLSTATE 23P01 into the same.

Money effects leave through the outbox in the same transaction: `booking.refund_requested`
{booking_id, amount_minor, currency} whenever a paid booking (awaiting_tutor/confirmed) is
cancelled, declined or ends with a tutor no-show and the refund is above zero.
Every refusal is a DomainError raised before anything is written.
"""

from __future__ import annotations

import functools
import random
import secrets
import time
import uuid
from types import SimpleNamespace
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg.errors
from sqlalchemy import bindparam, delete, exists, func, insert, literal, null, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from tutorconnect.config import get_settings
from tutorconnect.integrations.redis_client import get_redis
from tutorconnect.models.accounts import Role
from tutorconnect.models.scheduling import (
    ACTIVE_STATUSES,
    PAID_ACTIVE_STATUSES,
    Booking,
    BookingEvent,
    BookingStatus,
    SlotHold,
)
from tutorconnect.services import audit, booking_effects, booking_policy, holds, outbox, slots
from tutorconnect.services.accounts import require_admin
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from tutorconnect.services.slots import SlotUnavailable
from tutorconnect.services.tutor_profiles import price_for_length

S = BookingStatus
BOOKINGS = Booking.__table__  # type: ignore[attr-defined]
EVENTS = BookingEvent.__table__  # type: ignore[attr-defined]
HOLDS = SlotHold.__table__  # type: ignore[attr-defined]

# action -> {from status: to status}. Anything not listed is refused.
TRANSITIONS: dict[str, dict[str, str]] = {
    "mark_paid": {S.PENDING_PAYMENT: S.CONFIRMED},  # or AWAITING_TUTOR, see mark_paid
    "expire": {S.PENDING_PAYMENT: S.EXPIRED},
    "revive": {S.EXPIRED: S.CONFIRMED},  # or AWAITING_TUTOR, see revive_paid
    "accept": {S.AWAITING_TUTOR: S.CONFIRMED},
    "decline": {S.AWAITING_TUTOR: S.DECLINED},
    "auto_decline": {S.AWAITING_TUTOR: S.DECLINED},
    "cancel": {S.PENDING_PAYMENT: S.CANCELLED, S.AWAITING_TUTOR: S.CANCELLED, S.CONFIRMED: S.CANCELLED},
    "complete": {S.CONFIRMED: S.COMPLETED},
    "no_show_student": {S.CONFIRMED: S.NO_SHOW_STUDENT},
    "no_show_tutor": {S.CONFIRMED: S.NO_SHOW_TUTOR},
    "reschedule": {S.PENDING_PAYMENT: S.PENDING_PAYMENT, S.AWAITING_TUTOR: S.AWAITING_TUTOR,
                   S.CONFIRMED: S.CONFIRMED},
}
ALL_ACTIONS = tuple(TRANSITIONS)
LENGTHS = (30, 45, 60, 90)
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
REFERENCE_LEN = 6
REASON_MAX = 500

_ACTION_WORDS = {
    "mark_paid": "be paid", "expire": "expire", "revive": "be revived by a late payment", "accept": "be accepted", "decline": "be declined",
    "auto_decline": "be declined", "cancel": "be cancelled", "complete": "be completed",
    "no_show_student": "be marked as a no-show", "no_show_tutor": "be marked as a no-show",
    "reschedule": "be rescheduled",
}


class TransitionNotAllowed(DomainError):
    def __init__(self, current: str, action: str) -> None:
        self.current, self.action = current, action
        super().__init__(f"A booking that is {current.replace('_', ' ')} cannot {_ACTION_WORDS[action]}. "
                         "Reload the page to see its current status.")


@dataclass(frozen=True)
class BookingView:
    id: uuid.UUID
    reference: str
    tutor_id: uuid.UUID
    student_id: uuid.UUID
    status: str
    starts_at: datetime
    ends_at: datetime
    length_minutes: int
    is_trial: bool
    price_minor: int
    currency: str
    platform_fee_minor: int
    tutor_earnings_minor: int
    requires_confirmation: bool
    tutor_time_zone: str
    student_time_zone: str
    reschedule_count: int
    sequence: int
    expires_at: datetime | None
    respond_by: datetime | None
    cancelled_by: str | None
    cancel_reason: str | None
    refund_minor: int | None


_VIEW_COLS = [c for c in BookingView.__dataclass_fields__]


def _view(row: Any) -> BookingView:
    return BookingView(**{name: getattr(row, name) for name in _VIEW_COLS})


# Settings ------------------------------------------------------------------------------
def _settings():
    return get_settings()


def current_policy() -> dict[str, Any]:
    s = _settings()
    return booking_policy.cancellation_snapshot(
        full_refund_hours=s.cancel_full_refund_hours,
        partial_refund_hours=s.cancel_partial_refund_hours,
        partial_refund_percent=s.cancel_partial_refund_percent,
    )


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now


def _is_exclusion(err: IntegrityError) -> bool:
    return isinstance(err.orig, psycopg.errors.ExclusionViolation)


def _constraint(err: IntegrityError) -> str:
    diag = getattr(err.orig, "diag", None)
    return (getattr(diag, "constraint_name", None) or "") if diag else ""


def _taken(err: IntegrityError) -> SlotUnavailable:
    if _constraint(err) == "ex_bookings_student_overlap":
        return SlotUnavailable("taken", "You already have another lesson at that time.")
    return SlotUnavailable("taken", "Someone has just booked that time. Please choose another slot.")


def new_reference() -> str:
    return "TC-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LEN))


# Creation ------------------------------------------------------------------------------
def _clean_start(starts_at: object) -> datetime:
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise InvalidInput("starts_at", "Choose a start time (with its time zone).")
    return starts_at.astimezone(timezone.utc)


def _clean_length(length_minutes: object) -> int:
    if isinstance(length_minutes, bool) or not isinstance(length_minutes, int) or length_minutes not in LENGTHS:
        raise InvalidInput("length_minutes", "Choose a lesson length of 30, 45, 60 or 90 minutes.")
    return length_minutes


_FACTS_SQL = text("""
    SELECT su.role AS student_role, su.time_zone AS student_zone, tu.time_zone AS tutor_zone,
           p.status AS profile_status, p.currency, p.trial_price_minor, p.requires_confirmation,
           p.hourly_rate_minor, p.lesson_lengths,
           sch.buffer_before_minutes AS buffer_before, sch.buffer_after_minutes AS buffer_after,
           (SELECT tp.price_minor FROM tutor_prices tp
             WHERE tp.tutor_id = p.user_id AND tp.length_minutes = :length) AS price_override
    FROM users su
    LEFT JOIN users tu ON tu.id = :tutor AND tu.deleted_at IS NULL
    LEFT JOIN tutor_profiles p ON p.user_id = tu.id
    LEFT JOIN tutor_schedules sch ON sch.tutor_id = p.user_id
    WHERE su.id = :student AND su.deleted_at IS NULL
""")


_INSERT_COLUMNS = (
    "id", "reference", "tutor_id", "student_id", "status", "starts_at", "ends_at", "length_minutes", "blocked_from",
    "blocked_until", "is_trial", "price_minor", "currency", "platform_fee_bps", "platform_fee_minor",
    "tutor_earnings_minor", "cancellation_policy", "requires_confirmation", "tutor_time_zone", "student_time_zone",
    "reschedule_count", "sequence", "expires_at", "created_at", "updated_at",
)


@functools.cache
def _insert_with_event() -> Any:
    """One statement (one round trip) that INSERTs the booking, its first history row and
    drops the student's PostgreSQL hold on this tutor; built once, executed with a dict of
    the _INSERT_COLUMNS values.

    `ON CONFLICT DO NOTHING` (every unique and exclusion constraint is an arbiter) makes a
    lost race return no row instead of an error, so no SAVEPOINT is needed around it and
    concurrent conflicting inserts wait for each other as speculative insertions (which
    PostgreSQL orders to avoid deadlocks) rather than deadlocking. CHECK and foreign-key
    violations still raise. The history row and the hold release only happen when the
    booking went in (they read the `created` CTE)."""
    tutor = bindparam("tutor_id", type_=BOOKINGS.c.tutor_id.type)
    student = bindparam("student_id", type_=BOOKINGS.c.student_id.type)
    created = (pg_insert(BOOKINGS)
               .values({c: tutor if c == "tutor_id" else student if c == "student_id"
                        else bindparam(c, type_=BOOKINGS.c[c].type) for c in _INSERT_COLUMNS})
               .on_conflict_do_nothing()
               .returning(*BOOKINGS.c).cte("created"))
    event = insert(EVENTS).from_select(
        ["booking_id", "from_status", "to_status", "actor_user_id", "reason", "created_at"],
        select(created.c.id, null(), created.c.status, created.c.student_id, literal("booked"),
               created.c.created_at),
    ).cte("event")
    released = (delete(HOLDS)
                .where(HOLDS.c.tutor_id == tutor, HOLDS.c.student_id == student,
                       exists(select(created.c.id)))
                .cte("released"))
    return select(created).add_cte(event).add_cte(released)


# Why an insert went nowhere: read after the conflicting transaction has finished (ON
# CONFLICT waits for it), so READ COMMITTED sees the row that won.
_CONFLICT_SQL = text("""
    SELECT EXISTS (SELECT 1 FROM bookings WHERE tutor_id = :tutor AND status = ANY(:active)
                     AND tstzrange(blocked_from, blocked_until) && tstzrange(:bf, :bu)) AS tutor,
           EXISTS (SELECT 1 FROM bookings WHERE student_id = :student AND status = ANY(:active)
                     AND tstzrange(starts_at, ends_at) && tstzrange(:starts, :ends)) AS student,
           EXISTS (SELECT 1 FROM bookings WHERE id = :id) AS same_id
""")


def create_booking(
    session: Session,
    ctx: RequestContext,
    student_id: uuid.UUID,
    tutor_id: uuid.UUID,
    starts_at: datetime,
    length_minutes: int,
    *,
    trial: bool = False,
    now: datetime | None = None,
    booking_id: uuid.UUID | None = None,
) -> BookingView:
    """Book `length_minutes` with `tutor_id` at `starts_at` for the signed-in student.

    `booking_id` fixes the new row's id (the demo loader's deterministic keys); by default
    a random one. Never taken from a browser.

    The new booking is pending_payment until `mark_paid` (or expires after the payment
    window). Raises PermissionDenied (not this student's own active student account),
    InvalidInput (bad start/length, trial not offered or already used), SlotUnavailable
    (every reason of slots.ensure_bookable; "taken" also when another booking won the race).
    """
    now = _now(now)
    if ctx.actor_user_id is None or ctx.actor_user_id != student_id:
        raise PermissionDenied("You can only book lessons for yourself.")
    starts_at = _clean_start(starts_at)
    length = _clean_length(length_minutes)
    conn = session.connection()  # Core statements on the session's connection: no ORM layer
    facts = conn.execute(_FACTS_SQL, {"student": student_id, "tutor": tutor_id, "length": length}).first()
    if facts is None or facts.student_role != Role.STUDENT.value:
        raise PermissionDenied("Only student accounts can book lessons.")
    if tutor_id == student_id:
        raise PermissionDenied("You cannot book a lesson with yourself.")
    if facts.tutor_zone is None or facts.profile_status != "approved":
        raise SlotUnavailable("tutor_not_listed", "This tutor is not taking bookings.")

    slots.ensure_bookable(session, tutor_id, starts_at, length, now=now, student_id=student_id)

    if length not in (facts.lesson_lengths or ()) or facts.hourly_rate_minor is None:
        raise SlotUnavailable("length_not_offered", f"This tutor does not offer {length}-minute lessons.")
    # the same price as tutor_profiles.prices() gives for this length
    price = price_for_length(facts.hourly_rate_minor, length, facts.currency, facts.price_override)
    if trial:
        if facts.trial_price_minor is None:
            raise InvalidInput("trial", "This tutor does not offer a trial lesson.")
        used = conn.execute(
            select(func.count()).select_from(BOOKINGS).where(
                BOOKINGS.c.student_id == student_id, BOOKINGS.c.tutor_id == tutor_id, BOOKINGS.c.is_trial,
                BOOKINGS.c.status.in_([*ACTIVE_STATUSES, S.COMPLETED.value, S.NO_SHOW_STUDENT.value]),
            )
        ).scalar_one()
        if used:
            raise InvalidInput("trial", "You have already had a trial lesson with this tutor.")
        price = facts.trial_price_minor

    settings = _settings()
    fee_bps = settings.platform_fee_bps
    fee, earnings = booking_policy.split_price(price, fee_bps)
    before = timedelta(minutes=facts.buffer_before or 0)
    after = timedelta(minutes=facts.buffer_after or 0)
    ends_at = starts_at + timedelta(minutes=length)
    values = dict(
        id=booking_id if isinstance(booking_id, uuid.UUID) else uuid.uuid4(),
        tutor_id=tutor_id, student_id=student_id, status=S.PENDING_PAYMENT.value,
        starts_at=starts_at, ends_at=ends_at, length_minutes=length,
        blocked_from=starts_at - before, blocked_until=ends_at + after,
        is_trial=bool(trial), price_minor=price, currency=facts.currency, platform_fee_bps=fee_bps,
        platform_fee_minor=fee, tutor_earnings_minor=earnings, cancellation_policy=current_policy(),
        requires_confirmation=bool(facts.requires_confirmation),
        tutor_time_zone=facts.tutor_zone, student_time_zone=facts.student_zone,
        reschedule_count=0, sequence=0,
        expires_at=booking_policy.payment_expires_at(now, timedelta(minutes=settings.payment_window_minutes)),
        created_at=now, updated_at=now,
    )
    row = None
    for _attempt in range(8):
        values["reference"] = new_reference()
        row = conn.execute(_insert_with_event(), values).first()
        if row is not None:
            break
        clash = conn.execute(_CONFLICT_SQL, {
            "tutor": tutor_id, "student": student_id, "active": list(ACTIVE_STATUSES), "id": values["id"],
            "bf": values["blocked_from"], "bu": values["blocked_until"], "starts": starts_at, "ends": ends_at,
        }).one()
        if clash.tutor:
            raise SlotUnavailable("taken", "Someone has just booked that time. Please choose another slot.")
        if clash.student:
            raise SlotUnavailable("taken", "You already have another lesson at that time.")
        if clash.same_id:
            raise DomainError("That booking already exists.")
        # Otherwise the reference was taken (or the winner is already gone): try again.
    if row is None:
        raise SlotUnavailable("taken", "Someone has just booked that time. Please choose another slot.")
    if get_redis() is not None:  # the PostgreSQL hold went with the insert; release Redis's too
        holds.release_hold(session, student_id, tutor_id)
    booking_effects.after_change(session, None, row, "create")
    return _view(row)


# Reading ---------------------------------------------------------------------------------
def _row(session: Session, booking_id: uuid.UUID) -> Any:
    return session.execute(select(BOOKINGS).where(BOOKINGS.c.id == booking_id)).first()


def _role_on(session: Session, ctx: RequestContext, row: Any) -> str:
    """'student', 'tutor' or 'admin'; NotFound for anyone else (existence is not leaked)."""
    actor = ctx.actor_user_id
    if actor is not None and actor == row.student_id:
        return "student"
    if actor is not None and actor == row.tutor_id:
        return "tutor"
    try:
        require_admin(session, actor)
    except PermissionDenied:
        raise NotFound("That booking") from None
    return "admin"


def _visible(session: Session, ctx: RequestContext, booking_id: object) -> tuple[Any, str]:
    if not isinstance(booking_id, uuid.UUID):
        raise NotFound("That booking")
    row = _row(session, booking_id)
    if row is None:
        raise NotFound("That booking")
    return row, _role_on(session, ctx, row)


def get_booking(session: Session, ctx: RequestContext, booking_id: uuid.UUID) -> BookingView:
    row, _ = _visible(session, ctx, booking_id)
    return _view(row)


def history(session: Session, ctx: RequestContext, booking_id: uuid.UUID) -> list[dict[str, Any]]:
    _visible(session, ctx, booking_id)
    rows = session.execute(select(EVENTS).where(EVENTS.c.booking_id == booking_id).order_by(EVENTS.c.id)).all()
    return [dict(from_status=r.from_status, to_status=r.to_status, actor_user_id=r.actor_user_id, reason=r.reason,
                 details=r.details, created_at=r.created_at) for r in rows]


def _list(session: Session, column: Any, user_id: uuid.UUID, when: str, page: object, per_page: int,
          now: datetime) -> tuple[list[BookingView], int]:
    if when not in ("upcoming", "past"):
        raise InvalidInput("when", "Choose upcoming or past bookings.")
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InvalidInput("page", "Choose a page number of 1 or more.")
    per_page = max(1, min(int(per_page), 100))
    where = [column == user_id, BOOKINGS.c.ends_at > now if when == "upcoming" else BOOKINGS.c.ends_at <= now]
    total = session.execute(select(func.count()).select_from(BOOKINGS).where(*where)).scalar_one()
    order = BOOKINGS.c.starts_at.asc() if when == "upcoming" else BOOKINGS.c.starts_at.desc()
    rows = session.execute(select(BOOKINGS).where(*where).order_by(order, BOOKINGS.c.id)
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return [_view(r) for r in rows], int(total)


def _self_or_admin(session: Session, ctx: RequestContext, user_id: uuid.UUID) -> None:
    if ctx.actor_user_id is None or ctx.actor_user_id != user_id:
        require_admin(session, ctx.actor_user_id)


def list_for_student(session: Session, ctx: RequestContext, student_id: uuid.UUID, *, when: str = "upcoming",
                     page: object = 1, per_page: int = 20, now: datetime | None = None) -> tuple[list[BookingView], int]:
    """The student's bookings: upcoming (not yet ended, soonest first) or past (latest first)."""
    _self_or_admin(session, ctx, student_id)
    return _list(session, BOOKINGS.c.student_id, student_id, when, page, per_page, _now(now))


def list_for_tutor(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, *, when: str = "upcoming",
                   page: object = 1, per_page: int = 20, now: datetime | None = None) -> tuple[list[BookingView], int]:
    _self_or_admin(session, ctx, tutor_id)
    return _list(session, BOOKINGS.c.tutor_id, tutor_id, when, page, per_page, _now(now))


# Transitions -----------------------------------------------------------------------------
def _check_step(row: Any, action: str) -> str:
    target = TRANSITIONS[action].get(row.status)
    if target is None:
        raise TransitionNotAllowed(row.status, action)
    return str(target)


def _swap(session: Session, row: Any, action: str, target: str, *, actor: uuid.UUID | None, reason: str | None,
          now: datetime, values: dict[str, Any] | None = None, details: dict[str, Any] | None = None) -> Any:
    """Compare-and-swap the status; record the event. TransitionNotAllowed if we lost."""
    won = session.execute(
        update(BOOKINGS)
        .where(BOOKINGS.c.id == row.id, BOOKINGS.c.status == row.status)
        .values(status=target, updated_at=now, sequence=BOOKINGS.c.sequence + 1, **(values or {}))
        .returning(*BOOKINGS.c)
    ).first()
    if won is None:
        latest = _row(session, row.id)
        raise TransitionNotAllowed(latest.status if latest else row.status, action)
    session.execute(insert(EVENTS).values(booking_id=row.id, from_status=row.status, to_status=target,
                                          actor_user_id=actor, reason=reason, details=details, created_at=now))
    session.expire_all()
    booking_effects.after_change(session, row, won, action)
    return won


def _request_refund(session: Session, booking: Any, amount: int) -> None:
    if amount > 0:
        outbox.enqueue(session, "booking.refund_requested",
                       {"booking_id": str(booking.id), "reference": booking.reference, "amount_minor": amount,
                        "currency": booking.currency},
                       dedupe_key=f"booking.refund_requested:{booking.id}")


def _system_row(session: Session, booking_id: uuid.UUID) -> Any:
    row = _row(session, booking_id)
    if row is None:
        raise NotFound("That booking")
    return row


def mark_paid(session: Session, booking_id: uuid.UUID, *, now: datetime | None = None,
              late: bool = False) -> BookingView:
    """System (the payments integration): pending_payment -> confirmed, or awaiting_tutor
    with respond_by when the tutor confirms bookings by hand. `late`: the payment was
    captured although the window has passed; the booking (still pending, so still holding
    its time) is confirmed anyway."""
    now = _now(now)
    row = _system_row(session, booking_id)
    _check_step(row, "mark_paid")
    if not late and row.expires_at is not None and row.expires_at <= now:
        raise DomainError("The payment window for this booking has closed.")
    if row.requires_confirmation:
        respond = booking_policy.respond_by(now, row.starts_at,
                                            timedelta(hours=_settings().tutor_response_hours))
        done = _swap(session, row, "mark_paid", S.AWAITING_TUTOR.value, actor=None, reason="paid", now=now,
                     values={"expires_at": None, "respond_by": respond})
    else:
        done = _swap(session, row, "mark_paid", S.CONFIRMED.value, actor=None, reason="paid", now=now,
                     values={"expires_at": None})
    return _view(done)


def revive_paid(session: Session, booking_id: uuid.UUID, *, now: datetime | None = None) -> BookingView:
    """System (payments): a payment landed after its booking expired. expired -> confirmed
    (or awaiting_tutor) if the lesson has not started and its time is still free; the
    exclusion constraints decide (the UPDATE back into an active status runs in a
    SAVEPOINT, SQLSTATE 23P01 -> SlotUnavailable("taken"), nothing changed)."""
    now = _now(now)
    row = _system_row(session, booking_id)
    _check_step(row, "revive")
    if row.starts_at <= now:
        raise SlotUnavailable("past", "This lesson's time has already passed.")
    if row.requires_confirmation:
        target = S.AWAITING_TUTOR.value
        values: dict[str, Any] = {"expires_at": None, "respond_by": booking_policy.respond_by(
            now, row.starts_at, timedelta(hours=_settings().tutor_response_hours))}
    else:
        target, values = S.CONFIRMED.value, {"expires_at": None}
    try:
        with session.begin_nested():
            done = _swap(session, row, "revive", target, actor=None, reason="paid after the hold expired",
                         now=now, values=values)
    except IntegrityError as err:
        if _is_exclusion(err):
            raise _taken(err) from None
        raise
    return _view(done)


def _tutor_step(session: Session, ctx: RequestContext, booking_id: uuid.UUID, action: str, reason: str | None,
                now: datetime | None) -> BookingView:
    now = _now(now)
    row, role = _visible(session, ctx, booking_id)
    target = _check_step(row, action)
    if role != "tutor":
        raise PermissionDenied("Only the tutor of this booking can do that.")
    values: dict[str, Any] = {"respond_by": None}
    if target == S.DECLINED:
        values.update(refund_minor=row.price_minor, cancelled_by="tutor", cancel_reason=reason)
    done = _swap(session, row, action, target, actor=ctx.actor_user_id, reason=reason, now=now, values=values)
    if target == S.DECLINED:
        _request_refund(session, done, row.price_minor)
    return _view(done)


def accept(session: Session, ctx: RequestContext, booking_id: uuid.UUID, *, now: datetime | None = None) -> BookingView:
    return _tutor_step(session, ctx, booking_id, "accept", "accepted", now)


def decline(session: Session, ctx: RequestContext, booking_id: uuid.UUID, reason: object = None, *,
            now: datetime | None = None) -> BookingView:
    clean = _clean_reason(reason, required=False) or "declined by the tutor"
    return _tutor_step(session, ctx, booking_id, "decline", clean, now)


def expire_unpaid(session: Session, now: datetime | None = None) -> int:
    """Sweeper: every pending_payment booking past its payment window becomes expired."""
    now = _now(now)
    rows = session.execute(
        update(BOOKINGS)
        .where(BOOKINGS.c.status == S.PENDING_PAYMENT.value, BOOKINGS.c.expires_at <= now)
        .values(status=S.EXPIRED.value, updated_at=now, sequence=BOOKINGS.c.sequence + 1)
        .returning(*BOOKINGS.c)
    ).all()
    if rows:
        session.execute(insert(EVENTS), [dict(booking_id=r.id, from_status=S.PENDING_PAYMENT.value,
                                              to_status=S.EXPIRED.value, actor_user_id=None,
                                              reason="payment window closed", created_at=now) for r in rows])
        for r in rows:
            booking_effects.announce(session, r)
    return len(rows)


def auto_decline_overdue(session: Session, now: datetime | None = None) -> int:
    """Sweeper: every awaiting_tutor booking whose respond_by passed is declined (full refund)."""
    now = _now(now)
    rows = session.execute(
        update(BOOKINGS)
        .where(BOOKINGS.c.status == S.AWAITING_TUTOR.value, BOOKINGS.c.respond_by <= now)
        .values(status=S.DECLINED.value, updated_at=now, sequence=BOOKINGS.c.sequence + 1,
                refund_minor=BOOKINGS.c.price_minor, cancelled_by="system",
                cancel_reason="The tutor did not respond in time.")
        .returning(*BOOKINGS.c)
    ).all()
    if rows:
        session.execute(insert(EVENTS), [dict(booking_id=r.id, from_status=S.AWAITING_TUTOR.value,
                                              to_status=S.DECLINED.value, actor_user_id=None,
                                              reason="tutor did not respond in time", created_at=now) for r in rows])
        for r in rows:
            _request_refund(session, r, r.price_minor)
            booking_effects.after_change(session, SimpleNamespace(status=S.AWAITING_TUTOR.value), r, "auto_decline")
    return len(rows)


def _clean_reason(reason: object, *, required: bool) -> str | None:
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        if required:
            raise InvalidInput("reason", "Please give a reason.")
        return None
    if not isinstance(reason, str):
        raise InvalidInput("reason", "Please give a reason as text.")
    clean = " ".join(reason.split())
    if len(clean) > REASON_MAX:
        raise InvalidInput("reason", f"Keep the reason under {REASON_MAX} characters.")
    return clean


def refund_preview(session: Session, ctx: RequestContext, booking_id: uuid.UUID, *,
                   now: datetime | None = None) -> int:
    """What cancelling now would refund the student (shown before confirming)."""
    row, role = _visible(session, ctx, booking_id)
    _check_step(row, "cancel")
    _check_not_started(row, role, _now(now), "cancelled")
    if row.status not in PAID_ACTIVE_STATUSES:
        return 0
    return booking_policy.refund_for(row.cancellation_policy, row.price_minor, role, row.starts_at, _now(now))


def cancel(session: Session, ctx: RequestContext, booking_id: uuid.UUID, reason: object, *,
           now: datetime | None = None) -> BookingView:
    """The student, the tutor or an admin cancels an active booking before it starts (an
    admin also after). The refund follows the booking's own policy snapshot; paid bookings
    with a refund above zero emit booking.refund_requested."""
    now = _now(now)
    row, role = _visible(session, ctx, booking_id)
    _check_step(row, "cancel")
    clean = _clean_reason(reason, required=True)
    _check_not_started(row, role, now, "cancelled")
    paid = row.status in PAID_ACTIVE_STATUSES
    refund = booking_policy.refund_for(row.cancellation_policy, row.price_minor, role, row.starts_at, now) if paid else 0
    done = _swap(session, row, "cancel", S.CANCELLED.value, actor=ctx.actor_user_id, reason=clean, now=now,
                 values={"cancelled_by": role, "cancel_reason": clean, "refund_minor": refund,
                         "expires_at": None, "respond_by": None},
                 details={"refund_minor": refund, "paid": paid})
    if paid:
        _request_refund(session, done, refund)
    if role == "admin":
        audit.record(session, ctx, action="booking.cancelled", target_type="booking", target_id=row.id,
                     before={"status": row.status}, after={"status": S.CANCELLED.value, "refund_minor": refund,
                                                           "reason": clean})
    return _view(done)


def _check_not_started(row: Any, role: str, now: datetime, verb: str) -> None:
    if role != "admin" and row.starts_at <= now:
        raise DomainError(f"This lesson has already started and can no longer be {verb}.")


def _reschedules_left(row: Any, role: str, now: datetime) -> int:
    """How many more times this booking may be moved, or a clear error why it cannot."""
    if role not in ("student", "tutor"):
        raise PermissionDenied("Only the student or the tutor of this booking can reschedule it.")
    limit = _settings().reschedule_limit
    if not booking_policy.may_reschedule(row.reschedule_count, limit):
        raise DomainError(f"This booking has already been rescheduled {row.reschedule_count} "
                          f"time{'s' if row.reschedule_count != 1 else ''}, the most allowed.")
    if row.starts_at <= now:
        raise DomainError("This lesson has already started and can no longer be rescheduled.")
    return limit - row.reschedule_count


def reschedules_left(session: Session, ctx: RequestContext, booking_id: uuid.UUID, *,
                     now: datetime | None = None) -> int:
    """What `reschedule` would allow now (for the reschedule dialog): the moves left, or
    the same error `reschedule` would raise."""
    row, role = _visible(session, ctx, booking_id)
    _check_step(row, "reschedule")
    return _reschedules_left(row, role, _now(now))


def reschedule(session: Session, ctx: RequestContext, booking_id: uuid.UUID, new_starts_at: datetime, *,
               now: datetime | None = None) -> BookingView:
    """Either party moves an active booking (before it starts) to a free time, checked like
    a new booking; moved in one UPDATE so the exclusion constraints re-check it."""
    now = _now(now)
    row, role = _visible(session, ctx, booking_id)
    target = _check_step(row, "reschedule")
    new_start = _clean_start(new_starts_at)
    _reschedules_left(row, role, now)
    if new_start == row.starts_at:
        raise InvalidInput("starts_at", "Choose a different time from the current one.")
    slots.ensure_bookable(session, row.tutor_id, new_start, row.length_minutes, now=now,
                          student_id=row.student_id, ignore_booking_id=row.id)
    new_end = new_start + timedelta(minutes=row.length_minutes)
    values: dict[str, Any] = dict(
        starts_at=new_start, ends_at=new_end,
        blocked_from=new_start - (row.starts_at - row.blocked_from),
        blocked_until=new_end + (row.blocked_until - row.ends_at),
        reschedule_count=BOOKINGS.c.reschedule_count + 1,
    )
    if row.status == S.AWAITING_TUTOR and row.respond_by is not None:
        values["respond_by"] = max(now, min(row.respond_by, new_start - booking_policy.RESPOND_BEFORE_START))
    move = (update(BOOKINGS)
            .where(BOOKINGS.c.id == row.id, BOOKINGS.c.status == row.status,
                   BOOKINGS.c.reschedule_count == row.reschedule_count, BOOKINGS.c.starts_at == row.starts_at)
            .values(updated_at=now, sequence=BOOKINGS.c.sequence + 1, **values)
            .returning(*BOOKINGS.c))
    for deadlocks in range(4):
        try:
            with session.begin_nested():
                done = session.execute(move).first()
            break
        except IntegrityError as err:
            if _is_exclusion(err):
                raise _taken(err) from None
            raise
        except OperationalError as err:  # see create_booking: a deadlock between conflicting moves
            if not isinstance(err.orig, psycopg.errors.DeadlockDetected) or deadlocks >= 3:
                raise
            time.sleep(random.uniform(0.001, 0.01) * (deadlocks + 1))
    if done is None:
        latest = _row(session, row.id)
        raise TransitionNotAllowed(latest.status if latest else row.status, "reschedule")
    session.execute(insert(EVENTS).values(
        booking_id=row.id, from_status=row.status, to_status=target, actor_user_id=ctx.actor_user_id,
        reason=f"rescheduled by the {role}", created_at=now,
        details={"old_starts_at": row.starts_at.isoformat(), "new_starts_at": new_start.isoformat(),
                 "old_ends_at": row.ends_at.isoformat(), "new_ends_at": new_end.isoformat()},
    ))
    session.expire_all()
    booking_effects.after_change(session, row, done, "reschedule")
    return _view(done)


def complete(session: Session, booking_id: uuid.UUID, *, now: datetime | None = None) -> BookingView:
    """System: a confirmed lesson that has ended becomes completed."""
    now = _now(now)
    row = _system_row(session, booking_id)
    _check_step(row, "complete")
    if row.ends_at > now:
        raise DomainError("This lesson has not ended yet.")
    # after_change (in _swap) asks the student for a review through notify.
    done = _swap(session, row, "complete", S.COMPLETED.value, actor=None, reason="lesson ended", now=now)
    return _view(done)


def complete_ended(session: Session, now: datetime | None = None, *, limit: int = 500) -> int:
    """Sweeper: confirmed lessons that ended at least COMPLETE_AFTER_MINUTES ago (the
    no-show window) become completed, each through `complete` (history row, review
    request). Rows another sweep is completing right now are skipped (SKIP LOCKED), and
    `complete` re-checks the status, so concurrent sweeps never complete one twice."""
    now = _now(now)
    cutoff = now - timedelta(minutes=_settings().complete_after_minutes)
    ids = session.execute(
        select(BOOKINGS.c.id)
        .where(BOOKINGS.c.status == S.CONFIRMED.value, BOOKINGS.c.ends_at <= cutoff)
        .order_by(BOOKINGS.c.ends_at).limit(limit)
        .with_for_update(skip_locked=True)
    ).scalars().all()
    for booking_id in ids:
        complete(session, booking_id, now=now)
    return len(ids)


def mark_no_show(session: Session, ctx: RequestContext, booking_id: uuid.UUID, party: str, *,
                 now: datetime | None = None) -> BookingView:
    """After the start: the tutor reports that the student did not come (party="student"),
    or the student that the tutor did not (party="tutor"; full refund). Admins may do either."""
    now = _now(now)
    if party not in ("student", "tutor"):
        raise InvalidInput("party", "Say who did not attend: the student or the tutor.")
    row, role = _visible(session, ctx, booking_id)
    action = f"no_show_{party}"
    target = _check_step(row, action)
    if role != "admin" and role == party:
        raise PermissionDenied("You can only report that the other person did not attend.")
    if row.starts_at > now:
        raise DomainError("A no-show can only be reported after the lesson's start time.")
    values: dict[str, Any] = {}
    if party == "tutor":
        values["refund_minor"] = row.price_minor
    done = _swap(session, row, action, target, actor=ctx.actor_user_id, reason=f"reported by the {role}", now=now,
                 values=values)
    if party == "tutor":
        _request_refund(session, done, row.price_minor)
    if role == "admin":
        audit.record(session, ctx, action=f"booking.{target}", target_type="booking", target_id=row.id,
                     before={"status": row.status}, after={"status": target})
    return _view(done)


def overlapping_active_pairs(session: Session) -> int:
    """Diagnostics (tests, benchmarks): pairs of active bookings that overlap (must be 0)."""
    active = ", ".join(f"'{s}'" for s in ACTIVE_STATUSES)
    return int(session.execute(text(f"""
        SELECT count(*) FROM bookings a JOIN bookings b ON a.id < b.id
        WHERE a.status IN ({active}) AND b.status IN ({active})
          AND ((a.tutor_id = b.tutor_id
                AND tstzrange(a.blocked_from, a.blocked_until) && tstzrange(b.blocked_from, b.blocked_until))
            OR (a.student_id = b.student_id
                AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)))
    """)).scalar_one())
