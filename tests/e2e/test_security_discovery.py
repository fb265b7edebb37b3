"""The discovery and home handlers called as an attacker would, over the real websocket:
signed out and signed in, with forged, wrong-type and oversized arguments and forged URLs.

Every reply is a clear refusal or a navigation to a /tutors search (never elsewhere), no
handler fails, nothing is written to PostgreSQL, and no unlisted (draft, submitted,
suspended) tutor's name or slug is ever in a reply.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import text

from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import db_state, query
from tutorconnect.state.discovery import DiscoveryState
from tutorconnect.state.home import HomeState

pytestmark = pytest.mark.e2e

HUGE = "x" * 100_000
WRONG_TYPES: list[Any] = [None, 7, 3.5, True, [], ["q"], {"q": "maths"}, {"$gt": ""}, HUGE, "\x00\x01", "' OR 1=1 --"]


@pytest.fixture(scope="module")
def unlisted(db) -> list[str]:
    """Names and slugs of tutors who must never appear: the demo's draft/submitted tutors
    and one approved tutor suspended for this module."""
    (tutor_id,) = query(db, "select user_id from tutor_profiles where status = 'approved' order by slug limit 1")[0]
    with db.begin() as conn:
        conn.execute(text("update tutor_profiles set status = 'suspended' where user_id = :t"), {"t": tutor_id})
    rows = query(db, "select u.full_name, p.slug from tutor_profiles p join users u on u.id = p.user_id"
                     " where p.status <> 'approved'")
    assert len(rows) >= 5  # 4 demo tutors not yet approved, and the suspended one
    yield [v for row in rows for v in row if v]
    with db.begin() as conn:
        conn.execute(text("update tutor_profiles set status = 'approved' where user_id = :t"), {"t": tutor_id})


def market_state(db) -> dict[str, Any]:
    return {
        **db_state(db),
        "profiles": query(db, "select user_id, status, updated_at from tutor_profiles order by user_id"),
        "favorites": query(db, "select count(*) from favorites"),
        "reviews": query(db, "select count(*), coalesce(sum(rating), 0) from reviews"),
        "subjects": query(db, "select id, slug, name, retired_at from subjects order by id"),
        "notifications": query(db, "select count(*) from notifications"),
    }


@contextmanager
def nothing_written_anywhere(db) -> Iterator[None]:
    before = market_state(db)
    yield
    after = market_state(db)
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"the database changed: {changed}"


def assert_safe(reply, unlisted: list[str], *, echoed: str = "") -> None:
    """No crash, no script, no navigation off /tutors, and no unlisted tutor anywhere in
    the reply (except the caller's own search text `echoed` back in the search box)."""
    assert not reply.crashed, reply.text
    assert not reply.scripts, reply.scripts
    for redirect in reply.redirects:
        parts = urlsplit(redirect)
        assert not parts.scheme and not parts.netloc and parts.path == "/tutors", redirect
    body = reply.text.replace(echoed, "") if echoed else reply.text
    leaked = [v for v in unlisted if v in body]
    assert not leaked, f"unlisted tutors in the reply: {leaked}"
    cards = json.dumps(reply.var(DiscoveryState, "cards") or [])
    leaked = [v for v in unlisted if v in cards]
    assert not leaked, f"unlisted tutors in the results: {leaked}"


def assert_refused_or_search(reply) -> None:
    """Either an error toast with a message, or a navigation to a valid /tutors search."""
    errors = [m for level, m in reply.toasts if level == "error"]
    assert errors or reply.redirects, reply.text
    assert all(m and len(m) < 200 for m in errors), errors


@pytest.fixture(params=["signed out", "student"])
def tab(request, open_tab, people):
    person = None if request.param == "signed out" else people.student
    return open_tab(person, "/tutors")


# == the search handlers with wrong arguments ==================================================
@pytest.mark.parametrize("value", WRONG_TYPES, ids=repr)
def test_search_with_wrong_arguments(tab, db, unlisted, value):
    with nothing_written_anywhere(db):
        for payload in ({"form_data": value}, {"form_data": {"q": value}}):
            reply = tab.call(DiscoveryState.search, payload)
            assert_safe(reply, unlisted)
            assert_refused_or_search(reply)


@pytest.mark.parametrize("value", WRONG_TYPES, ids=repr)
def test_set_filter_with_wrong_arguments(tab, db, unlisted, value):
    with nothing_written_anywhere(db):
        for name in (value, "subject", "price_min", "page", "per_page", "__class__", "_params"):
            reply = tab.call(DiscoveryState.set_filter, {"name": name, "value": value})
            assert_safe(reply, unlisted)
            assert_refused_or_search(reply)
            if name in ("page", "per_page", "__class__", "_params") or not isinstance(name, str) or name == value:
                assert [m for level, m in reply.toasts if level == "error"], reply.text
                assert not reply.redirects, reply.redirects


@pytest.mark.parametrize("value", WRONG_TYPES, ids=repr)
def test_set_price_with_wrong_arguments(tab, db, unlisted, value):
    with nothing_written_anywhere(db):
        for payload in ({"form_data": value}, {"form_data": {"price_min": value, "price_max": value}},
                        {"form_data": {"price_min": "-5"}}, {"form_data": {"price_min": "900", "price_max": "100"}}):
            reply = tab.call(DiscoveryState.set_price, payload)
            assert_safe(reply, unlisted)
            assert_refused_or_search(reply)


def test_a_valid_filter_navigates_to_its_canonical_url(tab, db, unlisted):
    with nothing_written_anywhere(db):
        reply = tab.call(DiscoveryState.set_filter, {"name": "subject", "value": "Mathematics"})
    assert_safe(reply, unlisted)
    (target,) = reply.redirects
    assert dict(parse_qsl(urlsplit(target).query)) == {"subject": "mathematics"}
    reply = tab.call(DiscoveryState.set_filter, {"name": "subject", "value": "nope"})
    # An unknown slug is well-formed: the page's load reports it (tested in the browser).
    assert_safe(reply, unlisted)
    reply = tab.call(DiscoveryState.set_filter, {"name": "level", "value": "guru"})
    assert ("error", "Level must be beginner, intermediate, advanced or expert.") in reply.toasts


def test_a_search_cannot_redirect_off_site(tab, db, unlisted):
    for q in ("//evil.example", "https://evil.example/", "\\\\evil.example", "?next=//evil"):
        reply = tab.call(DiscoveryState.search, {"form_data": {"q": q}})
        assert_safe(reply, unlisted)
        assert reply.redirects and all(r.startswith("/tutors?q=") for r in reply.redirects), reply.redirects


# == load: the URL is the attacker's =============================================================
FORGED_URLS = [
    {"q": HUGE[:5000]},
    {"subject": "' or 1=1 --"},
    {"subject": "nope"},
    {"page": "-1"},
    {"page": "99999999999999999999"},
    {"per_page": "100000"},
    {"price_min": "1e9"},
    {"price_min": "NaN"},
    {"min_rating": "-1"},
    {"language": "english; drop table users"},
    {"sort": "name); delete from users; --"},
    {"free_within_days": "0"},
]


@pytest.mark.parametrize("params", FORGED_URLS, ids=lambda p: ",".join(f"{k}={v[:20]!r}" for k, v in p.items()))
def test_load_with_a_forged_url_shows_a_message(tab, db, unlisted, params):
    with nothing_written_anywhere(db):
        reply = tab.call(DiscoveryState.load, page="/tutors", query=params)
    assert_safe(reply, unlisted)
    error = reply.var(DiscoveryState, "error")
    assert error and len(error) < 300, reply.text
    assert reply.var(DiscoveryState, "cards") in (None, []), reply.text
    assert reply.var(DiscoveryState, "loading") is False


def test_load_never_returns_unlisted_tutors(tab, db, unlisted):
    names = [v for v in unlisted if " " in v]
    with nothing_written_anywhere(db):
        for name in names:
            for params in ({"q": name}, {"q": name.split()[0]}, {"q": name, "sort": "reviews"}, {}):
                reply = tab.call(DiscoveryState.load, page="/tutors", query=params)
                assert_safe(reply, unlisted, echoed=params.get("q", ""))
                assert reply.var(DiscoveryState, "error") in (None, ""), reply.text
    # The listed ones do come back (the check above is not vacuous).
    reply = tab.call(DiscoveryState.load, page="/tutors", query={})
    cards = reply.var(DiscoveryState, "cards")
    assert cards and len(cards) == 20, reply.text
    listed = query(db, "select count(*) from tutor_profiles p join users u on u.id = p.user_id"
                       " where p.status = 'approved' and u.deleted_at is null")[0][0]
    assert reply.var(DiscoveryState, "total") == listed


def test_ui_handlers_and_home(tab, db, unlisted):
    with nothing_written_anywhere(db):
        for handler, payload in (
            (DiscoveryState.toggle_filters, {}),
            (DiscoveryState.clear_all, {}),
            (HomeState.load, {}),
            (HomeState.search, {"form_data": {"q": "maths"}}),
            *[(HomeState.search, {"form_data": v}) for v in WRONG_TYPES],
            *[(HomeState.search, {"form_data": {"q": v}}) for v in WRONG_TYPES],
        ):
            reply = tab.call(handler, payload)
            assert_safe(reply, unlisted)
    reply = tab.call(HomeState.search, {"form_data": {"q": HUGE}})
    assert any(level == "error" for level, _ in reply.toasts) and not reply.redirects, reply.text
