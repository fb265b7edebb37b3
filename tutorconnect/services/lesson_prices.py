"""Lesson prices: what a lesson of a given length with a tutor costs (the tutor's price
override for that length, else the hourly rate pro rata).

The one home of that rule, used by the tutors package (the tutor's wizard, public page
and admin view) and by bookings (the price of a new booking). It lives outside the
tutors package so that bookings can use it without importing tutors, which itself uses
bookings (an admin's view of a tutor shows their cancellations): that would be an import
loop.
"""

from __future__ import annotations

import uuid

from babel.numbers import get_currency_precision
from sqlmodel import Session, select

from tutorconnect.models import TutorPrice, TutorProfile


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
