"""The wizard's argument parsing and price preview (no database)."""

from __future__ import annotations

import pytest

from tutorconnect.services.errors import InvalidInput
from tutorconnect.state.onboarding_support import (
    choice_arg, index_arg, lengths_arg, price_preview, rupees_arg, step_arg, uuid_arg,
)


@pytest.mark.parametrize(("raw", "step"), [("3", 3), (7, 7), ("0", 1), ("8", 1), ("99", 1), ("-1", 1), ("", 1),
                                          (None, 1), ("3.0", 1), (True, 1), ("٣", 1), (["3"], 1)])
def test_step_from_the_url_falls_back_to_the_first_step(raw, step):
    assert step_arg(raw) == step


@pytest.mark.parametrize(("raw", "paise"), [("1200", 120000), ("1,200", 120000), ("₹ 1200", 120000), (" 300 ", 30000),
                                           (1200, 120000)])
def test_rupees_are_whole_numbers_turned_into_paise(raw, paise):
    assert rupees_arg("f", raw) == paise


@pytest.mark.parametrize("raw", ["12.5", "-5", "1e3", "abc", "١٢٠٠", "12345678", True, None, ["1"]])
def test_anything_else_is_a_clear_error_on_its_field(raw):
    with pytest.raises(InvalidInput) as err:
        rupees_arg("hourly_rate_minor", raw, label="your hourly rate")
    assert err.value.field == "hourly_rate_minor" and "rupees" in err.value.message


def test_an_empty_optional_price_is_none():
    assert rupees_arg("trial", "", optional=True) is None
    with pytest.raises(InvalidInput):
        rupees_arg("hourly", "")


def test_index_choice_length_and_uuid_arguments_refuse_forgeries():
    assert index_arg("1", 2) == 1 and index_arg(0, 1) == 0
    for bad in (2, -1, True, "x", None, 1.0):
        with pytest.raises(InvalidInput):
            index_arg(bad, 2)
    assert choice_arg("f", "a", ("a",), "m") == "a" and choice_arg("f", "", ("a",), "m") == ""
    for bad in ("b", None, 1, {"$ne": 1}):
        with pytest.raises(InvalidInput):
            choice_arg("f", bad, ("a",), "m")
    assert lengths_arg(30) == 30 and lengths_arg("90") == 90
    for bad in (31, True, "30.0", None):
        with pytest.raises(InvalidInput):
            lengths_arg(bad)
    for bad in ("../x", 5, None, "0" * 100):
        with pytest.raises(InvalidInput):
            uuid_arg(bad)


def test_price_preview_derives_each_length_and_shows_overrides():
    rows = price_preview("1200", [90, 30, 60], {"90": "1600"})
    assert [(r["minutes"], r["price"], r["source"]) for r in rows] == [
        ("30", "₹600", "from hourly rate"), ("60", "₹1,200", "from hourly rate"), ("90", "₹1,600", "your price")]


def test_price_preview_with_no_valid_rate_shows_a_dash():
    assert [r["price"] for r in price_preview("abc", [30, 45], {})] == ["—", "—"]
    assert [r["price"] for r in price_preview("", [45], {"45": "700"})] == ["₹700"]


def test_missing_items_follow_the_wizard_steps_and_link_to_them():
    from tutorconnect.services.tutors import WEIGHTS
    from tutorconnect.state.onboarding_support import missing_items

    items = missing_items([label for _, _, label in WEIGHTS])
    steps = [int(i["step"]) for i in items]
    assert steps == sorted(steps) and set(steps) == {1, 2, 3, 4, 5, 6}
    assert items[0]["label"] == "A headline" and items[-1]["step"] == "6"
