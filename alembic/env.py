"""Alembic environment wired to the SQLModel metadata and the app's database URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool
from sqlmodel import SQLModel

import tutorconnect.models  # noqa: F401  (registers every table on SQLModel.metadata)
from tutorconnect.db import database_url

config = context.config
target_metadata = SQLModel.metadata


# Expression indexes created by hand in migrations (autogenerate cannot compare them and
# would propose dropping them): see tests/integration/test_migrations.py.
EXPRESSION_INDEXES = frozenset({"ix_tutor_search_rating"})


def _include_name(name, type_, parent_names) -> bool:
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def _url() -> str:
    # A URL passed in by a caller (tests, CLI) wins over the app's settings.
    return config.attributes.get("url") or config.get_main_option("sqlalchemy.url") or database_url()


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
        compare_server_default=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        transaction_per_migration=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
