"""What each person is told about each event: the in-app title, body and link, and the
email template with its context (rendered by services/mail.py from
tutorconnect/templates/email/<template>.html/.txt). services/notify.py delivers them.

Every value an email shows is formatted here for its recipient: times in their own
zone (users.time_zone), money with tutorconnect.money. Email contexts hold only text,
so the outbox payload carries the whole message.

Contexts of user events (notify.user_event):
  payment.failed                {booking_id, reason?}
  payment.refund_processed      {refund_id}
  payment.refunded_automatically {refund_id, kind: late|closed|duplicate}
  tutor.under_review|approved|rejected|suspended {reason?, status_event_id?}
  review.published              {review_id, stars, student}
  meeting.fallback              {booking_id, join_url}
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.money import format_money
from tutorconnect.services import mail
from tutorconnect.services.validation import safe_join_url
from tutorconnect.timefmt import format_short, format_span

# People -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    email: str
    full_name: str
    time_zone: str
    role: str
    phone: str | None

    @property
    def first_name(self) -> str:
        return (self.full_name.split() or ["there"])[0]


_PERSON_SQL = text("SELECT id, email, full_name, time_zone, role, phone_e164 FROM users "
                   "WHERE id = :u AND deleted_at IS NULL")


def person(session: Session, user_id: uuid.UUID) -> Person | None:
    r = session.execute(_PERSON_SQL, {"u": user_id}).first()
    return None if r is None else Person(r.id, r.email, r.full_name, r.time_zone, r.role, r.phone_e164)


@dataclass(frozen=True)
class Notice:
    """One message to one person. `event` picks the preference topic, `kind` is the
    in-app row's kind, `key` makes it unique (see notify)."""
    to: Person
    event: str
    key: str
    title: str
    body: str = ""
    link: str | None = None
    template: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    kind: str = ""
    ics_booking_id: uuid.UUID | None = None
    join_url: str | None = None
    only_if: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", self.event)


# Bookings ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class BookingFacts:
    booking: Any
    student: Person
    tutor: Person
    tutor_name: str  # the tutor's display name
    tutor_slug: str
    extra: dict[str, Any]
    join_url: str | None

    def other(self, who: Person) -> str:
        return self.tutor_name if who.id == self.student.id else self.student.full_name

    def role(self, who: Person) -> str:
        return "student" if who.id == self.student.id else "tutor"


_TUTOR_SQL = text("SELECT coalesce(nullif(display_name, ''), u.full_name) AS name, p.slug FROM tutor_profiles p "
                  "JOIN users u ON u.id = p.user_id WHERE p.user_id = :t")
_JOIN_SQL = text("SELECT join_url FROM meetings WHERE booking_id = :b AND status = 'ready'")


def booking_facts(session: Session, booking: Any, extra: dict[str, Any]) -> BookingFacts | None:
    student, tutor = person(session, booking.student_id), person(session, booking.tutor_id)
    if student is None or tutor is None:
        return None
    if "old_starts_at" in extra and "moved_by" not in extra:
        extra = {**extra, "moved_by": _actor_role(session, booking.id)}
    t = session.execute(_TUTOR_SQL, {"t": booking.tutor_id}).first()
    join_url = extra.get("join_url") or getattr(booking, "meeting_url", None) or \
        session.execute(_JOIN_SQL, {"b": booking.id}).scalar()
    return BookingFacts(booking, student, tutor, t.name if t else tutor.full_name, t.slug if t else "", extra,
                        safe_join_url(join_url))


def _money(amount: int | None, currency: str) -> str:
    return format_money(int(amount or 0), currency)


def lesson(b: Any, zone: str, *, starts_at: Any = None) -> dict[str, str]:
    start = starts_at or b.starts_at
    end = start + timedelta(minutes=int(b.length_minutes))
    return {
        "when": format_span(start, end, zone),
        "short": format_short(start, zone),
        "zone": zone,
        "length": f"{int(b.length_minutes)} minutes",
        "reference": b.reference,
        "price": _money(b.price_minor, b.currency),
    }


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
    refund = _money(b.refund_minor, b.currency)
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


def _actor_role(session: Session, booking_id: uuid.UUID) -> str:
    reason = session.execute(text("SELECT reason FROM booking_events WHERE booking_id = :b ORDER BY id DESC LIMIT 1"),
                             {"b": booking_id}).scalar() or ""
    return reason.rsplit(" ", 1)[-1] if reason.startswith("rescheduled by the ") else ""


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
    refund = _money(refund_minor, b.currency)
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
    refund = _money(b.refund_minor if tutor_absent else 0, b.currency)
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


def _booking_row(session: Session, booking_id: Any) -> Any:
    return session.execute(text("SELECT * FROM bookings WHERE id = :b"), {"b": uuid.UUID(str(booking_id))}).first()


# One person -------------------------------------------------------------------------------
def payment_failed(session: Session, who: Person, ctx: dict[str, Any]) -> list[Notice]:
    b = _booking_row(session, ctx["booking_id"])
    if b is None or b.status != "pending_payment":
        return []  # nothing left to retry
    facts = booking_facts(session, b, {})
    if facts is None:
        return []
    reason = str(ctx.get("reason") or "").strip()[:300]
    lz = lesson(b, who.time_zone)
    expires = format_short(b.expires_at, who.time_zone) if b.expires_at else ""
    return [Notice(
        who, "payment.failed", f"payment.failed:{b.id}:{b.sequence}:{who.id}",
        f"Your payment of {lz['price']} did not go through",
        (f"{reason} " if reason else "") + f"Your lesson with {facts.tutor_name} ({lz['short']}) is held "
        + (f"until {expires}. " if expires else "for a few minutes. ") + "You can try again.",
        f"/pay/{b.reference}", "payment_failed",
        {"name": who.first_name, "role": "student", "other": facts.tutor_name, "lesson": lz, "reason": reason,
         "expires": expires, "link": mail.url(f"/pay/{b.reference}"),
         "preheader": "Your time is still held for a few minutes: try the payment again."},
        only_if={"booking_id": str(b.id), "status_in": ["pending_payment"]})]


_REFUND_SQL = text("SELECT r.id, r.amount_minor, r.currency, b.reference, b.tutor_id, b.starts_at, b.status, "
                   "b.length_minutes, b.price_minor FROM refunds r JOIN bookings b ON b.id = r.booking_id "
                   "WHERE r.id = :r")


def _refund(session: Session, ctx: dict[str, Any]) -> Any:
    return session.execute(_REFUND_SQL, {"r": uuid.UUID(str(ctx["refund_id"]))}).first()


def refund_processed(session: Session, who: Person, ctx: dict[str, Any]) -> list[Notice]:
    r = _refund(session, ctx)
    if r is None:
        return []
    amount = _money(r.amount_minor, r.currency)
    return [Notice(
        who, "payment.refund_processed", f"payment.refund_processed:{r.id}:{who.id}",
        f"Refund of {amount} processed",
        f"Your refund of {amount} for booking {r.reference} has been processed. "
        "It usually reaches your account in 5-7 working days.", "/bookings", "refund_processed",
        {"name": who.first_name, "amount": amount, "reference": r.reference, "link": mail.url("/receipts"),
         "preheader": f"{amount} is on its way back to you; it usually arrives in 5-7 working days."})]


def refunded_automatically(session: Session, who: Person, ctx: dict[str, Any]) -> list[Notice]:
    r = _refund(session, ctx)
    if r is None:
        return []
    money = _money(r.amount_minor, r.currency)
    kind = ctx.get("kind")
    if kind == "late":
        title = f"Your payment of {money} is being refunded"
        body = (f"Your payment for booking {r.reference} arrived after the hold on that time had ended, "
                f"and the time is no longer available. We are refunding the full {money}; "
                "it usually reaches you in 5-7 working days. Please choose another time.")
    elif kind == "closed":
        title = f"Your payment of {money} is being refunded"
        body = (f"Booking {r.reference} was {str(r.status).replace('_', ' ')} before your payment arrived, "
                f"so we are refunding the full {money}; it usually reaches you in 5-7 working days.")
    else:
        title = f"Duplicate payment of {money} is being refunded"
        body = (f"Booking {r.reference} had already been paid, so we are refunding the extra payment of "
                f"{money}; it usually reaches you in 5-7 working days.")
    return [Notice(
        who, "payment.refunded_automatically", f"payment.refunded_automatically:{r.id}:{who.id}", title, body,
        "/bookings", "refund_started",
        {"name": who.first_name, "headline": title, "body": body, "amount": money, "reference": r.reference,
         "link": mail.url("/bookings"), "preheader": body[:140]})]


_TUTOR_MESSAGES: dict[str, tuple[str, str, str | None]] = {
    "tutor.under_review": ("Your profile is being reviewed", "An admin has started reviewing your tutor profile.",
                           None),
    "tutor.approved": ("Your profile is approved", "Students can now find and book you.", "tutor_approved"),
    "tutor.rejected": ("Your profile needs changes", "Reason: {reason}\nEdit your profile and submit it again.",
                       "tutor_rejected"),
    "tutor.suspended": ("Your profile is suspended", "Your profile is hidden from students. Reason: {reason}",
                        None),
}


def tutor_decision(event: str) -> Callable[[Session, Person, dict[str, Any]], list[Notice]]:
    def build(session: Session, who: Person, ctx: dict[str, Any]) -> list[Notice]:
        title, body, template = _TUTOR_MESSAGES[event]
        reason = str(ctx.get("reason") or "")
        marker = ctx.get("status_event_id") or uuid.uuid4().hex
        return [Notice(
            who, event, f"{event}:{marker}:{who.id}", title, body.format(reason=reason), "/tutor/profile",
            template, {"name": who.first_name, "reason": reason, "link": mail.url("/tutor/profile"),
                       "availability_link": mail.url("/tutor/availability"),
                       "preheader": body.format(reason=reason)[:140]})]
    return build


def review_published(session: Session, who: Person, ctx: dict[str, Any]) -> list[Notice]:
    stars = int(ctx.get("stars") or 0)
    student = str(ctx.get("student") or "A student")
    return [Notice(
        who, "review.published", f"review.published:{ctx.get('review_id')}:{who.id}", "You have a new review",
        f"{student} rated you {stars} out of 5.", "/tutor/reviews", "review_published",
        {"name": who.first_name, "student": student, "stars": stars, "link": mail.url("/tutor/reviews"),
         "preheader": f"{student} rated you {stars} out of 5. You can reply publicly."})]


def meeting_fallback_for(session: Session, who: Person, ctx: dict[str, Any]) -> list[Notice]:
    b = _booking_row(session, ctx["booking_id"])
    if b is None:
        return []
    facts = booking_facts(session, b, {"join_url": ctx.get("join_url"), "reason": ctx.get("reason")})
    if facts is None or facts.tutor.id != who.id:
        return []
    return meeting_fallback(facts)


USER_EVENTS: dict[str, Callable[[Session, Person, dict[str, Any]], list[Notice]]] = {
    "payment.failed": payment_failed,
    "payment.refund_processed": refund_processed,
    "payment.refunded_automatically": refunded_automatically,
    "tutor.under_review": tutor_decision("tutor.under_review"),
    "tutor.approved": tutor_decision("tutor.approved"),
    "tutor.rejected": tutor_decision("tutor.rejected"),
    "tutor.suspended": tutor_decision("tutor.suspended"),
    "review.published": review_published,
    "meeting.fallback": meeting_fallback_for,
}
