"""What the dialogs of the bookings lists (state/bookings_list.py) read and show: the cancel
/ decline dialog (the booking and its refund preview; refund and policy text) and its
closing toast, the reschedule dialog (the booking and its reschedules left; its summary,
the week it opens on, paging weeks) and the review dialog. No state here: the reads run in
the state's transaction (authorization left to the services); times in the viewer's zone."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from tutorconnect.models.scheduling import PAID_ACTIVE_STATUSES
from tutorconnect.money import format_money
from tutorconnect.services import bookings
from tutorconnect.services.bookings import BookingRow, BookingView
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import DomainError
from tutorconnect.timefmt import format_when as _when, zone_info as _zone

RESCHEDULE_WEEKS = 26  # how far ahead the reschedule dialog pages


def _today(zone: str) -> date:
    return datetime.now(_zone(zone)).date()


# -- cancel / decline ---------------------------------------------------------------------------
def read_for_reason_dialog(session: Session, ctx: RequestContext, bid: uuid.UUID, kind: str) -> tuple[BookingRow, int]:
    """The booking and what the student would get back (refund_preview refuses what cancel would)."""
    row = bookings.get_row(session, ctx, bid)
    refund = bookings.refund_preview(session, ctx, bid) if kind == "cancel" else row.price_minor
    return row, refund


def reason_dialog(kind: str, role: str, row: BookingRow, refund: int, zone: str) -> dict[str, str]:
    """The cancel (`kind` "cancel") or decline dialog of `row` as `role` sees it; `refund`
    is what the student would get back."""
    paid = row.status in PAID_ACTIVE_STATUSES
    money = format_money(refund, row.currency)
    if kind == "decline":
        refund_text = f"The student gets a full refund: {money}."
        policy = "Declining is not counted as a cancellation."
    elif not paid:
        refund_text = "Nothing has been paid yet, so there is nothing to refund."
        policy = "The time is released for other students."
    elif role == "tutor":
        refund_text = f"The student gets a full refund: {money}."
        policy = ("Cancelling as the tutor refunds the student in full and counts against you "
                  f"(cancellations in the last {bookings.CANCELLATION_WINDOW_DAYS} days are shown "
                  "to you on this page).")
    else:
        refund_text = f"You get back {money} of {format_money(row.price_minor, row.currency)}."
        policy = bookings.describe(row.cancellation_policy)
    other = row.tutor_name if role == "student" else row.student_name
    return {
        "kind": kind, "id": str(row.id), "reference": row.reference,
        "title": "Cancel this lesson?" if kind == "cancel" else "Decline this request?",
        "what": f"{row.reference} with {other}, {_when(row.starts_at, zone)}",
        "refund": refund_text, "policy": policy,
        "confirm": "Cancel lesson" if kind == "cancel" else "Decline request",
    }


def reason_dialog_toast(done: BookingView, kind: str) -> str:
    """The toast after a cancel / decline went through."""
    refund = format_money(done.refund_minor or 0, done.currency)
    verb = "declined" if kind == "decline" else "cancelled"
    extra = f" Refund: {refund}." if done.refund_minor else ""
    return f"Booking {done.reference} {verb}.{extra}"


# -- reschedule ---------------------------------------------------------------------------------
def read_for_move(session: Session, ctx: RequestContext, bid: uuid.UUID) -> tuple[BookingRow, int]:
    """The booking and its reschedules left: the booking service decides whether it may move
    (same rules as reschedule)."""
    return bookings.get_row(session, ctx, bid), bookings.reschedules_left(session, ctx, bid)


def move_dialog(row: BookingRow, left: int, zone: str) -> dict[str, str]:
    """The booking being moved, as the reschedule dialog shows it (before its week is loaded)."""
    return {
        "id": str(row.id), "tutor_id": str(row.tutor_id), "length": str(row.length_minutes),
        "starts_at": row.starts_at.isoformat(), "reference": row.reference,
        "current": _when(row.starts_at, zone), "zone": zone,
        "left": f"You can reschedule this booking {left} more time{'s' if left != 1 else ''}.",
    }


def first_week(row: BookingRow, zone: str) -> str:
    """The Monday of the booking's week (not before today), ISO: where the dialog opens."""
    return max(_today(zone), row.starts_at.astimezone(_zone(zone)).date()
               - timedelta(days=row.starts_at.astimezone(_zone(zone)).weekday())).isoformat()


def week_after(week_start: str, weeks: int, zone: str) -> date | None:
    """`weeks` (-1 | 1) from `week_start`, not before today; None past RESCHEDULE_WEEKS ahead."""
    today = _today(zone)
    target = max(date.fromisoformat(week_start) + timedelta(weeks=weeks), today)
    if target > today + timedelta(weeks=RESCHEDULE_WEEKS):
        return None
    return target


def week_label(first: date, last: date) -> str:
    return f"{first:%d %b} – {last:%d %b %Y}"


# -- review ---------------------------------------------------------------------------------------
def review_dialog(row: BookingRow, user_id: uuid.UUID, zone: str) -> dict[str, str]:
    """The completed lesson `user_id` (its student) is about to review; refuses whatever
    the bookings package's actions do not allow (`row.actions.review`)."""
    if row.student_id == user_id and row.reviewed:
        raise DomainError("You have already reviewed this lesson.")
    if row.student_id != user_id or not row.actions.review:
        raise DomainError("You can review a lesson once it is completed.")
    return {"id": str(row.id), "tutor": row.tutor_name,
            "what": f"{row.reference}, {_when(row.starts_at, zone)}"}
