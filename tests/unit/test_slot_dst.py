"""Property tests of the pure slot core (scheduling.compute_slots, in
services/scheduling/slot_core.py) across the DST transitions of 2026-2027 in zones on
both hemispheres, with half-hour and 45-minute offsets and a 30-minute DST shift (Lord
Howe).

The documented policy (slot_core.py) defines the available instants of a tutor-local date as
those whose local wall-clock time lies in one of that date's intervals and that are not
the second occurrence of a repeated (fall-back) time. The tests compare compute_slots
with a minute-by-minute brute force of that definition, so a missing slot fails as well
as a wrong one."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutorconnect.services.scheduling import SlotInputs, compute_slots

ZONES = ("America/New_York", "Europe/London", "Europe/Berlin", "Australia/Sydney", "Australia/Lord_Howe",
         "Pacific/Chatham", "Asia/Kolkata", "Asia/Kathmandu", "America/Santiago", "America/St_Johns",
         "Asia/Tehran", "Pacific/Auckland")
UTC = timezone.utc


def _transition_dates(zone_name: str) -> list[date]:
    """Local dates in 2026-2027 on which the zone's UTC offset changes."""
    zone = ZoneInfo(zone_name)
    out, day = [], date(2026, 1, 1)
    prev = datetime(2026, 1, 1, tzinfo=zone).utcoffset()
    while day < date(2028, 1, 1):
        nxt = day + timedelta(days=1)
        off = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone).utcoffset()
        if off != prev:
            out.append(day)
        prev, day = off, nxt
    return out or [date(2026, 6, 1)]  # zones without DST (Kolkata, Kathmandu, Tehran): any date


TRANSITIONS = {z: _transition_dates(z) for z in ZONES}


def test_zones_cover_both_hemispheres_and_odd_offsets():
    with_dst = [z for z in ZONES if len(TRANSITIONS[z]) >= 4]
    assert len(with_dst) >= 8
    assert {"Australia/Sydney", "America/Santiago", "Pacific/Chatham", "Australia/Lord_Howe"} <= set(with_dst)
    # Lord Howe shifts by 30 minutes; Chatham sits at +12:45/+13:45.
    lh = ZoneInfo("Australia/Lord_Howe")
    assert datetime(2026, 1, 15, tzinfo=lh).utcoffset() - datetime(2026, 7, 15, tzinfo=lh).utcoffset() == timedelta(minutes=30)
    assert datetime(2026, 7, 15, tzinfo=ZoneInfo("Pacific/Chatham")).utcoffset() == timedelta(hours=12, minutes=45)


BOUNDARIES = st.sampled_from([0, 15, 60, 90, 105, 120, 135, 150, 180, 210, 240, 540, 720, 1020, 1380, 1425, 1440])
GRID = st.integers(0, 96).map(lambda q: q * 15)


@st.composite
def intervals(draw):
    points = sorted(set(draw(st.lists(st.one_of(BOUNDARIES, GRID), min_size=0, max_size=6))))
    if len(points) % 2:
        points = points[:-1]
    return [(points[i], points[i + 1]) for i in range(0, len(points), 2)]


@st.composite
def scenarios(draw):
    zone = draw(st.sampled_from(ZONES))
    viewer = draw(st.sampled_from(ZONES + ("UTC",)))
    day = draw(st.sampled_from(TRANSITIONS[zone]))
    first, last = day - timedelta(days=1), day + timedelta(days=1)
    rules = {wd: draw(intervals()) for wd in range(7)}
    overrides = {}
    if draw(st.booleans()):
        overrides[day] = draw(intervals())  # [] = closed
    base = datetime(first.year, first.month, first.day, tzinfo=UTC) - timedelta(days=1)
    instants = st.integers(0, 5 * 24 * 4).map(lambda q: base + timedelta(minutes=15 * q))
    busy = [(a, a + timedelta(minutes=draw(st.sampled_from([45, 60, 90, 120]))))
            for a in draw(st.lists(instants, max_size=5))]
    time_off = [(a, a + timedelta(minutes=draw(st.integers(15, 600))))
                for a in draw(st.lists(instants, max_size=2))]
    return dict(zone=zone, viewer=viewer, first=first, last=last, day=day, rules=rules, overrides=overrides,
                busy=busy, time_off=time_off, length=draw(st.sampled_from([30, 45, 60, 90])),
                bb=draw(st.sampled_from([0, 5, 15, 30])), ba=draw(st.sampled_from([0, 10, 15, 45])))


def _intervals_of(sc, day: date):
    return sc["overrides"][day] if day in sc["overrides"] else sc["rules"].get(day.weekday(), [])


def _available(sc, zone: ZoneInfo, t: datetime) -> bool:
    """The policy's definition, for one instant."""
    local = t.astimezone(zone)
    if local.fold == 1:  # second occurrence of a repeated wall time
        return False
    day = local.date()
    if not (sc["first"] <= day <= sc["last"]):
        return False
    minute = local.hour * 60 + local.minute
    return any(a <= minute < b for a, b in _intervals_of(sc, day))


def _brute_force(sc) -> list[datetime]:
    zone = ZoneInfo(sc["zone"])
    length = timedelta(minutes=sc["length"])
    t = datetime(sc["first"].year, sc["first"].month, sc["first"].day, tzinfo=UTC) - timedelta(days=1)
    end = t + timedelta(days=5)
    out = []
    while t < end:
        local = t.astimezone(zone)
        if (local.minute % 15 == 0 and local.second == 0
                and all(_available(sc, zone, t + timedelta(minutes=m)) for m in range(sc["length"]))
                and not any(a < t + length + timedelta(minutes=sc["ba"]) and t - timedelta(minutes=sc["bb"]) < b
                            for a, b in sc["busy"])
                and not any(a < t + length and t < b for a, b in sc["time_off"])):
            out.append(t)
        t += timedelta(minutes=15)
    return out


def _compute(sc):
    return compute_slots(SlotInputs(
        zone=sc["zone"], length_minutes=sc["length"], first_local_date=sc["first"], last_local_date=sc["last"],
        rules=sc["rules"], overrides=sc["overrides"], time_off=sc["time_off"], busy=sc["busy"],
        buffer_before_minutes=sc["bb"], buffer_after_minutes=sc["ba"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_slots_follow_the_policy_across_dst(sc):
    slots = _compute(sc)
    zone, viewer = ZoneInfo(sc["zone"]), ZoneInfo(sc["viewer"])
    starts = [s for s, _ in slots]
    assert starts == sorted(set(starts)), "a slot was produced twice or out of order"
    for s, e in slots:
        assert e - s == timedelta(minutes=sc["length"])
        # inside the tutor's local rule, read back as tutor-local wall-clock time
        for m in range(0, sc["length"], 5):
            assert _available(sc, zone, s + timedelta(minutes=m)), (s.astimezone(zone), sc)
        local = s.astimezone(zone)
        assert local.minute % 15 == 0 and local.fold == 0
        # no overlap with a booking plus buffers, nor with time off
        for a, b in sc["busy"]:
            assert not (a < e + timedelta(minutes=sc["ba"]) and s - timedelta(minutes=sc["bb"]) < b)
        for a, b in sc["time_off"]:
            assert not (a < e and s < b)
        # the viewer's zone shows the same instant
        assert s.astimezone(viewer).astimezone(UTC) == s
    # and nothing the policy allows is missing
    assert starts == _brute_force(sc)


@pytest.mark.parametrize("zone_name", ZONES)
def test_nine_to_five_stays_nine_to_five_on_every_change_day(zone_name):
    zone = ZoneInfo(zone_name)
    rules = {wd: [(540, 1020)] for wd in range(7)}
    for day in TRANSITIONS[zone_name]:
        slots = compute_slots(SlotInputs(zone=zone_name, length_minutes=60, first_local_date=day,
                                         last_local_date=day, rules=rules))
        walls = [(s.astimezone(zone).strftime("%H:%M"), e.astimezone(zone).strftime("%H:%M")) for s, e in slots]
        expected = []
        for q in range(29):  # 09:00 .. 16:00
            start = datetime(2000, 1, 1, 9) + timedelta(minutes=15 * q)
            expected.append((start.strftime("%H:%M"), (start + timedelta(hours=1)).strftime("%H:%M")))
        assert walls == expected, (zone_name, day)
        assert all(s.astimezone(zone).date() == day for s, _ in slots)


def test_spring_forward_gap_and_fall_back_repeat_new_york():
    ny = ZoneInfo("America/New_York")
    rules = {wd: [(90, 240)] for wd in range(7)}  # 01:30-04:00 local
    spring = compute_slots(SlotInputs(zone="America/New_York", length_minutes=30, first_local_date=date(2026, 3, 8),
                                      last_local_date=date(2026, 3, 8), rules=rules))
    walls = [s.astimezone(ny).strftime("%H:%M") for s, _ in spring]
    # 02:00-03:00 does not exist: nothing starts in it; 01:30 EST + 30 min ends at 03:00 EDT.
    assert walls == ["01:30", "01:45", "03:00", "03:15", "03:30"]
    fall = compute_slots(SlotInputs(zone="America/New_York", length_minutes=30, first_local_date=date(2026, 11, 1),
                                    last_local_date=date(2026, 11, 1), rules=rules))
    locals_ = [s.astimezone(ny) for s, _ in fall]
    # 01:00-02:00 happens twice: only the first (EDT) occurrence is used, so 01:30 appears once.
    assert [t.strftime("%H:%M") for t in locals_] == ["01:30", "02:00", "02:15", "02:30", "02:45", "03:00", "03:15", "03:30"]
    assert locals_[0].utcoffset() == timedelta(hours=-4)
    assert all(t.fold == 0 for t in locals_)
