"""What one person is told about an event of theirs that is not a booking's: the in-app
title, body and link, and the email template with its context (rendered by mail.py).
USER_EVENTS maps each event to its builder; notify.user_event delivers the notices.

Contexts of user events (notify.user_event):
  payment.failed                {booking_id, reason?}
  payment.refund_processed      {refund_id}
  payment.refunded_automatically {refund_id, kind: late|closed|duplicate|mismatch}
  payment.flagged               {flag_id, flag, label, event, reason, reference, amount} (to admins)
  tutor.under_review|approved|rejected|suspended {reason?, status_event_id?}
  review.published              {review_id, stars, student}
  meeting.fallback              {booking_id, join_url}
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from tutorconnect.services.notifications import mail
from tutorconnect.services.notifications.booking_messages import meeting_fallback
from tutorconnect.services.notifications.notices import Notice, Person, booking_facts, lesson, money_text
from tutorconnect.timefmt import format_short


def _booking_row(session: Session, booking_id: Any) -> Any:
    return session.execute(text("SELECT * FROM bookings WHERE id = :b"), {"b": uuid.UUID(str(booking_id))}).first()


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
    amount = money_text(r.amount_minor, r.currency)
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
    money = money_text(r.amount_minor, r.currency)
    kind = ctx.get("kind")
    if kind == "late":
        title = f"Your payment of {money} is being refunded"
        body = (f"Your payment for booking {r.reference} arrived after the hold on that time had ended, "
                f"and the time is no longer available. We are refunding the full {money}; "
                "it usually reaches you in 5-7 working days. Please choose another time.")
    elif kind == "mismatch":
        title = f"Your payment of {money} is being refunded"
        body = (f"The amount of your payment for booking {r.reference} did not match the lesson's price, "
                f"so it was not applied to the booking and we are refunding the full {money}; "
                "it usually reaches you in 5-7 working days.")
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


def payment_flagged(session: Session, who: Person, ctx: dict[str, Any]) -> list[Notice]:
    """To an admin: a webhook event was stored but could not be applied (payments' flags)."""
    if who.role != "admin":
        return []
    label = str(ctx.get("label") or "Payment event flagged")[:80]
    reference = str(ctx.get("reference") or "")[:40]
    amount = str(ctx.get("amount") or "")[:60]
    reason = str(ctx.get("reason") or "")[:300]
    title = f"Payment flagged: {label}" + (f" ({reference})" if reference else "")
    body = (f"A Razorpay {str(ctx.get('event') or 'event')[:60]} event could not be applied"
            + (f" for booking {reference}" if reference else "") + (f" ({amount})" if amount else "") + ". "
            + (f"{reason}. " if reason else "") + "Review it and mark it resolved.")
    link = "/admin/payments/flags"
    return [Notice(
        who, "payment.flagged", f"payment.flagged:{ctx.get('flag_id')}:{who.id}", title, body, link,
        "payment_flagged",
        {"name": who.first_name, "label": label, "event": str(ctx.get("event") or "")[:60], "reason": reason,
         "reference": reference, "amount": amount, "link": mail.url(link), "preheader": body[:140]})]


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
    "payment.flagged": payment_flagged,
    "tutor.under_review": tutor_decision("tutor.under_review"),
    "tutor.approved": tutor_decision("tutor.approved"),
    "tutor.rejected": tutor_decision("tutor.rejected"),
    "tutor.suspended": tutor_decision("tutor.suspended"),
    "review.published": review_published,
    "meeting.fallback": meeting_fallback_for,
}
