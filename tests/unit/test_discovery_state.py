"""The discovery page's pure helpers: the viewer's locale from Accept-Language, the card
fields, chips and page links built from a search."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tutorconnect.services.discovery import SearchCard, SearchQuery
from tutorconnect.services.errors import InvalidInput
from tutorconnect.state.discovery import FIELD_LABELS, card_fields, search_url, viewer_locale


@pytest.mark.parametrize("header, locale", [
    ("de-DE,de;q=0.9,en;q=0.8", "de_DE"),
    ("en-US,en;q=0.9", "en_US"),
    ("", "en_IN"),
    (None, "en_IN"),
    ("*", "en_IN"),
    ("xx-YY, zz", "en_IN"),
    ("<script>,en-GB", "en_GB"),
    ("a" * 5000, "en_IN"),
])
def test_viewer_locale(header, locale):
    assert viewer_locale(header) == locale


def card(**kw) -> SearchCard:
    base = dict(tutor_id="t", slug="priya-sharma", name="Priya Sharma", headline="Maths", subjects=("Mathematics",),
                hourly_rate_minor=120000, currency="INR", rating_average=Decimal("4.67"), rating_sum=14, rating_count=3,
                photo_path=None, time_zone="Asia/Kolkata")
    return SearchCard(**{**base, **kw})


def test_card_fields_follow_the_locale_and_say_new_without_reviews():
    c = card_fields(card(), "en_IN")
    assert (c["price"], c["rating"], c["reviews"], c["initial"], c["href"]) == (
        "₹1,200", "4.7", "3 reviews", "P", "/tutors/priya-sharma")
    assert [c[f"subject_{i}"] for i in range(1, 5)] == ["Mathematics", "", "", ""]
    assert card_fields(card(), "de_DE")["price"] == "1.200\xa0₹"
    new = card_fields(card(rating_average=None, rating_sum=0, rating_count=0, hourly_rate_minor=None), "en_IN")
    assert (new["rating"], new["reviews"], new["price"]) == ("New", "", "")


@pytest.mark.parametrize(("rating_sum", "count", "shown"), [(15, 4, "3.8"), (3749, 1000, "3.7"), (3650, 1000, "3.7")])
def test_card_rating_is_the_one_rounding_rule_from_the_exact_aggregate(rating_sum, count, shown):
    """#14 item 11: the card rounded the two-place average again (3.749 -> 3.75 -> 3.8) with
    Decimal's half-even; now it shows tutors.format_rating of the exact sum and count."""
    two_places = (Decimal(rating_sum) / count).quantize(Decimal("0.01"))
    c = card_fields(card(rating_average=two_places, rating_sum=rating_sum, rating_count=count), "en_IN")
    assert c["rating"] == shown


def test_search_url_round_trips_through_the_query():
    q = SearchQuery.from_params({"q": "maths & physics", "price_min": "500", "sort": "price_asc", "page": "2"})
    url = search_url(q.to_params())
    assert url.startswith("/tutors?") and "maths+%26+physics" in url and "page=2" in url
    assert search_url({}) == "/tutors"


@pytest.mark.parametrize("params, label", [
    ({"price_min": "abc"}, "Minimum price"),
    ({"page": "999999"}, "Page"),
    ({"min_rating": "9"}, "Minimum rating"),
    ({"price_min": "900", "price_max": "100"}, "Maximum price"),
    ({"level": "guru"}, "Level"),
    ({"q": "x" * 300}, "Search text"),
    ({"language": "english"}, "Language"),
    ({"free_within_days": "61"}, "Free time within"),
    ({"sort": "cheapest"}, "Sort"),
    ({"per_page": "51"}, "Results per page"),
])
def test_an_invalid_url_value_is_named_by_the_label_the_page_shows(params, label):
    """The discovery page names a refused URL value by its field's label (the browser test
    walks the page's error journey for three of these)."""
    with pytest.raises(InvalidInput) as err:
        SearchQuery.from_params(params)
    assert FIELD_LABELS[err.value.field] == label
