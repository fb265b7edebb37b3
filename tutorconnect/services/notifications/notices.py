"""The building blocks of every notification: who it is for (Person), one message to one
person (Notice), the facts of a booking that its messages are built from (BookingFacts),
and a lesson's and an amount's text as its recipient reads them.

Every value an email shows is formatted for its recipient: times in their own zone
(users.time_zone), money with tutorconnect.money. Email contexts hold only text, so the
outbox payload carries the whole message. booking_messages.py and user_messages.py build
the notices from these; notify.py delivers them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.money import format_money
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


def _actor_role(session: Session, booking_id: uuid.UUID) -> str:
    reason = session.execute(text("SELECT reason FROM booking_events WHERE booking_id = :b ORDER BY id DESC LIMIT 1"),
                             {"b": booking_id}).scalar() or ""
    return reason.rsplit(" ", 1)[-1] if reason.startswith("rescheduled by the ") else ""


def money_text(amount: int | None, currency: str) -> str:
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
        "price": money_text(b.price_minor, b.currency),
    }
