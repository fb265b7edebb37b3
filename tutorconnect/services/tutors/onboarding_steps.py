"""Tutor onboarding: one function per wizard step, each validating everything it stores.

Every `save_*` step edits the caller's own profile through
`profile_drafts.editable_profile` (owner only, row locked, refused while under review;
see that module) and ends with `profile_drafts.touch`, which refreshes the search
document. Texts are cleaned by `input_cleaning` (plain text, length limits).
Raises InvalidInput(field, message) for bad values, NotFound, PermissionDenied,
ProfileLocked.
"""

from __future__ import annotations

import uuid

from babel.numbers import get_currency_precision
from sqlalchemy import delete
from sqlmodel import Session, col, select

from tutorconnect.languages import is_language
from tutorconnect.models import Subject, TutorLanguage, TutorPrice, TutorSubject, User
from tutorconnect.models.tutors import (
    BIO_MAX,
    DISPLAY_NAME_MAX,
    HEADLINE_MAX,
    LANGUAGE_LEVELS,
    LESSON_LENGTHS,
    SUBJECT_LEVELS,
)
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.tutors.input_cleaning import clean_int, clean_photo_path, clean_text, clean_video_url
from tutorconnect.services.tutors.profile_drafts import editable_profile, touch
from tutorconnect.services.validation import clean_time_zone

CURRENCIES = ("INR",)  # one currency until payments support more
HOURLY_MIN_MINOR = 100_00  # ₹100
HOURLY_MAX_MINOR = 50_000_00  # ₹50,000
MAX_SUBJECTS = 8
MAX_LANGUAGES = 8


def save_basics(
    session: Session,
    ctx: RequestContext,
    tutor_id: uuid.UUID,
    *,
    display_name: object,
    headline: object,
    bio: object,
    years_experience: object,
    time_zone: object,
) -> None:
    """Step 1: display name (optional; the account name is used when empty), headline,
    bio, years of experience (0..70) and time zone (stored on the account)."""
    profile = editable_profile(session, ctx, tutor_id)
    name = clean_text("display_name", display_name, max_len=DISPLAY_NAME_MAX)
    head = clean_text("headline", headline, max_len=HEADLINE_MAX, min_len=1)
    about = clean_text("bio", bio, max_len=BIO_MAX, multiline=True)
    years = clean_int("years_experience", years_experience, low=0, high=70)
    zone = clean_time_zone(time_zone)
    profile.display_name, profile.headline, profile.bio, profile.years_experience = name, head, about, years
    user = session.get(User, tutor_id)
    assert user is not None
    user.time_zone = zone
    session.add(user)
    touch(session, profile)


def _pairs(field: str, value: object, limit: int) -> list[tuple[object, object]]:
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= limit:
        raise InvalidInput(field, f"Choose between 1 and {limit} {field}.")
    if not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in value):
        raise InvalidInput(field, f"Give each of the {field} with a level.")
    return [(p[0], p[1]) for p in value]


def save_subjects(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, subjects: object) -> None:
    """Step 2: 1..8 (subject slug, level) pairs replacing the tutor's subjects. Unknown or
    retired subjects, unknown levels and duplicates are refused."""
    profile = editable_profile(session, ctx, tutor_id)
    pairs = _pairs("subjects", subjects, MAX_SUBJECTS)
    slugs = [s for s, _ in pairs]
    if not all(isinstance(s, str) for s in slugs) or len(set(slugs)) != len(slugs):
        raise InvalidInput("subjects", "Choose each subject once.")
    if not all(level in SUBJECT_LEVELS for _, level in pairs):
        raise InvalidInput("subjects", "Choose a level for each subject: " + ", ".join(SUBJECT_LEVELS) + ".")
    active = dict(session.exec(
        select(Subject.slug, Subject.id).where(col(Subject.slug).in_(slugs), col(Subject.retired_at).is_(None))
    ).all())
    unknown = [s for s in slugs if s not in active]
    if unknown:
        raise InvalidInput("subjects", f"We do not offer {', '.join(map(str, unknown[:3]))!s} as a subject; choose from the list.")
    session.execute(delete(TutorSubject).where(col(TutorSubject.tutor_id) == tutor_id))
    session.add_all([TutorSubject(tutor_id=tutor_id, subject_id=active[s], level=str(level)) for s, level in pairs])
    touch(session, profile)


def save_languages(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, languages: object) -> None:
    """Step 3: 1..8 (ISO 639 code, level) pairs; level is a CEFR level or 'native'."""
    profile = editable_profile(session, ctx, tutor_id)
    pairs = _pairs("languages", languages, MAX_LANGUAGES)
    cleaned: list[tuple[str, str]] = []
    for code, level in pairs:
        code = code.strip().lower() if isinstance(code, str) else code
        if not is_language(code):  # the one catalog (tutorconnect/languages.py)
            raise InvalidInput("languages", "Choose each language from the list.")
        if level not in LANGUAGE_LEVELS:
            raise InvalidInput("languages", "Choose a level for each language: A1 to C2, or native.")
        cleaned.append((code, str(level)))
    if len({c for c, _ in cleaned}) != len(cleaned):
        raise InvalidInput("languages", "Choose each language once.")
    session.execute(delete(TutorLanguage).where(col(TutorLanguage.tutor_id) == tutor_id))
    session.add_all([TutorLanguage(tutor_id=tutor_id, language_code=c, level=lv) for c, lv in cleaned])
    touch(session, profile)


def save_pricing(
    session: Session,
    ctx: RequestContext,
    tutor_id: uuid.UUID,
    *,
    hourly_rate_minor: object,
    trial_price_minor: object,
    currency: object,
    lesson_lengths: object,
    overrides: object = None,
    requires_confirmation: object = False,
) -> None:
    """Step 4: prices in integer minor units (paise), whole rupees, INR only for now.

    hourly rate ₹100..₹50,000; trial price optional, ₹1..the hourly rate; lesson lengths a
    non-empty subset of 30/45/60/90; `overrides` {length: price} for offered lengths only,
    each within the hourly range pro rata; `requires_confirmation` a bool.
    """
    profile = editable_profile(session, ctx, tutor_id)
    if currency not in CURRENCIES:
        raise InvalidInput("currency", "Prices are in Indian rupees (INR) for now.")
    unit = 10 ** get_currency_precision(str(currency))
    rate = clean_int("hourly_rate_minor", hourly_rate_minor, low=HOURLY_MIN_MINOR, high=HOURLY_MAX_MINOR,
                     message="Set an hourly rate between ₹100 and ₹50,000.")
    if rate % unit:
        raise InvalidInput("hourly_rate_minor", "Use whole rupees for the hourly rate.")
    trial = None
    if trial_price_minor is not None:
        trial = clean_int("trial_price_minor", trial_price_minor, low=unit, high=rate,
                          message="Set a trial price of at least ₹1 and no more than your hourly rate, or none.")
        if trial % unit:
            raise InvalidInput("trial_price_minor", "Use whole rupees for the trial price.")
    if (
        not isinstance(lesson_lengths, (list, tuple, set, frozenset))
        or not lesson_lengths
        or not all(not isinstance(m, bool) and m in LESSON_LENGTHS for m in lesson_lengths)
        or len(set(lesson_lengths)) != len(list(lesson_lengths))
    ):
        raise InvalidInput("lesson_lengths", "Offer at least one lesson length from 30, 45, 60 and 90 minutes, each once.")
    lengths = sorted(int(m) for m in lesson_lengths)
    overrides = {} if overrides is None else overrides
    if not isinstance(overrides, dict):
        raise InvalidInput("overrides", "Set prices per lesson length as length: price.")
    clean_overrides: dict[int, int] = {}
    for minutes, price in overrides.items():
        if isinstance(minutes, bool) or minutes not in lengths:
            raise InvalidInput("overrides", "Set prices only for the lesson lengths you offer.")
        low = -(-HOURLY_MIN_MINOR * minutes // 60 // unit) * unit
        high = HOURLY_MAX_MINOR * minutes // 60
        clean_overrides[int(minutes)] = clean_int(
            "overrides", price, low=low, high=high,
            message=f"Set the {minutes}-minute price between ₹{low // unit:,} and ₹{high // unit:,}.")
        if price % unit:
            raise InvalidInput("overrides", "Use whole rupees for lesson prices.")
    if not isinstance(requires_confirmation, bool):
        raise InvalidInput("requires_confirmation", "Choose whether bookings need your confirmation.")
    profile.hourly_rate_minor, profile.trial_price_minor, profile.currency = rate, trial, str(currency)
    profile.lesson_lengths, profile.requires_confirmation = lengths, requires_confirmation
    session.execute(delete(TutorPrice).where(col(TutorPrice.tutor_id) == tutor_id))
    session.add_all([TutorPrice(tutor_id=tutor_id, length_minutes=m, price_minor=p) for m, p in clean_overrides.items()])
    touch(session, profile)


def save_media(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, *, photo_path: object, intro_video_url: object) -> None:
    """Step 5: the photo's served path (the upload route stores the image and passes its
    path) and an optional https YouTube/Vimeo/Loom intro video."""
    profile = editable_profile(session, ctx, tutor_id)
    profile.photo_path = clean_photo_path(photo_path)
    profile.intro_video_url = clean_video_url(intro_video_url)
    touch(session, profile)
