"""What the people of a booking are told about each booking event: the in-app title, body
and link, and the email template with its context (rendered by mail.py from
tutorconnect/templates/email/<template>.html/.txt). BOOKING_EVENTS maps each event to its
builder; notify.booking_event delivers the notices (see notices.py for the building
blocks and how values are formatted for each recipient).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tutorconnect.services.notifications import mail
from tutorconnect.services.notifications.notices import BookingFacts, Notice, Person, lesson, money_text
from tutorconnect.timefmt import format_short


def _base(f: BookingFacts, who: Person, link: str, **more: Any) -> dict[str, Any]:
    return {"name": who.first_name, "role": f.role(who), "other": f.other(who),
            "lesson": lesson(f.booking, who.time_zone), "link": mail.url(link), **more}


def _key(event: str, f: BookingFacts, who: Person, suffix: str = "") -> str:
    return f"{event}:{f.booking.id}:{f.booking.sequence}:{who.id}{suffix}"


def _link_for(f: BookingFacts, who: Person) -> str:
    return "/bookings" if who.id == f.student.id else "/tutor/schedule"


def _at_this_time(f: BookingFacts, *statuses: str) -> dict[str, Any]:
    """Send only while the booking still has this status and this start time."""
    return {"booking_id": str(f.booking.id), "status_in": list(statuses), "starts_at": f.booking.starts_at.isoformat()}


def _provider_label(provider: Any, url: str | None) -> str:
    if provider == "google" or (url and "meet.google.com" in url):
        return "Google Meet"
    return "Video room"


def confirmed(f: BookingFacts) -> list[Notice]:
    out = []
    provider = _provider_label(f.extra.get("provider"), f.join_url)
    for who in (f.student, f.tutor):
        other, lz = f.other(who), lesson(f.booking, who.time_zone)
        title = (f"Lesson confirmed with {other}" if who is f.student else f"New lesson booked with {other}")
        body = f"{lz['when']}." + (f" Join on {provider}: {f.join_url}" if f.join_url else "")
        out.append(Notice(
            who, "booking.confirmed", _key("booking.confirmed", f, who), title, body, _link_for(f, who),
            "booking_confirmed", _base(f, who, _link_for(f, who), join_url=f.join_url or "", provider=provider,
                                       preheader=f"{lz['when']} · join link and calendar file inside"),
            ics_booking_id=f.booking.id, join_url=f.join_url, only_if=_at_this_time(f, "confirmed")))
    return out


def awaiting_tutor(f: BookingFacts) -> list[Notice]:
    b = f.booking
    s_respond = format_short(b.respond_by, f.student.time_zone) if b.respond_by else "soon"
    t_respond = format_short(b.respond_by, f.tutor.time_zone) if b.respond_by else "soon"
    ls, lt = lesson(b, f.student.time_zone), lesson(b, f.tutor.time_zone)
    guard = _at_this_time(f, "awaiting_tutor")
    return [
        Notice(f.student, "booking.awaiting_tutor", _key("booking.awaiting_tutor", f, f.student),
               f"Waiting for {f.tutor_name} to confirm",
               f"You paid {ls['price']} for {ls['when']}. {f.tutor_name} has until {s_respond} to accept; "
               "if they do not, you get a full refund.", "/bookings", "booking_awaiting_student",
               _base(f, f.student, "/bookings", respond_by=s_respond,
                     preheader=f"{f.tutor_name} answers by {s_respond}; you are refunded in full if not"),
               only_if=guard),
        Notice(f.tutor, "booking.awaiting_tutor", _key("booking.awaiting_tutor", f, f.tutor),
               f"New lesson request from {f.student.full_name}",
               f"{lt['when']}. Please accept or decline by {t_respond}.", "/tutor/schedule",
               "booking_request_tutor",
               _base(f, f.tutor, "/tutor/schedule", respond_by=t_respond,
                     preheader=f"{lt['when']} · accept or decline by {t_respond}"),
               kind="booking.requested", only_if=guard),
    ]


def declined(f: BookingFacts) -> list[Notice]:
    b = f.booking
    automatic = b.cancelled_by == "system"
    refund = money_text(b.refund_minor, b.currency)
    ls = lesson(b, f.student.time_zone)
    link = f"/book/{f.tutor_slug}" if f.tutor_slug else "/tutors"
    why = (f"{f.tutor_name} did not answer in time" if automatic else f"{f.tutor_name} declined your request")
    out = [Notice(
        f.student, "booking.declined", _key("booking.declined", f, f.student),
        "Your lesson request was declined",
        f"{why} for {ls['when']}. We are refunding {refund} in full.", "/bookings",
        "booking_declined",
        _base(f, f.student, link, automatic=automatic, refund=refund, reason=b.cancel_reason or "",
              preheader=f"{why}. Your {refund} is being refunded in full."))]
    if automatic:
        lt = lesson(b, f.tutor.time_zone)
        out.append(Notice(
            f.tutor, "booking.declined", _key("booking.declined", f, f.tutor),
            f"Request from {f.student.full_name} expired",
            f"You did not answer the request for {lt['when']} in time, so it was declined and the student "
            "refunded.", "/tutor/schedule", "booking_declined",
            _base(f, f.tutor, "/tutor/schedule", automatic=True, refund=refund, reason="",
                  preheader="A lesson request was declined because it was not answered in time.")))
    return out


def rescheduled(f: BookingFacts) -> list[Notice]:
    b = f.booking
    old_start = f.extra.get("old_starts_at")
    moved_by = f.extra.get("moved_by", "")
    out = []
    for who in (f.student, f.tutor):
        lz = lesson(b, who.time_zone)
        old = lesson(b, who.time_zone, starts_at=old_start)["when"] if old_start else ""
        role = f.role(who)
        by = ("You" if moved_by == role else
              f.other(who) if moved_by in ("student", "tutor") else "TutorConnect" if moved_by == "admin" else "")
        title = f"Lesson moved to {lz['short']}" if by in ("", "You") else f"{by} moved your lesson to {lz['short']}"
        body = (f"Now {lz['when']} (was {old})." if old else f"Now {lz['when']}.")
        out.append(Notice(
            who, "booking.rescheduled", _key("booking.rescheduled", f, who), title, body, _link_for(f, who),
            "booking_rescheduled", _base(f, who, _link_for(f, who), old_when=old, moved_by=by,
                                         join_url=f.join_url or "",
                                         preheader=f"New time: {lz['when']}"),
            ics_booking_id=b.id if b.status == "confirmed" else None, join_url=f.join_url,
            only_if=_at_this_time(f, "confirmed", "awaiting_tutor")))
    return out


_CANCELLER = {"student": "the student", "tutor": "the tutor", "admin": "TutorConnect", "system": "TutorConnect"}


def cancelled(f: BookingFacts) -> list[Notice]:
    b = f.booking
    previous = f.extra.get("previous_status")
    by = b.cancelled_by or "system"
    refund_minor = int(b.refund_minor or 0)
    refund = money_text(refund_minor, b.currency)
    out = []
    recipients = [f.student, f.tutor]
    if previous == "pending_payment":  # never paid, the tutor never knew of it
        recipients = [] if by == "student" else [f.student]
    for who in recipients:
        role = f.role(who)
        lz = lesson(b, who.time_zone)
        who_cancelled = "You" if by == role else (f.other(who) if by in ("student", "tutor") else "TutorConnect")
        if role == "student":
            if previous == "pending_payment":
                money = "You were not charged."
            elif refund_minor > 0:
                full = refund_minor >= int(b.price_minor)
                money = f"We are refunding {refund}{' (the full price)' if full else ''}."
            else:
                money = "Under the cancellation policy this lesson is not refunded."
        else:
            money = "" if refund_minor == 0 else f"The student is refunded {refund}."
        title = (f"You cancelled your lesson with {f.other(who)}" if who_cancelled == "You"
                 else f"{who_cancelled} cancelled your lesson")
        out.append(Notice(
            who, "booking.cancelled", _key("booking.cancelled", f, who), title,
            f"{lz['when']}. {money}".strip(), _link_for(f, who), "booking_cancelled",
            _base(f, who, _link_for(f, who), cancelled_by=who_cancelled, money=money, refund=refund,
                  refunded=refund_minor > 0 and role == "student", reason=b.cancel_reason or "",
                  book_again=mail.url(f"/book/{f.tutor_slug}") if f.tutor_slug else mail.url("/tutors"),
                  preheader=f"{lz['when']} · {money or 'cancelled'}"),
            ics_booking_id=b.id if previous == "confirmed" else None))
    return out


def review_requested(f: BookingFacts) -> list[Notice]:
    b = f.booking
    return [Notice(
        f.student, "booking.review_requested", _key("booking.review_requested", f, f.student),
        f"How was your lesson with {f.tutor_name}? Leave a review",
        f"Your lesson {b.reference} is complete. Rate it from 1 to 5 stars.", "/bookings?tab=past",
        "booking_review_requested",
        _base(f, f.student, "/bookings?tab=past",
              preheader=f"Rate your lesson with {f.tutor_name} from 1 to 5 stars; it takes a minute."))]


def no_show(f: BookingFacts) -> list[Notice]:
    b = f.booking
    tutor_absent = b.status == "no_show_tutor"
    refund = money_text(b.refund_minor if tutor_absent else 0, b.currency)
    out = []
    for who in (f.student, f.tutor):
        role = f.role(who)
        lz = lesson(b, who.time_zone)
        absent_is_me = (role == "tutor") == tutor_absent
        if absent_is_me:
            title = f"{f.other(who)} reported that you missed a lesson"
        else:
            title = f"Lesson marked as missed by {f.other(who)}"
        if tutor_absent:
            money = (f"You get a full refund of {refund}." if role == "student"
                     else f"The student gets a full refund of {refund}.")
        else:
            money = ("Under the cancellation policy a missed lesson is not refunded." if role == "student"
                     else "You are paid for this lesson as usual.")
        out.append(Notice(
            who, "booking.no_show", _key("booking.no_show", f, who), title, f"{lz['when']}. {money}",
            _link_for(f, who), "booking_no_show",
            _base(f, who, _link_for(f, who), absent_is_me=absent_is_me, money=money,
                  preheader=f"{lz['when']} · {money}")))
    return out


def starts_in(minutes: int) -> str:
    if minutes % 1440 == 0:
        days = minutes // 1440
        return "tomorrow" if days == 1 else f"in {days} days"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"in {hours} hour{'s' if hours != 1 else ''}"
    return f"in {minutes} minutes"


def reminder(f: BookingFacts) -> list[Notice]:
    offset = int(f.extra.get("offset_minutes") or 0)
    soon = starts_in(offset) if offset else "soon"
    out = []
    for who in (f.student, f.tutor):
        lz = lesson(f.booking, who.time_zone)
        out.append(Notice(
            who, "booking.reminder", _key("booking.reminder", f, who, f":{offset}"),
            f"Your lesson with {f.other(who)} starts {soon}",
            f"{lz['when']}." + (f" Join: {f.join_url}" if f.join_url else ""), _link_for(f, who),
            "booking_reminder",
            _base(f, who, _link_for(f, who), starts_in=soon, join_url=f.join_url or "",
                  preheader=f"{lz['when']}" + (" · join link inside" if f.join_url else "")),
            only_if=_at_this_time(f, "confirmed")))
    return out


def meeting_fallback(f: BookingFacts) -> list[Notice]:
    who = f.tutor
    lz = lesson(f.booking, who.time_zone)
    url = f.join_url or ""
    reason = str(f.extra.get("reason") or "")[:200]
    return [Notice(
        who, "meeting.fallback", _key("meeting.fallback", f, who),
        f"We could not create a Google Meet link for lesson {f.booking.reference}",
        (f"Google Calendar did not let us add this lesson with a Meet link ({reason}). " if reason else "")
        + f"Your lesson with {f.student.full_name} on {lz['short']} uses this room instead: {url}. "
        "Check your Google Calendar connection on your account page.",
        "/tutor/schedule", "meeting_fallback",
        _base(f, who, "/tutor/schedule", join_url=url, reason=reason,
              preheader=f"Your lesson on {lz['short']} uses a video room link instead of Google Meet."))]


BOOKING_EVENTS: dict[str, Callable[[BookingFacts], list[Notice]]] = {
    "booking.confirmed": confirmed,
    "booking.awaiting_tutor": awaiting_tutor,
    "booking.declined": declined,
    "booking.rescheduled": rescheduled,
    "booking.cancelled": cancelled,
    "booking.review_requested": review_requested,
    "booking.no_show": no_show,
    "booking.reminder": reminder,
    "meeting.fallback": meeting_fallback,
}
