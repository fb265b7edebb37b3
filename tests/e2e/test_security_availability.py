"""Availability editor handlers over the websocket as an attacker would call them: signed
out, as a student or an admin, with forged or wrong-type arguments, and with another
tutor's time off. Refusals write nothing (accounts, audit, outbox and every availability
table), never crash a handler, and the tutor's data never reaches another cookie."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from tests.e2e.admin_tutor_builders import as_, submitted_tutor
from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import NO_PERMISSION, assert_denied, assert_sent_to_login, nothing_written, query, reopen_tab
from tutorconnect.db import normalize_url
from tutorconnect.services import scheduling
from tutorconnect.state.availability_editor import AvailabilityEditorState as S

pytestmark = pytest.mark.e2e
PAGE = "/tutor/availability"
SOON = (date.today() + timedelta(days=5)).isoformat()
GOOD_SETTINGS = {"buffer_before": "0", "buffer_after": "0", "min_notice_hours": "12", "horizon_days": "60",
                 "max_per_day": ""}
GOOD_TIME_OFF = {"start_date": SOON, "end_date": SOON, "note": "x"}

# Every public handler with arguments a browser would send.
HANDLERS = [
    (S.load, {}), (S.save_settings, {"form_data": GOOD_SETTINGS}),
    (S.set_rule_time, {"weekday": 0, "index": 0, "which": "start", "value": "08:00"}),
    (S.add_interval, {"weekday": 0}), (S.remove_interval, {"weekday": 0, "index": 0}), (S.copy_monday, {}),
    (S.discard_week, {}), (S.save_week, {}), (S.move_month, {"delta": 1}), (S.open_day, {"iso": SOON}),
    (S.set_day_open, {"value": False}), (S.set_day_mode, {"mode": "closed"}),
    (S.set_day_time, {"index": 0, "which": "end", "value": "18:00"}), (S.add_day_interval, {}),
    (S.remove_day_interval, {"index": 0}), (S.save_day, {}), (S.add_time_off, {"form_data": GOOD_TIME_OFF}),
    (S.remove_time_off, {"time_off_id": str(uuid.uuid4())}), (S.choose_preview_length, {"minutes": "60"}),
    (S.refresh_preview, {}),
]
IDS = [h.fn.__name__ for h, _ in HANDLERS]


def availability_state(db) -> list:
    return (query(db, "select * from tutor_schedules order by tutor_id")
            + query(db, "select tutor_id, weekday, start_minute, end_minute from availability_rules order by 1, 2, 3")
            + query(db, "select tutor_id, on_date, kind, start_minute, end_minute from availability_overrides"
                        " order by 1, 2, 3, 4")
            + query(db, "select id, tutor_id, starts_at, ends_at, note from time_off order by id"))


@contextmanager
def untouched(db) -> Iterator[None]:
    before = availability_state(db)
    with nothing_written(db):
        yield
    assert availability_state(db) == before, "availability changed"


def _error(reply) -> str:
    assert not reply.crashed, reply.text
    errors = [m for level, m in reply.toasts if level == "error"]
    assert errors, reply.text
    return errors[0]


@pytest.fixture
def tutor_tab(open_tab, people):
    tab = open_tab(people.tutor, PAGE)
    reply = tab.call(S.load)
    assert reply.var(S, "week"), reply.text  # loaded (this also creates the schedule row if missing)
    return tab


@pytest.mark.parametrize("handler, payload", HANDLERS, ids=IDS)
def test_signed_out_is_sent_to_sign_in(open_tab, db, handler, payload):
    tab = open_tab(None, PAGE)
    with untouched(db):
        reply = tab.call(handler, payload)
    assert_sent_to_login(reply)


@pytest.mark.parametrize("who", ["student", "admin"])
@pytest.mark.parametrize("handler, payload", HANDLERS, ids=IDS)
def test_students_and_admins_are_denied(open_tab, db, people, who, handler, payload):
    tab = open_tab(getattr(people, who), PAGE)
    with untouched(db):
        reply = tab.call(handler, payload)
    assert_denied(reply, NO_PERMISSION)
    assert not reply.var(S, "week") and not reply.var(S, "settings") and not reply.var(S, "preview")


FORGED = {
    "weekday 7": (S.add_interval, {"weekday": 7}),
    "weekday as text": (S.add_interval, {"weekday": "0"}),
    "weekday as bool": (S.add_interval, {"weekday": True}),
    "weekday as list": (S.set_rule_time, {"weekday": [0], "index": 0, "which": "start", "value": "08:00"}),
    "interval index out of range": (S.remove_interval, {"weekday": 0, "index": 99}),
    "negative index": (S.set_rule_time, {"weekday": 0, "index": -1, "which": "start", "value": "08:00"}),
    "which is neither": (S.set_rule_time, {"weekday": 0, "index": 0, "which": "middle", "value": "08:00"}),
    "time off the quarter hour": (S.set_rule_time, {"weekday": 0, "index": 0, "which": "start", "value": "08:07"}),
    "time 24:00 as a start": (S.set_rule_time, {"weekday": 0, "index": 0, "which": "start", "value": "24:00"}),
    "time as a number": (S.set_rule_time, {"weekday": 0, "index": 0, "which": "end", "value": 480}),
    "huge time text": (S.set_rule_time, {"weekday": 0, "index": 0, "which": "end", "value": "9" * 5000}),
    "month jump": (S.move_month, {"delta": 500}),
    "month as text": (S.move_month, {"delta": "1"}),
    "day not a date": (S.open_day, {"iso": "next tuesday"}),
    "day in the past": (S.open_day, {"iso": "2020-01-06"}),
    "day far ahead": (S.open_day, {"iso": "2099-01-05"}),
    "day as dict": (S.open_day, {"iso": {"y": 2027}}),
    "day mode unknown": (S.set_day_mode, {"mode": "sometimes"}),
    "day interval index": (S.remove_day_interval, {"index": 5}),
    "day time forged": (S.set_day_time, {"index": "0", "which": "end", "value": "18:00"}),
    "settings not a dict": (S.save_settings, {"form_data": "buffer=5"}),
    "settings extra field": (S.save_settings, {"form_data": {**GOOD_SETTINGS, "tutor_id": str(uuid.uuid4())}}),
    "buffer absurd": (S.save_settings, {"form_data": {**GOOD_SETTINGS, "buffer_before": "99999"}}),
    "buffer negative": (S.save_settings, {"form_data": {**GOOD_SETTINGS, "buffer_after": "-5"}}),
    "notice as words": (S.save_settings, {"form_data": {**GOOD_SETTINGS, "min_notice_hours": "soon"}}),
    "notice huge": (S.save_settings, {"form_data": {**GOOD_SETTINGS, "min_notice_hours": "99999"}}),
    "horizon zero": (S.save_settings, {"form_data": {**GOOD_SETTINGS, "horizon_days": "0"}}),
    "daily limit 500": (S.save_settings, {"form_data": {**GOOD_SETTINGS, "max_per_day": "500"}}),
    "setting as list": (S.save_settings, {"form_data": {**GOOD_SETTINGS, "horizon_days": [1]}}),
    "time off not a dict": (S.add_time_off, {"form_data": ["2027-01-01"]}),
    "time off bad date": (S.add_time_off, {"form_data": {**GOOD_TIME_OFF, "start_date": "2027-02-30"}}),
    "time off in the past": (S.add_time_off, {"form_data": {**GOOD_TIME_OFF, "start_date": "2020-01-01"}}),
    "time off reversed": (S.add_time_off, {"form_data": {**GOOD_TIME_OFF, "end_date": "2020-01-01"}}),
    "time off two years": (S.add_time_off, {"form_data": {**GOOD_TIME_OFF,
                                                          "end_date": (date.today() + timedelta(days=800)).isoformat()}}),
    "time off note too long": (S.add_time_off, {"form_data": {**GOOD_TIME_OFF, "note": "n" * 5000}}),
    "remove junk id": (S.remove_time_off, {"time_off_id": "'; drop table time_off; --"}),
    "remove unknown id": (S.remove_time_off, {"time_off_id": str(uuid.uuid4())}),
    "remove id as list": (S.remove_time_off, {"time_off_id": [str(uuid.uuid4())]}),
    "length not offered": (S.choose_preview_length, {"minutes": "7"}),
    "length as number": (S.choose_preview_length, {"minutes": 60}),
}


@pytest.mark.parametrize("handler, payload", FORGED.values(), ids=FORGED.keys())
def test_forged_arguments_get_a_clear_message_and_change_nothing(tutor_tab, db, handler, payload):
    before = tutor_tab.call(S.discard_week).var(S, "week")
    with untouched(db):
        reply = tutor_tab.call(handler, payload)
        after = tutor_tab.call(S.set_day_open, {"value": False})
    message = _error(reply)
    assert message and "error occurred" not in message.lower()
    assert after.var(S, "week") == before  # the draft is unchanged and still shown


def test_an_invalid_draft_is_refused_by_the_service_on_save(tutor_tab, db):
    with untouched(db):
        tutor_tab.call(S.add_interval, {"weekday": 3})
        tutor_tab.call(S.set_rule_time, {"weekday": 3, "index": 0, "which": "start", "value": "20:00"})
        tutor_tab.call(S.set_rule_time, {"weekday": 3, "index": 0, "which": "end", "value": "08:00"})
        reply = tutor_tab.call(S.save_week)
        # the day panel: different hours ending before they start
        tutor_tab.call(S.open_day, {"iso": SOON})
        tutor_tab.call(S.set_day_mode, {"mode": "hours"})
        tutor_tab.call(S.set_day_time, {"index": 0, "which": "start", "value": "12:00"})
        tutor_tab.call(S.set_day_time, {"index": 0, "which": "end", "value": "11:00"})
        day = tutor_tab.call(S.save_day)
        tutor_tab.call(S.discard_week)
    assert "must end after it starts" in _error(reply)
    assert "must end after it starts" in reply.var(S, "week_error")
    assert "must end after it starts" in _error(day)


def test_another_tutors_time_off_cannot_be_removed(tutor_tab, live_app, db, tmp_path):
    other, _ = submitted_tutor(live_app.database_url, "Other Tutor", tmp_path)
    engine = create_engine(normalize_url(live_app.database_url))
    try:
        with Session(engine) as s:
            now = datetime.now(timezone.utc)
            row = scheduling.add_time_off(s, as_(other), other, now + timedelta(days=3), now + timedelta(days=4), "x")
            time_off_id = str(row.id)
            s.commit()
    finally:
        engine.dispose()
    with untouched(db):
        reply = tutor_tab.call(S.remove_time_off, {"time_off_id": time_off_id})
    assert "could not be found" in _error(reply)
    assert query(db, "select count(*) from time_off where id = :i", i=time_off_id) == [(1,)]



def test_the_tutors_data_never_reaches_another_cookie(open_tab, db, people, tutor_tab):
    """The tab's stored state reached again: with the tutor's cookie it shows the loaded data
    (so the hydrate really carries these vars), with a student's cookie none of it."""
    token = tutor_tab.token
    tutor_tab.close()
    again = reopen_tab(open_tab, people.tutor, PAGE, token)
    assert again.snapshot.var(S, "week") and again.snapshot.var(S, "settings"), again.snapshot.text
    again.close()
    stolen = reopen_tab(open_tab, people.student, PAGE, token)
    for name in ("week", "settings", "days", "time_off", "preview", "lengths", "day_intervals"):
        assert not stolen.snapshot.var(S, name), (name, stolen.snapshot.text)
    with untouched(db):
        reply = stolen.call(S.save_week)
    assert_denied(reply, NO_PERMISSION)
