"""Rows of the demo tutors' marketplace profiles and of their weekly availability.

`tutor_rows` builds each demo tutor's profile (bio, display name, rate, lesson lengths,
trial price, workflow dates), subject links, spoken languages, a few per-length prices
and the generated avatar; `availability_rows` gives every tutor who wrote a profile
booking settings and a weekly pattern in their own zone. tutorconnect.demo.load inserts them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tutorconnect.demo.catalog import KOLKATA, TUTORS, DemoTutor
from tutorconnect.demo.identity import DEMO_NAMESPACE, slugify
from tutorconnect.models import Role, TutorStatus
from tutorconnect.services import tutors

_APPROACH = (
    "Every first lesson starts with a short conversation and a diagnostic exercise, so I can see where you are and what you want from {subjects}. From there we agree on a plan with clear milestones, and after each session I send a summary with a little practice.",
    "I believe understanding beats memorising. We work through ideas slowly at first, with plenty of questions both ways, and then build speed with exam-style practice. Mistakes are welcome: they show us exactly what to work on next.",
    "Lessons are interactive: we share a whiteboard, work through problems together and you do most of the talking. I adapt to how you learn best, whether that is diagrams, worked examples or small real-world projects in {subjects}.",
    "I keep lessons structured but relaxed. Each session has one clear goal, a short recap of last time and a piece of homework that takes no more than twenty minutes. Parents get a brief monthly progress note if they would like one.",
    "My students range from complete beginners to people preparing for demanding exams. Whatever your level, we set a realistic target together and check progress every few weeks, so you can see how far you have come.",
    "I use past papers, my own notes and carefully chosen resources, and I share everything after the lesson so you can revise in your own time. If something does not click, we try another way until it does.",
)
_LOGISTICS = (
    "I teach online from {city} and keep some early-morning and evening slots for students in other time zones. Lessons are 60 minutes by default; shorter sessions work well for younger learners.",
    "I am based in {city}. The booking calendar shows my availability in your own time zone, so planning lessons across continents is easy. I am happy to meet weekly through the year or more often before exams.",
    "Lessons run on Google Meet from {city}. Bring your textbook, homework or the questions that are troubling you, or nothing at all, and we will start from the basics.",
)


# Marketplace details ------------------------------------------------------------------
# Native language by city (India) or time zone; everyone teaches in English too.
_CITY_LANGUAGE = {
    "Pune": "mr", "Mumbai": "mr", "Chennai": "ta", "Kochi": "ml", "Thiruvananthapuram": "ml",
    "Hyderabad": "te", "Bengaluru": "kn", "Mysuru": "kn", "Kolkata": "bn", "Ahmedabad": "gu",
}
_ZONE_LANGUAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "Europe/London": (("en", "native"), ("fr", "B1")),
    "America/New_York": (("en", "native"), ("es", "B1")),
    "Europe/Madrid": (("es", "native"), ("en", "C1")),
    "America/Sao_Paulo": (("pt", "native"), ("en", "C1"), ("es", "B2")),
    "Europe/Berlin": (("de", "native"), ("en", "C1")),
    "Asia/Singapore": (("en", "native"), ("zh", "C1"), ("ms", "B1")),
    "Australia/Sydney": (("en", "native"),),
    "Africa/Nairobi": (("sw", "native"), ("en", "C2")),
    "Europe/Paris": (("fr", "native"), ("en", "B2")),
    "Asia/Tokyo": (("ja", "native"), ("en", "B2")),
    "America/Los_Angeles": (("en", "native"), ("es", "C1")),
    "Asia/Dubai": (("ar", "native"), ("en", "C2"), ("hi", "B2")),
    "America/Toronto": (("fr", "native"), ("en", "native")),
    "Africa/Lagos": (("yo", "native"), ("en", "C2")),
    "America/Mexico_City": (("es", "native"), ("en", "B2")),
}
_DISPLAY_NAMES = {"Daniel Okafor": "Dr Daniel Okafor", "Lena Fischer": "Dr Lena Fischer",
                  "Arvind Krishnan": "Arvind K.", "Mei Ling Tan": "Ms Mei Ling"}
_LENGTHS = ((60,), (30, 60), (45, 60, 90), (30, 45, 60, 90), (60, 90))


@dataclass
class TutorRows:
    """The rows `tutor_rows` built, per table, and how many avatar files it wrote."""

    profiles: list[dict[str, Any]] = field(default_factory=list)
    subjects: list[dict[str, Any]] = field(default_factory=list)
    languages: list[dict[str, Any]] = field(default_factory=list)
    prices: list[dict[str, Any]] = field(default_factory=list)
    avatars_written: int = 0


def _languages(tutor: DemoTutor) -> list[tuple[str, str]]:
    if tutor.zone != KOLKATA:
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
def _bio(index: int, tutor: DemoTutor, subject_names: dict[str, str]) -> str:
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


def _marketplace_fields(i: int, tutor: DemoTutor, joined: datetime) -> dict[str, Any]:
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


def tutor_rows(
    tutor_emails: list[str],
    accounts: dict[str, tuple[uuid.UUID, str, datetime]],
    subject_ids: dict[str, uuid.UUID],
    subject_names: dict[str, str],
    *,
    avatar_dir: Path | None,
    write_avatars: bool,
) -> TutorRows:
    """Profile, subject, language and price rows of every demo tutor whose account is a
    tutor's; writes the missing avatar files when `write_avatars`."""
    out = TutorRows()
    for i, (email, tutor) in enumerate(zip(tutor_emails, TUTORS)):
        account = accounts.get(email)
        if account is None or account[1] != Role.TUTOR.value:
            continue  # the address belongs to someone else now: leave it alone
        user_id, _, joined = account
        slug = slugify(tutor.name)
        photo_path = tutors.avatar_path(slug)
        if write_avatars:
            photo_path, written = tutors.write_avatar(tutor.name, slug, directory=avatar_dir)
            out.avatars_written += int(written)
        out.profiles.append(
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
            out.subjects.append({"tutor_id": user_id, "subject_id": subject_ids[subject_slug], "level": level})
        if tutor.about:
            for code, level in _languages(tutor):
                out.languages.append({"tutor_id": user_id, "language_code": code, "level": level})
        if tutor.status == TutorStatus.APPROVED.value and tutor.rupees and i % 4 == 1:
            # A discount for the longest lesson offered.
            longest = max(_LENGTHS[i % len(_LENGTHS)])
            derived = tutors.price_for_length(tutor.rupees * 100, longest)
            out.prices.append({"tutor_id": user_id, "length_minutes": longest,
                               "price_minor": derived - (derived // 10) // 100 * 100})
    return out


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


def availability_rows(
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
