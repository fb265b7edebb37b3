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

Bookings (services/demo_bookings.py, made through the booking engine with times relative
to the load): for the demo student, the demo tutor and a few other pairs, completed lessons
(those behind Priya Sharma's and Arjun Mehta's demo reviews are linked to them), no-shows
of either side, cancellations by students (full and partial refund) and by tutors,
upcoming confirmed lessons, requests awaiting the tutor (one for Priya Sharma) and
bookings waiting for payment. Upcoming ones are at least five days ahead; ids are
deterministic, and a lesson whose time collides on a later run is skipped.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Table, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, func, select

from tutorconnect.models import (
    AvailabilityRule,
    Review,
    TutorSchedule,
    TutorDocument,
    Role,
    Subject,
    TutorLanguage,
    TutorPrice,
    TutorProfile,
    TutorStatus,
    TutorSubject,
    User,
)
from tutorconnect.services import audit, avatars, tutor_profiles
from tutorconnect.services import tutors as tutor_service
from tutorconnect.services.context import SYSTEM, RequestContext
from tutorconnect.services.demo_bookings import load_demo_bookings
from tutorconnect.services.demo_catalog import (  # noqa: F401  (re-exported: demo.demo_email, ...)
    demo_email,
    demo_review_id,
    demo_subject_id,
    demo_user_id,
    slugify,
)
from tutorconnect.services.passwords import check_policy, hash_password
from tutorconnect.services.validation import clean_name, clean_time_zone, normalize_email
from tutorconnect.services.demo_catalog import (  # noqa: F401  (re-exported: demo.TUTOR_EMAIL, ...)
    ADMIN,
    ADMIN_EMAIL,
    DEMO_DOMAIN,
    DEMO_NAMESPACE,
    DEMO_PASSWORD,
    STUDENTS,
    STUDENT_EMAIL,
    SUBJECTS,
    TUTORS,
    TUTOR_EMAIL,
    _APPROACH,
    _CITY_LANGUAGE,
    _DISPLAY_NAMES,
    _KOL,
    _LENGTHS,
    _LOGISTICS,
    _RATINGS,
    _REPLIES,
    _REVIEW_TEXTS,
    _Tutor,
    _ZONE_LANGUAGES,
)

@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    name: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", ADMIN_EMAIL, DEMO_PASSWORD, "Anjali Desai"),
    DemoLogin("student", STUDENT_EMAIL, DEMO_PASSWORD, "Aarav Patel"),
    DemoLogin("tutor", TUTOR_EMAIL, DEMO_PASSWORD, "Priya Sharma"),
)


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


def _languages(tutor: _Tutor) -> list[tuple[str, str]]:
    if tutor.zone != _KOL:
        langs = list(_ZONE_LANGUAGES.get(tutor.zone, (("en", "C1"),)))
    else:
        native = _CITY_LANGUAGE.get(tutor.city, "hi")
        langs = [(native, "native"), ("en", "C2")] + ([("hi", "C1")] if native != "hi" else [])
    if any(s in ("french", "spanish", "german", "japanese") for s, _ in tutor.subjects):
        code = {"french": "fr", "spanish": "es", "german": "de", "japanese": "ja"}
        for slug, _ in tutor.subjects:
            if slug in code and code[slug] not in dict(langs):
                langs.append((code[slug], "C1"))
    if "en" not in dict(langs):
        langs.append(("en", "B2"))
    return langs


# Helpers ------------------------------------------------------------------------------
def _bio(index: int, tutor: _Tutor, subject_names: dict[str, str]) -> str:
    if not tutor.about:
        return ""
    names = [subject_names[s] for s, _ in tutor.subjects]
    subjects = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    paragraphs = [
        tutor.about,
        _APPROACH[index % len(_APPROACH)].format(subjects=subjects),
        _LOGISTICS[index % len(_LOGISTICS)].format(city=tutor.city),
    ]
    if tutor.extra:
        paragraphs.append(tutor.extra)
    return "\n\n".join(paragraphs)


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> int:
    """Insert rows that are not there yet (any unique conflict skips the row)."""
    if not rows:
        return 0
    table: Table = model.__table__
    key = list(table.primary_key.columns)[0]
    # RETURNING counts what was really inserted (rowcount is not reliable for multi-row
    # INSERT ... ON CONFLICT across drivers).
    result = session.execute(insert(table).values(rows).on_conflict_do_nothing().returning(key))
    return len(result.all())


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
    inserted = {"users": _insert(session, User, user_rows)}

    # Subjects ------------------------------------------------------------------------
    inserted["subjects"] = _insert(
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
    profile_rows: list[dict[str, Any]] = []
    link_rows: list[dict[str, Any]] = []
    language_rows: list[dict[str, Any]] = []
    price_rows: list[dict[str, Any]] = []
    avatars_written = 0
    for i, (email, tutor) in enumerate(zip(tutor_emails, TUTORS)):
        account = accounts.get(email)
        if account is None or account[1] != Role.TUTOR.value:
            continue  # the address belongs to someone else now: leave it alone
        user_id, _, joined = account
        slug = slugify(tutor.name)
        photo_path = avatars.public_path(slug)
        if write_avatars:
            photo_path, written = avatars.write_avatar(tutor.name, slug, directory=avatar_dir)
            avatars_written += int(written)
        profile_rows.append(
            {
                "user_id": user_id,
                "slug": slug,
                "headline": tutor.headline,
                "bio": _bio(i, tutor, subject_names),
                "status": tutor.status,
                "hourly_rate_minor": tutor.rupees * 100 if tutor.rupees is not None else None,
                "currency": "INR",
                "years_experience": tutor.years,
                "photo_path": photo_path,
                "created_at": joined,
                "updated_at": joined + timedelta(days=2),
                **_marketplace_fields(i, tutor, joined),
            }
        )
        for subject_slug, level in tutor.subjects:
            link_rows.append({"tutor_id": user_id, "subject_id": subject_ids[subject_slug], "level": level})
        if tutor.about:
            for code, level in _languages(tutor):
                language_rows.append({"tutor_id": user_id, "language_code": code, "level": level})
        if tutor.status == TutorStatus.APPROVED.value and tutor.rupees and i % 4 == 1:
            # A discount for the longest lesson offered.
            longest = max(_LENGTHS[i % len(_LENGTHS)])
            derived = tutor_profiles.price_for_length(tutor.rupees * 100, longest)
            price_rows.append({"tutor_id": user_id, "length_minutes": longest,
                               "price_minor": derived - (derived // 10) // 100 * 100})
    inserted["tutor_profiles"] = _insert(session, TutorProfile, profile_rows)
    # Only for profiles that exist (a profile skipped on a slug conflict gets no subjects).
    present = set(
        session.exec(
            select(TutorProfile.user_id).where(col(TutorProfile.user_id).in_([r["user_id"] for r in profile_rows]))
        ).all()
    )
    inserted["tutor_subjects"] = _insert(
        session, TutorSubject, [r for r in link_rows if r["tutor_id"] in present]
    )
    inserted["tutor_languages"] = _insert(
        session, TutorLanguage, [r for r in language_rows if r["tutor_id"] in present]
    )
    inserted["tutor_prices"] = _insert(session, TutorPrice, [r for r in price_rows if r["tutor_id"] in present])
    inserted["tutor_documents"] = _insert_documents(session, tutor_emails, accounts, present, now, document_dir)
    schedules, rules = _availability_rows(tutor_emails, accounts, present)
    inserted["tutor_schedules"] = _insert(session, TutorSchedule, schedules)
    inserted["availability_rules"] = _insert(session, AvailabilityRule, rules)
    inserted["reviews"] = _insert_reviews(session, tutor_emails, accounts, subject_names, now)
    inserted.update(load_demo_bookings(session, now))
    tutor_profiles.refresh_search_documents(session, sorted(present))

    if any(inserted.values()):
        audit.record(session, ctx, action="demo.loaded", target_type="system", target_id="demo-data",
                     after={"inserted": inserted})
    session.flush()
    return _summary(session, inserted, avatars_written)


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


# Weekly patterns in each tutor's own zone: (weekdays, [(start, end) in local hours]).
_WEEKLY_PATTERNS: tuple[tuple[tuple[int, ...], tuple[tuple[float, float], ...]], ...] = (
    ((0, 1, 2, 3, 4), ((9, 12), (14, 18))),
    ((0, 2, 4), ((17, 21),)),
    ((1, 2, 3, 4, 5), ((7, 10), (18, 22))),
    ((0, 1, 2, 3, 4, 5, 6), ((8, 11), (13, 16), (19, 21))),
    ((5, 6), ((9, 13), (15, 18.5))),
    ((0, 1, 3), ((6.5, 9), (20, 23))),
)
# (buffer before, buffer after, minimum notice in minutes, max lessons a day)
_SETTINGS = ((0, 0, 720, None), (0, 10, 1440, 4), (15, 15, 240, 6), (5, 5, 720, None))


def _availability_rows(
    tutor_emails: list[str], accounts: dict[str, tuple[uuid.UUID, str, datetime]], present: set[uuid.UUID]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Booking settings and weekly availability for every demo tutor who wrote a profile,
    varied across tutors (each in their own zone, so students see them at different local
    times); the second weekly pattern also adds Saturday mornings."""
    schedules, rules = [], []
    for i, (email, tutor) in enumerate(zip(tutor_emails, TUTORS)):
        account = accounts.get(email)
        if account is None or account[0] not in present or not tutor.about:
            continue
        before, after, notice, per_day = _SETTINGS[i % len(_SETTINGS)]
        schedules.append({"tutor_id": account[0], "buffer_before_minutes": before, "buffer_after_minutes": after,
                          "min_notice_minutes": notice, "horizon_days": 60, "max_lessons_per_day": per_day})
        days, hours = _WEEKLY_PATTERNS[i % len(_WEEKLY_PATTERNS)]
        slug = slugify(tutor.name)
        for day in days:
            for start, end in hours:
                rules.append({"id": uuid.uuid5(DEMO_NAMESPACE, f"rule:{slug}:{day}:{start}"), "tutor_id": account[0],
                              "weekday": day, "start_minute": int(start * 60), "end_minute": int(end * 60)})
    return schedules, rules


def _insert_documents(
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
    from tutorconnect.services import tutor_documents

    folder = directory or tutor_documents.DOCUMENT_DIR
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
    return _insert(session, TutorDocument, rows)


_DEGREES = ("BSc", "MSc", "BA", "MA", "BEd", "PhD", "BTech", "MBA")
_ISSUERS = ("University of Mumbai", "University of Delhi", "IIT Madras", "University of Hyderabad",
            "Jadavpur University", "Anna University", "University of Pune", "Banaras Hindu University")


def _marketplace_fields(i: int, tutor: _Tutor, joined: datetime) -> dict[str, Any]:
    approved = tutor.status == TutorStatus.APPROVED.value
    # Every row of a multi-row INSERT carries the same keys.
    fields: dict[str, Any] = {
        "trial_price_minor": None, "submitted_at": None, "reviewed_at": None, "approved_at": None,
        "display_name": _DISPLAY_NAMES.get(tutor.name, tutor.name) if tutor.about else "",
        "lesson_lengths": list(_LENGTHS[i % len(_LENGTHS)]) if tutor.rupees else [60],
        "requires_confirmation": i % 7 == 3,
    }
    if tutor.rupees and i % 3 != 0:
        fields["trial_price_minor"] = max(100, tutor.rupees // 2 // 50 * 50) * 100
    if tutor.status != TutorStatus.DRAFT.value:
        fields["submitted_at"] = joined + timedelta(days=1)
    if approved:
        fields["reviewed_at"] = fields["approved_at"] = joined + timedelta(days=2)
    return fields


def _insert_reviews(
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
        approved_tutors=tutor_service.count_approved(session),
        time_zones=zones,
        students=roles.get(Role.STUDENT.value, 0),
        admins=roles.get(Role.ADMIN.value, 0),
        inserted=inserted,
        avatars_written=avatars_written,
        reviews=session.exec(select(func.count()).select_from(Review).where(col(Review.hidden_at).is_(None))).one(),
    )
