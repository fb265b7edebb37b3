"""What a person may do next with a booking, for the pages: each flag is computed from the
same predicates the commands check (`machine.allows` for the state machine,
`policy.has_started` for the start time, `policy.no_show_open` for the no-show grace,
`policy.reschedules_remaining` for the limit, `policy.payment_open` for paying), so a
button and the command behind it cannot disagree. `calendar` ("Add to calendar") is
offered for active lessons only (awaiting payment, awaiting the tutor, confirmed): a
cancelled, declined, expired or finished lesson is not something to put in a calendar.
A page shows or hides its buttons from these flags and never derives them itself; the
command still re-checks everything when it runs (the flags are only as fresh as the page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tutorconnect.models.scheduling import ACTIVE_STATUSES
from tutorconnect.services.bookings import policy
from tutorconnect.services.bookings.machine import allows
from tutorconnect.services.bookings.records import S

ROLES = ("student", "tutor", "admin")


@dataclass(frozen=True)
class Actions:
    cancel: bool = False  # commands.cancel (a refund preview comes from refund_preview)
    reschedule: bool = False  # moves.reschedule
    reschedules_left: int = 0
    respond: bool = False  # commands.accept / decline (the tutor answers a request)
    no_show: bool = False  # commands.mark_no_show, reporting the other person (after the grace period)
    review: bool = False  # tutors.publish_review (the student, once, after the lesson)
    pay: bool = False  # the checkout page (/pay/<reference>) while the payment window is open
    calendar: bool = False  # "Add to calendar" (/api/bookings/<id>.ics): active lessons only


def actions_for(*, role: str, status: str, starts_at: datetime, now: datetime, reschedule_count: int,
                reschedule_limit: int, expires_at: datetime | None = None, reviewed: bool = False,
                no_show_grace: timedelta = policy.NO_SHOW_GRACE) -> Actions:
    """The actions open to `role` ('student', 'tutor' or 'admin') on a booking at `now`
    (`no_show_grace`: NO_SHOW_GRACE_MINUTES, which the lists pass from the settings)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    started = policy.has_started(starts_at, now)
    left = policy.reschedules_remaining(reschedule_count, reschedule_limit)
    party = role in ("student", "tutor")
    other = "tutor" if role == "student" else "student"
    return Actions(
        # Admins may cancel after the start too (commands._check_not_started). A tutor
        # answers a request with decline (not counted against them), never with cancel.
        cancel=allows(status, "cancel") and (role == "admin" or not started)
        and not (role == "tutor" and status == S.AWAITING_TUTOR),
        reschedule=party and allows(status, "reschedule") and not started and left > 0,
        reschedules_left=left if party else 0,
        respond=role == "tutor" and allows(status, "accept"),
        no_show=party and allows(status, f"no_show_{other}") and policy.no_show_open(starts_at, now, no_show_grace),
        review=role == "student" and status == S.COMPLETED and not reviewed,
        pay=role == "student" and policy.payment_open(status, expires_at, now),
        calendar=status in ACTIVE_STATUSES,
    )
