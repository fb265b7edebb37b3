"""The availability editor's pure helpers: time options, argument checks, hours <-> minutes,
local day ranges to instants (DST included) and the month grid's marks."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from tutorconnect.services.errors import InvalidInput
from tutorconnect.state import availability_editor_times as ed


def test_time_options_are_quarter_hours():
    assert ed.START_OPTIONS[:3] == ["00:00", "00:15", "00:30"] and ed.START_OPTIONS[-1] == "23:45"
    assert ed.END_OPTIONS[0] == "00:15" and ed.END_OPTIONS[-1] == "24:00"
    assert len(ed.START_OPTIONS) == len(ed.END_OPTIONS) == 96


@pytest.mark.parametrize("value, end, minute", [("09:30", False, 570), ("24:00", True, 1440), ("00:15", True, 15)])
def test_parse_hhmm(value, end, minute):
    assert ed.parse_hhmm(value, end=end) == minute


@pytest.mark.parametrize("value, end", [("24:00", False), ("00:00", True), ("09:07", False), ("9:00", False),
                                        (570, False), (None, True), (["09:00"], False), ("x" * 500, True)])
def test_parse_hhmm_refuses(value, end):
    with pytest.raises(InvalidInput):
        ed.parse_hhmm(value, end=end)


@pytest.mark.parametrize("value", [True, "1", 1.0, -1, 7, None, [1]])
def test_int_arg_refuses(value):
    with pytest.raises(InvalidInput):
        ed.int_arg(value, 0, 6, "weekday")


def test_int_arg_accepts():
    assert ed.int_arg(0, 0, 6, "weekday") == 0 and ed.int_arg(6, 0, 6, "weekday") == 6


@pytest.mark.parametrize("text, minutes", [("12", 720), ("1.5", 90), ("0,25", 15), ("0", 0), (" 2 ", 120)])
def test_hours_to_minutes(text, minutes):
    assert ed.hours_to_minutes("f", text) == minutes


@pytest.mark.parametrize("text", ["", "abc", "-1", "1e9", "NaN", "Infinity", "0.333", "0.01"])
def test_hours_to_minutes_refuses(text):
    with pytest.raises(InvalidInput) as err:
        ed.hours_to_minutes("min_notice_hours", text)
    assert err.value.field == "min_notice_hours"


def test_minutes_to_hours():
    assert [ed.minutes_to_hours(m) for m in (720, 90, 15, 0, 20)] == ["12", "1.5", "0.25", "0", "0.33"]


def test_whole():
    assert ed.whole("x", " 15 ", "the buffer") == 15
    assert ed.whole("x", "", "the limit", optional=True) is None
    for bad in ("", "1.5", "-3", "ten", "9999999"):
        with pytest.raises(InvalidInput):
            ed.whole("x", bad, "the buffer")


def test_local_day_bounds_follow_the_zone_and_dst():
    start, end = ed.local_day_bounds(date(2026, 12, 24), date(2026, 12, 26), "Asia/Kolkata")
    assert start == datetime(2026, 12, 23, 18, 30, tzinfo=timezone.utc)
    assert end == datetime(2026, 12, 26, 18, 30, tzinfo=timezone.utc)
    # 29 March 2026: Europe/Berlin springs forward; the day is 23 hours long
    start, end = ed.local_day_bounds(date(2026, 3, 29), date(2026, 3, 29), "Europe/Berlin")
    assert (end - start).total_seconds() == 23 * 3600


def test_new_interval_and_add_month():
    assert ed.new_interval([]) == (540, 1020)
    assert ed.new_interval([(540, 720)]) == (780, 840)
    assert ed.new_interval([(540, 1440)]) == (1380, 1440)
    assert ed.add_month(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert ed.add_month(date(2027, 1, 1), -1) == date(2026, 12, 1)


def test_month_days_marks_overrides_and_time_off():
    month, today = date(2026, 12, 1), date(2026, 12, 10)
    overrides = {date(2026, 12, 12): [], date(2026, 12, 13): [(600, 720), (780, 840)]}
    off = ed.off_dates([(datetime(2026, 12, 23, 18, 30, tzinfo=timezone.utc),
                         datetime(2026, 12, 25, 18, 30, tzinfo=timezone.utc))], "Asia/Kolkata",
                       date(2026, 11, 1), date(2027, 1, 31))
    assert off == {date(2026, 12, 24), date(2026, 12, 25)}
    days = ed.month_days(month, today, overrides, off)
    assert len(days) % 7 == 0 and days[0].iso == "2026-11-30"  # Monday first
    by = {d.iso: d for d in days}
    assert by["2026-12-12"].kind == "closed" and by["2026-12-12"].label == "Closed"
    assert by["2026-12-13"].kind == "hours" and by["2026-12-13"].label == "10:00–12:00, 13:00–14:00"
    assert by["2026-12-24"].kind == "off" and "Time off" in by["2026-12-24"].aria
    assert by["2026-12-10"].today and by["2026-12-09"].past and not by["2026-12-10"].past
    assert not by["2026-11-30"].in_month and by["2026-12-01"].in_month


def test_iso_date():
    assert ed.iso_date("2026-12-01") == date(2026, 12, 1)
    for bad in ("", "2026-13-01", 20261201, None, "2026-12-01T00:00", ["2026-12-01"]):
        with pytest.raises(InvalidInput):
            ed.iso_date(bad)
