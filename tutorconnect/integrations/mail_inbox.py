"""Reading the local mail capture server's HTTP inbox (emulators/smtp_capture.py)
for the admin page /admin/mail. Only its JSON API is used; every call has a short timeout
and any failure (not running, refused, timeout, a bad answer) is InboxUnavailable."""

from __future__ import annotations

from typing import Any

import httpx

TIMEOUT = httpx.Timeout(3.0, connect=1.5)


class InboxUnavailable(Exception):
    """The capture server could not be reached or gave an answer we cannot read."""


def _get(base_url: str, path: str, params: dict[str, Any] | None = None) -> Any:
    try:
        answer = httpx.get(f"{base_url.rstrip('/')}{path}", params=params, timeout=TIMEOUT)
    except httpx.HTTPError as err:
        raise InboxUnavailable(type(err).__name__) from None
    if answer.status_code == 404:
        return None
    if answer.status_code != 200:
        raise InboxUnavailable(f"HTTP {answer.status_code}")
    try:
        return answer.json()
    except ValueError:
        raise InboxUnavailable("not JSON") from None


def summaries(base_url: str, *, offset: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """(total, messages newest first without bodies) for one page."""
    data = _get(base_url, "/api/summaries", {"offset": offset, "limit": limit})
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise InboxUnavailable("unexpected answer")
    return int(data.get("total") or 0), [m for m in data["messages"] if isinstance(m, dict)]


def message(base_url: str, msg_id: str) -> dict[str, Any] | None:
    """One message with its text and HTML parts and attachment names; None if unknown."""
    data = _get(base_url, f"/api/messages/{msg_id}")
    if data is not None and not isinstance(data, dict):
        raise InboxUnavailable("unexpected answer")
    return data
