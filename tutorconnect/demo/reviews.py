"""The demo reviews: 0-12 per approved demo tutor from the demo students, with exact aggregates.

Ratings and texts vary (low ratings get a critical text, some reviews carry the tutor's
reply); each tutor's rating_count and rating_sum grow by exactly the rows inserted.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from tutorconnect.demo.catalog import STUDENTS, TUTORS
from tutorconnect.demo.identity import demo_email, demo_review_id, slugify
from tutorconnect.models import Review, Role, TutorProfile, TutorStatus, User
from tutorconnect.services.validation import normalize_email

_RATINGS = (5, 5, 4, 5, 4, 3, 5, 5, 4, 2, 5, 4, 5, 1, 4, 5, 3, 5)
_REVIEW_TEXTS = (
    "{first} explains {subject} so clearly. I finally understand topics I struggled with for months.",
    "Very patient and well prepared. Every lesson had a clear goal and useful practice afterwards.",
    "Great lessons! My marks went up within a few weeks.",
    "Friendly and knowledgeable. Sometimes we ran a couple of minutes over, which I did not mind at all.",
    "Good teacher, but the pace was a little fast for me at the start.",
    "",
    "Excellent {subject} tutor. The notes after each lesson are gold.",
    "Lessons were fine, though I would have liked more exam-style practice.",
    "We rescheduled twice on short notice; the teaching itself was good.",
    "Best tutor I have had. Highly recommended for anyone preparing for exams.",
    "Structured, encouraging and honest about what I need to work on.",
    "Made {subject} fun for my daughter, who used to dread it.",
)
_REPLIES = (
    "Thank you so much! It was a pleasure working with you.",
    "Thanks for the honest feedback. I will keep more time for practice questions in our next lessons.",
    "Glad the notes help! See you next week.",
    "Sorry about the rescheduling, and thank you for your patience.",
)


def insert_reviews(
    session: Session,
    tutor_emails: list[str],
    accounts: dict[str, tuple[uuid.UUID, str, datetime]],
    subject_names: dict[str, str],
    now: datetime,
) -> int:
    """0-12 reviews per approved demo tutor; the rating aggregates grow by exactly what
    was inserted (atomic increments), so they stay equal to the rows."""
    students = session.exec(
        select(User.id).where(
            col(User.email).in_([normalize_email(e or demo_email(n)) for n, _, e in STUDENTS]),
            User.role == Role.STUDENT.value,
        ).order_by(col(User.email))
    ).all()
    listed = set(session.exec(select(TutorProfile.user_id).where(
        TutorProfile.status == TutorStatus.APPROVED.value)).all())
    if not students:
        return 0
    rows: list[dict[str, Any]] = []
    for i, (email, tutor) in enumerate(zip(tutor_emails, TUTORS)):
        account = accounts.get(email)
        if tutor.status != TutorStatus.APPROVED.value or account is None or account[0] not in listed:
            continue
        slug, first = slugify(tutor.name), tutor.name.split()[0]
        subject = subject_names[tutor.subjects[0][0]]
        for k in range((i * 5 + 3) % 13):
            rating = _RATINGS[(i * 7 + k) % len(_RATINGS)]
            created = now - timedelta(days=3 + k * 17 + i % 11, hours=(i * 3 + k) % 24)
            body = _REVIEW_TEXTS[(i + k * 5) % len(_REVIEW_TEXTS)]
            if rating <= 2:
                body = _REVIEW_TEXTS[(7 + k) % 2 + 7]
            replied = k % 3 == 0 or rating <= 3
            rows.append({
                "id": demo_review_id(slug, k),
                "tutor_id": account[0],
                "student_id": students[(i + k * 5) % len(students)],
                "booking_id": None,
                "rating": rating,
                "body": body.format(first=first, subject=subject),
                "created_at": created,
                "reply_body": _REPLIES[(i + k) % len(_REPLIES)] if replied else None,
                "replied_at": created + timedelta(hours=20) if replied else None,
            })
    if not rows:
        return 0
    added = session.execute(
        insert(Review.__table__).values(rows).on_conflict_do_nothing()
        .returning(Review.__table__.c.tutor_id, Review.__table__.c.rating)
    ).all()
    totals: dict[uuid.UUID, list[int]] = {}
    for tutor_id, rating in added:
        totals.setdefault(tutor_id, []).append(rating)
    for tutor_id, ratings in totals.items():
        session.execute(
            update(TutorProfile).where(col(TutorProfile.user_id) == tutor_id).values(
                rating_count=TutorProfile.rating_count + len(ratings),
                rating_sum=TutorProfile.rating_sum + sum(ratings),
            )
        )
    return len(added)
