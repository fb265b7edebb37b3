"""Shared fixtures: a fresh PostgreSQL database migrated to head for the test run.

TEST_DATABASE_URL names a server (default: the local one at 127.0.0.1:5432); a database
`tc_test_<pid>` is created on it, migrated with Alembic, and dropped at the end.
TEST_REDIS_URL (default redis://127.0.0.1:6379/15) is used by the Redis tests, which fail
rather than skip when Redis is unreachable.
"""

from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SERVER_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_DB = f"tc_test_{os.getpid()}"

# Settings are read from the environment: fix them before any app module caches them.
os.environ["APP_ENV"] = "test"
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 32)
os.environ.setdefault("PUBLIC_BASE_URL", "http://localhost:3000")
os.environ.setdefault("LOG_FORMAT", "text")
# Mail from tests that start no capture server of their own goes nowhere (port 9: nothing
# listens), never into the inbox of a demo a developer has running on 8025.
os.environ.setdefault("SMTP_PORT", "9")

# Property tests judge correctness, never speed: on a loaded CI machine a slow example is
# not a failure (no per-example deadline, no "too slow" health check).
hypothesis_settings.register_profile(
    "tutorconnect", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
hypothesis_settings.load_profile("tutorconnect")


def _admin_url() -> str:
    from tutorconnect.db import normalize_url

    return normalize_url(SERVER_URL)


def _test_url() -> str:
    return make_url(_admin_url()).set(database=TEST_DB).render_as_string(hide_password=False)


def _tables() -> list[str]:
    from sqlmodel import SQLModel

    import tutorconnect.models  # noqa: F401

    return [t.name for t in SQLModel.metadata.sorted_tables]


@pytest.fixture(scope="session")
def database_url() -> str:
    """Create the test database, migrate it to head, point the app at it."""
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{TEST_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{TEST_DB}"'))
    url = _test_url()
    os.environ["DATABASE_URL"] = url
    from tutorconnect.config import get_settings
    from tutorconnect.db import reset_engine_cache
    from tutorconnect.migrations import upgrade_to_head

    get_settings.cache_clear()
    reset_engine_cache()
    upgrade_to_head(url)
    yield url
    reset_engine_cache()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{TEST_DB}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db(database_url):
    """An empty schema for each test (tables truncated before it runs)."""
    from tutorconnect.db import get_engine

    with get_engine().begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(_tables()) + " RESTART IDENTITY CASCADE"))
    yield database_url


@pytest.fixture
def ctx():
    from tutorconnect.services.context import RequestContext

    return RequestContext(ip=f"10.0.{uuid.uuid4().int % 250}.1", user_agent="pytest", request_id="test")


@pytest.fixture
def fast_password_hashing(monkeypatch):
    """Cheap argon2id parameters for tests that hash many passwords.

    Hashes keep the `$argon2id$` format and verify exactly as in production; only the
    time/memory cost is lowered so account flows run in milliseconds. Tests of the hashing
    itself (tests/unit) do not use this.
    """
    from argon2 import PasswordHasher

    from tutorconnect.services import passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", lambda: cheap)
    return cheap
