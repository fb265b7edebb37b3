"""How complete a tutor profile is: the weighted checklist the wizard shows and that must
reach 100 before the tutor can submit the profile for review."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from tutorconnect.models import TutorDocument, TutorLanguage, TutorProfile, TutorSubject
from tutorconnect.services.errors import NotFound

BIO_MIN_FOR_COMPLETE = 100

# (weight, item shown to the tutor while missing). The weights favour what students
# decide on: what you teach, what it costs, and who you are.
WEIGHTS: tuple[tuple[str, int, str], ...] = (
    ("headline", 10, "A headline"),
    ("bio", 15, f"An introduction of at least {BIO_MIN_FOR_COMPLETE} characters"),
    ("years_experience", 5, "Your years of teaching experience"),
    ("photo", 10, "A profile photo"),
    ("subjects", 20, "At least one subject you teach"),
    ("languages", 10, "At least one language you speak"),
    ("pricing", 20, "Your hourly rate"),
    ("documents", 10, "At least one education or certification document"),
)
assert sum(w for _, w, _ in WEIGHTS) == 100


@dataclass(frozen=True)
class Completeness:
    score: int  # 0..100; 100 is required to submit for review
    missing: list[str]  # human-readable, in wizard order

    @property
    def complete(self) -> bool:
        return self.score == 100


def completeness(session: Session, tutor_id: uuid.UUID) -> Completeness:
    """How complete the profile is. Intro video and trial price are optional extras and
    do not count. Raises NotFound."""
    profile = session.get(TutorProfile, tutor_id)
    if profile is None:
        raise NotFound("That tutor profile")
    has = {
        "headline": bool(profile.headline),
        "bio": len(profile.bio) >= BIO_MIN_FOR_COMPLETE,
        "years_experience": profile.years_experience is not None,
        "photo": bool(profile.photo_path),
        "subjects": session.exec(select(TutorSubject.subject_id).where(TutorSubject.tutor_id == tutor_id)).first() is not None,
        "languages": session.exec(select(TutorLanguage.language_code).where(TutorLanguage.tutor_id == tutor_id)).first() is not None,
        "pricing": profile.hourly_rate_minor is not None,
        "documents": session.exec(select(TutorDocument.id).where(
            TutorDocument.tutor_id == tutor_id, col(TutorDocument.deleted_at).is_(None))).first() is not None,
    }
    score = sum(w for key, w, _ in WEIGHTS if has[key])
    return Completeness(score, [label for key, _, label in WEIGHTS if not has[key]])
