"""Random secrets for cookies, emailed links and OAuth state. Only hashes are stored."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def looks_like_secret(raw: object, *, max_len: int = 128) -> bool:
    """Cheap shape check before touching the database with client-supplied tokens."""
    return (
        isinstance(raw, str)
        and 16 <= len(raw) <= max_len
        and all(c.isalnum() or c in "-_" for c in raw)
    )
