"""The demo data set: idempotent, realistic enough, and its documented logins work."""

from __future__ import annotations

import pytest
from sqlalchemy import func, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from tutorconnect import demo
from tutorconnect.db import session_scope
from tutorconnect.models import Role, Subject, TutorProfile, TutorSubject, User
from tutorconnect.services import accounts, bookings, tutors
from tutorconnect.services.passwords import check_policy

TABLES = ("users", "subjects", "tutor_profiles", "tutor_subjects", "audit_log")


def _counts() -> dict[str, int]:
    with session_scope() as s:
        return {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def _snapshot() -> list[tuple]:
    with session_scope() as s:
        return [
            tuple(r)
            for r in s.execute(
                text(
                    "SELECT u.id, u.email, u.password_hash, p.slug, p.status, p.hourly_rate_minor, p.bio "
                    "FROM users u LEFT JOIN tutor_profiles p ON p.user_id = u.id ORDER BY u.email"
                )
            ).all()
        ]


def _load(tmp_path) -> demo.DemoSummary:
    with session_scope() as s:
        return demo.load_demo_data(s, avatar_dir=tmp_path, document_dir=tmp_path / "documents")


@pytest.fixture
def loaded(db, tmp_path):
    return _load(tmp_path)


def test_loading_twice_changes_nothing(db, tmp_path):
    first = _load(tmp_path)
    counts, rows = _counts(), _snapshot()
    second = _load(tmp_path)
    assert _counts() == counts
    assert _snapshot() == rows
    assert first.inserted_total > 0 and second.inserted_total == 0
    assert first.avatars_written == counts["tutor_profiles"] and second.avatars_written == 0
    assert (first.approved_tutors, first.subjects, first.students) == (
        second.approved_tutors, second.subjects, second.students
    )
    assert len(list(tmp_path.glob("*.svg"))) == counts["tutor_profiles"]


def test_demo_ids_are_deterministic(loaded):
    with session_scope() as s:
        admin = s.exec(select(User).where(User.email == demo.ADMIN_EMAIL)).one()
        maths = s.exec(select(Subject).where(Subject.slug == "mathematics")).one()
    assert admin.id == demo.demo_user_id(demo.ADMIN_EMAIL)
    assert maths.id == demo.demo_subject_id("mathematics")


def test_a_realistic_marketplace(loaded):
    with session_scope() as s:
        approved = select(TutorProfile.user_id).where(TutorProfile.status == "approved")
        n_approved = s.exec(select(func.count()).select_from(approved.subquery())).one()
        subjects_used = s.exec(
            select(func.count(func.distinct(TutorSubject.subject_id))).where(
                col(TutorSubject.tutor_id).in_(approved)
            )
        ).one()
        zones = s.exec(select(func.count(func.distinct(User.time_zone))).where(col(User.id).in_(approved))).one()
        admins = s.exec(select(func.count()).select_from(User).where(User.role == Role.ADMIN.value)).one()
        students = s.exec(select(func.count()).select_from(User).where(User.role == Role.STUDENT.value)).one()
        statuses = set(s.exec(select(TutorProfile.status).distinct()).all())
        rates = s.exec(select(TutorProfile.hourly_rate_minor, TutorProfile.currency).where(
            TutorProfile.status == "approved")).all()
        unverified = s.exec(select(func.count()).select_from(User).where(col(User.email_verified_at).is_(None))).one()
        per_tutor = s.exec(
            select(func.count()).select_from(TutorSubject).where(col(TutorSubject.tutor_id).in_(approved))
            .group_by(col(TutorSubject.tutor_id))
        ).all()
        bios = s.exec(select(TutorProfile.bio).where(TutorProfile.status == "approved")).all()
    assert n_approved >= 40
    assert subjects_used >= 12
    assert zones >= 5
    assert admins == 1
    assert students >= 12
    assert {"submitted", "draft"} <= statuses
    assert all(cur == "INR" and 40_000 <= r <= 300_000 and r % 5_000 == 0 for r, cur in rates)
    assert unverified == 0
    assert all(1 <= n <= 4 for n in per_tutor) and len(per_tutor) == n_approved
    assert all(2 <= len(b.split("\n\n")) <= 4 and len(b) <= 4000 for b in bios)
    assert loaded.approved_tutors == n_approved and loaded.subjects_taught == subjects_used
    assert loaded.time_zones == zones and loaded.admins == 1


def test_demo_password_meets_the_policy():
    for login in demo.DEMO_LOGINS:
        assert check_policy(login.password, email=login.email, name=login.name) == login.password


def test_documented_logins_authenticate(loaded, ctx):
    assert {login.role for login in loaded.logins} == {"admin", "student", "tutor"}
    for login in demo.DEMO_LOGINS:
        with session_scope() as s:
            user_id = accounts.authenticate(s, ctx, email=login.email, password=login.password)
        with session_scope() as s:
            user = s.get(User, user_id)
            assert user.role == login.role and user.email_verified_at is not None
            if login.role == "tutor":
                assert s.get(TutorProfile, user_id).status == "approved"


def test_featured_tutors_are_approved_only(loaded):
    with session_scope() as s:
        approved = set(s.exec(select(TutorProfile.slug).where(TutorProfile.status == "approved")).all())
        hidden = s.exec(select(TutorProfile.slug).where(TutorProfile.status != "approved")).all()
        cards = tutors.featured_tutors(s, limit=100)
        six = tutors.featured_tutors(s)
    assert hidden and len(six) == 6
    assert {c.slug for c in cards} == approved
    for card in cards:
        assert card.subjects and card.hourly_rate_minor and card.currency == "INR"
        assert card.photo_path == f"/avatars/{card.slug}.svg" and card.time_zone and card.name

    # A suspended tutor or a deleted account drops out of every listing.
    gone = cards[0].slug
    with session_scope() as s:
        s.execute(update(TutorProfile).where(TutorProfile.slug == gone).values(status="suspended"))
    with session_scope() as s:
        assert gone not in {c.slug for c in tutors.featured_tutors(s, limit=100)}
        assert tutors.count_approved(s) == len(approved) - 1


def test_subject_catalog_counts_approved_tutors_of_active_subjects(loaded):
    with session_scope() as s:
        catalog = {item.slug: item for item in tutors.subject_catalog(s)}
        s.execute(update(Subject).where(Subject.slug == "japanese").values(retired_at=func.now()))
    assert len(catalog) == loaded.subjects >= 18
    assert sum(1 for i in catalog.values() if i.tutor_count > 0) >= 12
    with session_scope() as s:
        expected = s.exec(
            select(func.count()).select_from(TutorSubject)
            .join(TutorProfile, col(TutorProfile.user_id) == col(TutorSubject.tutor_id))
            .join(Subject, col(Subject.id) == col(TutorSubject.subject_id))
            .where(Subject.slug == "mathematics", TutorProfile.status == "approved")
        ).one()
        after = {item.slug for item in tutors.subject_catalog(s)}
    assert catalog["mathematics"].tutor_count == expected > 0
    assert "japanese" not in after and "japanese" in catalog


def test_check_constraint_refuses_a_negative_rate(loaded):
    with pytest.raises(IntegrityError), session_scope() as s:
        s.execute(
            update(TutorProfile)
            .where(TutorProfile.user_id == demo.demo_user_id(demo.TUTOR_EMAIL))
            .values(hourly_rate_minor=-100_00)
        )


# Demo bookings ----------------------------------------------------------------------------
def _booking_facts():
    with session_scope() as s:
        rows = s.execute(text(
            "SELECT b.id, b.status, b.student_id, b.tutor_id, b.starts_at, b.ends_at, b.price_minor, "
            "b.platform_fee_minor, b.tutor_earnings_minor, b.platform_fee_bps, b.refund_minor, b.cancelled_by, "
            "b.cancellation_policy, b.expires_at, b.respond_by, "
            "(SELECT array_agg(e.to_status ORDER BY e.id) FROM booking_events e WHERE e.booking_id = b.id) AS history "
            "FROM bookings b ORDER BY b.id")).all()
        overlaps = bookings.overlapping_active_pairs(s)
    return rows, overlaps


def _moved_ahead(tmp_path, days: int) -> dict[str, int]:
    """Load the demo as if the run happened `days` later."""
    import datetime as dt

    real = dt.datetime

    class Later(real):
        @classmethod
        def now(cls, tz=None):
            return real.now(tz) + dt.timedelta(days=days)

    with pytest.MonkeyPatch.context() as mp:
        # load_demo_data reads the clock in tutorconnect.demo.load
        mp.setattr("tutorconnect.demo.load.datetime", Later)
        return _load(tmp_path).inserted


def test_demo_bookings_cover_every_status_through_the_engine(loaded):
    from collections import Counter
    from datetime import datetime, timedelta, timezone

    rows, overlaps = _booking_facts()
    statuses = Counter(r.status for r in rows)
    assert overlaps == 0
    assert loaded.inserted["bookings"] == len(rows) >= 25
    assert statuses["completed"] >= 8 and statuses["confirmed"] >= 4 and statuses["cancelled"] >= 4
    assert statuses["no_show_student"] >= 2 and statuses["no_show_tutor"] >= 1
    assert statuses["awaiting_tutor"] >= 2 and statuses["pending_payment"] >= 2
    now = datetime.now(timezone.utc)
    me, priya = demo.demo_user_id(demo.STUDENT_EMAIL), demo.demo_user_id(demo.TUTOR_EMAIL)
    mine = [r for r in rows if r.student_id == me]
    hers = [r for r in rows if r.tutor_id == priya]
    assert {"completed", "cancelled", "no_show_tutor", "confirmed", "pending_payment"} <= {r.status for r in mine}
    assert {"completed", "cancelled", "no_show_student", "confirmed", "awaiting_tutor"} <= {r.status for r in hers}
    assert {r.cancelled_by for r in mine + hers if r.status == "cancelled"} == {"student", "tutor"}
    # upcoming ones clear of the first free times the browser tests book
    for r in mine + hers:
        if r.status in ("confirmed", "awaiting_tutor", "pending_payment"):
            assert r.starts_at > now + timedelta(days=4)
        if r.status in ("completed", "no_show_student", "no_show_tutor"):
            assert r.ends_at < now
    policy = bookings.current_policy()
    for r in rows:
        assert (r.platform_fee_minor, r.tutor_earnings_minor) == bookings.split_price(
            r.price_minor, r.platform_fee_bps)
        assert r.cancellation_policy == policy
        assert r.history[0] == "pending_payment" and r.history[-1] == r.status
        if r.status == "pending_payment":
            assert r.expires_at > now - timedelta(minutes=5)
        if r.status == "awaiting_tutor":
            assert r.respond_by > now
    refunds = {r.refund_minor for r in rows if r.status == "cancelled" and r.cancelled_by == "student"}
    assert any(0 < x for x in refunds) and any(
        r.refund_minor == r.price_minor // 2 for r in rows if r.cancelled_by == "student")  # the 50% tier
    assert all(r.refund_minor == r.price_minor for r in rows if r.status == "no_show_tutor" or r.cancelled_by == "tutor")
    with session_scope() as s:
        linked = s.execute(text(
            "SELECT count(*) FROM reviews v JOIN bookings b ON b.id = v.booking_id "
            "WHERE b.status = 'completed' AND b.student_id = v.student_id AND b.tutor_id = v.tutor_id "
            "AND b.ends_at < v.created_at")).scalar_one()
        open_refunds = s.execute(text(
            "SELECT count(*) FROM outbox WHERE job = 'booking.refund_requested' AND completed_at IS NULL")).scalar_one()
    assert linked == loaded.inserted["reviews_linked"] >= 6
    assert open_refunds == 0


def test_demo_bookings_are_idempotent_and_survive_a_later_run(loaded, tmp_path):
    rows, _ = _booking_facts()
    again = _load(tmp_path)
    assert again.inserted["bookings"] == 0 and again.inserted["reviews_linked"] == 0
    assert _booking_facts()[0] == rows
    # Three days later, with the unpaid ones gone (as if cleaned up): only those are made
    # again, at new times, next to the old upcoming lessons; nothing else changes.
    with session_scope() as s:
        gone = s.execute(text("DELETE FROM bookings WHERE status = 'pending_payment' RETURNING id")).scalars().all()
    later = _moved_ahead(tmp_path, 3)
    assert len(gone) >= 2 and later["bookings"] == len(gone)
    after, overlaps = _booking_facts()
    assert overlaps == 0
    assert [r for r in after if r.id not in gone] == [r for r in rows if r.id not in gone]
    assert {r.id for r in after} == {r.id for r in rows}


def test_demo_review_nudges_are_dated_and_read_when_reviewed(loaded):
    with session_scope() as s:
        rows = s.execute(text(
            "SELECT n.read_at IS NOT NULL AS read, v.id IS NOT NULL AS reviewed, n.created_at > b.ends_at AS after "
            "FROM bookings b JOIN notifications n ON n.user_id = b.student_id AND n.body LIKE '%' || b.reference || '%' "
            "LEFT JOIN reviews v ON v.booking_id = b.id WHERE b.status = 'completed'")).all()
    if not rows:
        pytest.skip("complete() sends no review nudge in this version")
    assert all(r.after and r.read == r.reviewed for r in rows)
    assert any(not r.read for r in rows)


def test_demo_history_is_not_mailed_but_upcoming_lessons_get_meetings(loaded):
    """Loading the demo sends no email, text or in-app notice about made-up past events
    (only the dated review nudges); confirmed upcoming lessons get their meeting job (which then sends
    the confirmation with the join link)."""
    with session_scope() as s:
        unsent = s.execute(text("SELECT count(*) FROM outbox WHERE job IN ('email.send', 'sms.send') "
                                "AND completed_at IS NULL")).scalar_one()
        nudges = s.execute(text("SELECT count(*) FROM notifications WHERE kind = 'booking.review_requested'")
                           ).scalar_one()
        news = s.execute(text("SELECT count(*) FROM notifications WHERE kind LIKE 'booking.%' "
                              "AND kind <> 'booking.review_requested'")).scalar_one()
        meetings_queued = s.execute(text(
            "SELECT count(*) FROM outbox o JOIN bookings b ON b.id = (o.payload->>'booking_id')::uuid "
            "WHERE o.job = 'meeting.create' AND b.status = 'confirmed' AND b.starts_at > now()")).scalar_one()
        upcoming = s.execute(text("SELECT count(*) FROM bookings WHERE status = 'confirmed' AND starts_at > now()")
                             ).scalar_one()
    assert unsent == 0
    assert nudges > 0 and news == 0
    assert upcoming >= 4 and meetings_queued == upcoming
