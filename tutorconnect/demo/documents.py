"""The demo tutors' education documents: a generated one-page PDF each, stored privately.

Every demo tutor who wrote a profile gets one, like an upload (so listed demo profiles
are 100% complete); the files are written only when missing.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from tutorconnect.demo.catalog import TUTORS
from tutorconnect.demo.identity import DEMO_NAMESPACE, slugify
from tutorconnect.demo.rows import insert_missing
from tutorconnect.models import TutorDocument
from tutorconnect.services import tutors

_DEGREES = ("BSc", "MSc", "BA", "MA", "BEd", "PhD", "BTech", "MBA")
_ISSUERS = ("University of Mumbai", "University of Delhi", "IIT Madras", "University of Hyderabad",
            "Jadavpur University", "Anna University", "University of Pune", "Banaras Hindu University")


def demo_pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing `lines` (ASCII): a stand-in for a scanned certificate."""
    text = "BT /F1 18 Tf 72 720 Td 24 TL " + " ".join(
        "(" + line.encode("ascii", "replace").decode().replace("\\", "").replace("(", "[").replace(")", "]") + ") '"
        for line in lines
    ) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text.encode() + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def insert_documents(
    session: Session,
    tutor_emails: list[str],
    accounts: dict[str, tuple[uuid.UUID, str, datetime]],
    present: set[uuid.UUID],
    now: datetime,
    directory: Path | None,
) -> int:
    """One education document for every demo tutor who has written a profile (so listed
    demo profiles are 100% complete), stored privately like an upload; files are written
    only when missing."""
    folder = directory or tutors.DOCUMENT_DIR
    rows = []
    for i, (email, tutor) in enumerate(zip(tutor_emails, TUTORS)):
        account = accounts.get(email)
        if account is None or account[0] not in present or not tutor.about:
            continue
        slug = slugify(tutor.name)
        key = f"demo-{slug}.pdf"
        title = f"Degree certificate, {_DEGREES[i % len(_DEGREES)]}"
        data = demo_pdf(["TutorConnect demo document", title, tutor.name, "Not a real certificate."])
        path = folder / key
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.write_bytes(data)
            path.chmod(0o600)
        rows.append({
            "id": uuid.uuid5(DEMO_NAMESPACE, f"document:{slug}"), "tutor_id": account[0], "kind": "education",
            "title": title, "issuer": _ISSUERS[i % len(_ISSUERS)], "year": 2000 + (i * 3) % 22,
            "storage_key": key, "original_filename": f"{slug}-degree.pdf", "content_type": "application/pdf",
            "size_bytes": len(data), "created_at": account[2] + timedelta(days=1),
        })
    return insert_missing(session, TutorDocument, rows)
