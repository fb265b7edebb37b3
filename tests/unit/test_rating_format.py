"""One rounding rule for a tutor's rating (#14 item 11): `tutors.format_rating(sum, count)`
rounds the exact average half up to one decimal, and every place that shows an average
(discovery cards, the tutor page, favorites, the tutor's own reviews page) uses it."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutorconnect.services import tutors


@pytest.mark.parametrize(("rating_sum", "count", "shown"), [
    (15, 4, "3.8"),  # 3.75: the search card said 3.8, the profile 3.75
    (3749, 1000, "3.7"),  # 3.749: rounded once, from the exact value (not 3.75 first, then 3.8)
    (3750, 1000, "3.8"),  # an exact half goes up
    (3650, 1000, "3.7"),  # also when the digit before it is even (no banker's rounding)
    (3651, 1000, "3.7"),
    (3649, 1000, "3.6"),
    (13, 3, "4.3"),  # 4.333...
    (14, 3, "4.7"),  # 4.666...
    (5, 1, "5.0"),
    (1, 1, "1.0"),
    (99, 20, "5.0"),  # 4.95 -> 5.0
    (19, 20, "1.0"),  # 0.95 (not reachable with 1-5 stars, still rounded the same way)
    (2, 4, "0.5"),
])
def test_the_table(rating_sum, count, shown):
    assert tutors.format_rating(rating_sum, count) == shown


def test_no_reviews_no_number():
    assert tutors.format_rating(0, 0) is None


@pytest.mark.parametrize("bad", [(-1, 1), (1, -1), (3, 0), (True, 1), (1.5, 1)])
def test_impossible_aggregates_are_refused(bad):
    with pytest.raises(ValueError):
        tutors.format_rating(*bad)


@given(st.integers(min_value=1, max_value=10**6).flatmap(
    lambda n: st.tuples(st.integers(min_value=n, max_value=5 * n), st.just(n))))
def test_half_up_to_one_decimal_of_the_exact_average(args):
    rating_sum, count = args
    shown = tutors.format_rating(rating_sum, count)
    whole, _, tenth = shown.partition(".")
    assert len(tenth) == 1 and whole.isdigit()
    value = Fraction(int(whole) * 10 + int(tenth), 10)
    exact = Fraction(rating_sum, count)
    assert abs(value - exact) <= Fraction(1, 20)  # the nearest tenth ...
    if abs(value - exact) == Fraction(1, 20):
        assert value > exact  # ... and a tie goes up
