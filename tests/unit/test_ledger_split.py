"""The pro-rata refund split adds up exactly in minor units, whatever the partial refunds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutorconnect.services.bookings import split_price
from tutorconnect.services.payments import split_refund


@st.composite
def refunds_of_a_price(draw):
    price = draw(st.integers(min_value=100, max_value=10_000_000))
    bps = draw(st.integers(min_value=0, max_value=5000))
    cuts = sorted(draw(st.lists(st.integers(min_value=1, max_value=price), max_size=6)))
    full = draw(st.booleans())
    points = [*cuts, price] if full else cuts
    amounts = [b - a for a, b in zip([0, *points], points, strict=False) if b - a > 0]
    return price, bps, amounts


@given(refunds_of_a_price())
def test_reversals_add_up_to_each_refund_and_never_exceed_fee_or_earnings(case):
    price, bps, amounts = case
    fee, earnings = split_price(price, bps)
    before = fee_back_total = earn_back_total = 0
    for amount in amounts:
        fee_back, earn_back = split_refund(price, fee, before, amount)
        assert fee_back >= 0 and earn_back >= 0 and fee_back + earn_back == amount
        before += amount
        fee_back_total += fee_back
        earn_back_total += earn_back
        assert fee_back_total <= fee and earn_back_total <= earnings
    if before == price:  # refunded in full: the fee and the earnings are reversed exactly
        assert (fee_back_total, earn_back_total) == (fee, earnings)


def test_refunds_outside_the_payment_are_refused():
    with pytest.raises(ValueError):
        split_refund(1000, 150, 900, 200)
    with pytest.raises(ValueError):
        split_refund(1000, 150, 0, -1)
