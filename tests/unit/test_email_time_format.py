"""Lesson times as emails show them: the recipient's zone, its abbreviation (or GMT+h:mm
where the zone has none), both days when a lesson crosses local midnight, DST respected."""

from datetime import datetime, timezone

import pytest

from tutorconnect.timefmt import format_short, format_span

UTC = timezone.utc


@pytest.mark.parametrize("zone, expected", [
    ("Asia/Kolkata", "Tuesday 1 December 2026, 14:00–15:00 IST"),
    ("America/New_York", "Tuesday 1 December 2026, 03:30–04:30 EST"),
    ("Asia/Kathmandu", "Tuesday 1 December 2026, 14:15–15:15 GMT+5:45"),
    ("America/Sao_Paulo", "Tuesday 1 December 2026, 05:30–06:30 GMT-3"),
    ("Not/AZone", "Tuesday 1 December 2026, 08:30–09:30 UTC"),
])
def test_span_in_the_recipients_zone(zone, expected):
    assert format_span(datetime(2026, 12, 1, 8, 30, tzinfo=UTC), datetime(2026, 12, 1, 9, 30, tzinfo=UTC), zone) == expected


def test_a_lesson_across_local_midnight_names_both_days():
    start, end = datetime(2026, 12, 1, 18, 0, tzinfo=UTC), datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    assert format_span(start, end, "Asia/Kolkata") == "Tuesday 1 December 2026, 23:30–Wed 2 Dec, 00:30 IST"


def test_daylight_saving_time_changes_the_local_time_and_the_abbreviation():
    summer = datetime(2026, 7, 1, 14, 0, tzinfo=UTC)
    winter = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert format_short(summer, "America/New_York") == "Wed 1 Jul, 10:00 EDT"
    assert format_short(winter, "America/New_York") == "Tue 1 Dec, 09:00 EST"
    assert format_short(summer, "Europe/London") == "Wed 1 Jul, 15:00 BST"
