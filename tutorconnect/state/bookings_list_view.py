"""What the /bookings and /tutor/schedule lists show (state/bookings_list.py): the reads
of a page of bookings and of a booking's history (run by the state in one transaction,
authorization left to the services), the card dataclass and `card_for` (a BookingRow as
the student or the tutor sees it), the lines of a booking's history, the reschedule
dialog's days of free slots, the status labels and the list constants. No state here;
times in the viewer's zone, each with its zone.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tutorconnect.models import BookingStatus as Status
from tutorconnect.money import format_money
from tutorconnect.services import bookings
from tutorconnect.services.bookings import BookingRow
from tutorconnect.services.context import RequestContext
from tutorconnect.services.scheduling import Slot
from tutorconnect.services.validation import safe_join_url
from tutorconnect.timefmt import format_when as _when, zone_info as _zone

PER_PAGE = 10


# -- what the cards show ------------------------------------------------------------------------
@dataclasses.dataclass
class BookingCard:
    id: str = ""
    reference: str = ""
    status: str = ""
    status_label: str = ""
    status_color: str = "gray"
    status_note: str = ""
    name: str = ""
    photo: str = ""
    initial: str = ""
    profile_href: str = ""
    day: str = ""
    time_range: str = ""
    other_time: str = ""
    duration: str = ""
    price: str = ""
    trial: bool = False
    join_url: str = ""
    ics_href: str = ""
    pay_href: str = ""  # a student's unpaid booking whose hold is still running: /pay/<reference>
    can_reschedule: bool = False
    reschedules_left: str = ""
    can_cancel: bool = False
    can_respond: bool = False
    can_no_show: bool = False
    can_review: bool = False
    reviewed: bool = False
    outcome: str = ""  # cancelled/declined: who, why, refund


@dataclasses.dataclass
class SlotChoice:
    value: str  # ISO instant (UTC), what confirm_reschedule receives
    label: str  # "09:30" in the viewer's zone


@dataclasses.dataclass
class SlotDay:
    label: str
    date: str
    slots: list[SlotChoice]


_STATUS = {
    # status: (label for the student, label for the tutor, colour)
    Status.PENDING_PAYMENT: ("Awaiting payment", "Awaiting payment", "amber"),
    Status.AWAITING_TUTOR: ("Awaiting the tutor", "Needs your answer", "blue"),
    Status.CONFIRMED: ("Confirmed", "Confirmed", "green"),
    Status.DECLINED: ("Declined", "Declined", "red"),
    Status.EXPIRED: ("Expired (not paid)", "Expired (not paid)", "gray"),
    Status.CANCELLED: ("Cancelled", "Cancelled", "gray"),
    Status.COMPLETED: ("Completed", "Completed", "teal"),
    Status.NO_SHOW_STUDENT: ("You were marked absent", "Student did not attend", "orange"),
    Status.NO_SHOW_TUTOR: ("Tutor did not attend", "You were marked absent", "orange"),
}
_WHO = {"student": "the student", "tutor": "the tutor", "admin": "TutorConnect support", "system": "TutorConnect"}


def _day(value: datetime, zone: str) -> str:
    return f"{value.astimezone(_zone(zone)):%a %d %b %Y}"


def _clock(value: datetime, zone: str) -> str:
    local = value.astimezone(_zone(zone))
    return f"{local:%H:%M}"


def _range(start: datetime, end: datetime, zone: str) -> str:
    abbrev = start.astimezone(_zone(zone)).tzname() or zone
    return f"{_clock(start, zone)}–{_clock(end, zone)} {abbrev}"


# -- what the handlers read ----------------------------------------------------------------------
def read_page(session: Session, ctx: RequestContext, role: str, user_id: uuid.UUID, tab: str, page: int,
              now: datetime) -> tuple[list[BookingRow], int]:
    """One page of `tab` (requests | upcoming | past) of the person's bookings, and the total."""
    if tab == "requests":
        return bookings.tutor_requests(session, ctx, user_id, page=page, per_page=PER_PAGE)
    fn = bookings.student_bookings if role == "student" else bookings.tutor_bookings
    return fn(session, ctx, user_id, when=tab, page=page, per_page=PER_PAGE, now=now)


def read_with_history(session: Session, ctx: RequestContext, bid: uuid.UUID) -> tuple[BookingRow, list[dict[str, Any]]]:
    return (bookings.get_row(session, ctx, bid), bookings.history(session, ctx, bid))


# -- what they show -------------------------------------------------------------------------------
def card_for(row: BookingRow, role: str, zone: str, now: datetime) -> BookingCard:
    """A booking as `role` (student | tutor) sees it, in `zone`; the buttons come from the
    actions the bookings package computed for the row (`row.actions`)."""
    student_label, tutor_label, color = _STATUS.get(row.status, (row.status, row.status, "gray"))
    other_zone = row.tutor_time_zone if role == "student" else row.student_time_zone
    label = student_label if role == "student" else tutor_label
    note = ""
    if row.status == Status.PENDING_PAYMENT and row.expires_at is not None:
        label += f" · expires {_clock(row.expires_at, zone)} {row.expires_at.astimezone(_zone(zone)).tzname()}"
        note = "The student has not paid yet; unpaid bookings expire." if role == "tutor" else \
            "Pay before it expires, or the time is released."
    elif row.status == Status.AWAITING_TUTOR and row.respond_by is not None:
        note = f"Respond by {_when(row.respond_by, zone)}, or it is declined automatically." if role == "tutor" \
            else f"Paid. The tutor confirms by {_when(row.respond_by, zone)}, or you get a full refund."
    outcome = ""
    if row.status in (Status.CANCELLED, Status.DECLINED):
        verb = "Cancelled" if row.status == Status.CANCELLED else "Declined"
        who = "you" if row.cancelled_by == role else _WHO.get(row.cancelled_by or "", "TutorConnect")
        refund_word = "Refund to the student" if role == "tutor" else "Your refund"
        parts = [f"{verb} by {who}" + (f": “{row.cancel_reason}”" if row.cancel_reason else "")]
        if row.refund_minor is not None:
            parts.append(f"{refund_word}: {format_money(row.refund_minor, row.currency)}")
        outcome = " · ".join(parts)
    elif row.status == Status.NO_SHOW_TUTOR and row.refund_minor:
        outcome = f"{'Refund to the student' if role == 'tutor' else 'Your refund'}: " \
                  f"{format_money(row.refund_minor, row.currency)}"
    acts, left = row.actions, row.actions.reschedules_left
    name = row.tutor_name if role == "student" else row.student_name
    return BookingCard(
        id=str(row.id), reference=row.reference, status=row.status,
        status_label=label, status_color=color, status_note=note,
        name=name, photo=(row.tutor_photo or "") if role == "student" else "", initial=(name[:1] or "?").upper(),
        profile_href=f"/tutors/{row.tutor_slug}" if role == "student" else "",
        day=_day(row.starts_at, zone), time_range=_range(row.starts_at, row.ends_at, zone),
        other_time=(f"{'Tutor' if role == 'student' else 'Student'}'s time: "
                    f"{_clock(row.starts_at, other_zone)} {row.starts_at.astimezone(_zone(other_zone)).tzname()} "
                    f"({other_zone})") if other_zone != zone else "",
        duration=f"{row.length_minutes} min", trial=row.is_trial,
        price=format_money(row.price_minor, row.currency) + (f" · {_earning(row)}" if role == "tutor" else ""),
        join_url=(safe_join_url(row.meeting_url) or "") if row.status == Status.CONFIRMED else "",
        ics_href=f"/api/bookings/{row.id}.ics" if acts.calendar else "",
        pay_href=f"/pay/{row.reference}" if acts.pay else "",
        can_reschedule=acts.reschedule,
        reschedules_left=f"{left} reschedule{'s' if left != 1 else ''} left",
        can_cancel=acts.cancel,
        can_respond=acts.respond,
        can_no_show=acts.no_show,
        can_review=acts.review,
        reviewed=role == "student" and row.reviewed,
        outcome=outcome,
    )


_NO_EARNING = {Status.CANCELLED: "Cancelled", Status.DECLINED: "Declined", Status.EXPIRED: "Expired",
               Status.NO_SHOW_TUTOR: "Missed"}


def _earning(row: BookingRow) -> str:
    """The tutor's side of the price, from what the bookings package says the lesson pays
    them (`row.tutor_earning_minor`; None: nothing)."""
    if row.tutor_earning_minor is None:
        what = _NO_EARNING.get(row.status)
        return f"{what} — no earning" if what else "No earning"
    amount = format_money(row.tutor_earning_minor, row.currency)
    return f"Cancelled late — you keep {amount}" if row.status == Status.CANCELLED else f"you earn {amount}"


def history_item(event: dict[str, Any], row: BookingRow, viewer: uuid.UUID, zone: str) -> dict[str, str]:
    """One line of a booking's history, as the viewer reads it."""
    actor = event.get("actor_user_id")
    if actor is None:
        who = "TutorConnect"
    elif actor == viewer:
        who = "You"
    elif actor == row.student_id:
        who = row.student_name
    elif actor == row.tutor_id:
        who = row.tutor_name
    else:
        who = "TutorConnect support"
    details = event.get("details") or {}
    to = str(event.get("to_status") or "")
    if event.get("from_status") is None:
        what = "booked the lesson"
    elif event.get("from_status") == to and details.get("new_starts_at"):
        try:
            new = datetime.fromisoformat(details["new_starts_at"])
            what = f"moved it to {_when(new, zone)}"
        except (TypeError, ValueError):
            what = "rescheduled it"
    else:
        line = {
            Status.AWAITING_TUTOR: "Payment received; waiting for the tutor to confirm",
            Status.EXPIRED: "Expired: not paid in time",
            Status.COMPLETED: "The lesson took place",
        }.get(to)
        if to == Status.CONFIRMED:
            line = f"{who} accepted the booking" if event.get("from_status") == Status.AWAITING_TUTOR else \
                "Payment received; the lesson is confirmed"
        if line is not None:
            who, what = "", line
        else:
            what = {Status.DECLINED: "declined the booking", Status.CANCELLED: "cancelled the booking",
                    Status.NO_SHOW_STUDENT: "reported that the student did not attend",
                    Status.NO_SHOW_TUTOR: "reported that the tutor did not attend"}.get(to, f"changed it to {to}")
    reason = str(event.get("reason") or "")
    note = f" (“{reason}”)" if reason and to in (Status.CANCELLED, Status.DECLINED) else ""
    created = event.get("created_at")
    text_ = f"{who} {what}{note}" if who else f"{what}{note}"
    return {"when": _when(created, zone) if isinstance(created, datetime) else "", "text": text_}


def slot_days(found: Iterable[Slot], first: date, current: str) -> list[SlotDay]:
    """The seven days from `first`, each with the free slots starting that (local) day,
    leaving out the booking's own start `current` (ISO)."""
    by_day: dict[date, list[SlotChoice]] = {first + timedelta(days=i): [] for i in range(7)}
    for slot in found:
        if slot.starts_at.isoformat() == current:
            continue
        by_day.setdefault(slot.local_start.date(), []).append(
            SlotChoice(slot.starts_at.isoformat(), f"{slot.local_start:%H:%M}"))
    return [SlotDay(f"{d:%a}", f"{d:%d %b}", items) for d, items in sorted(by_day.items())]
