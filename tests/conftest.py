"""Shared fixtures: each test process's own PostgreSQL database, cloned from one database
migrated to head once per run (tests/support/parallel.py), and its own Redis database.

TEST_DATABASE_URL names a server (default: the local one at 127.0.0.1:5432). Under
pytest-xdist every worker clones `tc_test_<run>_<worker>` from the run's template; the
controller drops them all at the end. TEST_REDIS_URL (default redis://127.0.0.1:6379/15)
names the Redis server; each worker claims a database number of its own there. The Redis
tests fail rather than skip when Redis is unreachable.
"""

from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings
from sqlalchemy import text

from tests.support import parallel

# Settings are read from the environment: fix them before any app module caches them.
os.environ["APP_ENV"] = "test"
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 32)
os.environ.setdefault("PUBLIC_BASE_URL", "http://localhost:3000")
os.environ.setdefault("LOG_FORMAT", "text")
# Mail from tests that start no capture server of their own goes nowhere (port 9: nothing
# listens), never into the inbox of a demo a developer has running on 8025.
os.environ.setdefault("SMTP_PORT", "9")

# Booking changes are heard by meetings and notifications as the app wires them at start-up.
from tutorconnect.wiring import wire  # noqa: E402  (after the environment above)

wire()

# Property tests judge correctness, never speed: on a loaded CI machine a slow example is
# not a failure (no per-example deadline, no "too slow" health check).
hypothesis_settings.register_profile(
    "tutorconnect", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
hypothesis_settings.load_profile("tutorconnect")

pytest_plugins = ["tests.support.timing_report", "tests.support.xdist_order"]


def __getattr__(name: str) -> str:
    # `from tests.conftest import REDIS_URL`: this worker's own Redis database, claimed on
    # first use (the xdist controller, which runs no test, never claims one).
    if name == "REDIS_URL":
        return parallel.worker_redis("tests")
    raise AttributeError(name)


# -- one run, several workers ---------------------------------------------------------------
def pytest_configure(config):
    if not hasattr(config, "workerinput"):
        parallel.run_id()  # the controller (or the only process) names the run first


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):  # xdist: each worker joins the controller's run
    node.workerinput["tc_run"] = parallel.run_id()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    workerinput = getattr(session.config, "workerinput", None)
    if workerinput is not None:
        os.environ[parallel.RUN_ENV] = workerinput["tc_run"]


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput"):  # the controller, after every worker finished
        from tests.support.frontend_build import remove_run_builds

        parallel.drop_run_databases(parallel.run_id())
        remove_run_builds(parallel.run_id())


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """Browser tests after all others, whatever order a shuffle (pytest-randomly) chose:
    once a worker has run sync Playwright, its main thread holds an event loop, and the
    asyncio.run() of a later service test there would fail."""
    items.sort(key=lambda item: "/e2e/" in f"/{item.nodeid}")


def _tables() -> list[str]:
    from sqlmodel import SQLModel

    import tutorconnect.models  # noqa: F401

    return [t.name for t in SQLModel.metadata.sorted_tables]


def empty_all_tables(conn) -> None:
    """Every table empty and every sequence restarted, as after TRUNCATE ... RESTART IDENTITY
    of them all, touching only the tables the last test used (a probe: 2-5 ms).

    The used tables are emptied with DELETE, with triggers and foreign-key checks off for
    this transaction (`session_replication_role = replica`; every used table is emptied, so
    nothing is left pointing at a deleted row): 3 ms after a booking test, where
    `TRUNCATE ... CASCADE` of the same tables took ~200 ms (the cascade reaches every table
    that references users, and each truncated table and index gets new files), and that
    ran before each of ~1,500 database tests. A role that may not set it (not a superuser)
    gets the TRUNCATE."""
    tables = _tables()
    probe = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)
    used = [row[0] for row in conn.execute(text(probe))]
    if used and _may_skip_triggers(conn):
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in used:
            conn.execute(text(f'DELETE FROM "{table}"'))
        conn.execute(text("SET LOCAL session_replication_role = origin"))
    elif used:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in used) + " RESTART IDENTITY CASCADE"))
    conn.execute(text("SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
                      "FROM pg_sequences WHERE last_value IS NOT NULL"))


_superuser: dict[str, bool] = {}


def _may_skip_triggers(conn) -> bool:
    key = str(conn.engine.url)
    if key not in _superuser:
        _superuser[key] = bool(conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar())
    return _superuser[key]


@pytest.fixture(scope="session")
def database_url() -> str:
    """This process's database: a clone of the run's migrated template; the app points at it."""
    name = f"tc_test_{parallel.run_id()}_{parallel.worker_id()}"
    url = parallel.clone_database(parallel.migrated_template(), name)
    os.environ["DATABASE_URL"] = url
    from tutorconnect.config import get_settings
    from tutorconnect.db import reset_engine_cache

    get_settings.cache_clear()
    reset_engine_cache()
    yield url
    reset_engine_cache()  # the database itself goes with the run's (pytest_unconfigure)


@pytest.fixture
def db(database_url):
    """An empty schema for each test (tables truncated before it runs)."""
    from tutorconnect.db import get_engine

    with get_engine().begin() as conn:
        empty_all_tables(conn)
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
