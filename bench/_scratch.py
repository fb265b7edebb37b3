"""Shared set-up for the bench scripts: environment, and a scratch database on the local
server migrated to head (dropped afterwards unless kept).

Import this module before anything from tutorconnect: it puts the repository on sys.path
and fixes the settings the app reads from the environment (APP_ENV=test, a SECRET_KEY,
no REDIS_URL: holds and rate limits use PostgreSQL). BENCH_SERVER_URL names the server
(default: the local one at 127.0.0.1:5432).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-" + "x" * 32)
os.environ.pop("REDIS_URL", None)

SERVER = os.environ.get("BENCH_SERVER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def server_url() -> str:
    from tutorconnect.db import normalize_url

    return normalize_url(SERVER)


def database_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server_url()).set(database=name).render_as_string(hide_password=False)


@contextmanager
def scratch_database(name: str, *, keep: bool = False, reuse: bool = False) -> Iterator[tuple[str, bool]]:
    """Yield (url, reused): database `name` created afresh (or, with `reuse`, an existing
    one kept by an earlier run), migrated to head, DATABASE_URL pointing at it and the
    settings cache cleared. Dropped on exit unless `keep`."""
    from sqlalchemy import create_engine, text

    from tutorconnect.config import get_settings
    from tutorconnect.migrations import upgrade_to_head

    url = database_url(name)
    admin = create_engine(server_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": name}).scalar()
            reused = bool(exists) and reuse
            if not reused:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        upgrade_to_head(url)
        yield url, reused
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            print(f"dropped {name}")
        admin.dispose()
