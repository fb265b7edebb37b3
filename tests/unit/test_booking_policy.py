"""The booking policy: money split, refund tiers at their boundaries, deadlines."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutorconnect.services import bookings

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10_000))
def test_fee_and_earnings_add_up(price, bps):
    fee, earnings = bookings.split_price(price, bps)
    assert fee + earnings == price
    assert 0 <= fee <= price and earnings >= 0
    # half up: exact - 0.5 < fee <= exact + 0.5 (all scaled by 20000 to stay in integers)
    exact2 = 2 * price * bps
    assert exact2 - 10_000 < 2 * fee * 10_000 <= exact2 + 10_000


def test_fee_rounding_examples():
    assert bookings.platform_fee(100_00) == 15_00
    assert bookings.platform_fee(10) == 2  # 1.5 -> 2 (half up)
    assert bookings.platform_fee(3) == 0  # 0.45 -> 0
    assert bookings.platform_fee(70_001) == 10_500  # 10500.15 -> 10500
    assert bookings.platform_fee(1, 5000) == 1  # 0.5 -> 1
    assert bookings.split_price(999, 1500) == (150, 849)  # 149.85 -> 150


@pytest.mark.parametrize("bad", [(-1, 1500), (100, -1), (100, 10_001)])
def test_fee_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        bookings.platform_fee(*bad)


POLICY = bookings.cancellation_snapshot()


def test_snapshot_is_json_and_round_trips():
    assert json.loads(json.dumps(POLICY)) == POLICY


@pytest.mark.parametrize(
    ("ahead", "percent"),
    [
        (timedelta(days=10), 100),
        (timedelta(hours=24), 100),
        (timedelta(hours=24) - timedelta(seconds=1), 50),
        (timedelta(hours=2), 50),
        (timedelta(hours=2) - timedelta(seconds=1), 0),
        (timedelta(0), 0),
        (-timedelta(hours=1), 0),
    ],
)
def test_student_tiers_at_boundaries(ahead, percent):
    assert bookings.refund_for(POLICY, 1000_00, "student", T0 + ahead, T0) == 1000_00 * percent // 100


@pytest.mark.parametrize("who", ["tutor", "admin", "system"])
def test_tutor_and_admin_refund_fully(who):
    assert bookings.refund_for(POLICY, 1234_56, who, T0 + timedelta(minutes=5), T0) == 1234_56


def test_refund_uses_the_snapshot_not_the_defaults():
    custom = bookings.cancellation_snapshot(full_refund_hours=48, partial_refund_hours=12, partial_refund_percent=25)
    assert bookings.refund_for(custom, 100_00, "student", T0 + timedelta(hours=30), T0) == 25_00
    assert bookings.refund_for(custom, 100_00, "student", T0 + timedelta(hours=48), T0) == 100_00
    assert bookings.refund_for(custom, 100_00, "student", T0 + timedelta(hours=11), T0) == 0


def test_partial_refund_rounds_half_up():
    assert bookings.refund_for(POLICY, 101, "student", T0 + timedelta(hours=3), T0) == 51


@given(st.integers(min_value=0, max_value=10**10), st.integers(min_value=-100_000, max_value=100_000),
       st.sampled_from(bookings.CANCELLERS))
def test_refund_is_within_price(price, minutes_ahead, who):
    refund = bookings.refund_for(POLICY, price, who, T0 + timedelta(minutes=minutes_ahead), T0)
    assert 0 <= refund <= price


def test_unknown_canceller_refused():
    with pytest.raises(ValueError):
        bookings.refund_for(POLICY, 100, "stranger", T0, T0)


def test_bad_tiers_refused():
    with pytest.raises(ValueError):
        bookings.cancellation_snapshot(full_refund_hours=2, partial_refund_hours=24)


def test_payment_window():
    assert bookings.payment_expires_at(T0) == T0 + timedelta(minutes=15)


def test_respond_by_default_and_capped_before_start():
    assert bookings.respond_by(T0, T0 + timedelta(days=5)) == T0 + timedelta(hours=24)
    assert bookings.respond_by(T0, T0 + timedelta(hours=10)) == T0 + timedelta(hours=9)
    assert bookings.respond_by(T0, T0 + timedelta(minutes=30)) == T0  # never in the past


def test_reschedule_limit():
    assert bookings.may_reschedule(0) and bookings.may_reschedule(1)
    assert not bookings.may_reschedule(2)


def test_describe_says_each_tier_in_words():
    policy = bookings.cancellation_snapshot(full_refund_hours=24, partial_refund_hours=2, partial_refund_percent=50)
    assert bookings.describe(policy) == (
        "Cancel 24 h or more before: full refund; 2 h or more before: 50% back; later: no refund. "
        "A no-show can be reported from 15 minutes after the start.")


# -- #14 item 31: the no-show grace period, in the rule and in the words shown -------------------
def test_the_no_show_grace_is_inclusive_at_its_end():
    grace = timedelta(minutes=15)
    assert not bookings.no_show_open(T0, T0, grace)
    assert not bookings.no_show_open(T0, T0 + timedelta(minutes=14, seconds=59), grace)
    assert bookings.no_show_open(T0, T0 + timedelta(minutes=15), grace)
    assert bookings.no_show_open(T0, T0 + timedelta(minutes=1), timedelta(0))  # no grace: from the start


def test_describe_states_the_grace_from_the_settings(monkeypatch):
    from tutorconnect.config import get_settings

    policy = bookings.cancellation_snapshot()
    monkeypatch.setattr(get_settings(), "no_show_grace_minutes", 10)
    assert bookings.describe(policy).endswith(" A no-show can be reported from 10 minutes after the start.")
    monkeypatch.setattr(get_settings(), "no_show_grace_minutes", 1)
    assert bookings.describe(policy).endswith(" A no-show can be reported from 1 minute after the start.")
    monkeypatch.setattr(get_settings(), "no_show_grace_minutes", 0)
    assert bookings.describe(policy).endswith(" A no-show can be reported from the start.")


# -- #14 item 32: what the tutor earns from a lesson, decided from its status and refund ----------
@pytest.mark.parametrize(("status", "paid", "refund", "earning"), [
    ("pending_payment", False, None, 1020_00),  # earns it once paid
    ("awaiting_tutor", True, None, 1020_00),
    ("confirmed", True, None, 1020_00),
    ("completed", True, None, 1020_00),
    ("no_show_student", True, None, 1020_00),  # the lesson counts as held
    ("no_show_tutor", True, 1200_00, None),  # the student is refunded in full
    ("declined", True, 1200_00, None),
    ("expired", False, None, None),
    ("cancelled", False, 0, None),  # never paid: nothing to keep
    ("cancelled", True, 1200_00, None),  # a full refund (tutor, admin, or the student 24 h ahead)
    ("cancelled", True, 600_00, 510_00),  # a late cancellation (50% back): the tutor keeps their share
    ("cancelled", True, 0, 1020_00),  # cancelled by the student at the last minute: nothing back
    ("cancelled", True, None, None),  # no refund figure: promise nothing
])
def test_tutor_earning_by_status_and_refund(status, paid, refund, earning):
    assert bookings.tutor_earning(status, paid=paid, price_minor=1200_00, platform_fee_minor=180_00,
                                  refund_minor=refund) == earning


@given(st.integers(min_value=1, max_value=10**9).flatmap(lambda price: st.tuples(
    st.just(price), st.integers(min_value=0, max_value=price), st.integers(min_value=0, max_value=price))))
def test_what_a_late_cancellation_leaves_the_tutor_is_what_the_ledger_pays(args):
    """The card's figure and the ledger's reversals (payments.split_refund) agree to the paisa."""
    from tutorconnect.services.payments import split_refund

    price, fee, refund = args
    _, earnings_back = split_refund(price, fee, 0, refund)
    kept = price - fee - earnings_back
    shown = bookings.tutor_earning("cancelled", paid=True, price_minor=price, platform_fee_minor=fee,
                                   refund_minor=refund)
    assert shown == (kept if kept > 0 else None)


def test_the_grace_setting_defaults_to_15_minutes_reads_the_environment_and_is_documented(monkeypatch):
    from pathlib import Path

    from tutorconnect.config import Settings

    monkeypatch.delenv("NO_SHOW_GRACE_MINUTES", raising=False)
    assert Settings(_env_file=None).no_show_grace_minutes == 15
    monkeypatch.setenv("NO_SHOW_GRACE_MINUTES", "20")
    assert Settings(_env_file=None).no_show_grace_minutes == 20
    for bad in ("-1", "1441", "soon"):
        monkeypatch.setenv("NO_SHOW_GRACE_MINUTES", bad)
        with pytest.raises(ValueError):
            Settings(_env_file=None)
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    assert "# NO_SHOW_GRACE_MINUTES=15" in example
