from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutorconnect.money import format_money, minor_to_decimal
from tutorconnect.timefmt import format_instant, format_when, valid_zone


@given(st.integers(min_value=0, max_value=10**12))
def test_minor_units_convert_exactly_without_floats(paise):
    value = minor_to_decimal(paise, "INR")
    assert isinstance(value, Decimal)
    assert value * 100 == paise


@pytest.mark.parametrize("amount, text", [(150000, "₹1,500"), (149950, "₹1,499.50"), (10000000, "₹1,00,000"), (0, "₹0")])
def test_rupees_are_formatted_the_indian_way(amount, text):
    assert format_money(amount, "INR") == text


@pytest.mark.parametrize("bad", [1.5, "100", None, True])
def test_money_refuses_anything_but_integer_minor_units(bad):
    with pytest.raises(TypeError):
        minor_to_decimal(bad, "INR")


def test_zero_decimal_currencies_use_their_own_precision():
    assert minor_to_decimal(1500, "JPY") == Decimal(1500)


def test_instants_are_shown_in_the_viewers_zone_and_name_it():
    instant = datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)  # the night Europe moves to summer time
    assert format_instant(instant, "Europe/London") == "29 Mar 2026, 00:30 GMT"
    assert format_instant(instant, "Europe/Berlin") == "29 Mar 2026, 01:30 CET"
    assert format_instant(datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc), "Europe/Berlin") == "29 Mar 2026, 03:30 CEST"
    assert format_instant(instant, "Asia/Kolkata") == "29 Mar 2026, 06:00 IST"
    assert format_instant(instant, "Not/AZone").endswith("UTC")
    assert format_instant(None, "UTC") == ""


def test_pages_show_an_instant_with_its_weekday_in_the_viewers_zone():
    from datetime import datetime, timezone

    instant = datetime(2026, 11, 22, 20, 35, tzinfo=timezone.utc)  # already Monday in India
    assert format_when(instant, "Asia/Kolkata") == "Mon 23 Nov 2026, 02:05 IST"
    assert format_when(instant, "America/New_York") == "Sun 22 Nov 2026, 15:35 EST"
    assert format_when(instant, "Not/AZone") == "Sun 22 Nov 2026, 20:35 UTC"


def test_an_unknown_zone_name_falls_back_to_utc():
    assert (valid_zone("Asia/Kolkata"), valid_zone("Not/AZone"), valid_zone("")) == ("Asia/Kolkata", "UTC", "UTC")
