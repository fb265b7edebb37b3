"""The one way demo rows are written: a multi-row INSERT ... ON CONFLICT DO NOTHING.

Every demo table is filled through `insert_missing`, so a row that is already there (by
any unique key) is skipped and a second load inserts nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session


def insert_missing(session: Session, model: Any, rows: list[dict[str, Any]]) -> int:
    """Insert rows that are not there yet (any unique conflict skips the row)."""
    if not rows:
        return 0
    table: Table = model.__table__
    key = list(table.primary_key.columns)[0]
    # RETURNING counts what was really inserted (rowcount is not reliable for multi-row
    # INSERT ... ON CONFLICT across drivers).
    result = session.execute(insert(table).values(rows).on_conflict_do_nothing().returning(key))
    return len(result.all())
