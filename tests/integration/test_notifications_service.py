"""In-app notifications: created in the caller's transaction, seen and marked by their owner only."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.test_tutor_support import make_user
from tests.support.db import scalar, sql
from tutorconnect.db import session_scope
from tutorconnect.services import notifications
from tutorconnect.services.errors import InvalidInput, NotFound


def _create(user, title="Hello", **kw):
    with session_scope() as s:
        return notifications.create(s, user_id=user, kind="test", title=title, **kw)


def test_notifications_are_listed_newest_first_with_an_unread_count(db):
    user = make_user()
    ids = [_create(user, f"N{i}") for i in range(5)]
    for i, nid in enumerate(ids):
        sql("UPDATE notifications SET created_at = now() - make_interval(mins => :m) WHERE id = :i", m=10 - i, i=nid)
    with session_scope() as s:
        page1, total = notifications.list_for(s, user, page=1, per_page=2)
        assert notifications.unread_count(s, user) == 5
    assert total == 5 and [n.title for n in page1] == ["N4", "N3"]
    with pytest.raises(InvalidInput), session_scope() as s:
        notifications.list_for(s, user, page=0)


def test_a_notification_rolls_back_with_the_change_that_caused_it(db):
    user = make_user()
    with pytest.raises(RuntimeError), session_scope() as s:
        notifications.create(s, user_id=user, kind="test", title="Never")
        raise RuntimeError("the change failed")
    assert scalar("SELECT count(*) FROM notifications") == 0


def test_links_must_be_same_site_paths(db):
    user = make_user()
    for link in ("https://evil.test", "//evil.test/x", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            _create(user, link=link)
    _create(user, link="/tutor/profile")


def test_marking_read_works_on_your_own_notifications_only(db):
    owner, other = make_user(), make_user()
    nid = _create(owner)
    with pytest.raises(NotFound), session_scope() as s:
        notifications.mark_read(s, other, nid)
    with pytest.raises(NotFound), session_scope() as s:
        notifications.mark_read(s, owner, uuid.uuid4())
    with session_scope() as s:
        assert notifications.unread_count(s, owner) == 1
        notifications.mark_read(s, owner, nid)
        notifications.mark_read(s, owner, nid)
        assert notifications.unread_count(s, owner) == 0
    with session_scope() as s:
        assert notifications.list_for(s, other) == ([], 0)


def test_mark_all_read_touches_only_the_users_unread_notifications(db):
    owner, other = make_user(), make_user()
    for _ in range(3):
        _create(owner)
    _create(other)
    with session_scope() as s:
        assert notifications.mark_all_read(s, owner) == 3
        assert notifications.mark_all_read(s, owner) == 0
        assert notifications.unread_count(s, other) == 1
