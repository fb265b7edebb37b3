"""Migration 0006 (reviews.booking_id -> bookings.id) on a scratch database: it adds the
FK, downgrades cleanly, and refuses to validate over a review naming a missing booking."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, inspect, pool, text

from alembic import command
from tests.support import parallel
from tutorconnect.db import normalize_url
from tutorconnect.migrations import alembic_config, upgrade_to_head

SERVER_URL = normalize_url(
    os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
)


@pytest.fixture
def scratch():
    """An empty database (dropped with the run's databases at the end) and an engine on it."""
    url = parallel.scratch_database("mig6")
    engine = create_engine(url, poolclass=pool.NullPool)
    yield url, engine
    engine.dispose()


def _fks(engine) -> list[dict]:
    with engine.connect() as conn:
        return [fk for fk in inspect(conn).get_foreign_keys("reviews") if fk["constrained_columns"] == ["booking_id"]]


def _review(conn, booking_id) -> None:
    uid = uuid.uuid4()
    conn.execute(text("INSERT INTO users (id, email, full_name) VALUES (:u, :e, 'T')"), {"u": uid, "e": f"{uid.hex}@x.test"})
    conn.execute(text("INSERT INTO tutor_profiles (user_id, slug) VALUES (:u, :s)"), {"u": uid, "s": "t-" + uid.hex})
    conn.execute(text("INSERT INTO reviews (id, tutor_id, student_id, booking_id, rating) "
                      "VALUES (gen_random_uuid(), :u, :u, :b, 5)"), {"u": uid, "b": booking_id})


def test_0006_adds_the_fk_restrict_and_downgrades(scratch):
    url, engine = scratch
    command.upgrade(alembic_config(url), "0005")
    with engine.begin() as conn:
        _review(conn, None)
    assert _fks(engine) == []
    upgrade_to_head(url)
    [fk] = _fks(engine)
    assert (fk["name"], fk["referred_table"], fk["referred_columns"], fk["options"].get("ondelete")) == (
        "reviews_booking_id_fkey", "bookings", ["id"], "RESTRICT")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT convalidated FROM pg_constraint WHERE conname = 'reviews_booking_id_fkey'")).scalar_one()
    command.downgrade(alembic_config(url), "0005")
    assert _fks(engine) == []


def test_0006_does_not_validate_over_a_dangling_booking_id(scratch):
    url, engine = scratch
    command.upgrade(alembic_config(url), "0005")
    with engine.begin() as conn:
        _review(conn, uuid.uuid4())
    with pytest.raises(Exception, match="reviews_booking_id_fkey"):
        upgrade_to_head(url)
    # fixed by hand, the upgrade runs again
    with engine.begin() as conn:
        conn.execute(text("UPDATE reviews SET booking_id = NULL"))
    upgrade_to_head(url)
    assert len(_fks(engine)) == 1
