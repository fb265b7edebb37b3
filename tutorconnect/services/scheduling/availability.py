"""A tutor's availability, edited by the tutor only: booking settings (buffers, notice,
horizon, daily limit), weekly rules, date overrides and time off. Stored in the tutor's
local wall-clock terms (models/scheduling.py); slot_core.py turns them into instants.

Every write checks that the caller is the tutor themself (a tutor account, not deleted,
with a tutor profile), validates everything before touching a row (a refusal changes
nothing) and raises InvalidInput(field, message) / PermissionDenied / NotFound.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete, text
from sqlmodel import Session, col, select

from tutorconnect.models import TutorProfile, User
from tutorconnect.models.accounts import Role
from tutorconnect.models.tutors import LESSON_LENGTHS
from tutorconnect.models.scheduling import (
    MAX_HORIZON_DAYS, AvailabilityOverride, AvailabilityRule, TimeOff, TutorSchedule,
)
from tutorconnect.services import live
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput, NotFound, PermissionDenied
from tutorconnect.services.scheduling import slot_search

GRANULARITY = 15  # minutes: rule boundaries fall on local quarter hours
MAX_INTERVALS_PER_DAY = 8
MAX_TIME_OFF_DAYS = 366
MAX_NOTE = 200
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Availability:
    schedule: TutorSchedule
    rules: list[tuple[int, int, int]]  # (weekday, start_minute, end_minute), sorted
    overrides: dict[date, list[tuple[int, int]]]  # [] = closed
    time_off: list[TimeOff]


def _own_tutor(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> None:
    """The caller is this tutor (same check as tutor_profiles._tutor_user) with a profile."""
    if ctx.actor_user_id is None or ctx.actor_user_id != tutor_id:
        raise PermissionDenied("You can only change your own availability.")
    user = session.exec(select(User).where(User.id == tutor_id, col(User.deleted_at).is_(None))).first()
    if user is None or user.role != Role.TUTOR.value:
        raise PermissionDenied("Only tutor accounts have availability.")
    if session.get(TutorProfile, tutor_id) is None:
        raise NotFound("Your tutor profile")


def get_or_create_schedule(session: Session, tutor_id: uuid.UUID) -> TutorSchedule:
    """The tutor's settings row, created with the defaults on first use (race-safe)."""
    session.execute(text("INSERT INTO tutor_schedules (tutor_id) VALUES (:t) ON CONFLICT (tutor_id) DO NOTHING"),
                    {"t": tutor_id})
    row = session.get(TutorSchedule, tutor_id, populate_existing=True)
    assert row is not None
    return row


def _int(field: str, value, lo: int, hi: int, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, f"{label} must be a whole number.")
    if not lo <= value <= hi:
        raise InvalidInput(field, f"{label} must be between {lo} and {hi}.")
    return value


def save_settings(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, *, buffer_before_minutes: int,
                  buffer_after_minutes: int, min_notice_minutes: int, horizon_days: int,
                  max_lessons_per_day: int | None) -> TutorSchedule:
    _own_tutor(session, ctx, tutor_id)
    values = dict(
        buffer_before_minutes=_int("buffer_before_minutes", buffer_before_minutes, 0, 120, "The buffer before lessons (minutes)"),
        buffer_after_minutes=_int("buffer_after_minutes", buffer_after_minutes, 0, 120, "The buffer after lessons (minutes)"),
        min_notice_minutes=_int("min_notice_minutes", min_notice_minutes, 0, 20160, "The minimum notice (minutes)"),
        horizon_days=_int("horizon_days", horizon_days, 1, MAX_HORIZON_DAYS, "How far ahead students may book (days)"),
        max_lessons_per_day=None if max_lessons_per_day is None else _int(
            "max_lessons_per_day", max_lessons_per_day, 1, 24, "The maximum lessons per day"),
    )
    row = get_or_create_schedule(session, tutor_id)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = datetime.now(timezone.utc)
    session.add(row)
    session.flush()
    _announce(session, tutor_id)
    return row


def _announce(session: Session, tutor_id: uuid.UUID) -> None:
    """Open booking pickers of this tutor show the new free times (after the commit)."""
    live.publish(session, live.slots_topic(tutor_id))


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _intervals(field: str, intervals, where: str) -> list[tuple[int, int]]:
    """Validated, sorted, non-overlapping intervals (adjacent ones are merged)."""
    try:
        pairs = [tuple(item) for item in intervals]
    except TypeError:
        raise InvalidInput(field, "Give the hours as a list of start and end times.") from None
    out: list[tuple[int, int]] = []
    for pair in pairs:
        if len(pair) != 2:
            raise InvalidInput(field, "Each interval needs a start and an end time.")
        start = _int(field, pair[0], 0, 1440, "A start time (minutes after midnight)")
        end = _int(field, pair[1], 0, 1440, "An end time (minutes after midnight)")
        if start % GRANULARITY or end % GRANULARITY:
            raise InvalidInput(field, f"Times must be on the quarter hour ({where}: {_hhmm(start)}-{_hhmm(end)}).")
        if end <= start:
            raise InvalidInput(field, f"An interval must end after it starts ({where}: {_hhmm(start)}-{_hhmm(end)}).")
        out.append((start, end))
    out.sort()
    merged: list[tuple[int, int]] = []
    for start, end in out:
        if merged and start < merged[-1][1]:
            prev = merged[-1]
            raise InvalidInput(field, f"{where}: {_hhmm(prev[0])}-{_hhmm(prev[1])} overlaps "
                                      f"{_hhmm(start)}-{_hhmm(end)}. Remove or shorten one of them.")
        if merged and start == merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    if len(merged) > MAX_INTERVALS_PER_DAY:
        raise InvalidInput(field, f"{where}: at most {MAX_INTERVALS_PER_DAY} intervals a day.")
    return merged


def replace_weekly_rules(session: Session, ctx: RequestContext, tutor_id: uuid.UUID,
                         rules: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Replace all weekly rules with `rules` (weekday 0 = Monday, minutes from local midnight)."""
    _own_tutor(session, ctx, tutor_id)
    if not isinstance(rules, (list, tuple)) or len(rules) > 7 * MAX_INTERVALS_PER_DAY:
        raise InvalidInput("rules", "Give the weekly hours as a list of intervals.")
    by_day: dict[int, list] = {}
    for rule in rules:
        if not isinstance(rule, (list, tuple)) or len(rule) != 3:
            raise InvalidInput("rules", "Each weekly interval needs a weekday, a start and an end time.")
        weekday = _int("rules", rule[0], 0, 6, "The weekday (0 = Monday)")
        by_day.setdefault(weekday, []).append((rule[1], rule[2]))
    clean = [(wd, s, e) for wd in sorted(by_day) for s, e in _intervals("rules", by_day[wd], WEEKDAYS[wd])]
    session.execute(delete(AvailabilityRule).where(col(AvailabilityRule.tutor_id) == tutor_id))
    session.flush()
    for wd, s, e in clean:
        session.add(AvailabilityRule(tutor_id=tutor_id, weekday=wd, start_minute=s, end_minute=e))
    get_or_create_schedule(session, tutor_id)
    session.flush()
    _announce(session, tutor_id)
    return clean


def _date(field: str, value) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInput(field, "Choose a date.")
    return value


def set_override(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, on_date: date, *, closed: bool,
                 intervals=()) -> list[tuple[int, int]]:
    """Closed all day, or these hours instead of the weekday's rules, on one local date."""
    _own_tutor(session, ctx, tutor_id)
    on_date = _date("on_date", on_date)
    if not isinstance(closed, bool):
        raise InvalidInput("closed", "Choose closed or different hours.")
    clean: list[tuple[int, int]] = []
    if not closed:
        clean = _intervals("intervals", intervals, on_date.isoformat())
        if not clean:
            raise InvalidInput("intervals", "Add at least one interval, or mark the day closed.")
    elif list(intervals or ()):
        raise InvalidInput("intervals", "A closed day has no hours.")
    session.execute(delete(AvailabilityOverride).where(col(AvailabilityOverride.tutor_id) == tutor_id,
                                                       col(AvailabilityOverride.on_date) == on_date))
    session.flush()
    if closed:
        session.add(AvailabilityOverride(tutor_id=tutor_id, on_date=on_date, kind="closed"))
    for s, e in clean:
        session.add(AvailabilityOverride(tutor_id=tutor_id, on_date=on_date, kind="hours", start_minute=s, end_minute=e))
    session.flush()
    _announce(session, tutor_id)
    return clean


def clear_override(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, on_date: date) -> bool:
    _own_tutor(session, ctx, tutor_id)
    on_date = _date("on_date", on_date)
    result = session.execute(delete(AvailabilityOverride).where(col(AvailabilityOverride.tutor_id) == tutor_id,
                                                                col(AvailabilityOverride.on_date) == on_date))
    if result.rowcount:
        _announce(session, tutor_id)
    return bool(result.rowcount)


def add_time_off(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, starts_at: datetime, ends_at: datetime,
                 note: str = "") -> TimeOff:
    _own_tutor(session, ctx, tutor_id)
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise InvalidInput(field, "Choose a date and time with a time zone.")
    if ends_at <= starts_at:
        raise InvalidInput("ends_at", "Time off must end after it starts.")
    if ends_at - starts_at > timedelta(days=MAX_TIME_OFF_DAYS):
        raise InvalidInput("ends_at", f"Time off can last at most {MAX_TIME_OFF_DAYS} days.")
    if not isinstance(note, str) or len(note.strip()) > MAX_NOTE:
        raise InvalidInput("note", f"Keep the note under {MAX_NOTE} characters.")
    row = TimeOff(tutor_id=tutor_id, starts_at=starts_at.astimezone(timezone.utc),
                  ends_at=ends_at.astimezone(timezone.utc), note=note.strip())
    session.add(row)
    session.flush()
    _announce(session, tutor_id)
    return row


def remove_time_off(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, time_off_id: uuid.UUID) -> None:
    _own_tutor(session, ctx, tutor_id)
    row = session.get(TimeOff, time_off_id) if isinstance(time_off_id, uuid.UUID) else None
    if row is None or row.tutor_id != tutor_id:
        raise NotFound("That time off")
    session.delete(row)
    session.flush()
    _announce(session, tutor_id)


def get_availability(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> Availability:
    """The tutor's own availability, for the editor."""
    _own_tutor(session, ctx, tutor_id)
    schedule = get_or_create_schedule(session, tutor_id)
    rules = sorted((r.weekday, r.start_minute, r.end_minute) for r in session.exec(
        select(AvailabilityRule).where(AvailabilityRule.tutor_id == tutor_id)))
    overrides: dict[date, list[tuple[int, int]]] = {}
    for o in session.exec(select(AvailabilityOverride).where(AvailabilityOverride.tutor_id == tutor_id)):
        lst = overrides.setdefault(o.on_date, [])
        if o.kind == "hours":
            lst.append((o.start_minute, o.end_minute))
    time_off = list(session.exec(select(TimeOff).where(TimeOff.tutor_id == tutor_id).order_by(col(TimeOff.starts_at))))
    return Availability(schedule, rules, {d: sorted(v) for d, v in overrides.items()}, time_off)


def preview_slots(session: Session, ctx: RequestContext, tutor_id: uuid.UUID, length_minutes: int,
                  first_day: date, last_day: date, *, now: datetime | None = None) -> list[slot_search.Slot]:
    """The tutor's own free slots in their zone (for the editor's live preview); works
    before approval."""
    _own_tutor(session, ctx, tutor_id)
    if isinstance(length_minutes, bool) or length_minutes not in LESSON_LENGTHS:
        raise InvalidInput("length_minutes", "Choose a lesson length of 30, 45, 60 or 90 minutes.")
    first_day, last_day = _date("first_day", first_day), _date("last_day", last_day)
    return slot_search.preview_slots(session, tutor_id, length_minutes, first_day, last_day, now=now)
