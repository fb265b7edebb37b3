"""calendar_feed.feed_status and feed_urls: who may ask, what a live link looks like."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.integration.test_tutor_support import as_, make_user
from tutorconnect.config import get_settings
from tutorconnect.db import session_scope
from tutorconnect.services import calendar_feed
from tutorconnect.services.errors import NotFound, PermissionDenied

pytestmark = pytest.mark.usefixtures("db")


def _status(actor, user_id):
    with session_scope() as s:
        return calendar_feed.feed_status(s, as_(actor), user_id)


def test_status_follows_create_and_revoke():
    uid = make_user("student")
    assert _status(uid, uid) is None
    with session_scope() as s:
        calendar_feed.create_feed_token(s, as_(uid), uid)
    first = _status(uid, uid)
    assert first is not None and abs(first - datetime.now(timezone.utc)) < timedelta(minutes=1)
    with session_scope() as s:
        calendar_feed.create_feed_token(s, as_(uid), uid)  # replaces the first
    assert _status(uid, uid) >= first
    with session_scope() as s:
        calendar_feed.revoke_feed_tokens(s, as_(uid), uid)
    assert _status(uid, uid) is None


def test_only_the_user_or_an_admin_may_ask():
    uid, other, admin = make_user("student"), make_user("student"), make_user("admin")
    assert _status(admin, uid) is None
    with pytest.raises(PermissionDenied):
        _status(other, uid)
    with pytest.raises(PermissionDenied):
        _status(None, uid)
    for bogus in ("x", None, 7, str(uid)):
        with pytest.raises(NotFound):
            _status(uid, bogus)


def test_feed_urls_use_the_public_base_url(monkeypatch):
    monkeypatch.setattr(get_settings(), "public_base_url", "https://tutors.example.com")
    token = "a" * 43
    assert calendar_feed.feed_urls(token) == ("https://tutors.example.com/calendar/" + token + ".ics",
                                              "webcal://tutors.example.com/calendar/" + token + ".ics")
    for bad in ("", "../x", "a b" * 10, uuid.uuid4):
        with pytest.raises(ValueError):
            calendar_feed.feed_urls(bad)  # type: ignore[arg-type]
