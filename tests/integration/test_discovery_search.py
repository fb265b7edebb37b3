"""Discovery search on real PostgreSQL: ranking, typo tolerance, filters, sorts, pages."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.db import sql
from tutorconnect.db import session_scope
from tutorconnect.services import discovery
from tutorconnect.services.discovery import SearchQuery, facet_counts
from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.tutors import refresh_search_documents

SUBJECTS = {
    "mathematics": "Mathematics", "physics": "Physics", "python-programming": "Python Programming",
    "history": "History", "japanese": "Japanese",
}


def make_subjects() -> dict[str, uuid.UUID]:
    ids = {}
    for slug, name in SUBJECTS.items():
        ids[slug] = uuid.uuid4()
        sql("INSERT INTO subjects (id, slug, name, category) VALUES (:i, :s, :n, 'Test')", i=ids[slug], s=slug, n=name)
    return ids


def tutor(subject_ids, name, *, headline="Friendly tutor", bio="", subjects=(("mathematics", "expert"),),
          languages=("en",), rate=1000, rating_count=0, rating_sum=0, status="approved", uid=None) -> uuid.UUID:
    uid = uid or uuid.uuid4()
    sql("INSERT INTO users (id, email, full_name, role, time_zone) VALUES (:i, :e, :n, 'tutor', 'Asia/Kolkata')",
        i=uid, e=f"t-{uid.hex}@example.com", n=name)
    sql("""INSERT INTO tutor_profiles (user_id, slug, headline, bio, status, hourly_rate_minor, rating_count, rating_sum)
           VALUES (:i, :s, :h, :b, :st, :r, :rc, :rs)""",
        i=uid, s=f"t-{uid.hex}", h=headline, b=bio, st=status, r=rate * 100, rc=rating_count, rs=rating_sum)
    for slug, level in subjects:
        sql("INSERT INTO tutor_subjects (tutor_id, subject_id, level) VALUES (:t, :s, :l)", t=uid, s=subject_ids[slug], l=level)
    for code in languages:
        sql("INSERT INTO tutor_languages (tutor_id, language_code, level) VALUES (:t, :c, 'C2')", t=uid, c=code)
    return uid


def refresh():
    with session_scope() as s:
        refresh_search_documents(s)


def search(**params):
    with session_scope() as s:
        return discovery.search_tutors(s, SearchQuery.from_params({k: str(v) for k, v in params.items()}))


def ids(page) -> list[str]:
    return [card.tutor_id for card in page.items]


@pytest.fixture
def subject_ids(db):
    return make_subjects()


# Text ----------------------------------------------------------------------------------
def test_a_subject_or_name_match_ranks_above_a_bio_mention(subject_ids):
    bio_only = tutor(subject_ids, "Ravi Kumar", subjects=(("history", "expert"),), bio="I also enjoy physics puzzles")
    by_subject = tutor(subject_ids, "Anita Rao", subjects=(("physics", "expert"),))
    refresh()
    page = search(q="physics")
    assert ids(page) == [str(by_subject), str(bio_only)]
    assert page.sort == "relevance" and page.total == 2


@pytest.mark.parametrize("typo, subject", [("mathematcs", "mathematics"), ("pyton", "python-programming"),
                                            ("japanse", "japanese")])
def test_a_misspelled_subject_still_finds_its_tutors(subject_ids, typo, subject):
    wanted = tutor(subject_ids, "Meera Iyer", subjects=((subject, "advanced"),))
    tutor(subject_ids, "Other Person", subjects=(("history", "expert"),))
    refresh()
    assert ids(search(q=typo)) == [str(wanted)]


def test_a_misspelled_name_finds_the_tutor(subject_ids):
    wanted = tutor(subject_ids, "Siddharth Menon")
    tutor(subject_ids, "Kavya Nair")
    refresh()
    assert ids(search(q="sidharth")) == [str(wanted)]


@pytest.mark.parametrize("q", ["<script>alert(1)</script>", "'; DROP TABLE users; --", "\" OR 1=1 --", "!!! ( & | :*",
                               "o'brien \\ %_", "\x00nul", "-", "\"unterminated"])
def test_script_laden_or_sql_like_text_is_only_text(subject_ids, q):
    tutor(subject_ids, "Plain Tutor")
    refresh()
    page = search(q=q)
    assert page.total == len(page.items) and page.total <= 1
    assert sql("SELECT count(*) FROM users")[0][0] == 1


# Listing rules -------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["draft", "submitted", "under_review", "rejected", "suspended"])
def test_unlisted_tutors_never_appear(subject_ids, status):
    listed = tutor(subject_ids, "Listed Maths")
    tutor(subject_ids, "Hidden Maths", status=status)
    refresh()
    assert ids(search()) == [str(listed)]
    assert ids(search(q="maths")) == [str(listed)]


def test_a_deleted_account_never_appears(subject_ids):
    gone = tutor(subject_ids, "Gone Maths")
    refresh()
    sql("UPDATE users SET deleted_at = now() WHERE id = :i", i=gone)
    assert search().total == 0 and search(q="mathematics").total == 0


def test_a_card_carries_what_the_result_list_shows(subject_ids):
    t = tutor(subject_ids, "Card Tutor", headline="Clear maths", rate=1250, rating_count=3, rating_sum=14,
              subjects=(("mathematics", "expert"), ("physics", "advanced"), ("history", "beginner"),
                        ("japanese", "beginner"), ("python-programming", "expert")))
    refresh()
    card = search().items[0]
    assert card.tutor_id == str(t) and card.slug == f"t-{t.hex}" and card.name == "Card Tutor"
    assert card.headline == "Clear maths" and card.hourly_rate_minor == 125_000 and card.currency == "INR"
    assert card.subjects == ("History", "Japanese", "Mathematics", "Physics")
    assert card.rating_average == Decimal("4.67") and card.rating_count == 3
    assert card.time_zone == "Asia/Kolkata" and card.photo_path is None


# Filters -------------------------------------------------------------------------------
@pytest.fixture
def catalogue(subject_ids):
    t = {
        "cheap_maths": tutor(subject_ids, "A One", rate=300, subjects=(("mathematics", "beginner"),), languages=("en",),
                             rating_count=2, rating_sum=6),
        "pricey_maths": tutor(subject_ids, "B Two", rate=2500, subjects=(("mathematics", "expert"),), languages=("hi", "en"),
                              rating_count=4, rating_sum=19),
        "physics_hi": tutor(subject_ids, "C Three", rate=800, subjects=(("physics", "advanced"),), languages=("hi",),
                            rating_count=10, rating_sum=45),
        "new_python": tutor(subject_ids, "D Four", rate=1500, subjects=(("python-programming", "intermediate"),),
                            languages=("ta",)),
    }
    refresh()
    return {k: str(v) for k, v in t.items()}


def test_subject_filter(catalogue):
    assert set(ids(search(subject="mathematics"))) == {catalogue["cheap_maths"], catalogue["pricey_maths"]}


def test_level_filter_keeps_tutors_who_teach_up_to_that_level_or_beyond(catalogue):
    assert set(ids(search(level="advanced"))) == {catalogue["pricey_maths"], catalogue["physics_hi"]}
    assert set(ids(search(subject="mathematics", level="intermediate"))) == {catalogue["pricey_maths"]}


def test_price_range_is_in_rupees_inclusive(catalogue):
    assert set(ids(search(price_min=800, price_max=1500))) == {catalogue["physics_hi"], catalogue["new_python"]}
    assert ids(search(price_max="300.00")) == [catalogue["cheap_maths"]]
    assert set(ids(search(price_min="2500"))) == {catalogue["pricey_maths"]}


def test_min_rating_is_exact_and_excludes_the_unrated(catalogue):
    assert set(ids(search(min_rating="4.5"))) == {catalogue["physics_hi"], catalogue["pricey_maths"]}
    assert set(ids(search(min_rating="4.75"))) == {catalogue["pricey_maths"]}
    assert search(min_rating="4.76").total == 0
    assert len(ids(search(min_rating=3))) == 3


def test_language_filter(catalogue):
    assert set(ids(search(language="hi"))) == {catalogue["pricey_maths"], catalogue["physics_hi"]}
    assert search(language="fr").total == 0


def test_filters_combine(catalogue):
    page = search(q="maths", subject="mathematics", language="en", price_min=1000, min_rating=4)
    assert ids(page) == [catalogue["pricey_maths"]]
    assert search(subject="physics", language="ta").total == 0


def test_free_within_days_is_accepted_but_says_it_did_not_filter(catalogue):
    page = search(free_within_days=7)
    assert page.total == 4 and page.availability_filter_applied is False
    assert page.query.free_within_days == 7


def test_an_unknown_subject_is_invalid_input(catalogue):
    with pytest.raises(InvalidInput) as err:
        search(subject="astrology")
    assert err.value.field == "subject"


def test_a_retired_subject_is_not_a_filter(catalogue, subject_ids):
    sql("UPDATE subjects SET retired_at = now() WHERE slug = 'physics'")
    with pytest.raises(InvalidInput):
        search(subject="physics")


# Sorts ---------------------------------------------------------------------------------
def test_each_sort_order(catalogue):
    c = catalogue
    assert ids(search(sort="price_asc")) == [c["cheap_maths"], c["physics_hi"], c["new_python"], c["pricey_maths"]]
    assert ids(search(sort="price_desc")) == [c["pricey_maths"], c["new_python"], c["physics_hi"], c["cheap_maths"]]
    assert ids(search(sort="rating")) == [c["pricey_maths"], c["physics_hi"], c["cheap_maths"], c["new_python"]]
    assert ids(search(sort="reviews")) == [c["physics_hi"], c["pricey_maths"], c["cheap_maths"], c["new_python"]]
    assert ids(search()) == ids(search(sort="rating"))  # the default without text


def _ordered_uuids(n):
    return sorted(uuid.uuid4() for _ in range(n))


@pytest.mark.parametrize("sort", ["price_asc", "price_desc", "rating", "reviews", "relevance"])
def test_ties_are_broken_by_id(subject_ids, sort):
    expected = _ordered_uuids(5)
    for uid in reversed(expected):
        tutor(subject_ids, "Same Maths", uid=uid, rate=1000, rating_count=2, rating_sum=8)
    refresh()
    assert ids(search(q="maths", sort=sort)) == [str(u) for u in expected]


# Pages ---------------------------------------------------------------------------------
def test_pages_split_the_results_and_keep_the_total(subject_ids):
    made = _ordered_uuids(7)
    for uid in made:
        tutor(subject_ids, "Paged Tutor", uid=uid)
    refresh()
    pages = [search(sort="reviews", per_page=3, page=n) for n in (1, 2, 3)]
    assert [p.total for p in pages] == [7, 7, 7] and {p.pages for p in pages} == {3}
    assert sum((ids(p) for p in pages), []) == [str(u) for u in made]


def test_a_page_past_the_end_is_empty_with_the_right_total(subject_ids):
    for _ in range(3):
        tutor(subject_ids, "Few Tutors")
    refresh()
    page = search(page=9, per_page=2)
    assert page.items == [] and page.total == 3 and page.pages == 2
    assert search(q="nothing-like-this-zzzz").total == 0


# Facets --------------------------------------------------------------------------------
def test_facets_count_listed_tutors_and_skip_retired_subjects(catalogue):
    sql("UPDATE subjects SET retired_at = now() WHERE slug = 'japanese'")
    tutor_id = tutor(make_subjects_ids(), "Suspended Maths", status="suspended")
    assert tutor_id
    with session_scope() as s:
        f = discovery.facets(s)
    counts = {x.slug: x.tutor_count for x in f.subjects}
    assert counts == {"history": 0, "mathematics": 2, "physics": 1, "python-programming": 1}
    assert dict(f.languages) == {"en": 2, "hi": 2, "ta": 1}


def make_subjects_ids():
    return {slug: i for slug, i in sql("SELECT slug, id FROM subjects")}


# Bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize("params, field", [
    ({"price_min": "-5"}, "price_min"), ({"price_max": "abc"}, "price_max"),
    ({"price_min": "900", "price_max": "100"}, "price_max"), ({"price_min": "1.234"}, "price_min"),
    ({"price_max": "99999999"}, "price_max"),
    ({"min_rating": "6"}, "min_rating"), ({"min_rating": "-1"}, "min_rating"), ({"min_rating": "x"}, "min_rating"),
    ({"sort": "cheapest"}, "sort"), ({"page": "0"}, "page"), ({"page": "1001"}, "page"), ({"page": "-2"}, "page"),
    ({"page": "two"}, "page"), ({"per_page": "0"}, "per_page"), ({"per_page": "51"}, "per_page"),
    ({"subject": "Not A Slug!"}, "subject"), ({"level": "guru"}, "level"), ({"language": "english"}, "language"),
    ({"language": "e1"}, "language"), ({"q": "x" * 101}, "q"), ({"free_within_days": "0"}, "free_within_days"),
    ({"free_within_days": "61"}, "free_within_days"),
])
def test_nonsense_params_are_invalid_input_naming_the_field(params, field):
    with pytest.raises(InvalidInput) as err:
        SearchQuery.from_params(params)
    assert err.value.field == field and err.value.message


def test_defaults_and_normalisation():
    q = SearchQuery.from_params({"q": "  Physics \t tutor ", "utm_source": "x", "language": "HI", "min_rating": "0"})
    assert q == SearchQuery(q="Physics tutor", language="hi")
    assert q.effective_sort == "relevance" and SearchQuery().effective_sort == "rating"
    assert SearchQuery.from_params({"price_min": "499.5"}).price_min_minor == 49_950


_slug = st.from_regex(r"\A[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}\Z")
_paise = st.integers(0, discovery.PRICE_MAX_RUPEES * 100)
_queries = st.builds(
    lambda q, subject, level, prices, rating, language, days, sort, page, per_page: SearchQuery(
        q=discovery.normalize_q(discovery.normalize_q(q)[:100]) or None, subject=subject, level=level,
        price_min_minor=prices[0], price_max_minor=prices[1], min_rating=rating, language=language,
        free_within_days=days, sort=sort, page=page, per_page=per_page,
    ),
    st.text(max_size=120), st.none() | _slug, st.none() | st.sampled_from(["beginner", "intermediate", "advanced", "expert"]),
    st.tuples(st.none() | _paise, st.none() | _paise).map(
        lambda p: tuple(sorted(p)) if None not in p else p),
    st.none() | st.integers(1, 500).map(lambda n: (Decimal(n) / 100).normalize()),
    st.none() | st.from_regex(r"\A[a-z]{2,3}\Z"), st.none() | st.integers(1, 60),
    st.none() | st.sampled_from(discovery.SORTS), st.integers(1, 1000), st.integers(1, 50),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_queries)
def test_to_params_round_trips_through_from_params(query):
    params = query.to_params()
    assert all(isinstance(v, str) for v in params.values())
    assert SearchQuery.from_params(params) == query


def test_cached_facets_are_recounted_only_after_their_time_to_live(subject_ids, monkeypatch):
    monkeypatch.setattr(facet_counts, "_facets_cache", None)
    tutor(subject_ids, "First Tutor", subjects=(("physics", "expert"),))
    with session_scope() as s:
        first = discovery.cached_facets(s, now=1000.0)
    tutor(subject_ids, "Second Tutor", subjects=(("physics", "expert"),))
    with session_scope() as s:
        within = discovery.cached_facets(s, now=1000.0 + discovery.FACETS_TTL_SECONDS - 1)
        after = discovery.cached_facets(s, now=1000.0 + discovery.FACETS_TTL_SECONDS + 1)
    count = {f.slug: f.tutor_count for f in first.subjects}["physics"]
    assert count == 1 and within is first
    assert {f.slug: f.tutor_count for f in after.subjects}["physics"] == 2


def test_a_typo_takes_only_its_clear_best_correction(subject_ids):
    maths = tutor(subject_ids, "Anil Verma", subjects=(("mathematics", "expert"),))
    tutor(subject_ids, "Bela Roy", subjects=(("history", "expert"),), bio="History, and a little maths for fun.")
    refresh()
    page = search(q="mathematcs")
    assert ids(page) == [str(maths)]
