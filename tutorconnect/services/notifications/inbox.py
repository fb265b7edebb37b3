"""In-app notifications: written in the caller's transaction, read by their owner only.

Rows are written by notify.py (which applies the user's preferences and also
sends email/SMS); every change announces the user's notifications topic to their open
pages (live.publish, after the commit).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, col, func, select

from tutorconnect.models import Notification
from tutorconnect.services import live
from tutorconnect.services.errors import InvalidInput, NotFound

PER_PAGE_MAX = 100


@dataclass(frozen=True)
class NotificationItem:
    id: str
    kind: str
    title: str
    body: str
    link: str | None
    created_at: datetime
    read: bool


def create(
    session: Session,
    *,
    user_id: uuid.UUID,
    kind: str,
    title: str,
    body: str = "",
    link: str | None = None,
    dedupe_key: str | None = None,
) -> uuid.UUID | None:
    """Add a notification to the caller's transaction (it commits with the change that
    caused it, or not at all). `link` must be a same-site path. A repeated `dedupe_key`
    adds nothing and returns None."""
    if link is not None and (not link.startswith("/") or link.startswith("//")):
        raise ValueError("notification links are same-site paths")
    stmt = pg_insert(Notification.__table__).values(  # type: ignore[attr-defined]
        id=uuid.uuid4(), user_id=user_id, kind=kind, title=title[:200], body=body[:2000], link=link,
        dedupe_key=dedupe_key, created_at=datetime.now(timezone.utc),  # ordered within one transaction too
    )
    if dedupe_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
    new_id = session.execute(stmt.returning(Notification.__table__.c.id)).scalar()  # type: ignore[attr-defined]
    if new_id is not None:
        live.publish(session, live.notifications_topic(user_id))
    return new_id


def _page(page: object, per_page: object) -> tuple[int, int]:
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InvalidInput("page", "Choose a page number of 1 or more.")
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= PER_PAGE_MAX:
        raise InvalidInput("per_page", f"Show between 1 and {PER_PAGE_MAX} items per page.")
    return page, per_page


def list_for(
    session: Session, user_id: uuid.UUID, *, page: object = 1, per_page: object = 20
) -> tuple[list[NotificationItem], int]:
    """The user's notifications, newest first, and their total count."""
    page, per_page = _page(page, per_page)
    total = session.exec(select(func.count()).select_from(Notification).where(Notification.user_id == user_id)).one()
    rows = session.exec(
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return [
        NotificationItem(str(n.id), n.kind, n.title, n.body, n.link, n.created_at, n.read_at is not None)
        for n in rows
    ], total


def unread_count(session: Session, user_id: uuid.UUID) -> int:
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
    ).one()


def mark_read(session: Session, user_id: uuid.UUID, notification_id: uuid.UUID) -> None:
    """Mark one of the user's own notifications read (idempotent).

    Raises NotFound for an unknown id or someone else's notification (the same answer,
    so ids of other people's notifications cannot be probed).
    """
    owned = session.exec(
        select(Notification.id).where(Notification.id == notification_id, Notification.user_id == user_id)
    ).first()
    if owned is None:
        raise NotFound("That notification")
    changed = session.execute(
        update(Notification)
        .where(col(Notification.id) == notification_id, col(Notification.read_at).is_(None))
        .values(read_at=datetime.now(timezone.utc))
    ).rowcount
    if changed:
        live.publish(session, live.notifications_topic(user_id))


def mark_all_read(session: Session, user_id: uuid.UUID) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    result = session.execute(
        update(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=datetime.now(timezone.utc))
    )
    if result.rowcount:
        live.publish(session, live.notifications_topic(user_id))
    return result.rowcount
