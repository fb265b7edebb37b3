"""Creating a booking: the checks, the price and policy snapshot, and the insert.

No double booking is guaranteed by PostgreSQL itself: the exclusion constraints
ex_bookings_tutor_overlap (tutor, blocked range incl. buffers) and
ex_bookings_student_overlap (student, lesson range) over active statuses. The service
checks the slot first (scheduling.ensure_bookable) for a clear message, then inserts with
ON CONFLICT DO NOTHING (booking, history row and hold release in one statement) and turns
a lost race (no row back) into SlotUnavailable("taken"); reschedule (moves.py) moves a
booking inside a SAVEPOINT and turns SQLSTATE 23P01 into the same.

The settings-dependent policy lives here too: `current_policy()` (the snapshot copied onto
a new booking) and `describe()` (a snapshot in words, with the no-show grace period).
"""

from __future__ import annotations

import functools
import secrets
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, insert, literal, null, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session

from tutorconnect.integrations.redis_client import get_redis
from tutorconnect.models.accounts import Role
from tutorconnect.models.scheduling import ACTIVE_STATUSES, SlotHold
from tutorconnect.services import lesson_prices, scheduling
from tutorconnect.services.bookings import effects, policy, records
from tutorconnect.services.bookings.records import BOOKINGS, EVENTS, S, BookingView, _now, _view
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import DomainError, InvalidInput, PermissionDenied

HOLDS = SlotHold.__table__  # type: ignore[attr-defined]
LENGTHS = (30, 45, 60, 90)
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
REFERENCE_LEN = 6


def current_policy() -> dict[str, Any]:
    s = records._settings()
    return policy.cancellation_snapshot(
        full_refund_hours=s.cancel_full_refund_hours,
        partial_refund_hours=s.cancel_partial_refund_hours,
        partial_refund_percent=s.cancel_partial_refund_percent,
    )


def describe(policy_snapshot: dict[str, Any]) -> str:
    """A booking's cancellation policy in words, and from when a no-show can be reported
    (NO_SHOW_GRACE_MINUTES from the settings): what the pages show as the policy."""
    return policy.describe(policy_snapshot, records.no_show_grace())


def new_reference() -> str:
    return "TC-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LEN))


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
    (every reason of scheduling.ensure_bookable; "taken" also when another booking won the race).
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
        raise scheduling.SlotUnavailable("tutor_not_listed", "This tutor is not taking bookings.")

    scheduling.ensure_bookable(session, tutor_id, starts_at, length, now=now, student_id=student_id)

    if length not in (facts.lesson_lengths or ()) or facts.hourly_rate_minor is None:
        raise scheduling.SlotUnavailable("length_not_offered", f"This tutor does not offer {length}-minute lessons.")
    # the same price as lesson_prices.prices() gives for this length
    price = lesson_prices.price_for_length(facts.hourly_rate_minor, length, facts.currency, facts.price_override)
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

    settings = records._settings()
    fee_bps = settings.platform_fee_bps
    fee, earnings = policy.split_price(price, fee_bps)
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
        expires_at=policy.payment_expires_at(now, timedelta(minutes=settings.payment_window_minutes)),
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
            raise scheduling.SlotUnavailable("taken", "Someone has just booked that time. Please choose another slot.")
        if clash.student:
            raise scheduling.SlotUnavailable("taken", "You already have another lesson at that time.")
        if clash.same_id:
            raise DomainError("That booking already exists.")
        # Otherwise the reference was taken (or the winner is already gone): try again.
    if row is None:
        raise scheduling.SlotUnavailable("taken", "Someone has just booked that time. Please choose another slot.")
    if get_redis() is not None:  # the PostgreSQL hold went with the insert; release Redis's too
        scheduling.release_hold(session, student_id, tutor_id)
    effects.after_change(session, None, row, "create")
    return _view(row)
