"""The search document of every tutor profile: search_text (trigram) and search_vector
(full text; the database triggers copy it into tutor_search, the index search.py reads).

It is rebuilt from the profile, the account's name and the tutor's subjects whenever one
of them changes: by the tutors package (profile edits, subject renames) and by accounts (a
tutor renaming their account). It belongs to discovery, which uses no other capability,
so both can refresh it without importing each other.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlmodel import Session

_REFRESH = """
UPDATE tutor_profiles p SET
    search_text = lower(concat_ws(' ', nullif(d.name, ''), nullif(p.headline, ''), nullif(d.subjects, ''))),
    search_vector = setweight(to_tsvector('simple', d.name), 'A')
        || setweight(to_tsvector('simple', d.subjects), 'A')
        || setweight(to_tsvector('simple', p.headline), 'B')
        || setweight(to_tsvector('simple', p.bio), 'C')
FROM (
    SELECT p2.user_id,
           coalesce(nullif(p2.display_name, ''), u.full_name) AS name,
           coalesce((SELECT string_agg(s.name, ' ' ORDER BY s.name)
                     FROM tutor_subjects ts JOIN subjects s ON s.id = ts.subject_id
                     WHERE ts.tutor_id = p2.user_id), '') AS subjects
    FROM tutor_profiles p2 JOIN users u ON u.id = p2.user_id
    {where}
) d
WHERE p.user_id = d.user_id
"""


def refresh_search_document(session: Session, tutor_id: uuid.UUID) -> None:
    """Rebuild one profile's search_text (trigram) and search_vector (full text, 'simple'
    config: name and subjects weight A, headline B, bio C). Subjects a profile keeps after
    they were retired still count: the tutor still teaches them."""
    session.execute(text(_REFRESH.format(where="WHERE p2.user_id = :id")), {"id": tutor_id})


def refresh_search_documents(session: Session, tutor_ids: list[uuid.UUID] | None = None) -> int:
    """Rebuild many search documents in one statement (all profiles when `tutor_ids` is None)."""
    if tutor_ids is None:
        return session.execute(text(_REFRESH.format(where=""))).rowcount
    if not tutor_ids:
        return 0
    return session.execute(
        text(_REFRESH.format(where="WHERE p2.user_id = ANY(:ids)")), {"ids": list(tutor_ids)}
    ).rowcount
