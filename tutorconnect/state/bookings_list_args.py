"""Handler arguments of the bookings lists (state/bookings_list.py), checked before use:
a booking id, a new start instant, the cancel / decline reason, the review form and the
booking reference of `?confirmed=` after checkout.
Each refusal is an InvalidInput whose message the page shows."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tutorconnect.services import bookings, payments
from tutorconnect.services.errors import InvalidInput
from tutorconnect.state.forms import instant_arg, parse_form, short_str

REVIEW_BODY_MAX = 2000


def _uuid_arg(value: Any) -> uuid.UUID:
    text = short_str(value, 36)
    try:
        return uuid.UUID(text or "")
    except ValueError:
        raise InvalidInput("booking", "Choose a booking from the list.") from None


def _instant_arg(value: Any) -> datetime:
    return instant_arg(value, "starts_at", "Choose a new time from the list.")


def reason_arg(form_data: Any) -> str:
    """The reason of the cancel / decline form, stripped; required (the other person sees it)."""
    reason = parse_form(form_data, {"reason": bookings.REASON_MAX})["reason"].strip()
    if not reason:
        raise InvalidInput("reason", "Please give a reason (the other person sees it).")
    return reason


def review_arg(form_data: Any, rating: int) -> str:
    """The review body of the form (at most REVIEW_BODY_MAX), once `rating` is 1 to 5 stars."""
    body = parse_form(form_data, {"body": REVIEW_BODY_MAX})["body"]
    if not 1 <= rating <= 5:
        raise InvalidInput("rating", "Choose from 1 to 5 stars.")
    return body


def reference_arg(value: Any) -> str:
    """`value` when it is a booking reference (TC-...), else ""."""
    return value if isinstance(value, str) and payments.BOOKING_REFERENCE.fullmatch(value) else ""
