"""The time-zone catalog (tutorconnect/timezones.py): what is offered, what an alias means,
and the offsets shown beside each name."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, strategies as st

from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.validation import clean_time_zone
from tutorconnect.timezones import canonical_zone, offered_zones, utc_offset, zone_options


@pytest.mark.parametrize("alias, meant", [
    ("Asia/Calcutta", "Asia/Kolkata"),  # what Chromium's Intl reports in India (#14 item 16)
    ("US/Eastern", "America/New_York"),
    ("Asia/Saigon", "Asia/Ho_Chi_Minh"),
    ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ("Etc/UTC", "UTC"), ("GMT", "UTC"), ("UTC", "UTC"),
])
def test_an_alias_is_stored_as_the_name_people_are_offered(alias, meant):
    assert clean_time_zone(alias) == meant


@pytest.mark.parametrize("zone", ["Europe/Oslo", "Europe/Stockholm", "Asia/Kuwait", "Europe/Amsterdam"])
def test_a_country_zone_is_kept_though_iana_links_it_to_another_with_the_same_clocks(zone):
    assert zone in offered_zones()
    assert clean_time_zone(zone) == zone


def test_the_offer_holds_no_aliases_or_technical_zones():
    offered = offered_zones()
    assert "Asia/Kolkata" in offered and "UTC" in offered
    assert not {"Asia/Calcutta", "US/Eastern", "Etc/GMT+5", "EST5EDT", "Etc/UTC"} & set(offered)
    assert len(offered) == len(set(offered)) and 300 < len(offered) < 500


def test_every_offered_zone_is_accepted_as_itself_and_fits_the_column():
    for zone in offered_zones():
        assert clean_time_zone(zone) == zone
        assert len(zone) <= 64  # users.time_zone check constraint


@given(st.sampled_from(sorted(available_timezones())))
def test_every_known_zone_means_a_zone_with_the_same_clock_now(name):
    meant = canonical_zone(name)
    assert meant is not None
    now = datetime.now(timezone.utc)
    assert now.astimezone(ZoneInfo(name)).utcoffset() == now.astimezone(ZoneInfo(meant)).utcoffset()
    assert canonical_zone(meant) == meant


def test_a_technical_zone_with_no_offered_name_is_kept():
    assert clean_time_zone("Etc/GMT+5") == "Etc/GMT+5"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "asia/kolkata", "", "x" * 65])
def test_an_unknown_name_is_refused(zone):
    with pytest.raises(InvalidInput):
        clean_time_zone(zone)


def test_offsets_follow_daylight_saving_time():
    winter = datetime(2026, 1, 15, 12, tzinfo=timezone.utc)
    summer = datetime(2026, 7, 15, 12, tzinfo=timezone.utc)
    assert utc_offset("America/New_York", winter) == "UTC\u221205:00"
    assert utc_offset("America/New_York", summer) == "UTC\u221204:00"
    assert utc_offset("Asia/Kolkata", summer) == "UTC+05:30"
    assert utc_offset("Asia/Kathmandu", summer) == "UTC+05:45"
    assert utc_offset("UTC", summer) == "UTC"
    labels = {o.value: o.label for o in zone_options(summer)}
    assert labels["America/New_York"] == "America/New York (UTC\u221204:00)"
    assert list(labels)[-1] == "UTC"
