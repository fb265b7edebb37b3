"""Sweepers (run by background.sweep_bookings): expire unpaid bookings past their payment
window, decline requests the tutor did not answer in time (full refund), and complete
lessons that have ended.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import insert, select, update
from sqlmodel import Session

from tutorconnect.services.bookings import effects, records
from tutorconnect.services.bookings.commands import complete
from tutorconnect.services.bookings.machine import _request_refund
from tutorconnect.services.bookings.records import BOOKINGS, EVENTS, S, _now


def expire_unpaid(session: Session, now: datetime | None = None) -> int:
    """Sweeper: every pending_payment booking past its payment window becomes expired."""
    now = _now(now)
    rows = session.execute(
        update(BOOKINGS)
        .where(BOOKINGS.c.status == S.PENDING_PAYMENT.value, BOOKINGS.c.expires_at <= now)
        .values(status=S.EXPIRED.value, updated_at=now, sequence=BOOKINGS.c.sequence + 1)
        .returning(*BOOKINGS.c)
    ).all()
    if rows:
        session.execute(insert(EVENTS), [dict(booking_id=r.id, from_status=S.PENDING_PAYMENT.value,
                                              to_status=S.EXPIRED.value, actor_user_id=None,
                                              reason="payment window closed", created_at=now) for r in rows])
        for r in rows:
            effects.announce(session, r)
    return len(rows)


def auto_decline_overdue(session: Session, now: datetime | None = None) -> int:
    """Sweeper: every awaiting_tutor booking whose respond_by passed is declined (full refund)."""
    now = _now(now)
    rows = session.execute(
        update(BOOKINGS)
        .where(BOOKINGS.c.status == S.AWAITING_TUTOR.value, BOOKINGS.c.respond_by <= now)
        .values(status=S.DECLINED.value, updated_at=now, sequence=BOOKINGS.c.sequence + 1,
                refund_minor=BOOKINGS.c.price_minor, cancelled_by="system",
                cancel_reason="The tutor did not respond in time.")
        .returning(*BOOKINGS.c)
    ).all()
    if rows:
        session.execute(insert(EVENTS), [dict(booking_id=r.id, from_status=S.AWAITING_TUTOR.value,
                                              to_status=S.DECLINED.value, actor_user_id=None,
                                              reason="tutor did not respond in time", created_at=now) for r in rows])
        for r in rows:
            _request_refund(session, r, r.price_minor)
            effects.after_change(session, SimpleNamespace(status=S.AWAITING_TUTOR.value), r, "auto_decline")
    return len(rows)


def complete_ended(session: Session, now: datetime | None = None, *, limit: int = 500) -> int:
    """Sweeper: confirmed lessons that ended at least COMPLETE_AFTER_MINUTES ago (the
    no-show window) become completed, each through `complete` (history row, review
    request). Rows another sweep is completing right now are skipped (SKIP LOCKED), and
    `complete` re-checks the status, so concurrent sweeps never complete one twice."""
    now = _now(now)
    cutoff = now - timedelta(minutes=records._settings().complete_after_minutes)
    ids = session.execute(
        select(BOOKINGS.c.id)
        .where(BOOKINGS.c.status == S.CONFIRMED.value, BOOKINGS.c.ends_at <= cutoff)
        .order_by(BOOKINGS.c.ends_at).limit(limit)
        .with_for_update(skip_locked=True)
    ).scalars().all()
    for booking_id in ids:
        complete(session, booking_id, now=now)
    return len(ids)
