"""Migration 0003 (tutor marketplace) on a scratch database: down to 0002 and up again
keeps data of the earlier tables, and the new constraints hold in the database itself."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, pool, text
from sqlalchemy.exc import IntegrityError

from tests.support import parallel
from tutorconnect.db import normalize_url
from tutorconnect.migrations import alembic_config, upgrade_to_head

SERVER_URL = normalize_url(
    os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
)
NEW_TABLES = {"tutor_prices", "tutor_languages", "tutor_documents", "tutor_status_events",
              "reviews", "favorites", "notifications"}


@pytest.fixture
def scratch():
    """An empty database (dropped with the run's databases at the end) and an engine on it."""
    url = parallel.scratch_database("mig3")
    engine = create_engine(url, poolclass=pool.NullPool)
    yield url, engine
    engine.dispose()


def _tutor(conn) -> uuid.UUID:
    uid = uuid.uuid4()
    conn.execute(text("INSERT INTO users (id, email, full_name) VALUES (:u, :e, 'T')"),
                 {"u": uid, "e": f"{uid.hex}@x.test"})
    conn.execute(text("INSERT INTO tutor_profiles (user_id, slug) VALUES (:u, :s)"), {"u": uid, "s": "t-" + uid.hex})
    return uid


def test_0003_downgrades_to_0002_keeping_profiles_and_upgrades_again(scratch):
    url, engine = scratch
    # given a database at head with a tutor profile
    upgrade_to_head(url)
    with engine.begin() as conn:
        uid = _tutor(conn)
    # when downgraded to 0002
    command.downgrade(alembic_config(url), "0002")
    with engine.connect() as conn:
        insp = inspect(conn)
        assert not NEW_TABLES & set(insp.get_table_names())
        assert "rating_sum" not in {c["name"] for c in insp.get_columns("tutor_profiles")}
        assert conn.execute(text("SELECT count(*) FROM tutor_profiles")).scalar() == 1
    # then upgrading again gives defaults to the existing row
    upgrade_to_head(url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT lesson_lengths, rating_count, rating_sum, display_name, search_text "
                                "FROM tutor_profiles WHERE user_id = :u"), {"u": uid}).one()
    assert tuple(row) == ([60], 0, 0, "", "")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE tutor_profiles SET lesson_lengths = '{60,120}'",
        "UPDATE tutor_profiles SET lesson_lengths = '{}'",
        "UPDATE tutor_profiles SET rating_count = 1, rating_sum = 6",
        "UPDATE tutor_profiles SET rating_count = 2, rating_sum = 1",
        "UPDATE tutor_profiles SET rating_count = -1, rating_sum = 0",
        "UPDATE tutor_profiles SET trial_price_minor = 0",
        "UPDATE tutor_profiles SET display_name = repeat('x', 81)",
        "INSERT INTO tutor_prices (tutor_id, length_minutes, price_minor) SELECT user_id, 120, 100 FROM tutor_profiles",
        "INSERT INTO tutor_prices (tutor_id, length_minutes, price_minor) SELECT user_id, 60, 0 FROM tutor_profiles",
        "INSERT INTO tutor_languages (tutor_id, language_code, level) SELECT user_id, 'EN', 'B1' FROM tutor_profiles",
        "INSERT INTO tutor_languages (tutor_id, language_code, level) SELECT user_id, 'en', 'fluent' FROM tutor_profiles",
        "INSERT INTO reviews (id, tutor_id, student_id, rating) SELECT gen_random_uuid(), user_id, user_id, 6 FROM tutor_profiles",
        "INSERT INTO reviews (id, tutor_id, student_id, rating) SELECT gen_random_uuid(), user_id, user_id, 0 FROM tutor_profiles",
        "INSERT INTO tutor_documents (id, tutor_id, kind, title, storage_key, original_filename, content_type, size_bytes) "
        "SELECT gen_random_uuid(), user_id, 'education', 'x', 'k', 'a.exe', 'application/x-msdownload', 10 FROM tutor_profiles",
        "INSERT INTO tutor_documents (id, tutor_id, kind, title, storage_key, original_filename, content_type, size_bytes) "
        "SELECT gen_random_uuid(), user_id, 'education', 'x', 'k', 'a.pdf', 'application/pdf', 10000001 FROM tutor_profiles",
    ],
)
def test_database_refuses_rows_breaking_the_marketplace_constraints(scratch, statement):
    url, engine = scratch
    upgrade_to_head(url)
    with engine.begin() as conn:
        _tutor(conn)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(statement))


def test_one_review_per_booking_but_any_number_without_one(scratch):
    url, engine = scratch
    # 0005: the unique index alone (0006 adds the FK to bookings, tested in test_review_booking.py)
    command.upgrade(alembic_config(url), "0005")
    with engine.begin() as conn:
        uid = _tutor(conn)
        insert = text("INSERT INTO reviews (id, tutor_id, student_id, booking_id, rating) "
                      "VALUES (gen_random_uuid(), :u, :u, :b, 5)")
        conn.execute(insert, {"u": uid, "b": None})
        conn.execute(insert, {"u": uid, "b": None})
        booking = uuid.uuid4()
        conn.execute(insert, {"u": uid, "b": booking})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert, {"u": uid, "b": booking})
