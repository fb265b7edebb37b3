"""What slot search and the bookability check know about one tutor: `load_tutor` reads
the tutor's listing, lesson lengths, booking settings, weekly rules, date overrides, time
off, active bookings and the Google Calendar cache in ONE round trip (`TutorFacts`), plus
the small helpers both callers share (Google busy times, per-day counts, the listed /
length-offered check, zone and clock normalisation).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, text
from sqlmodel import Session

from tutorconnect.models.scheduling import ACTIVE_STATUSES
from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.scheduling import busy_times
from tutorconnect.services.scheduling.errors import SlotUnavailable
from tutorconnect.services.scheduling.slot_core import subtract, to_epoch

DEFAULTS = dict(buffer_before_minutes=0, buffer_after_minutes=0, min_notice_minutes=720, horizon_days=60,
                max_lessons_per_day=None)  # as models.scheduling.TutorSchedule, when no row exists yet
_UTC = timezone.utc

_LOAD_SQL = text("""
    SELECT u.time_zone, u.deleted_at IS NULL AS alive, p.status, p.lesson_lengths,
           s.buffer_before_minutes, s.buffer_after_minutes, s.min_notice_minutes, s.horizon_days,
           s.max_lessons_per_day, s.tutor_id IS NOT NULL AS has_schedule,
           (SELECT json_agg(json_build_array(r.weekday, r.start_minute, r.end_minute))
              FROM availability_rules r WHERE r.tutor_id = p.user_id) AS rules,
           (SELECT json_agg(json_build_array(o.on_date, o.kind, o.start_minute, o.end_minute))
              FROM availability_overrides o
             WHERE o.tutor_id = p.user_id AND o.on_date BETWEEN :d0 AND :d1) AS overrides,
           (SELECT json_agg(json_build_array(extract(epoch FROM t.starts_at), extract(epoch FROM t.ends_at)))
              FROM time_off t WHERE t.tutor_id = p.user_id AND t.ends_at > :w0 AND t.starts_at < :w1) AS time_off,
           (SELECT json_agg(json_build_array(b.id, extract(epoch FROM b.starts_at), extract(epoch FROM b.blocked_from),
                                             extract(epoch FROM b.blocked_until)))
              FROM bookings b WHERE b.tutor_id = p.user_id AND b.status IN :active
               AND b.blocked_until > :w0 AND b.blocked_from < :w1) AS bookings,
           """ + busy_times.CACHE_SQL + """ AS google
      FROM tutor_profiles p JOIN users u ON u.id = p.user_id
      LEFT JOIN tutor_schedules s ON s.tutor_id = p.user_id
     WHERE p.user_id = :t""").bindparams(bindparam("active", expanding=True))


@dataclass
class TutorFacts:
    """One tutor as `load_tutor` read it (the booking being moved, if any, left out)."""

    zone: ZoneInfo
    zone_name: str
    listed: bool
    lengths: tuple[int, ...]
    buffer_before: int
    buffer_after: int
    min_notice: int
    horizon_days: int
    max_per_day: int | None
    rules: dict[int, list[tuple[int, int]]]
    overrides: dict[date, list[tuple[int, int]]]
    time_off: list[tuple[datetime, datetime]]
    bookings: list[tuple[str, datetime, datetime, datetime]]  # (id, starts_at, blocked_from, blocked_until)
    google: busy_times.Cached | None = None  # connected Google Calendar and its cached busy times
    ignored_block: tuple[datetime, datetime] | None = None  # blocked range of the booking being moved


def _dt(epoch) -> datetime:
    return datetime.fromtimestamp(float(epoch), _UTC)


def load_tutor(session: Session, tutor_id: uuid.UUID, w0: datetime, w1: datetime,
               ignore_booking_id: uuid.UUID | None = None) -> TutorFacts | None:
    """Everything about the tutor for the instants [w0, w1) in ONE round trip (overrides
    for the UTC dates around it, which cover every tutor-local date in it)."""
    row = session.execute(_LOAD_SQL, {
        "t": tutor_id, "w0": w0, "w1": w1, "active": list(ACTIVE_STATUSES),
        "d0": (w0 - timedelta(days=2)).date(), "d1": (w1 + timedelta(days=2)).date(),
    }).mappings().first()
    if row is None:
        return None
    cfg = dict(DEFAULTS) if not row["has_schedule"] else {k: row[k] for k in DEFAULTS}
    try:
        zone = ZoneInfo(row["time_zone"])
        name = row["time_zone"]
    except (ZoneInfoNotFoundError, ValueError):
        zone, name = ZoneInfo("UTC"), "UTC"
    rules: dict[int, list[tuple[int, int]]] = {}
    for weekday, start, end in row["rules"] or ():
        rules.setdefault(weekday, []).append((start, end))
    overrides: dict[date, list[tuple[int, int]]] = {}
    for on_date, kind, start, end in row["overrides"] or ():
        lst = overrides.setdefault(date.fromisoformat(on_date), [])
        if kind == "hours":
            lst.append((start, end))
    ignore = str(ignore_booking_id) if ignore_booking_id is not None else None
    ignored = next(((_dt(bf), _dt(bu)) for bid, _, bf, bu in row["bookings"] or () if bid == ignore), None)
    return TutorFacts(
        zone=zone, zone_name=name, listed=row["status"] == "approved" and row["alive"],
        lengths=tuple(row["lesson_lengths"] or ()), buffer_before=cfg["buffer_before_minutes"],
        buffer_after=cfg["buffer_after_minutes"], min_notice=cfg["min_notice_minutes"],
        horizon_days=cfg["horizon_days"], max_per_day=cfg["max_lessons_per_day"], rules=rules, overrides=overrides,
        time_off=[(_dt(a), _dt(b)) for a, b in row["time_off"] or ()],
        bookings=[(bid, _dt(st), _dt(bf), _dt(bu)) for bid, st, bf, bu in row["bookings"] or () if bid != ignore],
        google=busy_times.Cached.from_json(row["google"]), ignored_block=ignored,
    )


def _horizon_end(tutor: TutorFacts, now: datetime) -> datetime:
    """The latest instant a bookable lesson can reach: the end of the local day after the
    last bookable date (a lesson may run past midnight)."""
    last = now.astimezone(tutor.zone).date() + timedelta(days=tutor.horizon_days + 2)
    return datetime(last.year, last.month, last.day, tzinfo=tutor.zone).astimezone(_UTC)


def google_busy(session: Session, tutor: TutorFacts, tutor_id: uuid.UUID, w0: datetime, w1: datetime,
                now: datetime) -> list[tuple[datetime, datetime]]:
    """Busy times from the tutor's Google Calendar overlapping [w0, w1) (cached; never
    raises). A rescheduled booking's own time is not busy for it: its calendar event
    is that booking."""
    if tutor.google is None:
        return []
    spans = busy_times.busy_between(session, tutor_id, w0, w1, now=now, horizon_end=_horizon_end(tutor, now),
                                    cached=tutor.google)
    if tutor.ignored_block is not None and spans:
        a, b = tutor.ignored_block
        hole = [(to_epoch(a), to_epoch(b))]
        spans = [(_dt(x), _dt(y)) for x, y in subtract([(to_epoch(s), to_epoch(e)) for s, e in spans], hole)]
    return [(s, e) for s, e in spans if s < w1 and w0 < e]


def day_counts(tutor: TutorFacts, rows) -> dict[date, int]:
    counts: dict[date, int] = {}
    for r in rows:
        d = r[1].astimezone(tutor.zone).date()
        counts[d] = counts.get(d, 0) + 1
    return counts


def parse_zone(name: str, field_name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInput(field_name, "Choose a valid time zone.") from None


def utc_now(now: datetime | None) -> datetime:
    return (now or datetime.now(_UTC)).astimezone(_UTC)


def require_listed(tutor: TutorFacts | None, length_minutes) -> TutorFacts:
    if tutor is None or not tutor.listed:
        raise SlotUnavailable("tutor_not_listed", "This tutor is not taking bookings right now.")
    if length_minutes not in tutor.lengths:
        offered = ", ".join(str(n) for n in sorted(tutor.lengths)) or "none"
        raise SlotUnavailable("length_not_offered",
                              f"This tutor does not offer {length_minutes}-minute lessons (offered: {offered} minutes).")
    return tutor
