"""How a tutor's rating is shown: the one rounding rule (#14 item 11).

A profile keeps the exact aggregates (`rating_sum`, `rating_count`; the average is
sum / count). Every place that shows an average (discovery cards, the tutor's public
page, favorites, the tutor's own reviews page) shows `format_rating(sum, count)`: the
exact average rounded half up to one decimal, computed with integers only, so 3.75 is
"3.8", 3.749 is "3.7" (rounded once, never from an already rounded 3.75) and an exact
half always goes up (no banker's rounding). The two-place `rating_average` values the
queries also return are not for display.
"""

from __future__ import annotations


def format_rating(rating_sum: int, rating_count: int) -> str | None:
    """The average of `rating_count` ratings adding up to `rating_sum`, half up to one
    decimal ("4.3"); None without ratings (each page says "New" or nothing its own way)."""
    for value in (rating_sum, rating_count):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError("a rating aggregate is a non-negative integer")
    if rating_count == 0:
        if rating_sum:
            raise ValueError("a rating sum without ratings")
        return None
    tenths = (20 * rating_sum + rating_count) // (2 * rating_count)  # 10 * sum / count, half up
    return f"{tenths // 10}.{tenths % 10}"
