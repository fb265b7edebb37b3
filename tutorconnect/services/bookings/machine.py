"""The booking state machine: which action moves a booking from which status to which,
and the compare-and-swap step that moves it.

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

Money effects leave through the outbox in the same transaction: `booking.refund_requested`
{booking_id, amount_minor, currency} whenever a paid booking (awaiting_tutor/confirmed) is
cancelled, declined or ends with a tutor no-show and the refund is above zero.
Every refusal is a DomainError raised before anything is written.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import psycopg.errors
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from tutorconnect.services import outbox, scheduling
from tutorconnect.services.bookings import effects
from tutorconnect.services.bookings.records import BOOKINGS, EVENTS, S, _row
from tutorconnect.services.errors import DomainError, InvalidInput

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


def allows(status: str, action: str) -> bool:
    """Whether the state machine lets a booking in `status` take `action`."""
    return TRANSITIONS[action].get(status) is not None


def _check_step(row: Any, action: str) -> str:
    if not allows(row.status, action):
        raise TransitionNotAllowed(row.status, action)
    return str(TRANSITIONS[action][row.status])


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
    effects.after_change(session, row, won, action)
    return won


def _request_refund(session: Session, booking: Any, amount: int) -> None:
    if amount > 0:
        outbox.enqueue(session, "booking.refund_requested",
                       {"booking_id": str(booking.id), "reference": booking.reference, "amount_minor": amount,
                        "currency": booking.currency},
                       dedupe_key=f"booking.refund_requested:{booking.id}")


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


def _is_exclusion(err: IntegrityError) -> bool:
    return isinstance(err.orig, psycopg.errors.ExclusionViolation)


def _constraint(err: IntegrityError) -> str:
    diag = getattr(err.orig, "diag", None)
    return (getattr(diag, "constraint_name", None) or "") if diag else ""


def _taken(err: IntegrityError) -> scheduling.SlotUnavailable:
    if _constraint(err) == "ex_bookings_student_overlap":
        return scheduling.SlotUnavailable("taken", "You already have another lesson at that time.")
    return scheduling.SlotUnavailable("taken", "Someone has just booked that time. Please choose another slot.")
