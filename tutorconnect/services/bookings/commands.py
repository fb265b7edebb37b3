"""Status changes of an existing booking: payment (mark_paid, revive_paid), the tutor's
answer (accept, decline), cancel and its refund preview, complete, and no-show reports.

Each is one compare-and-swap step (machine._swap, which also runs effects.after_change);
a paid booking cancelled, declined or ending with a tutor no-show requests its refund
through the outbox (machine._request_refund).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from tutorconnect.models.scheduling import PAID_ACTIVE_STATUSES
from tutorconnect.services import audit, scheduling
from tutorconnect.services.bookings import policy, records
from tutorconnect.services.bookings.machine import (
    _check_step,
    _clean_reason,
    _is_exclusion,
    _request_refund,
    _swap,
    _taken,
)
from tutorconnect.services.bookings.records import S, BookingView, _now, _system_row, _view, _visible
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import DomainError, InvalidInput, PermissionDenied


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
        respond = policy.respond_by(now, row.starts_at,
                                    timedelta(hours=records._settings().tutor_response_hours))
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
        raise scheduling.SlotUnavailable("past", "This lesson's time has already passed.")
    if row.requires_confirmation:
        target = S.AWAITING_TUTOR.value
        values: dict[str, Any] = {"expires_at": None, "respond_by": policy.respond_by(
            now, row.starts_at, timedelta(hours=records._settings().tutor_response_hours))}
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


def refund_preview(session: Session, ctx: RequestContext, booking_id: uuid.UUID, *,
                   now: datetime | None = None) -> int:
    """What cancelling now would refund the student (shown before confirming)."""
    row, role = _visible(session, ctx, booking_id)
    _check_step(row, "cancel")
    _check_not_started(row, role, _now(now), "cancelled")
    if row.status not in PAID_ACTIVE_STATUSES:
        return 0
    return policy.refund_for(row.cancellation_policy, row.price_minor, role, row.starts_at, _now(now))


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
    refund = policy.refund_for(row.cancellation_policy, row.price_minor, role, row.starts_at, now) if paid else 0
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
    if role != "admin" and policy.has_started(row.starts_at, now):
        raise DomainError(f"This lesson has already started and can no longer be {verb}.")


def complete(session: Session, booking_id: uuid.UUID, *, now: datetime | None = None) -> BookingView:
    """System: a confirmed lesson that has ended becomes completed."""
    now = _now(now)
    row = _system_row(session, booking_id)
    _check_step(row, "complete")
    if row.ends_at > now:
        raise DomainError("This lesson has not ended yet.")
    # after_change (in _swap) asks the student for a review through notifications.
    done = _swap(session, row, "complete", S.COMPLETED.value, actor=None, reason="lesson ended", now=now)
    return _view(done)


def mark_no_show(session: Session, ctx: RequestContext, booking_id: uuid.UUID, party: str, *,
                 now: datetime | None = None) -> BookingView:
    """From NO_SHOW_GRACE_MINUTES after the start on: the tutor reports that the student did
    not come (party="student"), or the student that the tutor did not (party="tutor"; full
    refund). Admins may do either, also only after the grace period."""
    now = _now(now)
    if party not in ("student", "tutor"):
        raise InvalidInput("party", "Say who did not attend: the student or the tutor.")
    row, role = _visible(session, ctx, booking_id)
    action = f"no_show_{party}"
    target = _check_step(row, action)
    if role != "admin" and role == party:
        raise PermissionDenied("You can only report that the other person did not attend.")
    grace = records.no_show_grace()
    if not policy.no_show_open(row.starts_at, now, grace):  # the other person may just be late
        minutes = int(grace.total_seconds() // 60)
        when = f"from {minutes} minute{'s' if minutes != 1 else ''} after the lesson's start" if minutes \
            else "after the lesson's start time"
        raise DomainError(f"A no-show can only be reported {when}.")
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

