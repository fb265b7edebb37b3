"""Alembic migrations on a scratch database of their own: upgrade from empty to head,
downgrade to base, upgrade again; the migrated schema matches the SQLModel metadata; and
the database (not only the services) enforces the check constraints.
"""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import tutorconnect.models  # noqa: F401  (fills SQLModel.metadata)
from alembic import command
from tests.support import parallel
from tutorconnect.db import get_engine, normalize_url
from tutorconnect.migrations import alembic_config, current_revision, head_revision, is_at_head, upgrade_to_head

SERVER_URL = normalize_url(
    os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
)


# Expression indexes written by migrations only (autogenerate cannot compare them): name
# -> a fragment of their definition.
EXPRESSION_INDEXES = {
    "ix_tutor_search_rating": "((rating_sum)::numeric / (NULLIF(rating_count, 0))::numeric)) DESC NULLS LAST, rating_count DESC, tutor_id",
}


@pytest.fixture(scope="module")
def scratch_url():
    """A database shared by this module's tests, each of which migrates it to head first
    (dropped with the run's databases at the end)."""
    return parallel.scratch_database("migrations")


@pytest.fixture
def empty_url():
    """A database of its own, still empty: whatever order the tests run in."""
    return parallel.scratch_database("migrations_empty")


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _diff(url: str) -> list:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            mc = MigrationContext.configure(conn, opts={
                "compare_type": True, "compare_server_default": True,
                "include_name": lambda name, kind, parent: not (kind == "index" and name in EXPRESSION_INDEXES),
            })
            return compare_metadata(mc, SQLModel.metadata)
    finally:
        engine.dispose()


def _revision(url: str) -> str | None:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return current_revision(conn)
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trip_on_an_empty_database(empty_url):
    expected = {t.name for t in SQLModel.metadata.sorted_tables}
    # given an empty database
    assert _tables(empty_url) == set()
    assert not is_at_head(empty_url)
    # when migrated to head
    upgrade_to_head(empty_url)
    # then every model table exists and the database is at head
    assert _tables(empty_url) == expected | {"alembic_version"}
    assert _revision(empty_url) == head_revision()
    assert is_at_head(empty_url)

    # when downgraded to base
    command.downgrade(alembic_config(empty_url), "base")
    # then nothing but the (empty) version table is left
    assert _tables(empty_url) == {"alembic_version"}
    assert _revision(empty_url) is None

    # when upgraded again
    upgrade_to_head(empty_url)
    assert _tables(empty_url) == expected | {"alembic_version"}
    assert is_at_head(empty_url)


def test_every_revision_downgrades_and_upgrades_one_step_at_a_time(scratch_url):
    from alembic.script import ScriptDirectory

    cfg = alembic_config(scratch_url)
    revisions = [s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions("base", "heads")]
    upgrade_to_head(scratch_url)
    for _ in revisions:
        command.downgrade(cfg, "-1")
    assert _tables(scratch_url) == {"alembic_version"}
    for _ in revisions:
        command.upgrade(cfg, "+1")
    assert is_at_head(scratch_url)


def test_migrated_schema_matches_the_models_exactly(scratch_url):
    upgrade_to_head(scratch_url)
    diff = _diff(scratch_url)
    assert diff == [], "models and migrations disagree; write a migration:\n" + "\n".join(map(repr, diff))


def test_expression_indexes_exist_as_the_migrations_wrote_them(scratch_url):
    upgrade_to_head(scratch_url)
    engine = create_engine(scratch_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            found = dict(conn.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(:names)"
            ), {"names": list(EXPRESSION_INDEXES)}).all())
    finally:
        engine.dispose()
    assert found.keys() == EXPRESSION_INDEXES.keys()
    for name, fragment in EXPRESSION_INDEXES.items():
        assert fragment in found[name], found[name]


def test_required_extensions_are_installed_by_the_first_migration(scratch_url):
    upgrade_to_head(scratch_url)
    engine = create_engine(scratch_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            names = set(conn.execute(text("SELECT extname FROM pg_extension")).scalars())
    finally:
        engine.dispose()
    assert {"pg_trgm", "btree_gist"} <= names


# Constraints in the database itself -----------------------------------------------------------
def _insert_user(**overrides) -> None:
    values = {"id": uuid.uuid4(), "email": "ada@example.com", "full_name": "Ada", "role": "student",
              "time_zone": "UTC", **overrides}
    with get_engine().begin() as conn:
        conn.execute(
            text("INSERT INTO users (id, email, full_name, role, time_zone) "
                 "VALUES (:id, :email, :full_name, :role, :time_zone)"),
            values,
        )


def test_a_well_formed_user_row_is_accepted(db):
    _insert_user()
    with get_engine().begin() as conn:
        row = conn.execute(text("SELECT role, time_zone, created_at FROM users")).one()
    assert row.role == "student" and row.created_at is not None


@pytest.mark.parametrize(
    "overrides",
    [
        {"role": "superuser"},
        {"role": "Admin"},
        {"role": ""},
        {"email": "Ada@Example.com"},
        {"email": "ADA@EXAMPLE.COM"},
        {"full_name": ""},
        {"full_name": "x" * 121},
        {"time_zone": ""},
        {"time_zone": "x" * 65},
    ],
    ids=lambda o: "-".join(f"{k}={v[:12]}" for k, v in o.items()),
)
def test_database_refuses_user_rows_breaking_a_check_constraint(db, overrides):
    with pytest.raises(IntegrityError):
        _insert_user(**overrides)
    with get_engine().begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0


def test_database_refuses_a_second_user_with_the_same_email(db):
    _insert_user()
    with pytest.raises(IntegrityError):
        _insert_user()


def test_database_refuses_unknown_token_purposes_and_impossible_session_lifetimes(db):
    uid = uuid.uuid4()
    _insert_user(id=uid)
    with pytest.raises(IntegrityError):
        with get_engine().begin() as conn:
            conn.execute(
                text("INSERT INTO auth_tokens (id, user_id, purpose, token_hash, expires_at) "
                     "VALUES (:id, :u, 'magic_login', 'h', now() + interval '1 hour')"),
                {"id": uuid.uuid4(), "u": uid},
            )
    with pytest.raises(IntegrityError):
        with get_engine().begin() as conn:
            conn.execute(
                text("INSERT INTO user_sessions (id, user_id, token_hash, expires_at) "
                     "VALUES (:id, :u, 'h', now() - interval '1 second')"),
                {"id": uuid.uuid4(), "u": uid},
            )


def test_database_refuses_negative_counters(db):
    with pytest.raises(IntegrityError):
        with get_engine().begin() as conn:
            conn.execute(text("INSERT INTO outbox (job, payload, attempts) VALUES ('x', '{}', -1)"))
    with pytest.raises(IntegrityError):
        with get_engine().begin() as conn:
            conn.execute(text("INSERT INTO rate_limit_buckets (key, window_start, hits, expires_at) "
                              "VALUES ('k', now(), -1, now())"))


def test_deleting_a_user_cascades_to_their_sessions_and_tokens(db):
    uid = uuid.uuid4()
    _insert_user(id=uid)
    with get_engine().begin() as conn:
        conn.execute(text("INSERT INTO user_sessions (id, user_id, token_hash, expires_at) "
                          "VALUES (:id, :u, 'h', now() + interval '1 hour')"), {"id": uuid.uuid4(), "u": uid})
        conn.execute(text("INSERT INTO auth_tokens (id, user_id, purpose, token_hash, expires_at) "
                          "VALUES (:id, :u, 'email_verify', 'h', now() + interval '1 hour')"),
                     {"id": uuid.uuid4(), "u": uid})
        conn.execute(text("DELETE FROM users WHERE id = :u"), {"u": uid})
        assert conn.execute(text("SELECT count(*) FROM user_sessions")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM auth_tokens")).scalar() == 0
