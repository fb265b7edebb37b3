"""Booking policy: pure functions for money, refunds and deadlines (no database).

Money. Prices are integers in the currency's minor unit (paise, cents). The platform fee
is given in basis points (1500 = 15%). Rounding rule: the fee is `price * bps / 10000`
rounded half up to a whole minor unit (0.5 paise goes to the platform), computed with
integers only; the tutor's earnings are `price - fee`, so fee + earnings = price always
(the bookings table checks it too).

Cancellation. The policy in force is copied onto each booking as a JSON-able snapshot
(`cancellation_snapshot()`), and the refund is always computed from the booking's own
snapshot (`refund_for`), so later changes of the settings never touch existing bookings.
Tiers: a student cancelling at least `full_refund_hours` before the start gets 100%, at
least `partial_refund_hours` before gets `partial_refund_percent`% (rounded half up to a
minor unit), later nothing; a tutor, admin or the system cancelling refunds 100%.
Boundaries are inclusive on the student's side: exactly 24 h ahead is still 100%.

Deadlines. A pending_payment booking expires `payment_window` after creation; a booking
awaiting the tutor must be answered within `tutor_response` but never later than one hour
(`RESPOND_BEFORE_START`) before the lesson starts (and never before `now`).

No-shows. Either side (or an admin) can report that the other did not come only once the
grace period (`NO_SHOW_GRACE_MINUTES`, default 15) after the start has passed: from
exactly start + grace on (`no_show_open`). A student no-show counts as held (the tutor is
paid); a tutor no-show refunds the student in full.

The tutor's earning (`tutor_earning`). A lesson that will or did take place pays the tutor
their share of the price; one declined, expired, missed by the tutor or refunded in full
pays nothing; a paid lesson the student cancelled late pays what the refund leaves: the
refund takes back the platform fee pro rata, rounded down, and the rest from the tutor's
share: `money.split_refund`, the one rule the ledger's reversals also use.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tutorconnect.money import split_refund
from tutorconnect.models.scheduling import BookingStatus as S

# Defaults (the app reads the overriding values from config.Settings in the bookings package).
PLATFORM_FEE_BPS = 1500
RESCHEDULE_LIMIT = 2
PAYMENT_WINDOW = timedelta(minutes=15)
TUTOR_RESPONSE = timedelta(hours=24)
RESPOND_BEFORE_START = timedelta(hours=1)
FULL_REFUND_HOURS = 24
PARTIAL_REFUND_HOURS = 2
PARTIAL_REFUND_PERCENT = 50
NO_SHOW_GRACE = timedelta(minutes=15)
POLICY_VERSION = 1

CANCELLERS = ("student", "tutor", "admin", "system")


def _round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("expected a non-negative numerator and a positive denominator")
    return (2 * numerator + denominator) // (2 * denominator)


def platform_fee(price_minor: int, fee_bps: int = PLATFORM_FEE_BPS) -> int:
    """The platform's fee in minor units: price * bps / 10000, rounded half up."""
    if price_minor < 0:
        raise ValueError("price must not be negative")
    if not 0 <= fee_bps <= 10_000:
        raise ValueError("fee must be between 0 and 10000 basis points")
    return _round_half_up_div(price_minor * fee_bps, 10_000)


def split_price(price_minor: int, fee_bps: int = PLATFORM_FEE_BPS) -> tuple[int, int]:
    """(platform fee, tutor earnings); they add up to the price exactly."""
    fee = platform_fee(price_minor, fee_bps)
    return fee, price_minor - fee


def cancellation_snapshot(
    *,
    full_refund_hours: int = FULL_REFUND_HOURS,
    partial_refund_hours: int = PARTIAL_REFUND_HOURS,
    partial_refund_percent: int = PARTIAL_REFUND_PERCENT,
) -> dict[str, Any]:
    """The policy in force, as stored on a booking (JSON-able)."""
    if partial_refund_hours > full_refund_hours:
        raise ValueError("the partial tier must not start before the full tier")
    if not 0 <= partial_refund_percent <= 100:
        raise ValueError("percent must be between 0 and 100")
    return {
        "version": POLICY_VERSION,
        "student_tiers": [
            {"min_hours_before": full_refund_hours, "refund_percent": 100},
            {"min_hours_before": partial_refund_hours, "refund_percent": partial_refund_percent},
            {"min_hours_before": 0, "refund_percent": 0},
        ],
        "tutor_refund_percent": 100,
        "admin_refund_percent": 100,
    }


def describe(policy: dict[str, Any], no_show_grace: timedelta = NO_SHOW_GRACE) -> str:
    """The student's side of a policy snapshot in words, for the page before booking, and
    when a no-show can be reported: "Cancel 24 h or more before: full refund; 2 h or more
    before: 50% back; later: no refund. A no-show can be reported from 15 minutes after
    the start." (bookings.describe passes the grace from the settings)."""
    parts = []
    for tier in sorted(policy["student_tiers"], key=lambda t: t["min_hours_before"], reverse=True):
        hours, percent = int(tier["min_hours_before"]), int(tier["refund_percent"])
        back = "full refund" if percent == 100 else (f"{percent}% back" if percent else "no refund")
        parts.append(f"{hours} h or more before: {back}" if hours else f"later: {back}")
    return "Cancel " + "; ".join(parts) + ". " + describe_no_show(no_show_grace)


def describe_no_show(grace: timedelta = NO_SHOW_GRACE) -> str:
    """When a no-show can be reported, in words (the policy text and the refusal)."""
    minutes = int(grace.total_seconds() // 60)
    if minutes <= 0:
        return "A no-show can be reported from the start."
    return f"A no-show can be reported from {minutes} minute{'s' if minutes != 1 else ''} after the start."


def refund_percent(policy: dict[str, Any], cancelled_by: str, starts_at: datetime, now: datetime) -> int:
    if cancelled_by not in CANCELLERS:
        raise ValueError(f"unknown canceller {cancelled_by!r}")
    if cancelled_by == "tutor":
        return int(policy.get("tutor_refund_percent", 100))
    if cancelled_by in ("admin", "system"):
        return int(policy.get("admin_refund_percent", 100))
    ahead = starts_at - now
    tiers = sorted(policy["student_tiers"], key=lambda t: t["min_hours_before"], reverse=True)
    for tier in tiers:
        if ahead >= timedelta(hours=tier["min_hours_before"]):
            return int(tier["refund_percent"])
    return 0  # after the start


def refund_for(policy_snapshot: dict[str, Any], price_minor: int, cancelled_by: str, starts_at: datetime,
               now: datetime) -> int:
    """The amount given back (minor units, 0..price) when `cancelled_by` cancels at `now`."""
    pct = refund_percent(policy_snapshot, cancelled_by, starts_at, now)
    return min(price_minor, _round_half_up_div(price_minor * pct, 100))


def payment_expires_at(created_at: datetime, window: timedelta = PAYMENT_WINDOW) -> datetime:
    return created_at + window


def respond_by(now: datetime, starts_at: datetime, response: timedelta = TUTOR_RESPONSE) -> datetime:
    """When an awaiting_tutor booking is declined automatically: `response` after now, but
    no later than RESPOND_BEFORE_START before the lesson (and not before now)."""
    return max(now, min(now + response, starts_at - RESPOND_BEFORE_START))


def may_reschedule(reschedule_count: int, limit: int = RESCHEDULE_LIMIT) -> bool:
    return reschedule_count < limit


def reschedules_remaining(reschedule_count: int, limit: int = RESCHEDULE_LIMIT) -> int:
    """How many more moves the limit allows (never below 0)."""
    return max(0, limit - reschedule_count)


def payment_open(status: str, expires_at: datetime | None, now: datetime) -> bool:
    """An unpaid booking can still be paid until its payment window ends (the sweep then
    expires it; a payment arriving later revives it only if the time is still free)."""
    return status == "pending_payment" and (expires_at is None or expires_at > now)


def has_started(starts_at: datetime, now: datetime) -> bool:
    """A lesson has started at its start time: from then on the student and the tutor can
    no longer cancel or reschedule it (a no-show can be reported a grace period later)."""
    return starts_at <= now


def no_show_open(starts_at: datetime, now: datetime, grace: timedelta = NO_SHOW_GRACE) -> bool:
    """A no-show can be reported from `grace` after the start on (inclusive: at exactly
    start + grace it can). Before that the other person may just be late."""
    return starts_at + grace <= now


# The statuses of a lesson that will or did take place, as far as the tutor's pay goes.
_EARNS = frozenset({S.PENDING_PAYMENT, S.AWAITING_TUTOR, S.CONFIRMED, S.COMPLETED, S.NO_SHOW_STUDENT})


def tutor_earning(status: str, *, paid: bool, price_minor: int, platform_fee_minor: int,
                  refund_minor: int | None) -> int | None:
    """What the lesson pays the tutor (minor units), or None when it pays them nothing.

    Will or did take place (awaiting payment, awaiting the tutor, confirmed, completed,
    student absent): the tutor's share, price - fee. Declined, expired, tutor absent:
    None. Cancelled: None unless it was paid and the refund leaves the tutor something
    (a late cancellation by the student); then the share less the part of the refund the
    platform fee does not cover (see the module docstring). An unknown refund: None."""
    earnings = price_minor - platform_fee_minor
    if status in _EARNS:
        return earnings
    if status != S.CANCELLED or not paid or refund_minor is None or price_minor <= 0:
        return None
    refund = min(max(refund_minor, 0), price_minor)
    _, earnings_back = split_refund(price_minor, platform_fee_minor, 0, refund)  # as the ledger reverses it
    kept = earnings - earnings_back
    return kept if kept > 0 else None
