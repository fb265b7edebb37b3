"""Engines and sessions. PostgreSQL only: the configured server or the embedded one.

Services receive a `Session` and never commit on their own unless documented; entrypoints
(State handlers, API routes, tasks) open one unit of work per user action with
`session_scope()`, which commits on success and rolls back on any exception.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tutorconnect.config import get_settings


def normalize_url(url: str) -> str:
    """SQLAlchemy URL with the psycopg 3 driver, whatever spelling the operator used."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@functools.lru_cache(maxsize=1)
def database_url() -> str:
    settings = get_settings()
    if settings.database_url:
        return normalize_url(settings.database_url)
    from tutorconnect.embedded_pg import embedded_url

    return embedded_url(settings.embedded_pg_dir)


@functools.lru_cache(maxsize=1)
def get_engine() -> Engine:
    return create_engine(
        database_url(),
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        # Every connection works in UTC so timestamptz values print as UTC.
        connect_args={"options": "-c timezone=UTC"},
    )


@contextlib.contextmanager
def session_scope() -> Iterator[Session]:
    """One transaction: committed when the block ends normally, rolled back otherwise."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextlib.contextmanager
def autonomous_scope() -> Iterator[Session]:
    """A separate, short transaction that commits even if the caller's later rolls back.

    For security records (failed sign-ins, rate-limit hits) that must persist although
    the action they describe is refused with an exception.
    """
    with session_scope() as session:
        yield session


def reset_engine_cache() -> None:
    """Forget cached engines (tests that switch databases)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    database_url.cache_clear()
