"""Lesson reminders (services/notifications/reminders.py): due windows, once only across
ticks, sweeps in parallel and a worker killed mid-transaction, never for cancelled or
moved-away times, and absolute offsets across DST changes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.booking_support import book, bookable_tutor, future, student
from tests.support.db import scalar, sql
from tutorconnect import background
from tutorconnect.db import session_scope
from tutorconnect.services import notifications

ROOT = Path(__file__).resolve().parents[2]
H = timedelta(hours=1)
M = timedelta(minutes=1)


def confirmed_at(starts_at: datetime, *, booked_before: timedelta = timedelta(days=7)) -> str:
    """A confirmed 60-minute booking moved (by SQL) to `starts_at`, made `booked_before` earlier."""
    made = book(student(), bookable_tutor(), future(hour=9))
    sql("UPDATE bookings SET status = 'confirmed', expires_at = NULL, starts_at = :s, ends_at = :e, "
        "blocked_from = :s, blocked_until = :e, created_at = :c WHERE id = :b",
        s=starts_at, e=starts_at + H, c=starts_at - booked_before, b=made.id)
    return str(made.id)


def due(now: datetime) -> list[tuple[str, int]]:
    with session_scope() as s:
        return [(r.booking_id, r.offset_minutes) for r in notifications.send_due(s, now)]


def sent_rows(booking_id: str) -> list[tuple[int, datetime]]:
    return [(r.offset_minutes, r.starts_at) for r in
            sql("SELECT offset_minutes, starts_at FROM booking_reminders WHERE booking_id = :b "
                "ORDER BY offset_minutes DESC", b=booking_id)]


def test_each_reminder_is_due_in_its_window_and_sent_once(db):
    start = future(days=5, hour=10)
    b = confirmed_at(start)
    assert due(start - 24 * H - M) == []                   # too early
    assert due(start - 24 * H) == [(b, 1440)]              # exactly 24 h before
    assert due(start - 24 * H + M) == []                   # a second tick: already sent
    assert due(start - 2 * H) == []                        # between the two reminders
    assert due(start - H) == [(b, 60)]
    assert due(start - 30 * M) == []
    assert due(start) == []                                # started: never
    assert sent_rows(b) == [(1440, start), (60, start)]


def test_a_sweep_that_was_down_sends_only_the_nearest_reminder(db):
    start = future(days=5, hour=10)
    b = confirmed_at(start)
    assert due(start - 40 * M) == [(b, 60)]                # the 24 h window has passed
    assert due(start - 39 * M) == []
    assert sent_rows(b) == [(60, start)]


def test_late_bookings_skip_reminders_whose_moment_had_passed(db):
    start = future(days=5, hour=10)
    three_hours = confirmed_at(start, booked_before=3 * H)
    confirmed_at(start + 2 * H, booked_before=30 * M)  # a second lesson, booked half an hour ahead
    assert due(start - 3 * H + M) == []                    # no 24 h reminder right after booking
    assert due(start - H) == [(three_hours, 60)]
    assert due(start + 2 * H - 29 * M) == []               # booked inside the last hour: none


def test_no_reminders_for_cancelled_or_unconfirmed_lessons(db):
    start = future(days=5, hour=10)
    cancelled = confirmed_at(start)
    unpaid = confirmed_at(start + 2 * H)
    sql("UPDATE bookings SET status = 'cancelled' WHERE id = :b", b=cancelled)
    sql("UPDATE bookings SET status = 'pending_payment' WHERE id = :b", b=unpaid)
    assert due(start - 23 * H) == []
    assert due(start - 30 * M) == []


def test_a_moved_lesson_is_reminded_for_its_new_time_only(db):
    start = future(days=5, hour=10)
    b = confirmed_at(start)
    assert due(start - 24 * H) == [(b, 1440)]
    new_start = start + 2 * 24 * H
    sql("UPDATE bookings SET starts_at = :s, ends_at = :e, blocked_from = :s, blocked_until = :e WHERE id = :b",
        s=new_start, e=new_start + H, b=b)
    assert due(start - H) == []                            # the old time is gone
    assert due(new_start - 24 * H) == [(b, 1440)]          # the new time has its own reminders
    assert due(new_start - H) == [(b, 60)]
    assert [o for o, _ in sent_rows(b)] == [1440, 1440, 60]


def test_concurrent_sweeps_send_each_reminder_once(db):
    start = datetime.now(timezone.utc) + 30 * M
    ids = {confirmed_at(start + i * M) for i in range(8)}
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: background.sweep_bookings()["reminded"], range(6)))
    assert sum(results) == 8
    assert background.sweep_bookings()["reminded"] == 0
    assert scalar("SELECT count(*) FROM booking_reminders") == 8
    assert {r[0] for r in sql("SELECT booking_id::text FROM booking_reminders")} == ids


_KILLED_SWEEP = textwrap.dedent(
    """
    import sys, time
    from tutorconnect.db import session_scope
    from tutorconnect.services import notifications
    with session_scope() as s:
        sent = notifications.send_due(s)
        print(len(sent), flush=True)
        time.sleep(60)  # killed here: the transaction never commits
    """
)


def test_a_worker_killed_mid_sweep_loses_nothing_and_doubles_nothing(db, database_url):
    start = datetime.now(timezone.utc) + 30 * M
    b = confirmed_at(start)
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": ""}
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_SWEEP], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "1"      # it claimed the reminder...
        proc.send_signal(signal.SIGKILL)                   # ...and died before committing
        proc.wait(timeout=30)
    finally:
        proc.kill()
    deadline = time.monotonic() + 30
    while scalar("SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' "
                 "AND datname = current_database()") and time.monotonic() < deadline:
        time.sleep(0.1)                                    # the server notices the dead socket
    assert sent_rows(b) == []
    assert background.sweep_bookings()["reminded"] == 1   # the next tick (a new worker) sends it
    assert background.sweep_bookings()["reminded"] == 0   # and a later one does not again
    assert sent_rows(b) == [(60, start)]


def test_offsets_are_absolute_across_a_dst_change(db):
    # New York springs forward on 14 March 2027 (02:00 EST -> 03:00 EDT).
    ny = ZoneInfo("America/New_York")
    start = datetime(2027, 3, 14, 10, 0, tzinfo=ny).astimezone(timezone.utc)     # 14:00Z (EDT)
    b = confirmed_at(start)
    day_before_same_wall_time = datetime(2027, 3, 13, 10, 0, tzinfo=ny)           # 15:00Z (EST)
    assert start - day_before_same_wall_time.astimezone(timezone.utc) == 23 * H
    assert due(start - 24 * H - M) == []
    assert due(start - 24 * H) == [(b, 1440)]              # 09:00 EST the day before: 24 real hours
    assert (start - 24 * H).astimezone(ny).hour == 9
    # London falls back on 31 October 2027: a 01:30 lesson is ambiguous locally; the
    # stored instant decides (the second 01:30, GMT), and 1 h before is 01:30 BST.
    london = ZoneInfo("Europe/London")
    second = datetime(2027, 10, 31, 1, 30, fold=1, tzinfo=london).astimezone(timezone.utc)
    b2 = confirmed_at(second)
    assert due(second - 24 * H) == [(b2, 1440)]
    assert due(second - H - M) == []
    assert due(second - H) == [(b2, 60)]
    local = (second - H).astimezone(london)
    assert (local.hour, local.minute, local.fold) == (1, 30, 0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ticks=st.lists(st.integers(min_value=0, max_value=26 * 60), min_size=1, max_size=12),
       lead_days=st.integers(min_value=2, max_value=10))
def test_property_any_ticks_send_each_reminder_at_most_once_and_never_early(db, ticks, lead_days):
    sql("TRUNCATE booking_reminders, bookings CASCADE")
    start = future(days=5, hour=10)
    b = confirmed_at(start, booked_before=timedelta(days=lead_days))
    seen: list[int] = []
    for minutes_before in sorted(ticks, reverse=True):     # time moves forward
        now = start - timedelta(minutes=minutes_before)
        for booking_id, offset in due(now):
            assert booking_id == b
            assert now >= start - timedelta(minutes=offset)  # never early
            seen.append(offset)
    assert len(seen) == len(set(seen))                      # at most once each
    # Whatever ticks happened, a tick inside the last hour (before the start) sends the 1 h one.
    if any(0 < t <= 60 for t in ticks):
        assert 60 in seen
