"""The audit log: every change to roles, sessions and passwords (and later, admin acts)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from tutorconnect.models import AuditLog, User
from tutorconnect.services.context import RequestContext


def record(
    session: Session,
    ctx: RequestContext,
    *,
    action: str,
    target_type: str,
    target_id: uuid.UUID | str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add an audit row to the caller's transaction (it commits with the change)."""
    session.add(
        AuditLog(
            actor_user_id=ctx.actor_user_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            before=before,
            after=after,
            ip=ctx.ip,
            user_agent=ctx.user_agent[:300],
            request_id=ctx.request_id,
        )
    )


@dataclass(frozen=True)
class AuditEntry:
    id: int
    created_at: datetime
    actor_user_id: str
    actor_email: str
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip: str


def list_entries(
    session: Session,
    *,
    target_id: str | None = None,
    actor_user_id: uuid.UUID | None = None,
    action_prefix: str | None = None,
    page: int = 1,
    per_page: int = 25,
) -> tuple[list[AuditEntry], int]:
    query = select(AuditLog)
    count = select(func.count()).select_from(AuditLog)
    conditions = []
    if target_id:
        conditions.append(AuditLog.target_id == target_id)
    if actor_user_id:
        conditions.append(AuditLog.actor_user_id == actor_user_id)
    if action_prefix:
        conditions.append(col(AuditLog.action).startswith(action_prefix))
    for c in conditions:
        query = query.where(c)
        count = count.where(c)
    total = session.exec(count).one()
    page, per_page = max(1, int(page)), min(max(1, int(per_page)), 100)
    rows = session.exec(
        query.order_by(col(AuditLog.id).desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    actor_ids = {r.actor_user_id for r in rows if r.actor_user_id}
    emails = dict(session.exec(select(User.id, User.email).where(col(User.id).in_(actor_ids))).all()) if actor_ids else {}
    return [
        AuditEntry(
            id=r.id or 0,
            created_at=r.created_at,
            actor_user_id=str(r.actor_user_id or ""),
            actor_email=emails.get(r.actor_user_id, "") if r.actor_user_id else "",
            action=r.action,
            target_type=r.target_type,
            target_id=r.target_id,
            before=r.before,
            after=r.after,
            ip=r.ip or "",
        )
        for r in rows
    ], total


_EMPTY = "\u2014"  # an em dash: no value on that side
_MAX_VALUE = 120


_ACRONYMS = {"id": "ID", "ip": "IP", "url": "URL", "ics": "ICS"}


def _label(key: Any) -> str:
    words = str(key).replace("_", " ").split(" ")
    words = [_ACRONYMS.get(w.lower(), w) for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _shown(value: Any) -> str:
    if value is None or value == "":
        return _EMPTY
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(_shown(v) for v in value) or _EMPTY
    elif isinstance(value, dict):
        text = ", ".join(f"{k}: {_shown(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) or _EMPTY
    else:
        text = str(value)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE].rstrip() + "\u2026"


def describe_change(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """(field, old, new) for each field whose value differs, by field name; what an admin
    reads in the audit log instead of two JSON documents. A missing field, a null and an
    empty one are the same (no value)."""
    old, new = before or {}, after or {}
    rows = []
    for key in sorted(old.keys() | new.keys(), key=str):
        was, now = _shown(old.get(key)), _shown(new.get(key))
        if old.get(key) != new.get(key) and was != now:
            rows.append((_label(key), was, now))
    return rows
