"""Builders shared by the tutor marketplace tests (no tests here).

Rows are written directly (no rate limits, no email) or through the services, each in its
own committed transaction, as the app's entrypoints would.
"""

from __future__ import annotations

import uuid

import pytest

from tutorconnect.db import session_scope
from tutorconnect.models import Subject, TutorProfile, User
from tutorconnect.services import tutors
from tutorconnect.services.tutors import documents  # the submodule: monkeypatch target
from tutorconnect.services.context import RequestContext

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
SUBJECTS = (("mathematics", "Mathematics"), ("physics", "Physics"), ("japanese", "Japanese"),
            ("python-programming", "Python Programming"))


def as_(user_id: uuid.UUID | None) -> RequestContext:
    return RequestContext(ip="10.9.8.7", user_agent="pytest", request_id="test", actor_user_id=user_id)


def make_user(role: str = "student", name: str | None = None) -> uuid.UUID:
    uid = uuid.uuid4()
    with session_scope() as s:
        s.add(User(id=uid, email=f"{role}-{uid.hex[:10]}@example.com", full_name=name or f"{role.title()} {uid.hex[:4]}",
                   role=role, time_zone="Asia/Kolkata"))
    return uid


def make_subjects() -> dict[str, uuid.UUID]:
    ids = {}
    with session_scope() as s:
        for slug, name in SUBJECTS:
            subject = Subject(slug=slug, name=name, category="Test")
            s.add(subject)
            s.flush()
            ids[slug] = subject.id
    return ids


def draft(tutor_id: uuid.UUID) -> None:
    with session_scope() as s:
        tutors.get_or_create_draft(s, as_(tutor_id), tutor_id)


BASICS = dict(display_name="Ms Priya", headline="Maths that makes sense",
              bio="I have taught mathematics for eleven years. " * 4, years_experience=11, time_zone="Asia/Kolkata")
PRICING = dict(hourly_rate_minor=1200_00, trial_price_minor=300_00, currency="INR", lesson_lengths=[30, 60],
               overrides={30: 700_00}, requires_confirmation=False)


def complete_profile(tutor_id: uuid.UUID, doc_dir, subjects=(("mathematics", "expert"),)) -> None:
    """Every wizard step, leaving the profile 100% complete (status unchanged)."""
    ctx = as_(tutor_id)
    with session_scope() as s:
        tutors.get_or_create_draft(s, ctx, tutor_id)
        tutors.save_basics(s, ctx, tutor_id, **BASICS)
        tutors.save_subjects(s, ctx, tutor_id, list(subjects))
        tutors.save_languages(s, ctx, tutor_id, [("en", "C2"), ("hi", "native")])
        tutors.save_pricing(s, ctx, tutor_id, **PRICING)
        tutors.save_media(s, ctx, tutor_id, photo_path="/avatars/priya.svg",
                                  intro_video_url="https://www.youtube.com/watch?v=abc123")
        tutors.add_document(s, ctx, tutor_id, kind="education", title="MSc Mathematics", issuer="IIT Bombay",
                                    year=2012, filename="degree.pdf", data=PDF, directory=doc_dir)


def approved_tutor(admin_id: uuid.UUID, doc_dir, name: str = "Priya Sharma", subjects=(("mathematics", "expert"),)) -> uuid.UUID:
    tutor_id = make_user("tutor", name)
    complete_profile(tutor_id, doc_dir, subjects)
    with session_scope() as s:
        tutors.submit_profile(s, as_(tutor_id), tutor_id)
    with session_scope() as s:
        tutors.start_review(s, as_(admin_id), tutor_id)
    with session_scope() as s:
        tutors.approve_tutor(s, as_(admin_id), tutor_id)
    return tutor_id


def listed_tutor(status: str = "approved", name: str = "Listed Tutor") -> uuid.UUID:
    """A minimal profile written directly in the given status (for reviews, favorites)."""
    uid = make_user("tutor", name)
    with session_scope() as s:
        s.add(TutorProfile(user_id=uid, slug=f"t-{uid.hex}", headline="Tutor", hourly_rate_minor=1000_00, status=status))
    return uid


def profile(tutor_id: uuid.UUID) -> TutorProfile:
    with session_scope() as s:
        return s.get(TutorProfile, tutor_id)


@pytest.fixture
def doc_dir(tmp_path, monkeypatch):
    path = tmp_path / "private-documents"
    monkeypatch.setattr(documents, "DOCUMENT_DIR", path)
    return path
