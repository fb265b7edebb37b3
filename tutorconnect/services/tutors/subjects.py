"""The subject taxonomy, managed by admins: add, rename, retire and unretire.

Retired subjects disappear from pickers and search facets (`list_active`) but stay on the
profiles that already teach them (tutor_subjects rows are never deleted here). Every change
is audited.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorconnect.models import Subject, TutorSubject
from tutorconnect.services import audit, discovery
from tutorconnect.services.access import require_admin
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class SubjectRow:
    id: str
    slug: str
    name: str
    category: str
    retired: bool


def _row(s: Subject) -> SubjectRow:
    return SubjectRow(str(s.id), s.slug, s.name, s.category, s.retired_at is not None)


def slugify(name: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return "-".join(words)[:80].strip("-")


def _clean(field: str, value: object, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field, f"Enter the subject's {field}.")
    clean = " ".join(unicodedata.normalize("NFKC", value).split())
    if not clean:
        raise InvalidInput(field, f"Enter the subject's {field}.")
    if len(clean) > limit:
        raise InvalidInput(field, f"Use at most {limit} characters for the {field}.")
    if any(unicodedata.category(c).startswith("C") for c in clean):
        raise InvalidInput(field, f"The {field} contains characters we cannot store.")
    return clean


def list_active(session: Session) -> list[SubjectRow]:
    """Subjects offered in pickers and search facets, by category and name."""
    rows = session.exec(
        select(Subject).where(col(Subject.retired_at).is_(None)).order_by(col(Subject.category), col(Subject.name))
    ).all()
    return [_row(s) for s in rows]


def list_all(session: Session, ctx: RequestContext) -> list[SubjectRow]:
    """Every subject, retired ones included (the admin's taxonomy page)."""
    require_admin(session, ctx.actor_user_id)
    return [_row(s) for s in session.exec(select(Subject).order_by(col(Subject.category), col(Subject.name))).all()]


def add_subject(session: Session, ctx: RequestContext, *, name: object, category: object) -> SubjectRow:
    """Add a subject; its slug comes from the name. Raises PermissionDenied, InvalidInput
    (bad name/category, or a subject with that slug exists)."""
    require_admin(session, ctx.actor_user_id)
    clean_name, clean_category = _clean("name", name, 80), _clean("category", category, 60)
    slug = slugify(clean_name)
    if not slug:
        raise InvalidInput("name", "Use letters or digits in the subject's name.")
    if session.exec(select(Subject.id).where(Subject.slug == slug)).first() is not None:
        raise InvalidInput("name", "A subject with that name already exists.")
    subject = Subject(slug=slug, name=clean_name, category=clean_category)
    session.add(subject)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # a concurrent add won the unique index
        raise InvalidInput("name", "A subject with that name already exists.") from None
    audit.record(session, ctx, action="subject.added", target_type="subject", target_id=subject.id,
                 after={"slug": slug, "name": clean_name, "category": clean_category})
    return _row(subject)


def _locked(session: Session, subject_id: uuid.UUID) -> Subject:
    subject = session.exec(select(Subject).where(Subject.id == subject_id).with_for_update()).first()
    if subject is None:
        raise NotFound("That subject")
    return subject


def rename_subject(session: Session, ctx: RequestContext, subject_id: uuid.UUID, *, name: object) -> SubjectRow:
    """Change the display name; the slug (used in URLs and saved searches) stays. The
    search documents of tutors teaching it are rebuilt in the same transaction."""
    require_admin(session, ctx.actor_user_id)
    subject = _locked(session, subject_id)
    clean_name = _clean("name", name, 80)
    if clean_name != subject.name:
        before = {"name": subject.name}
        subject.name = clean_name
        session.flush()
        teaching = session.exec(select(TutorSubject.tutor_id).where(TutorSubject.subject_id == subject.id)).all()
        discovery.refresh_search_documents(session, list(teaching))
        audit.record(session, ctx, action="subject.renamed", target_type="subject", target_id=subject.id,
                     before=before, after={"name": clean_name})
    return _row(subject)


def _set_retired(session: Session, ctx: RequestContext, subject_id: uuid.UUID, retired: bool) -> SubjectRow:
    require_admin(session, ctx.actor_user_id)
    subject = _locked(session, subject_id)
    if (subject.retired_at is not None) != retired:
        subject.retired_at = datetime.now(timezone.utc) if retired else None
        audit.record(session, ctx, action="subject.retired" if retired else "subject.unretired",
                     target_type="subject", target_id=subject.id,
                     before={"retired": not retired}, after={"retired": retired})
    return _row(subject)


def retire_subject(session: Session, ctx: RequestContext, subject_id: uuid.UUID) -> SubjectRow:
    """Hide a subject from pickers and search; profiles keep it. Idempotent."""
    return _set_retired(session, ctx, subject_id, True)


def unretire_subject(session: Session, ctx: RequestContext, subject_id: uuid.UUID) -> SubjectRow:
    return _set_retired(session, ctx, subject_id, False)
