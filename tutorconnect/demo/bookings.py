"""Demo bookings: past, upcoming, cancelled and completed lessons, made by the real engine.

`load_demo_bookings(session, now)` is called by demo.load.load_demo_data after the tutors'
availability and the demo reviews exist. Every booking goes through services.bookings
(create_booking with a fixed `now` and a deterministic id, then mark_paid, accept,
complete, mark_no_show or cancel, each with its own `now`), so prices, the fee split, the
cancellation-policy snapshot, refunds, deadlines and the booking_events history are
exactly what the app would have produced, and every CHECK and exclusion constraint holds.

Times are relative to the load (the launcher loads the demo on each run): a lesson is put
on the first day, counting from `now + days` (backwards for past lessons), on which the
tutor's weekly availability has a window, at a quarter hour inside it, so upcoming lessons
are bookable slots. Ids are uuid5 of (student, tutor, k) (or of the review a completed
lesson belongs to), so a second run inserts nothing; a row that cannot be made any more
(its time now collides, the tutor's settings changed) is skipped inside a savepoint.
Refunds of these lessons count as already paid out (their outbox rows are completed), and
their emails, texts and in-app notices are not sent (history, not news); the review nudge of a completed lesson is dated when it ended, and read if it was reviewed.

What it makes (times in the tutor's zone):
- demo student (student@tutorconnect.test): completed lessons with Priya Sharma and Rohan
  Gupta (not reviewed yet), a partly refunded cancellation, a tutor no-show, a lesson the
  tutor cancelled, upcoming confirmed lessons with Priya Sharma and Rohan Gupta (confirmed
  by hand) and a trial with Arjun Mehta waiting for payment; all upcoming ones at least
  five days ahead (the browser tests book Priya's first free time for this student);
- demo tutor (Priya Sharma): completed lessons (those of her demo reviews, linked to
  them), a student no-show, cancellations by a student (full refund) and by herself, two
  upcoming confirmed lessons and one request awaiting her answer (made while her profile
  asked for confirmation, then switched back), all at least five days ahead;
- other demo students with other tutors: each status at least once, and the completed
  lessons behind Arjun Mehta's demo reviews.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from tutorconnect.demo.identity import (
    DEMO_NAMESPACE, STUDENT_EMAIL, TUTOR_EMAIL, demo_email, demo_review_id, demo_user_id, slugify,
)
from tutorconnect.services import bookings, notifications, outbox
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import DomainError

log = logging.getLogger(__name__)
_UTC = timezone.utc
UPCOMING_MIN_DAYS = 5  # keeps clear of the first free times the browser tests book


@dataclass(frozen=True)
class Planned:
    student: str  # email
    tutor: str  # email
    outcome: str  # completed | no_show_student | no_show_tutor | cancelled_student | cancelled_student_late
    #               | cancelled_tutor | confirmed | awaiting_tutor | pending_payment
    days: int  # day offset from the load (negative: past)
    window: int = 0  # which availability window of that day
    offset: int = 0  # minutes into the window
    length: int = 60
    trial: bool = False


def _e(name: str) -> str:
    return demo_email(name)


def _plan() -> list[Planned]:
    me, priya = STUDENT_EMAIL, TUTOR_EMAIL
    arjun, ananya, rohan, kavya = _e("Arjun Mehta"), _e("Ananya Iyer"), _e("Rohan Gupta"), _e("Kavya Nair")
    return [
        # The demo student.
        Planned(me, priya, "completed", -12, 0, 60),
        Planned(me, priya, "completed", -26, 1, 120),
        Planned(me, rohan, "completed", -19, 1, 0, 90),
        Planned(me, arjun, "cancelled_student_late", -9, 0, 60),
        Planned(me, ananya, "no_show_tutor", -5, 1, 30),
        Planned(me, kavya, "cancelled_tutor", 8, 0, 60),
        Planned(me, priya, "confirmed", 6, 0, 60),
        Planned(me, rohan, "confirmed", 9, 2, 0),
        Planned(me, arjun, "pending_payment", 7, 0, 30, 30, trial=True),
        # The demo tutor with other students.
        Planned(_e("Diya Kapoor"), priya, "completed", -3, 1, 0),
        Planned(_e("Ishaan Reddy"), priya, "no_show_student", -7, 0, 0),
        Planned(_e("Saanvi Nair"), priya, "cancelled_student", -15, 1, 60),
        Planned(_e("Nora Schmidt"), priya, "cancelled_tutor", -20, 0, 120),
        Planned(_e("Zoe Williams"), priya, "confirmed", 5, 1, 120),
        Planned(_e("Kiran Das"), priya, "confirmed", 9, 1, 0),
        Planned(_e("Vihaan Joshi"), priya, "awaiting_tutor", 7, 1, 60),
        # Other students and tutors.
        Planned(_e("Liam O'Connor"), _e("Oliver Bennett"), "completed", -4, 0, 0),
        Planned(_e("Ava Chen"), _e("Emily Carter"), "confirmed", 10, 0, 0),
        Planned(_e("Mateo Silva"), _e("Lucas Martins"), "no_show_student", -6, 0, 60),
        Planned(_e("Ruby Mitchell"), _e("Chloe Nguyen"), "completed", -8, 0, 0),
        Planned(_e("Ishaan Reddy"), rohan, "awaiting_tutor", 6, 0, 0),
        Planned(_e("Saanvi Nair"), _e("Meera Pillai"), "cancelled_student", 11, 0, 30),
        Planned(_e("Diya Kapoor"), ananya, "pending_payment", 12, 1, 0),
    ]


# Reviews whose lessons are made (and linked): these tutors' demo reviews.
REVIEWED_TUTORS = ("Priya Sharma", "Arjun Mehta")


def demo_booking_id(student_email: str, tutor_email: str, k: int) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"booking:{student_email}:{tutor_email}:{k}")


def review_booking_id(review_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"booking:review:{review_id}")


def _ctx(user_id: uuid.UUID) -> RequestContext:
    return RequestContext(ip="system", user_agent="tutorconnect-demo", request_id="demo", actor_user_id=user_id)


@dataclass
class _TutorFacts:
    zone: ZoneInfo
    windows: dict[int, list[tuple[int, int]]]  # weekday -> [(start minute, end minute)]
    notice: timedelta


def _tutor_facts(session: Session, tutor_id: uuid.UUID) -> _TutorFacts | None:
    row = session.execute(text(
        "SELECT u.time_zone, coalesce(s.min_notice_minutes, 0) FROM users u "
        "LEFT JOIN tutor_schedules s ON s.tutor_id = u.id WHERE u.id = :t"), {"t": tutor_id}).first()
    if row is None:
        return None
    windows: dict[int, list[tuple[int, int]]] = {}
    for weekday, start, end in session.execute(text(
            "SELECT weekday, start_minute, end_minute FROM availability_rules WHERE tutor_id = :t "
            "ORDER BY weekday, start_minute"), {"t": tutor_id}):
        windows.setdefault(weekday, []).append((start, end))
    return _TutorFacts(ZoneInfo(row[0]), windows, timedelta(minutes=int(row[1])))


def _place(facts: _TutorFacts, day: date, step: int, window: int, offset: int, length: int,
           taken) -> datetime | None:
    """The first start from `day` (moving by `step` days) in a window of the tutor's week,
    on a quarter hour, for which `taken(start, end)` is false."""
    for _ in range(28):
        spans = facts.windows.get(day.weekday(), [])
        if spans:
            a, b = spans[window % len(spans)]
            minute = a + (offset // 15) * 15
            if minute + length > b:
                minute = max(a, (b - length) // 15 * 15)
            if minute + length <= b:
                local = datetime.combine(day, time(minute // 60, minute % 60), facts.zone)
                start = local.astimezone(_UTC)
                # a wall time that does not exist (DST gap) does not round-trip
                if start.astimezone(facts.zone).replace(tzinfo=None) == local.replace(tzinfo=None) \
                        and not taken(start, start + timedelta(minutes=length)):
                    return start
        day += timedelta(days=step)
    return None


class _Occupancy:
    """Lessons already there (any status) for the people involved, so demo lessons never
    overlap each other, not even finished ones (which no constraint covers)."""

    def __init__(self, session: Session, people: list[uuid.UUID]) -> None:
        self.rows = [tuple(r) for r in session.execute(text(
            "SELECT tutor_id, student_id, blocked_from, blocked_until, starts_at, ends_at FROM bookings "
            "WHERE tutor_id = ANY(:p) OR student_id = ANY(:p)"), {"p": people})]

    def clash(self, tutor: uuid.UUID, student: uuid.UUID, start: datetime, end: datetime) -> bool:
        pad = timedelta(hours=2)  # generous: covers any demo tutor's buffers
        return any((t == tutor and bf < end + pad and start - pad < bu) or (s == student and st < end and start < en)
                   for t, s, bf, bu, st, en in self.rows)

    def add(self, view: bookings.BookingView, blocked: tuple[datetime, datetime]) -> None:
        self.rows.append((view.tutor_id, view.student_id, *blocked, view.starts_at, view.ends_at))


def _settle_refund(session: Session, booking_id: uuid.UUID) -> None:
    row = session.execute(text("SELECT id FROM outbox WHERE dedupe_key = :k AND completed_at IS NULL"),
                          {"k": f"booking.refund_requested:{booking_id}"}).first()
    if row is not None:
        outbox.complete(session, row[0])


def _make(session: Session, booking_id: uuid.UUID, p: Planned, student: uuid.UUID, tutor: uuid.UUID,
          start: datetime, now: datetime) -> bookings.BookingView:
    """Drive one booking through the engine to `p.outcome`, with plausible times."""
    end = start + timedelta(minutes=p.length)
    upcoming = start > now
    if p.outcome in ("pending_payment",):
        created = now - timedelta(minutes=2)
    elif upcoming:
        created = now - timedelta(days=2, hours=3)
    else:
        created = start - timedelta(days=4, hours=5)
    confirm_by_hand = p.outcome == "awaiting_tutor"
    profile_flag = None
    if confirm_by_hand:
        profile_flag = session.execute(text("SELECT requires_confirmation FROM tutor_profiles WHERE user_id = :t"),
                                       {"t": tutor}).scalar_one()
        session.execute(text("UPDATE tutor_profiles SET requires_confirmation = true WHERE user_id = :t"),
                        {"t": tutor})
        created = now - timedelta(hours=3)
    view = bookings.create_booking(session, _ctx(student), student, tutor, start, p.length, trial=p.trial,
                                   now=created, booking_id=booking_id)
    if profile_flag is False:
        session.execute(text("UPDATE tutor_profiles SET requires_confirmation = false WHERE user_id = :t"),
                        {"t": tutor})
    if p.outcome == "pending_payment":
        return view
    paid_at = created + timedelta(minutes=4)
    view = bookings.mark_paid(session, view.id, now=paid_at)
    if p.outcome == "awaiting_tutor":
        return view
    if view.status == "awaiting_tutor":
        view = bookings.accept(session, _ctx(tutor), view.id, now=paid_at + timedelta(hours=5))
    if p.outcome == "confirmed":
        return view
    if p.outcome == "completed":
        return bookings.complete(session, view.id, now=end + timedelta(minutes=20))
    if p.outcome == "no_show_student":
        return bookings.mark_no_show(session, _ctx(tutor), view.id, "student", now=start + timedelta(minutes=20))
    if p.outcome == "no_show_tutor":
        view = bookings.mark_no_show(session, _ctx(student), view.id, "tutor", now=start + timedelta(minutes=25))
    elif p.outcome in ("cancelled_student", "cancelled_student_late"):
        # 3 days ahead: full refund; 5 hours ahead: the partial tier (50% by default)
        ahead = timedelta(hours=5) if p.outcome == "cancelled_student_late" else timedelta(days=3)
        when = max(start - ahead, paid_at + timedelta(minutes=30))
        if upcoming:
            when = min(when, now - timedelta(hours=20))
        reason = "Exams moved, so I need a different week." if ahead.days else "Something came up today, sorry."
        view = bookings.cancel(session, _ctx(student), view.id, reason, now=when)
    elif p.outcome == "cancelled_tutor":
        when = min(start - timedelta(days=1), now - timedelta(hours=6)) if upcoming else start - timedelta(days=1)
        view = bookings.cancel(session, _ctx(tutor), view.id, "I am travelling that day, please pick another time.",
                               now=max(when, paid_at + timedelta(minutes=30)))
    else:
        raise ValueError(p.outcome)
    _settle_refund(session, view.id)
    return view


def load_demo_bookings(session: Session, now: datetime) -> dict[str, int]:
    """Add the demo bookings that are missing; returns {"bookings": n, "reviews_linked": m}."""
    plan = _plan()
    first_outbox = session.execute(text("SELECT coalesce(max(id), 0) FROM outbox")).scalar_one()
    load_started = session.execute(text("SELECT clock_timestamp()")).scalar_one()
    emails = {x for p in plan for x in (p.student, p.tutor)} | {STUDENT_EMAIL, TUTOR_EMAIL}
    ids = {e: demo_user_id(e) for e in emails}
    # Lessons behind the demo reviews of REVIEWED_TUTORS (still unlinked).
    review_ids = [demo_review_id(slugify(name), k) for name in REVIEWED_TUTORS for k in range(13)]
    reviews = session.execute(text(
        "SELECT id, tutor_id, student_id, created_at FROM reviews WHERE id = ANY(:ids) AND booking_id IS NULL "
        "ORDER BY created_at DESC"), {"ids": review_ids}).all()
    people = sorted(set(ids.values()) | {r.tutor_id for r in reviews} | {r.student_id for r in reviews})
    known = {r[0]: r[1] for r in session.execute(text("SELECT id, role FROM users WHERE id = ANY(:p) AND deleted_at IS NULL"),
                                                 {"p": people})}

    # (id, plan entry, student, tutor, day offset, review id); only live demo accounts take part
    work: list[tuple[uuid.UUID, Planned, uuid.UUID, uuid.UUID, int, uuid.UUID | None]] = []
    seen: dict[tuple[str, str], int] = {}
    for p in plan:
        k = seen[(p.student, p.tutor)] = seen.get((p.student, p.tutor), -1) + 1
        work.append((demo_booking_id(p.student, p.tutor, k), p, ids[p.student], ids[p.tutor], p.days, None))
    for r in reviews:
        days = (r.created_at - now).days - 2
        p = Planned("", "", "completed", days, abs(days) % 2, (abs(days) * 45) % 180)
        work.append((review_booking_id(r.id), p, r.student_id, r.tutor_id, days, r.id))

    existing = set(session.execute(text("SELECT id FROM bookings WHERE id = ANY(:ids)"),
                                   {"ids": [w[0] for w in work]}).scalars())
    occupancy = _Occupancy(session, people)
    facts_cache: dict[uuid.UUID, _TutorFacts | None] = {}
    made = linked = 0
    for booking_id, p, student, tutor, days, review_id in work:
        if booking_id in existing or known.get(student) != "student" or known.get(tutor) != "tutor":
            continue
        if tutor not in facts_cache:
            facts_cache[tutor] = _tutor_facts(session, tutor)
        facts = facts_cache[tutor]
        if facts is None or not facts.windows:
            continue
        past = days < 0
        if not past:
            days = max(days, UPCOMING_MIN_DAYS)
        day = (now + timedelta(days=days)).astimezone(facts.zone).date()
        start = _place(facts, day, -1 if past else 1, p.window, p.offset, p.length,
                       lambda s, e: occupancy.clash(tutor, student, s, e)
                       or (past and e > now - timedelta(hours=2)) or (not past and s < now + facts.notice))
        if start is None:
            log.info("demo booking %s skipped: no free time near day %+d", booking_id, days)
            continue
        try:
            with session.begin_nested():
                view = _make(session, booking_id, p, student, tutor, start, now)
                if review_id is not None:
                    linked += session.execute(text(
                        "UPDATE reviews SET booking_id = :b WHERE id = :r AND booking_id IS NULL"),
                        {"b": booking_id, "r": review_id}).rowcount
        except (DomainError, IntegrityError) as err:  # this time or situation no longer allows it
            log.info("demo booking %s skipped: %s", booking_id, str(err).splitlines()[0][:200])
            continue
        if view.status == "completed":
            # The review nudge complete() sends is dated when the lesson ended (and read if
            # the student has reviewed it), not at load time.
            at = view.ends_at + timedelta(minutes=20)
            session.execute(text(
                "UPDATE notifications SET created_at = :at, read_at = CASE WHEN :reviewed THEN :at END "
                "WHERE user_id = :s AND kind = 'booking.review_requested' AND body LIKE :ref"),
                {"at": at, "reviewed": review_id is not None, "s": student, "ref": f"%{view.reference}%"})
        blocked = session.execute(text("SELECT blocked_from, blocked_until FROM bookings WHERE id = :b"),
                                  {"b": view.id}).one()
        occupancy.add(view, (blocked[0], blocked[1]))
        made += 1
    # These lessons are history made up at load time: nobody is mailed, texted or notified
    # about it as if it were news (only the dated review nudges above stay). Upcoming
    # confirmed lessons still get their confirmation with the join link, sent by their
    # meeting job after the load.
    session.execute(text("UPDATE outbox SET completed_at = now() WHERE id > :first AND completed_at IS NULL "
                         "AND job = ANY(:jobs)"), {"first": first_outbox, "jobs": [notifications.SEND_JOB, notifications.SMS_JOB]})
    session.execute(text("DELETE FROM notifications WHERE created_at >= :t AND user_id = ANY(:p) "
                         "AND kind LIKE 'booking.%' AND kind <> 'booking.review_requested'"),
                    {"t": load_started, "p": people})
    return {"bookings": made, "reviews_linked": linked}
