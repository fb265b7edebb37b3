"""Raw SQL helpers for tests that inspect or age rows directly (simulated time)."""

from sqlalchemy import text

from tutorconnect.db import get_engine


def sql(statement: str, **params):
    """Run one statement in its own transaction; rows for a query, else the row count."""
    with get_engine().begin() as conn:
        result = conn.execute(text(statement), params)
        return result.all() if result.returns_rows else result.rowcount


def scalar(statement: str, **params):
    with get_engine().begin() as conn:
        return conn.execute(text(statement), params).scalar()
