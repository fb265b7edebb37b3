"""Plain helpers for the onboarding wizard state: steps, option lists, argument parsing
and turning service results into the str-only dicts the page renders."""

from __future__ import annotations

import uuid
from typing import Any

from tutorconnect.models.tutors import LESSON_LENGTHS
from tutorconnect.money import format_money
from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.tutors import WEIGHTS, ProfileDraft, price_for_length

STEPS: tuple[tuple[int, str, str], ...] = (
    (1, "Basics", "user-round"),
    (2, "Subjects", "book-open"),
    (3, "Languages", "languages"),
    (4, "Pricing", "indian-rupee"),
    (5, "Photo", "camera"),
    (6, "Documents", "file-badge"),
    (7, "Review", "send"),
)
LAST_STEP = len(STEPS)
# Which wizard step fixes each completeness item (keys of tutors.WEIGHTS).
ITEM_STEP = {"headline": 1, "bio": 1, "years_experience": 1, "subjects": 2, "languages": 3,
             "pricing": 4, "photo": 5, "documents": 6}
LABEL_STEP = {label: ITEM_STEP[key] for key, _, label in WEIGHTS}

STATUS_LABELS = {
    "draft": "Draft", "submitted": "Submitted", "under_review": "Under review",
    "approved": "Approved", "rejected": "Changes requested", "suspended": "Suspended",
}
MAX_ROWS = 8


def step_arg(value: Any) -> int:
    """The wizard step from the URL or a client; anything odd is step 1."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 2:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= LAST_STEP:
        return value
    return 1


def index_arg(value: Any, length: int) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 2:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < length:
        raise InvalidInput("row", "That row no longer exists. Please reload the page.")
    return value


def choice_arg(field: str, value: Any, allowed: set[str] | tuple[str, ...], message: str) -> str:
    if not isinstance(value, str) or (value and value not in allowed):
        raise InvalidInput(field, message)
    return value


def uuid_arg(value: Any, what: str = "That document") -> uuid.UUID:
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput("document", f"{what} could not be found. Please reload the page.")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput("document", f"{what} could not be found. Please reload the page.") from None


def rupees_arg(field: str, value: Any, *, optional: bool = False, label: str = "the price") -> int | None:
    """Whole rupees typed by the tutor ('1200', '1,200', '₹1200') -> paise, or InvalidInput."""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise InvalidInput(field, f"Enter {label} in whole rupees.")
    text = str(value).strip().replace(",", "").replace("₹", "").strip()
    if not text:
        if optional:
            return None
        raise InvalidInput(field, f"Enter {label} in whole rupees.")
    if not text.isascii() or not text.isdigit() or len(text) > 7:
        raise InvalidInput(field, f"Enter {label} as a whole number of rupees, like 1200.")
    return int(text) * 100


def lengths_arg(value: Any) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or value not in LESSON_LENGTHS:
        raise InvalidInput("lesson_lengths", "Choose lesson lengths from 30, 45, 60 and 90 minutes.")
    return int(value)


def price_preview(hourly: str, lengths: list[int], overrides: dict[str, str]) -> list[dict[str, str]]:
    """What students will pay per lesson length for the values typed so far."""
    try:
        rate = rupees_arg("hourly", hourly)
    except InvalidInput:
        rate = None
    rows = []
    for minutes in sorted(lengths):
        try:
            override = rupees_arg("o", overrides.get(str(minutes), ""), optional=True)
        except InvalidInput:
            override = None
        if rate is None and override is None:
            price = "—"
        else:
            price = format_money(price_for_length(rate or 0, minutes, "INR", override), "INR")
        rows.append({"minutes": str(minutes), "price": price, "source": "your price" if override is not None else "from hourly rate"})
    return rows


def missing_items(missing: list[str]) -> list[dict[str, str]]:
    """The completeness items still missing, in the order of the wizard's steps."""
    items = [{"label": m, "step": str(LABEL_STEP.get(m, 1))} for m in missing]
    return sorted(items, key=lambda item: int(item["step"]))


def draft_view(d: ProfileDraft) -> dict[str, Any]:
    """Everything the wizard shows, as plain str/int/list values."""
    def rupees(minor: int | None) -> str:
        return "" if minor is None else str(minor // 100)

    return {
        "basics": {
            "display_name": d.display_name, "headline": d.headline, "bio": d.bio,
            "years_experience": "" if d.years_experience is None else str(d.years_experience),
            "time_zone": d.time_zone,
        },
        "subjects": [{"slug": s, "level": lv} for s, lv in d.subjects],
        "languages": [{"code": c, "level": lv} for c, lv in d.languages],
        "pricing": {"hourly": rupees(d.hourly_rate_minor), "trial": rupees(d.trial_price_minor),
                    "confirm": "1" if d.requires_confirmation else ""},
        "lengths": list(d.lesson_lengths) or [60],
        "overrides": {str(m): str(p // 100) for m, p in d.overrides.items()},
        "photo": d.photo_path or "",
        "video": d.intro_video_url or "",
        "status": d.status,
        "reason": d.rejection_reason or "",
        "slug": d.slug,
        "score": d.completeness.score,
        "missing": missing_items(d.completeness.missing),
    }


def document_rows(items: list) -> list[dict[str, str]]:
    def size(n: int) -> str:
        return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{max(1, n // 1000)} KB"

    return [
        {"id": i.id, "kind": i.kind.title(), "title": i.title, "issuer": i.issuer, "year": str(i.year or ""),
         "filename": i.filename, "size": size(i.size_bytes), "href": f"/api/tutor-documents/{i.id}"}
        for i in items
    ]
