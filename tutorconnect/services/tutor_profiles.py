"""Tutor onboarding: one function per wizard step, each validating everything it stores.

Conventions for every `save_*` step:
- only the tutor who owns the profile may call it (`ctx.actor_user_id == tutor_id`, role
  tutor, account active); anyone else gets PermissionDenied;
- the profile row is locked (SELECT ... FOR UPDATE) for the transaction, so a step never
  interleaves with an approval decision (those are compare-and-swap updates on status);
- editing is refused while an admin reviews the profile (`under_review`): they must see
  what the tutor submitted. In every other status editing is allowed. An approved profile
  stays approved when edited (tutors fix typos and change prices without being delisted;
  the approved-complete CHECK and the step validations keep it listable) and its search
  document is refreshed;
- texts are stored as plain text (the UI renders them as text, never as HTML): NFC,
  control and bidi-override characters removed, length limits enforced. Script-laden
  input is stored verbatim as harmless text.
Raises InvalidInput(field, message) for bad values, NotFound, PermissionDenied,
ProfileLocked.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from babel.numbers import get_currency_precision
from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from tutorconnect.languages import is_language
from tutorconnect.models import (
    Subject,
    TutorDocument,
    TutorLanguage,
    TutorPrice,
    TutorProfile,
    TutorStatus,
    TutorSubject,
    User,
)
from tutorconnect.models.accounts import Role
from tutorconnect.models.tutors import (
    BIO_MAX,
    DISPLAY_NAME_MAX,
    HEADLINE_MAX,
    LANGUAGE_LEVELS,
    LESSON_LENGTHS,
    SUBJECT_LEVELS,
)
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from tutorconnect.services.validation import clean_time_zone

CURRENCIES = ("INR",)  # one currency until payments support more
HOURLY_MIN_MINOR = 100_00  # ₹100
HOURLY_MAX_MINOR = 50_000_00  # ₹50,000
MAX_SUBJECTS = 8
MAX_LANGUAGES = 8
BIO_MIN_FOR_COMPLETE = 100
VIDEO_HOSTS = frozenset({
    "youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be",
    "vimeo.com", "www.vimeo.com", "player.vimeo.com",
    "loom.com", "www.loom.com",
})
_PHOTO_PATH = re.compile(r"^/[A-Za-z0-9_\-/]{1,250}\.(png|jpe?g|webp|svg)$")
# Bidi embeddings/overrides/isolates: they let text spoof what surrounds it.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class ProfileLocked(DomainError):
    def __init__(self) -> None:
        super().__init__("Your profile is being reviewed by our team; you can edit it again once they decide.")


# Plain values ------------------------------------------------------------------------
def clean_text(field: str, value: object, *, max_len: int, min_len: int = 0, multiline: bool = False) -> str:
    """Plain text for storage: NFC, control/bidi characters removed (newlines and tabs
    kept when `multiline`), trimmed, with length limits. Raises InvalidInput(field)."""
    label = field.replace("_", " ")
    if not isinstance(value, str):
        raise InvalidInput(field, f"Enter the {label} as text.")
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    keep = "\n\t" if multiline else ""
    value = "".join(
        c for c in value
        if c in keep or not (unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") or c in _BIDI)
    )
    value = value.strip() if multiline else " ".join(value.split())
    if multiline:
        value = re.sub(r"\n{3,}", "\n\n", value)
    if len(value) < min_len:
        raise InvalidInput(field, f"Enter the {label}." if min_len <= 1 else f"Use at least {min_len} characters for the {label}.")
    if len(value) > max_len:
        raise InvalidInput(field, f"Use at most {max_len} characters for the {label} (you have {len(value)}).")
    return value


def clean_int(field: str, value: object, *, low: int, high: int, message: str | None = None) -> int:
    """An int (never a bool, float or numeric string) within low..high."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(field, message or f"Enter a whole number from {low} to {high} for the {field.replace('_', ' ')}.")
    return value


def clean_video_url(value: object) -> str | None:
    """None/'' for no video, else an https YouTube, Vimeo or Loom link."""
    if value is None or value == "":
        return None
    bad = InvalidInput("intro_video_url", "Use an https link to a YouTube, Vimeo or Loom video.")
    if not isinstance(value, str) or len(value) > 300 or any(c.isspace() or ord(c) < 32 for c in value.strip()):
        raise bad
    value = value.strip()
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise bad from None
    if parts.scheme != "https" or port is not None or parts.username or parts.password:
        raise bad
    if (parts.hostname or "") not in VIDEO_HOSTS or parts.path in ("", "/"):
        raise bad
    return value


def clean_photo_path(value: object) -> str | None:
    """None, or a same-site path to an image the app serves (generated avatar or photo)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or ".." in value or "//" in value or not _PHOTO_PATH.match(value):
        raise InvalidInput("photo_path", "Choose a PNG, JPEG, WebP or SVG image for your photo.")
    return value


# Prices ------------------------------------------------------------------------------
def price_for_length(hourly_rate_minor: int, minutes: int, currency: str = "INR", override: int | None = None) -> int:
    """Price of a lesson of `minutes`: the override when set, else the hourly rate pro rata,
    rounded half up to whole currency units (₹). A 60-minute lesson costs the hourly rate
    exactly. Integer arithmetic only."""
    if override is not None:
        return override
    if minutes == 60:
        return hourly_rate_minor
    unit = 10 ** get_currency_precision(currency)
    denominator = 60 * unit
    return (2 * hourly_rate_minor * minutes + denominator) // (2 * denominator) * unit


def prices(session: Session, tutor_id: uuid.UUID) -> dict[int, int]:
    """{length in minutes: price in minor units} for each lesson length the tutor offers."""
    profile = session.get(TutorProfile, tutor_id)
    if profile is None or profile.hourly_rate_minor is None:
        return {}
    overrides = dict(session.exec(
        select(TutorPrice.length_minutes, TutorPrice.price_minor).where(TutorPrice.tutor_id == tutor_id)
    ).all())
    return {
        m: price_for_length(profile.hourly_rate_minor, m, profile.currency, overrides.get(m))
        for m in sorted(profile.lesson_lengths)
    }


# Access ------------------------------------------------------------------------------
def _tutor_user(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> User:
    if ctx.actor_user_id is None or ctx.actor_user_id != tutor_id:
        raise PermissionDenied()
    user = session.exec(select(User).where(User.id == tutor_id, col(User.deleted_at).is_(None))).first()
    if user is None or user.role != Role.TUTOR.value:
        raise PermissionDenied("Only tutor accounts have a tutor profile.")
    return user


def editable_profile(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> TutorProfile:
    """The caller's own profile, locked for this transaction; refused while under review."""
    _tutor_user(session, ctx, tutor_id)
    profile = session.exec(select(TutorProfile).where(TutorProfile.user_id == tutor_id).with_for_update()).first()
    if profile is None:
        raise NotFound("Your tutor profile")
    if profile.status == TutorStatus.UNDER_REVIEW.value:
        raise ProfileLocked()
    return profile


def _slug_for(session: Session, name: str, user_id: uuid.UUID) -> str:
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    base = "-".join("".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())[:60].strip("-") or "tutor"
    for candidate in (base, f"{base}-{user_id.hex[:6]}", f"{base}-{user_id.hex}"):
        if session.exec(select(TutorProfile.user_id).where(TutorProfile.slug == candidate)).first() is None:
            return candidate
    return f"tutor-{user_id.hex}"


def get_or_create_draft(session: Session, ctx: RequestContext, user_id: uuid.UUID) -> TutorProfile:
    """The tutor's profile, created as an empty draft on first use (the wizard resumes it).

    Raises PermissionDenied unless the actor is this (active) tutor account.
    """
    user = _tutor_user(session, ctx, user_id)
    profile = session.get(TutorProfile, user_id)
    if profile is not None:
        return profile
    session.execute(
        text("INSERT INTO tutor_profiles (user_id, slug) VALUES (:u, :s) ON CONFLICT (user_id) DO NOTHING"),
        {"u": user_id, "s": _slug_for(session, user.full_name, user_id)},
    )
    refresh_search_document(session, user_id)
    profile = session.get(TutorProfile, user_id)
    assert profile is not None
    return profile


def touch(session: Session, profile: TutorProfile) -> None:
    profile.updated_at = datetime.now(timezone.utc)
    session.add(profile)
    session.flush()
    refresh_search_document(session, profile.user_id)


# Wizard steps ------------------------------------------------------------------------
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


# Completeness ------------------------------------------------------------------------
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


# Resuming the wizard -----------------------------------------------------------------
@dataclass(frozen=True)
class ProfileDraft:
    """Everything the wizard shows the tutor about their own profile, as plain values."""

    tutor_id: str
    slug: str
    status: str
    rejection_reason: str | None
    display_name: str
    headline: str
    bio: str
    years_experience: int | None
    time_zone: str
    subjects: list[tuple[str, str]]  # (slug, level), by subject name
    languages: list[tuple[str, str]]  # (code, level), by code
    hourly_rate_minor: int | None
    trial_price_minor: int | None
    currency: str
    lesson_lengths: list[int]
    overrides: dict[int, int]
    prices: dict[int, int]
    requires_confirmation: bool
    photo_path: str | None
    intro_video_url: str | None
    completeness: Completeness


def load_draft(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> ProfileDraft:
    """The tutor's own profile for the wizard (created as a draft on first use)."""
    p = get_or_create_draft(session, ctx, tutor_id)
    user = session.get(User, tutor_id)
    assert user is not None
    subjects = session.exec(
        select(Subject.slug, TutorSubject.level).join(Subject, col(Subject.id) == col(TutorSubject.subject_id))
        .where(TutorSubject.tutor_id == tutor_id).order_by(col(Subject.name))
    ).all()
    languages = session.exec(
        select(TutorLanguage.language_code, TutorLanguage.level).where(TutorLanguage.tutor_id == tutor_id)
        .order_by(col(TutorLanguage.language_code))
    ).all()
    overrides = dict(session.exec(
        select(TutorPrice.length_minutes, TutorPrice.price_minor).where(TutorPrice.tutor_id == tutor_id)
    ).all())
    return ProfileDraft(
        str(p.user_id), p.slug, p.status, p.rejection_reason, p.display_name, p.headline, p.bio,
        p.years_experience, user.time_zone, [tuple(r) for r in subjects], [tuple(r) for r in languages],
        p.hourly_rate_minor, p.trial_price_minor, p.currency, list(p.lesson_lengths), overrides,
        prices(session, tutor_id), p.requires_confirmation, p.photo_path, p.intro_video_url,
        completeness(session, tutor_id),
    )


# Search document ---------------------------------------------------------------------
_REFRESH = """
UPDATE tutor_profiles p SET
    search_text = lower(concat_ws(' ', nullif(d.name, ''), nullif(p.headline, ''), nullif(d.subjects, ''))),
    search_vector = setweight(to_tsvector('simple', d.name), 'A')
        || setweight(to_tsvector('simple', d.subjects), 'A')
        || setweight(to_tsvector('simple', p.headline), 'B')
        || setweight(to_tsvector('simple', p.bio), 'C')
FROM (
    SELECT p2.user_id,
           coalesce(nullif(p2.display_name, ''), u.full_name) AS name,
           coalesce((SELECT string_agg(s.name, ' ' ORDER BY s.name)
                     FROM tutor_subjects ts JOIN subjects s ON s.id = ts.subject_id
                     WHERE ts.tutor_id = p2.user_id), '') AS subjects
    FROM tutor_profiles p2 JOIN users u ON u.id = p2.user_id
    {where}
) d
WHERE p.user_id = d.user_id
"""


def refresh_search_document(session: Session, tutor_id: uuid.UUID) -> None:
    """Rebuild one profile's search_text (trigram) and search_vector (full text, 'simple'
    config: name and subjects weight A, headline B, bio C). Subjects a profile keeps after
    they were retired still count: the tutor still teaches them."""
    session.execute(text(_REFRESH.format(where="WHERE p2.user_id = :id")), {"id": tutor_id})


def refresh_search_documents(session: Session, tutor_ids: list[uuid.UUID] | None = None) -> int:
    """Rebuild many search documents in one statement (all profiles when `tutor_ids` is None)."""
    if tutor_ids is None:
        return session.execute(text(_REFRESH.format(where=""))).rowcount
    if not tutor_ids:
        return 0
    return session.execute(
        text(_REFRESH.format(where="WHERE p2.user_id = ANY(:ids)")), {"ids": list(tutor_ids)}
    ).rowcount
