"""What the checkout page shows about a booking, found by its reference, including the
page's phase: paid, expired, payable or closed (the page only formats it).

Only the booking's student may read it: anyone else (another student, the tutor, an
admin, nobody) gets the same NotFound, so the page never reveals that a reference exists.
Paying itself goes through checkout.py (start_checkout, confirm_from_callback).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.models.scheduling import PAID_STATUSES
from tutorconnect.services import bookings, meetings
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import NotFound

BOOKING_REFERENCE = re.compile(r"^TC-[A-Z0-9]{4,12}$")
CHECKOUT_PHASES = ("paid", "expired", "payable", "closed")


def checkout_phase(status: str, expires_at: datetime | None, now: datetime) -> str:
    """paid: the payment went through (awaiting the tutor, confirmed or later); expired:
    the payment window closed (the sweep may not have run yet); payable: the student can
    pay now; closed: cancelled or otherwise over without a payment."""
    if status in PAID_STATUSES:
        return "paid"
    if bookings.payment_open(status, expires_at, now):
        return "payable"
    if status in ("pending_payment", "expired"):
        return "expired"
    return "closed"


@dataclass(frozen=True)
class CheckoutSummary:
    booking_id: uuid.UUID
    reference: str
    status: str
    starts_at: datetime
    ends_at: datetime
    length_minutes: int
    price_minor: int
    currency: str
    expires_at: datetime | None
    policy_text: str
    tutor_name: str
    tutor_photo: str
    tutor_slug: str
    tutor_zone: str
    student_zone: str
    join_url: str = ""  # the lesson's meeting link once it is ready (confirmed bookings)
    phase: str = "closed"  # CHECKOUT_PHASES, as of the query's `now`


def clean_reference(value: Any) -> str:
    if not isinstance(value, str) or not BOOKING_REFERENCE.match(value.strip().upper()):
        raise NotFound("That booking")
    return value.strip().upper()


def checkout_summary(session: Session, ctx: RequestContext, reference: Any, *,
                     now: datetime | None = None) -> CheckoutSummary:
    ref = clean_reference(reference)
    row = session.execute(text(
        "SELECT b.id, b.reference, b.status, b.starts_at, b.ends_at, b.length_minutes, b.price_minor, b.currency,"
        " b.expires_at, b.cancellation_policy, b.student_id, b.tutor_time_zone, b.student_time_zone,"
        " coalesce(nullif(p.display_name, ''), u.full_name) AS tutor_name, coalesce(p.photo_path, '') AS photo,"
        " p.slug FROM bookings b JOIN tutor_profiles p ON p.user_id = b.tutor_id JOIN users u ON u.id = b.tutor_id"
        " WHERE b.reference = :r"), {"r": ref}).first()
    if row is None or ctx.actor_user_id is None or row.student_id != ctx.actor_user_id:
        raise NotFound("That booking")
    link = meetings.join_link_for(session, [row.id]).get(row.id) if row.status == "confirmed" else None
    return CheckoutSummary(
        booking_id=row.id, reference=row.reference, status=row.status, starts_at=row.starts_at, ends_at=row.ends_at,
        length_minutes=row.length_minutes, price_minor=row.price_minor, currency=row.currency,
        expires_at=row.expires_at, policy_text=bookings.describe(row.cancellation_policy),
        tutor_name=row.tutor_name, tutor_photo=row.photo, tutor_slug=row.slug, tutor_zone=row.tutor_time_zone,
        student_zone=row.student_time_zone,
        join_url=link[0] if link is not None and link[2] == "ready" else "",
        phase=checkout_phase(row.status, row.expires_at, now or datetime.now(timezone.utc)),
    )
