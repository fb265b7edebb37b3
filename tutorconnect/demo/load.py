"""Demo data: realistic subjects, tutors, students and an admin, loaded idempotently.

`load_demo_data(session)` adds what is missing and never changes or duplicates what is
there: keys are deterministic (uuid5 of the email or slug), every insert is
`ON CONFLICT DO NOTHING`, and a second run inserts nothing. Rows edited since the first
run (a tutor's bio, a changed password, a suspension) are left as they are. The caller
owns the transaction (tutorconnect.db.session_scope); the launcher's CLI calls this.

Demo logins (every demo account shares the password `demo-password-1`):

    admin    admin@tutorconnect.test     demo-password-1
    student  student@tutorconnect.test   demo-password-1
    tutor    tutor@tutorconnect.test     demo-password-1   (Priya Sharma, approved)

Other demo accounts are `first.last@tutorconnect.test` with the same password.

What it loads: 24 subjects in 8 categories; 48 approved tutors teaching 1-4 subjects each
(all 24 subjects are taught), from 16 IANA time zones, rates from ₹400 to ₹3,000 an hour
(INR, stored in paise); 4 more tutors in `submitted` or `draft` status; 12 students; one
admin. Every demo account has a verified email. Each tutor gets a generated SVG avatar
in `assets/avatars/<slug>.svg` (written only if missing), served at `/avatars/<slug>.svg`.

Marketplace details: approved tutors have a display name, 1-4 spoken languages with
levels, offered lesson lengths (with a few per-length prices), a trial price for about
two thirds of them, booking confirmation for a few, and 0-12 reviews each from the demo
students (varied ratings and texts, some with the tutor's reply); rating_count and
rating_sum equal the aggregate of the visible reviews. Every tutor who wrote a profile has
one education document (a generated one-page PDF stored privately, like an upload), so
listed demo profiles are 100% complete. Search documents are rebuilt for every demo tutor
on each run (deterministic, so a second run changes no value). Each such tutor also has booking
settings and a weekly availability pattern in their own zone (six patterns, varied buffers,
notice and daily limits).

Bookings (tutorconnect/demo/bookings.py, made through the booking engine with times relative
to the load): for the demo student, the demo tutor and a few other pairs, completed lessons
(those behind Priya Sharma's and Arjun Mehta's demo reviews are linked to them), no-shows
of either side, cancellations by students (full and partial refund) and by tutors,
upcoming confirmed lessons, requests awaiting the tutor (one for Priya Sharma) and
bookings waiting for payment. Upcoming ones are at least five days ahead; ids are
deterministic, and a lesson whose time collides on a later run is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlmodel import Session, col, func, select

from tutorconnect.demo.bookings import load_demo_bookings
from tutorconnect.demo.catalog import ADMIN, STUDENTS, SUBJECTS, TUTORS
from tutorconnect.demo.documents import insert_documents
from tutorconnect.demo.identity import DEMO_LOGINS, DEMO_PASSWORD, DemoLogin, demo_email, demo_subject_id, demo_user_id
from tutorconnect.demo.profiles import availability_rows, tutor_rows
from tutorconnect.demo.reviews import insert_reviews
from tutorconnect.demo.rows import insert_missing
from tutorconnect.models import (
    AvailabilityRule,
    Review,
    Role,
    Subject,
    TutorLanguage,
    TutorPrice,
    TutorProfile,
    TutorSchedule,
    TutorStatus,
    TutorSubject,
    User,
)
from tutorconnect.services import audit, tutors
from tutorconnect.services.context import SYSTEM, RequestContext
from tutorconnect.services.passwords import check_policy, hash_password
from tutorconnect.services.validation import clean_name, clean_time_zone, normalize_email


@dataclass(frozen=True)
class DemoSummary:
    """What the database holds after loading (totals), and what this run added."""

    subjects: int
    subjects_taught: int  # distinct active subjects taught by approved tutors
    tutors: int
    approved_tutors: int
    time_zones: int  # distinct time zones of approved tutors
    students: int
    admins: int
    inserted: dict[str, int] = field(default_factory=dict)
    avatars_written: int = 0
    reviews: int = 0  # visible reviews in the database
    logins: tuple[DemoLogin, ...] = DEMO_LOGINS

    @property
    def inserted_total(self) -> int:
        return sum(self.inserted.values())


# Loader -------------------------------------------------------------------------------
def load_demo_data(
    session: Session,
    *,
    ctx: RequestContext = SYSTEM,
    avatar_dir: Path | None = None,
    write_avatars: bool = True,
    document_dir: Path | None = None,
) -> DemoSummary:
    """Load the demo data set into the caller's transaction; safe to run any number of times."""
    now = datetime.now(timezone.utc)

    # People: (email, name, role, time zone) ------------------------------------------
    people: list[tuple[str, str, str, str]] = [(ADMIN[2], ADMIN[0], Role.ADMIN.value, ADMIN[1])]
    people += [(e or demo_email(n), n, Role.STUDENT.value, z) for n, z, e in STUDENTS]
    tutor_emails = [t.email or demo_email(t.name) for t in TUTORS]
    people += [(e, t.name, Role.TUTOR.value, t.zone) for e, t in zip(tutor_emails, TUTORS)]
    emails = [normalize_email(p[0]) for p in people]
    if len(set(emails)) != len(emails):
        raise ValueError("demo data has duplicate emails")

    existing = set(session.exec(select(User.email).where(col(User.email).in_(emails))).all())
    missing = [p for p in people if p[0] not in existing]
    password_hash = ""
    if missing:
        check_policy(DEMO_PASSWORD)
        password_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow: once for everyone
    user_rows = []
    for i, (email, name, role, zone) in enumerate(people):
        if email in existing:
            continue
        joined = now - timedelta(days=5 + (i * 37) % 320, minutes=(i * 131) % 600)
        user_rows.append(
            {
                "id": demo_user_id(email),
                "email": email,
                "full_name": clean_name(name),
                "password_hash": password_hash,
                "role": role,
                "time_zone": clean_time_zone(zone),
                "email_verified_at": joined + timedelta(minutes=20),
                "password_changed_at": joined,
                "created_at": joined,
                "updated_at": joined,
            }
        )
    inserted = {"users": insert_missing(session, User, user_rows)}

    # Subjects ------------------------------------------------------------------------
    inserted["subjects"] = insert_missing(
        session,
        Subject,
        [
            {"id": demo_subject_id(slug), "slug": slug, "name": name, "category": category,
             "created_at": now - timedelta(days=400)}
            for slug, name, category in SUBJECTS
        ],
    )
    subject_ids = dict(
        session.exec(
            select(Subject.slug, Subject.id).where(col(Subject.slug).in_([s[0] for s in SUBJECTS]))
        ).all()
    )
    subject_names = {slug: name for slug, name, _ in SUBJECTS}

    # Tutor profiles ------------------------------------------------------------------
    accounts = {
        email: (uid, role, created)
        for uid, email, role, created in session.exec(
            select(User.id, User.email, User.role, User.created_at).where(col(User.email).in_(tutor_emails))
        ).all()
    }
    rows = tutor_rows(tutor_emails, accounts, subject_ids, subject_names,
                      avatar_dir=avatar_dir, write_avatars=write_avatars)
    inserted["tutor_profiles"] = insert_missing(session, TutorProfile, rows.profiles)
    # Only for profiles that exist (a profile skipped on a slug conflict gets no subjects).
    present = set(
        session.exec(
            select(TutorProfile.user_id).where(col(TutorProfile.user_id).in_([r["user_id"] for r in rows.profiles]))
        ).all()
    )
    inserted["tutor_subjects"] = insert_missing(
        session, TutorSubject, [r for r in rows.subjects if r["tutor_id"] in present]
    )
    inserted["tutor_languages"] = insert_missing(
        session, TutorLanguage, [r for r in rows.languages if r["tutor_id"] in present]
    )
    inserted["tutor_prices"] = insert_missing(session, TutorPrice, [r for r in rows.prices if r["tutor_id"] in present])
    inserted["tutor_documents"] = insert_documents(session, tutor_emails, accounts, present, now, document_dir)
    schedules, rules = availability_rows(tutor_emails, accounts, present)
    inserted["tutor_schedules"] = insert_missing(session, TutorSchedule, schedules)
    inserted["availability_rules"] = insert_missing(session, AvailabilityRule, rules)
    inserted["reviews"] = insert_reviews(session, tutor_emails, accounts, subject_names, now)
    inserted.update(load_demo_bookings(session, now))
    tutors.refresh_search_documents(session, sorted(present))

    if any(inserted.values()):
        audit.record(session, ctx, action="demo.loaded", target_type="system", target_id="demo-data",
                     after={"inserted": inserted})
    session.flush()
    return _summary(session, inserted, rows.avatars_written)


def _summary(session: Session, inserted: dict[str, int], avatars_written: int) -> DemoSummary:
    live = col(User.deleted_at).is_(None)
    roles = dict(session.exec(select(User.role, func.count()).where(live).group_by(col(User.role))).all())
    statuses = dict(
        session.exec(select(TutorProfile.status, func.count()).group_by(col(TutorProfile.status))).all()
    )
    approved = (
        select(TutorProfile.user_id)
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(TutorProfile.status == TutorStatus.APPROVED.value, live)
    )
    taught = session.exec(
        select(func.count(func.distinct(TutorSubject.subject_id)))
        .join(Subject, col(Subject.id) == col(TutorSubject.subject_id))
        .where(col(TutorSubject.tutor_id).in_(approved), col(Subject.retired_at).is_(None))
    ).one()
    zones = session.exec(
        select(func.count(func.distinct(User.time_zone))).where(col(User.id).in_(approved))
    ).one()
    subjects = session.exec(
        select(func.count()).select_from(Subject).where(col(Subject.retired_at).is_(None))
    ).one()
    return DemoSummary(
        subjects=subjects,
        subjects_taught=taught,
        tutors=sum(statuses.values()),
        approved_tutors=tutors.count_approved(session),
        time_zones=zones,
        students=roles.get(Role.STUDENT.value, 0),
        admins=roles.get(Role.ADMIN.value, 0),
        inserted=inserted,
        avatars_written=avatars_written,
        reviews=session.exec(select(func.count()).select_from(Review).where(col(Review.hidden_at).is_(None))).one(),
    )
