"""Tutors for the admin review tests, written through the services straight into the live
app's database (as the onboarding wizard would), each in its own committed transaction."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine
from sqlmodel import Session

from tutorconnect.db import normalize_url
from tutorconnect.models import User
from tutorconnect.services import tutors
from tutorconnect.services.context import RequestContext
from tutorconnect.services.passwords import hash_password

PASSWORD = "demo-password-1"
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def as_(user_id: uuid.UUID | None) -> RequestContext:
    return RequestContext(ip="10.1.2.3", user_agent="pytest-e2e", request_id="e2e", actor_user_id=user_id)


def submitted_tutor(database_url: str, name: str, doc_dir: Path) -> tuple[uuid.UUID, str]:
    """A verified tutor account (password PASSWORD) with a 100% complete, submitted profile."""
    engine = create_engine(normalize_url(database_url))
    uid = uuid.uuid4()
    email = f"review-{uid.hex[:10]}@example.org"
    ctx = as_(uid)
    try:
        with Session(engine) as s:
            s.add(User(id=uid, email=email, full_name=name, role="tutor", time_zone="Asia/Kolkata",
                       password_hash=hash_password(PASSWORD), email_verified_at=datetime.now(timezone.utc)))
            s.commit()
        with Session(engine) as s:
            tutors.get_or_create_draft(s, ctx, uid)
            tutors.save_basics(s, ctx, uid, display_name="", headline=f"{name} teaches calculus and algebra",
                                       bio="I have taught school and college mathematics for nine years. " * 3,
                                       years_experience=9, time_zone="Asia/Kolkata")
            tutors.save_subjects(s, ctx, uid, [("mathematics", "advanced")])
            tutors.save_languages(s, ctx, uid, [("en", "C2"), ("hi", "native")])
            tutors.save_pricing(s, ctx, uid, hourly_rate_minor=900_00, trial_price_minor=200_00, currency="INR",
                                        lesson_lengths=[30, 60], overrides=None, requires_confirmation=True)
            tutors.save_media(s, ctx, uid, photo_path="/avatars/priya-sharma.svg", intro_video_url=None)
            tutors.add_document(s, ctx, uid, kind="education", title="BSc Mathematics", issuer="Delhi University",
                                         year=2014, filename="degree.pdf", data=PDF, directory=doc_dir)
            s.commit()
        with Session(engine) as s:
            tutors.submit_profile(s, ctx, uid)
            s.commit()
    finally:
        engine.dispose()
    return uid, email


def decide(database_url: str, admin_id: uuid.UUID, tutor_id: uuid.UUID, fn, **kwargs) -> None:
    """An approval decision made by `admin_id` elsewhere (another admin's browser)."""
    engine = create_engine(normalize_url(database_url))
    try:
        with Session(engine) as s:
            fn(s, as_(admin_id), tutor_id, **kwargs)
            s.commit()
    finally:
        engine.dispose()
