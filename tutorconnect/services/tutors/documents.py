"""Education and certification documents of a tutor, stored privately.

Files live under var/private/documents: outside assets/ and Reflex's upload directory, so
no public route can serve them; they are read only through `open_document`, which lets
the owning tutor and admins in. Adding or removing one counts as editing the profile
(refused while it is under review, see profile_drafts.editable_profile).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlmodel import Session, col, func, select

from tutorconnect.config import PROJECT_ROOT
from tutorconnect.models import TutorDocument, TutorProfile, User
from tutorconnect.models.accounts import Role
from tutorconnect.models.tutors import DOCUMENT_KINDS, DOCUMENT_MAX_BYTES
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput, NotFound, PermissionDenied
from tutorconnect.services.tutors.input_cleaning import clean_int, clean_text
from tutorconnect.services.tutors.profile_drafts import editable_profile, touch

DOCUMENT_DIR = PROJECT_ROOT / "var" / "private" / "documents"
MAX_DOCUMENTS = 20
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


@dataclass(frozen=True)
class DocumentItem:
    id: str
    kind: str
    title: str
    issuer: str
    year: int | None
    filename: str
    content_type: str
    size_bytes: int
    created_at: datetime


def sniff_content_type(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the file's first bytes, or None if not PDF/PNG/JPEG."""
    for magic, content_type, ext in _MAGIC:
        if data.startswith(magic):
            return content_type, ext
    return None


def _write_atomically(directory: Path, key: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = directory / key
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        # A hard link publishes the complete file under its key in one step and, unlike
        # a rename, refuses to replace an existing file.
        os.link(tmp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return final


def add_document(
    session: Session,
    ctx: RequestContext,
    tutor_id: uuid.UUID,
    *,
    kind: object,
    title: object,
    issuer: object,
    year: object,
    filename: object,
    data: object,
    directory: Path | None = None,
) -> uuid.UUID:
    """Store an education/certification document privately for the tutor's own profile.

    The type comes from the file's magic bytes (PDF, PNG or JPEG), never from its name;
    1 byte..10 MB. The file is written atomically before the row; if the row cannot be
    stored the file is removed. Raises InvalidInput, PermissionDenied, ProfileLocked.
    """
    editable_profile(session, ctx, tutor_id)
    if kind not in DOCUMENT_KINDS:
        raise InvalidInput("kind", "Choose education or certification.")
    clean_title = clean_text("title", title, max_len=200, min_len=1)
    clean_issuer = clean_text("issuer", issuer, max_len=200)
    this_year = datetime.now(timezone.utc).year
    clean_year = None if year is None else clean_int("year", year, low=1950, high=this_year)
    name = clean_text("filename", filename if isinstance(filename, str) else "", max_len=500)
    name = (name.replace("\\", "/").rsplit("/", 1)[-1] or "document")[:200]
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise InvalidInput("file", "Choose a file to upload.")
    if len(data) > DOCUMENT_MAX_BYTES:
        raise InvalidInput("file", "The file is larger than 10 MB. Upload a smaller scan or PDF.")
    sniffed = sniff_content_type(bytes(data[:8]))
    if sniffed is None:
        raise InvalidInput("file", "Upload a PDF, PNG or JPEG file.")
    content_type, ext = sniffed
    count = session.exec(select(func.count()).select_from(TutorDocument).where(
        TutorDocument.tutor_id == tutor_id, col(TutorDocument.deleted_at).is_(None))).one()
    if count >= MAX_DOCUMENTS:
        raise InvalidInput("file", f"You can keep at most {MAX_DOCUMENTS} documents; remove one first.")
    key = uuid.uuid4().hex + ext
    path = _write_atomically(directory or DOCUMENT_DIR, key, bytes(data))
    doc = TutorDocument(tutor_id=tutor_id, kind=str(kind), title=clean_title, issuer=clean_issuer, year=clean_year,
                        storage_key=key, original_filename=name, content_type=content_type, size_bytes=len(data))
    try:
        session.add(doc)
        session.flush()
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        raise
    profile = session.get(TutorProfile, tutor_id)
    assert profile is not None
    touch(session, profile)
    return doc.id


def _can_see_documents(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> None:
    if ctx.actor_user_id is None:
        raise PermissionDenied()
    actor = session.exec(select(User).where(User.id == ctx.actor_user_id, col(User.deleted_at).is_(None))).first()
    if actor is None or not (actor.role == Role.ADMIN.value or (actor.id == tutor_id and actor.role == Role.TUTOR.value)):
        raise PermissionDenied()


def list_documents(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> list[DocumentItem]:
    """The tutor's documents, oldest first; for the tutor themselves or an admin."""
    _can_see_documents(session, ctx, tutor_id)
    rows = session.exec(select(TutorDocument).where(
        TutorDocument.tutor_id == tutor_id, col(TutorDocument.deleted_at).is_(None)
    ).order_by(col(TutorDocument.created_at), col(TutorDocument.id))).all()
    return [DocumentItem(str(d.id), d.kind, d.title, d.issuer, d.year, d.original_filename, d.content_type,
                         d.size_bytes, d.created_at) for d in rows]


def open_document(
    session: Session, ctx: RequestContext, document_id: uuid.UUID, *, directory: Path | None = None
) -> tuple[Path, str, str]:
    """(file path, content type, original filename) for the owning tutor or an admin.

    Raises NotFound (unknown or removed document), PermissionDenied (anyone else).
    """
    doc = session.get(TutorDocument, document_id)
    if doc is None or doc.deleted_at is not None:
        raise NotFound("That document")
    _can_see_documents(session, ctx, doc.tutor_id)
    return (directory or DOCUMENT_DIR) / doc.storage_key, doc.content_type, doc.original_filename


def remove_document(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, document_id: uuid.UUID) -> None:
    """Soft-delete one of the tutor's own documents (the file stays for the audit trail)."""
    profile = editable_profile(session, ctx, tutor_id)
    doc = session.get(TutorDocument, document_id)
    if doc is None or doc.tutor_id != tutor_id or doc.deleted_at is not None:
        raise NotFound("That document")
    doc.deleted_at = datetime.now(timezone.utc)
    session.add(doc)
    touch(session, profile)
