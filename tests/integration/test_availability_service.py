"""services/scheduling/availability.py: only the tutor edits their availability; every refusal
changes nothing; what is saved is what slot computation reads."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from tests.integration.test_tutor_support import as_, listed_tutor, make_user
from tutorconnect.db import session_scope
from tutorconnect.services import scheduling
from tutorconnect.services.errors import InvalidInput, NotFound, PermissionDenied

pytestmark = pytest.mark.usefixtures("db")
NOW = datetime.now(timezone.utc)


def state(tutor_id) -> dict:
    with session_scope() as s:
        q = lambda sql: [tuple(r) for r in s.execute(text(sql), {"t": tutor_id})]  # noqa: E731
        return {
            "schedule": q("SELECT buffer_before_minutes, buffer_after_minutes, min_notice_minutes, horizon_days,"
                          " max_lessons_per_day FROM tutor_schedules WHERE tutor_id = :t"),
            "rules": sorted(q("SELECT weekday, start_minute, end_minute FROM availability_rules WHERE tutor_id = :t")),
            "overrides": sorted(q("SELECT on_date, kind, coalesce(start_minute, -1), coalesce(end_minute, -1)"
                                  " FROM availability_overrides WHERE tutor_id = :t")),
            "time_off": sorted(q("SELECT starts_at, ends_at, note FROM time_off WHERE tutor_id = :t")),
        }


def call(fn, actor, *args, **kw):
    with session_scope() as s:
        return fn(s, as_(actor), *args, **kw)


@pytest.fixture
def tutor():
    uid = listed_tutor()
    call(scheduling.replace_weekly_rules, uid, uid, [(0, 540, 720), (0, 780, 1020), (2, 600, 660)])
    call(scheduling.save_settings, uid, uid, buffer_before_minutes=10, buffer_after_minutes=15,
         min_notice_minutes=60, horizon_days=30, max_lessons_per_day=4)
    call(scheduling.set_override, uid, uid, date(2031, 1, 6), closed=True)
    call(scheduling.add_time_off, uid, uid, NOW + timedelta(days=3), NOW + timedelta(days=5), "Holiday")
    return uid


def test_tutor_saves_everything(tutor):
    st = state(tutor)
    assert st["schedule"] == [(10, 15, 60, 30, 4)]
    assert st["rules"] == [(0, 540, 720), (0, 780, 1020), (2, 600, 660)]
    assert st["overrides"] == [(date(2031, 1, 6), "closed", -1, -1)]
    assert [n for *_, n in st["time_off"]] == ["Holiday"]
    # hours replace a closed day; adjacent intervals are merged
    assert call(scheduling.set_override, tutor, tutor, date(2031, 1, 6), closed=False,
                intervals=[(600, 660), (660, 720)]) == [(600, 720)]
    assert state(tutor)["overrides"] == [(date(2031, 1, 6), "hours", 600, 720)]
    assert call(scheduling.clear_override, tutor, tutor, date(2031, 1, 6)) is True
    assert state(tutor)["overrides"] == []
    got = call(scheduling.get_availability, tutor, tutor)
    assert got.rules == [(0, 540, 720), (0, 780, 1020), (2, 600, 660)] and len(got.time_off) == 1
    call(scheduling.remove_time_off, tutor, tutor, got.time_off[0].id)
    assert state(tutor)["time_off"] == []


BAD_RULES = [
    ([(7, 540, 600)], "rules"), ([(-1, 540, 600)], "rules"), ([(0, 600, 540)], "rules"), ([(0, 540, 540)], "rules"),
    ([(0, 545, 600)], "rules"), ([(0, 540, 1445)], "rules"), ([(0, "9", 600)], "rules"), ([(0, True, 600)], "rules"),
    ([(0, 540, 720), (0, 705, 800)], "rules"), ([(0, 540)], "rules"), ("nope", "rules"),
    ([(1, 60 * h, 60 * h + 30) for h in range(9)], "rules"),
]


@pytest.mark.parametrize(("rules", "field"), BAD_RULES)
def test_bad_rules_are_refused_and_change_nothing(tutor, rules, field):
    before = state(tutor)
    with pytest.raises(InvalidInput) as err:
        call(scheduling.replace_weekly_rules, tutor, tutor, rules)
    assert err.value.field == field and err.value.message
    assert state(tutor) == before


def test_overlap_message_names_the_day_and_times(tutor):
    with pytest.raises(InvalidInput, match=r"Monday: 09:00-12:00 overlaps 11:45-13:00"):
        call(scheduling.replace_weekly_rules, tutor, tutor, [(0, 540, 720), (0, 705, 780)])


BAD_SETTINGS = [
    dict(buffer_before_minutes=-5), dict(buffer_after_minutes=121), dict(min_notice_minutes=20161),
    dict(horizon_days=0), dict(horizon_days=366), dict(max_lessons_per_day=0), dict(max_lessons_per_day=25),
    dict(buffer_before_minutes="10"), dict(horizon_days=1.5),
]


@pytest.mark.parametrize("bad", BAD_SETTINGS)
def test_bad_settings_are_refused_and_change_nothing(tutor, bad):
    good = dict(buffer_before_minutes=0, buffer_after_minutes=0, min_notice_minutes=0, horizon_days=10,
                max_lessons_per_day=None)
    before = state(tutor)
    with pytest.raises(InvalidInput) as err:
        call(scheduling.save_settings, tutor, tutor, **{**good, **bad})
    assert err.value.field == next(iter(bad))
    assert state(tutor) == before


@pytest.mark.parametrize("kw", [
    dict(closed=False, intervals=[]), dict(closed=True, intervals=[(540, 600)]), dict(closed=False, intervals=[(540, 530)]),
    dict(closed="yes"), dict(closed=False, intervals=[(540, 600), (570, 660)]),
])
def test_bad_overrides_are_refused_and_change_nothing(tutor, kw):
    before = state(tutor)
    with pytest.raises(InvalidInput):
        call(scheduling.set_override, tutor, tutor, date(2031, 1, 6), **kw)
    with pytest.raises(InvalidInput):
        call(scheduling.set_override, tutor, tutor, "2031-01-07", closed=True)
    assert state(tutor) == before


@pytest.mark.parametrize(("starts", "ends", "note"), [
    (NOW, NOW, ""), (NOW, NOW - timedelta(hours=1), ""), (NOW.replace(tzinfo=None), NOW + timedelta(days=1), ""),
    (NOW, NOW + timedelta(days=400), ""), (NOW, NOW + timedelta(days=1), "x" * 201),
])
def test_bad_time_off_is_refused_and_changes_nothing(tutor, starts, ends, note):
    before = state(tutor)
    with pytest.raises(InvalidInput):
        call(scheduling.add_time_off, tutor, tutor, starts, ends, note)
    assert state(tutor) == before


def test_others_are_refused_and_change_nothing(tutor):
    other_tutor, student = listed_tutor(name="Other"), make_user("student")
    admin = make_user("admin")
    before = state(tutor)
    time_off_id = call(scheduling.get_availability, tutor, tutor).time_off[0].id
    for actor in (other_tutor, student, admin, None):
        for fn, args, kw in [
            (scheduling.replace_weekly_rules, ([(3, 540, 600)],), {}),
            (scheduling.save_settings, (), dict(buffer_before_minutes=0, buffer_after_minutes=0, min_notice_minutes=0,
                                                  horizon_days=5, max_lessons_per_day=None)),
            (scheduling.set_override, (date(2031, 2, 1),), dict(closed=True)),
            (scheduling.clear_override, (date(2031, 1, 6),), {}),
            (scheduling.add_time_off, (NOW, NOW + timedelta(days=1), ""), {}),
            (scheduling.remove_time_off, (time_off_id,), {}),
            (scheduling.get_availability, (), {}),
        ]:
            with pytest.raises(PermissionDenied):
                call(fn, actor, tutor, *args, **kw)
    # a student acting on their own id is not a tutor
    with pytest.raises(PermissionDenied):
        call(scheduling.replace_weekly_rules, student, student, [(3, 540, 600)])
    # another tutor cannot delete this tutor's time off through their own id
    with pytest.raises(NotFound):
        call(scheduling.remove_time_off, other_tutor, other_tutor, time_off_id)
    with pytest.raises(NotFound):
        call(scheduling.remove_time_off, tutor, tutor, uuid.uuid4())
    assert state(tutor) == before


def test_tutor_without_profile_is_told_so():
    uid = make_user("tutor")
    with pytest.raises(NotFound):
        call(scheduling.replace_weekly_rules, uid, uid, [(0, 540, 600)])


@pytest.mark.parametrize("length, first, last", [
    (7, date(2031, 1, 6), date(2031, 1, 6)), (True, date(2031, 1, 6), date(2031, 1, 6)),
    ("60", date(2031, 1, 6), date(2031, 1, 6)), (60, "2031-01-06", date(2031, 1, 6)),
    (60, date(2031, 1, 6), datetime(2031, 1, 7)),
])
def test_preview_refuses_nonsense_lengths_and_dates(tutor, length, first, last):
    with pytest.raises(InvalidInput):
        call(scheduling.preview_slots, tutor, tutor, length, first, last)


def test_preview_is_the_tutors_own():
    uid, student = listed_tutor(name="Previewer"), make_user("student")
    for actor in (student, None):
        with pytest.raises(PermissionDenied):
            call(scheduling.preview_slots, actor, uid, 60, date(2031, 1, 6), date(2031, 1, 12))
