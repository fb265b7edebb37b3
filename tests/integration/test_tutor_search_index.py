"""tutor_search and search_lexicon are derived data kept by triggers (migration 0004):
every way a source row changes (services, bulk SQL, concurrent transactions) leaves the
index equal to a fresh computation from the sources."""

from __future__ import annotations

import threading
import uuid

import pytest

from tests.integration.test_discovery_search import make_subjects, tutor
from tests.support.db import scalar, sql
from tutorconnect.db import get_engine, session_scope
from tutorconnect.services import tutors
from tutorconnect.services.tutors import refresh_search_documents
from tests.integration.test_tutor_support import as_, make_user

COLUMNS = ("tutor_id, slug, name, headline, photo_path, time_zone, currency, hourly_rate_minor, rating_count, "
           "rating_sum, subject_names, subject_levels, languages, search_vector::text, approved_at")


def snapshot() -> list:
    return sql(f"SELECT {COLUMNS} FROM tutor_search ORDER BY tutor_id")


def assert_in_step() -> None:
    """A full recomputation from the sources changes nothing."""
    before = snapshot()
    with get_engine().connect() as conn:
        conn.exec_driver_sql("SELECT tc_refresh_tutor_search(ARRAY(SELECT user_id FROM tutor_profiles))")
        conn.exec_driver_sql("SELECT 1")
        after = [tuple(r) for r in conn.exec_driver_sql(f"SELECT {COLUMNS} FROM tutor_search ORDER BY tutor_id")]
        conn.rollback()
    assert [tuple(r) for r in before] == after


def row(tutor_id: uuid.UUID):
    rows = sql(f"SELECT {COLUMNS} FROM tutor_search WHERE tutor_id = :t", t=tutor_id)
    return rows[0] if rows else None


@pytest.fixture
def subject_ids(db):
    return make_subjects()


def test_only_listed_tutors_have_a_row_with_what_cards_and_filters_need(subject_ids):
    listed = tutor(subject_ids, "Meera Iyer", subjects=(("physics", "advanced"), ("mathematics", "beginner")),
                   languages=("hi", "en"), rate=1200, rating_count=2, rating_sum=9)
    drafted = tutor(subject_ids, "Draft Person", status="draft")
    with session_scope() as s:
        refresh_search_documents(s)
    r = row(listed)
    assert row(drafted) is None
    assert r.name == "Meera Iyer" and r.hourly_rate_minor == 120_000 and (r.rating_count, r.rating_sum) == (2, 9)
    assert r.subject_names == ["Mathematics", "Physics"] and r.languages == ["en", "hi"]
    physics, maths = (scalar("SELECT search_code FROM subjects WHERE id = :i", i=subject_ids[k]) for k in ("physics", "mathematics"))
    assert set(r.subject_levels) == {physics * 8 + 1, physics * 8 + 2, physics * 8 + 3, maths * 8 + 1, 1, 2, 3}
    assert "'physics'" in r.search_vector
    assert {"meera", "iyer", "physics", "mathematics"} <= {w for (w,) in sql("SELECT word FROM search_lexicon")}
    assert_in_step()


def test_status_changes_list_and_delist(subject_ids):
    t = tutor(subject_ids, "Asha Rao")
    for status, listed in (("suspended", False), ("approved", True), ("under_review", False), ("approved", True)):
        sql("UPDATE tutor_profiles SET status = :s WHERE user_id = :t", s=status, t=t)
        assert (row(t) is not None) is listed, status
    assert_in_step()


def test_account_deletion_and_rename_reach_the_index(subject_ids):
    t = tutor(subject_ids, "Old Name")
    sql("UPDATE users SET full_name = 'New Name' WHERE id = :t", t=t)
    assert row(t).name == "New Name"
    sql("UPDATE tutor_profiles SET display_name = 'Ms Priya' WHERE user_id = :t", t=t)
    assert row(t).name == "Ms Priya"
    sql("UPDATE users SET deleted_at = now() WHERE id = :t", t=t)
    assert row(t) is None
    sql("UPDATE users SET deleted_at = NULL WHERE id = :t", t=t)
    assert row(t) is not None
    sql("DELETE FROM tutor_profiles WHERE user_id = :t", t=t)
    assert row(t) is None


def test_subject_and_language_rows_reach_the_index(subject_ids):
    t = tutor(subject_ids, "Ravi Kumar", subjects=(("history", "expert"),), languages=("en",))
    sql("INSERT INTO tutor_languages (tutor_id, language_code, level) VALUES (:t, 'ja', 'B2')", t=t)
    sql("INSERT INTO tutor_subjects (tutor_id, subject_id, level) VALUES (:t, :s, 'beginner')",
        t=t, s=subject_ids["japanese"])
    r = row(t)
    assert r.languages == ["en", "ja"] and r.subject_names == ["History", "Japanese"]
    sql("UPDATE tutor_subjects SET level = 'expert' WHERE tutor_id = :t AND subject_id = :s", t=t, s=subject_ids["japanese"])
    assert scalar("SELECT search_code FROM subjects WHERE slug = 'japanese'") * 8 + 4 in row(t).subject_levels
    sql("DELETE FROM tutor_languages WHERE tutor_id = :t AND language_code = 'en'", t=t)
    sql("DELETE FROM tutor_subjects WHERE tutor_id = :t AND subject_id = :s", t=t, s=subject_ids["history"])
    r = row(t)
    assert r.languages == ["ja"] and r.subject_names == ["Japanese"]
    assert_in_step()


def test_renaming_or_retiring_a_subject_updates_every_tutor_teaching_it(subject_ids):
    admin = make_user("admin")
    teachers = [tutor(subject_ids, f"Teacher {i}", subjects=(("physics", "expert"),)) for i in range(3)]
    with session_scope() as s:
        tutors.rename_subject(s, as_(admin), subject_ids["physics"], name="Physics (all boards)")
    assert {row(t).subject_names[0] for t in teachers} == {"Physics (all boards)"}
    with session_scope() as s:
        tutors.retire_subject(s, as_(admin), subject_ids["physics"])
    assert {tuple(row(t).subject_names) for t in teachers} == {()}
    assert_in_step()


def test_a_bulk_insert_is_indexed_by_one_statement_trigger(subject_ids):
    sql("""
        WITH u AS (
            INSERT INTO users (id, email, full_name, role, time_zone)
            SELECT gen_random_uuid(), 'bulk-' || g || '@example.com', 'Bulk Tutor ' || g, 'tutor', 'UTC'
            FROM generate_series(1, 500) g RETURNING id)
        INSERT INTO tutor_profiles (user_id, slug, headline, status, hourly_rate_minor)
        SELECT id, 'bulk-' || id, 'Bulk headline', 'approved', 50000 FROM u
    """)
    assert scalar("SELECT count(*) FROM tutor_search") == 500
    assert_in_step()


def test_concurrent_rating_updates_on_one_tutor_neither_fail_nor_drift(subject_ids):
    t = tutor(subject_ids, "Busy Tutor")
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def rate(stars: int) -> None:
        try:
            barrier.wait()
            for _ in range(10):
                with get_engine().begin() as conn:
                    conn.exec_driver_sql(
                        "UPDATE tutor_profiles SET rating_count = rating_count + 1, rating_sum = rating_sum + %s "
                        "WHERE user_id = %s", (stars, t))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=rate, args=(s,)) for s in (2, 3, 4, 5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert (row(t).rating_count, row(t).rating_sum) == (40, 10 * (2 + 3 + 4 + 5))
    assert_in_step()
