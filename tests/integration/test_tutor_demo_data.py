"""The demo data set's marketplace details: languages, prices, reviews with exact rating
aggregates and search documents, still idempotent."""

from __future__ import annotations

import pytest

from tests.support.db import scalar, sql
from tutorconnect import demo
from tutorconnect.db import session_scope
from tutorconnect.services import tutors


def _load(tmp_path):
    with session_scope() as s:
        return demo.load_demo_data(s, avatar_dir=tmp_path, document_dir=tmp_path / "documents")


@pytest.fixture
def loaded(db, tmp_path):
    return _load(tmp_path)


def _drift():
    return sql("""SELECT p.slug FROM tutor_profiles p
                  LEFT JOIN (SELECT tutor_id, count(*) n, sum(rating) s FROM reviews WHERE hidden_at IS NULL
                             GROUP BY tutor_id) r ON r.tutor_id = p.user_id
                  WHERE p.rating_count <> coalesce(r.n, 0) OR p.rating_sum <> coalesce(r.s, 0)""")


def test_approved_demo_tutors_have_full_marketplace_profiles(loaded):
    rows = sql("""SELECT p.user_id, p.display_name, p.lesson_lengths, p.trial_price_minor, p.requires_confirmation,
                         p.search_text, p.search_vector IS NOT NULL AS has_vector, u.full_name,
                         (SELECT array_agg(language_code) FROM tutor_languages l WHERE l.tutor_id = p.user_id) AS langs
                  FROM tutor_profiles p JOIN users u ON u.id = p.user_id WHERE p.status = 'approved'""")
    assert len(rows) == loaded.approved_tutors
    for r in rows:
        assert r.display_name and r.has_vector and r.lesson_lengths and set(r.lesson_lengths) <= {30, 45, 60, 90}
        assert "en" in r.langs and 1 <= len(r.langs) <= 4
        assert r.search_text.startswith(r.display_name.lower())
        assert r.trial_price_minor is None or r.trial_price_minor % 100 == 0
    assert 1 <= sum(r.requires_confirmation for r in rows) < len(rows) // 3
    assert len(rows) // 2 <= sum(r.trial_price_minor is not None for r in rows) < len(rows)
    assert {len(r.lesson_lengths) for r in rows} >= {1, 2, 3, 4}
    with session_scope() as s:
        priced = [tutors.prices(s, r.user_id) for r in rows]
    assert all(p and all(v > 0 for v in p.values()) for p in priced)
    assert scalar("SELECT count(*) FROM tutor_prices") > 0


def test_demo_reviews_are_varied_and_the_ratings_are_exact(loaded):
    per_tutor = [r[0] for r in sql("""SELECT count(r.id) FROM tutor_profiles p LEFT JOIN reviews r ON r.tutor_id = p.user_id
                                      WHERE p.status = 'approved' GROUP BY p.user_id""")]
    assert min(per_tutor) == 0 and max(per_tutor) == 12 and all(0 <= n <= 12 for n in per_tutor)
    assert {r[0] for r in sql("SELECT DISTINCT rating FROM reviews")} == {1, 2, 3, 4, 5}
    assert 0 < scalar("SELECT count(*) FROM reviews WHERE reply_body IS NOT NULL") < scalar("SELECT count(*) FROM reviews")
    assert scalar("SELECT count(*) FROM reviews r JOIN users u ON u.id = r.student_id WHERE u.role <> 'student'") == 0
    assert scalar("SELECT count(*) FROM reviews r JOIN tutor_profiles p ON p.user_id = r.tutor_id "
                  "WHERE p.status <> 'approved'") == 0
    assert _drift() == [] and loaded.reviews == scalar("SELECT count(*) FROM reviews")
    tutor = demo.demo_user_id(demo.TUTOR_EMAIL)
    with session_scope() as s:
        summary = tutors.rating_summary(s, tutor)
    assert sum(summary.distribution.values()) == summary.count


def test_loading_again_adds_no_reviews_and_keeps_the_ratings(loaded, tmp_path):
    before = sql("SELECT slug, rating_count, rating_sum, search_text FROM tutor_profiles ORDER BY slug")
    again = _load(tmp_path)
    assert again.inserted_total == 0 and again.reviews == loaded.reviews
    assert sql("SELECT slug, rating_count, rating_sum, search_text FROM tutor_profiles ORDER BY slug") == before
    assert _drift() == []


def test_demo_tutors_are_found_by_full_text_and_by_a_misspelling(loaded):
    found = [r[0] for r in sql("SELECT slug FROM tutor_profiles WHERE search_vector @@ plainto_tsquery('simple', 'chemistry')")]
    assert "ananya-iyer" in found
    fuzzy = [r[0] for r in sql("SELECT slug FROM tutor_profiles WHERE search_text % 'chemstry' OR "
                               "word_similarity('chemstry', search_text) > 0.5")]
    assert "ananya-iyer" in fuzzy


def test_listed_demo_tutors_are_complete_with_a_private_document(loaded, tmp_path):
    listed = [r[0] for r in sql("SELECT user_id FROM tutor_profiles WHERE status = 'approved'")]
    assert listed
    with session_scope() as s:
        scores = {tutors.completeness(s, t).score for t in listed}
    assert scores == {100}
    keys = [r[0] for r in sql("SELECT storage_key FROM tutor_documents")]
    assert len(keys) >= len(listed)
    for key in keys:
        data = (tmp_path / "documents" / key).read_bytes()
        assert tutors.sniff_content_type(data[:8]) == ("application/pdf", ".pdf")
        assert data.rstrip().endswith(b"%%EOF")
    _load(tmp_path)  # idempotent: no second document
    assert scalar("SELECT count(*) FROM tutor_documents") == len(keys)


def test_listed_demo_tutors_have_weekly_availability_and_settings(loaded, tmp_path):
    listed = {r[0] for r in sql("SELECT user_id FROM tutor_profiles WHERE status = 'approved'")}
    with_rules = {r[0] for r in sql("SELECT DISTINCT tutor_id FROM availability_rules")}
    with_settings = {r[0] for r in sql("SELECT tutor_id FROM tutor_schedules")}
    assert listed <= with_rules and listed <= with_settings
    zones = {r[0] for r in sql("SELECT DISTINCT u.time_zone FROM availability_rules a JOIN users u ON u.id = a.tutor_id")}
    assert len(zones) >= 8
    before = scalar("SELECT count(*) FROM availability_rules")
    _load(tmp_path)
    assert scalar("SELECT count(*) FROM availability_rules") == before
