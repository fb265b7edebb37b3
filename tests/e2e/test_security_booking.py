"""Slot picker handlers over the websocket as an attacker would call them: signed out,
with the wrong role, with forged or wrong-type arguments. Nothing may be booked or held
that the rules forbid, and nothing may be written at all on a refusal."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import NO_PERMISSION, assert_denied, assert_sent_to_login, nothing_written, query
from tutorconnect.state.booking_picker import BookingPickerState as S

pytestmark = pytest.mark.e2e


def bookings_state(db) -> list:
    return query(db, "select id, status, starts_at from bookings order by id") + query(
        db, "select id from slot_holds order by id")


@pytest.fixture(scope="module")
def slug(db) -> str:
    return query(db, "select slug from tutor_profiles where status = 'approved' order by slug limit 1")[0][0]


def _tab(open_tab, person, slug):
    tab = open_tab(person, f"/book/{slug}")
    tab.call(S.load)
    return tab


def test_signed_out_choosing_a_time_is_sent_to_sign_in(open_tab, db, slug):
    tab = _tab(open_tab, None, slug)
    soon = (datetime.now(timezone.utc) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    before = bookings_state(db)
    with nothing_written(db):
        chose = tab.call(S.choose_slot, {"value": soon.isoformat()})
        booked = tab.call(S.book)
        released = tab.call(S.release)
    assert bookings_state(db) == before
    for reply in (chose, booked, released):
        assert_sent_to_login(reply)


@pytest.mark.parametrize("who", ["tutor", "admin"])
def test_only_students_hold_or_book(open_tab, db, people, slug, who):
    tab = _tab(open_tab, getattr(people, who), slug)
    soon = (datetime.now(timezone.utc) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    before = bookings_state(db)
    with nothing_written(db):
        chose = tab.call(S.choose_slot, {"value": soon.isoformat()})
        booked = tab.call(S.book)
    assert bookings_state(db) == before
    assert_denied(chose, NO_PERMISSION)
    assert_denied(booked, NO_PERMISSION)


BAD_SLOTS = {
    "not a date": "tomorrow at nine",
    "naive time": "2027-01-05T10:00:00",
    "in the past": "2020-01-06T10:00:00+00:00",
    "far beyond the horizon": "2030-01-07T10:00:00+00:00",
    "off the quarter hour": (datetime.now(timezone.utc) + timedelta(days=4)).replace(minute=7, second=0, microsecond=0).isoformat(),
    "a list": ["2027-01-05T10:00:00+00:00"],
    "a dict": {"value": "2027-01-05T10:00:00+00:00"},
    "oversized": "9" * 5000,
    "the last representable time": "9999-12-31T23:45:00+00:00",  # + a lesson overflowed datetime
    "year one east of UTC": "0001-01-01T00:00:00+05:00",  # before datetime.min in UTC
}


@pytest.mark.parametrize("value", BAD_SLOTS.values(), ids=BAD_SLOTS.keys())
def test_forged_slot_values_are_refused_and_change_nothing(open_tab, db, people, slug, value):
    tab = _tab(open_tab, people.other_student, slug)
    before = bookings_state(db)
    with nothing_written(db):
        reply = tab.call(S.choose_slot, {"value": value})
        booked = tab.call(S.book)
    assert bookings_state(db) == before
    assert not reply.crashed and reply.toasts and reply.toasts[0][0] == "error", reply.text
    assert ("error", "Choose a time first.") in booked.toasts
    # The tab still works: the next choice is answered (an overflow once left it busy for good).
    again = tab.call(S.choose_slot, {"value": "2020-01-06T10:00:00+00:00"})
    assert ("error", "That time has already passed. Choose a later time.") in again.toasts, again.text


@pytest.mark.parametrize("handler, payload", [
    (S.choose_length, {"minutes": "7"}), (S.choose_length, {"minutes": ["60"]}),
    (S.change_zone, {"form_data": {"zone": "Mars/Olympus"}}), (S.change_zone, {"form_data": {"zone": 42}}),
    (S.change_zone, {"form_data": "Asia/Kolkata"}), (S.change_zone, {"form_data": {"zone": "x" * 10_000}}),
    (S.move_week, {"weeks": 500}), (S.move_week, {"weeks": "1"}),
    (S.use_browser_zone, {"zone": {"x": 1}}),
])
def test_navigation_handlers_refuse_nonsense_without_a_crash(open_tab, db, people, slug, handler, payload):
    tab = _tab(open_tab, people.student, slug)
    with nothing_written(db):
        reply = tab.call(handler, payload)
    assert not reply.crashed, reply.text
