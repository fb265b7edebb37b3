"""Private by design, for every page: a tab's client token used again with another person's
cookie (the first person signed out in another tab and someone else signed in) must not
carry anything the first person loaded. The first delta the new holder receives (the
hydrate) and the replies to the page's own loads hold none of the first person's values.

Each case: person A opens the page and runs its on_load handlers; the values A received
that B, on a fresh tab of the same page, does not receive are A's private values. A's tab is
closed; a socket with A's client token and B's cookie must not see any of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.attack_support import *  # noqa: F401,F403 (fixtures and helpers)
from tests.e2e.attack_support import People, Person, query, reopen_tab
from tests.e2e.payment_flags_support import plant_flag
from tests.support.reflex_ws import Reply
from tutorconnect.state.account import AccountState, CalendarFeedState
from tutorconnect.state.admin import AdminAuditState, AdminUsersState
from tutorconnect.state.admin_jobs import AdminJobsState
from tutorconnect.state.admin_mail import AdminMailState
from tutorconnect.state.admin_payment_flags import AdminPaymentFlagsState
from tutorconnect.state.admin_subjects import AdminSubjectsState
from tutorconnect.state.admin_tutors import AdminTutorReviewState, AdminTutorsState
from tutorconnect.state.availability_editor import AvailabilityEditorState
from tutorconnect.state.base import SessionState
from tutorconnect.state.booking_picker import BookingPickerState
from tutorconnect.state.bookings_list import StudentBookingsState, TutorScheduleState
from tutorconnect.state.checkout import CheckoutState
from tutorconnect.state.dashboard import DashboardState
from tutorconnect.state.discovery import DiscoveryState
from tutorconnect.state.earnings import EarningsState
from tutorconnect.state.favorites import FavoritesState
from tutorconnect.state.google_calendar import GoogleCalendarState
from tutorconnect.state.home import HomeState
from tutorconnect.state.notification_settings import NotificationSettingsState
from tutorconnect.state.notifications import BellState, NotificationsState
from tutorconnect.state.onboarding import OnboardingState
from tutorconnect.state.receipts import ReceiptsState
from tutorconnect.state.tutor_page import TutorPageState
from tutorconnect.state.tutor_reviews import TutorReviewsState

pytestmark = pytest.mark.e2e

# Every page runs these first (components/layout.py `page`).
SHELL_LOADS = (SessionState.load_session, BellState.refresh)


@dataclass(frozen=True)
class Case:
    path: Callable[[Any, People], str] | str
    owner: str  # the People attribute of the first holder of the tab
    next: str  # ...and of the second
    loads: tuple[Any, ...]

    def url(self, db, people: People) -> str:
        return self.path if isinstance(self.path, str) else self.path(db, people)


def _pay_page(db, people: People) -> str:
    [(reference,)] = query(db, "select reference from bookings where student_id = :u order by created_at desc limit 1",
                           u=people.student.id)
    return f"/pay/{reference}"


def _tutor_slug(db, people: People) -> str:
    [(slug,)] = query(db, "select slug from tutor_profiles where user_id = :u", u=people.tutor.id)
    return slug


def _flags_page(db, people: People) -> str:
    plant_flag(db, amount=31337_00)  # something for the admin to have loaded
    return "/admin/payments/flags"


def _review_page(db, people: People) -> str:
    return f"/admin/tutors/{people.tutor.id}"  # tutor_profiles are keyed by their user


CASES = {
    "account": Case("/account", "student", "other_student",
                    (AccountState.load, CalendarFeedState.load, GoogleCalendarState.load)),
    "dashboard": Case("/dashboard", "student", "other_student", (DashboardState.load,)),
    "bookings": Case("/bookings", "student", "other_student", (StudentBookingsState.load,)),
    "receipts": Case("/receipts", "student", "other_student", (ReceiptsState.load,)),
    "favorites": Case("/favorites", "student", "other_student", (FavoritesState.load,)),
    "notifications": Case("/notifications", "student", "other_student", (NotificationsState.load,)),
    "notification settings": Case("/notifications/settings", "student", "other_student",
                                  (NotificationSettingsState.load,)),
    "checkout": Case(_pay_page, "student", "other_student", (CheckoutState.load,)),
    "booking picker": Case(lambda db, p: f"/book/{_tutor_slug(db, p)}", "student", "other_student",
                           (BookingPickerState.load,)),
    "tutor page": Case(lambda db, p: f"/tutors/{_tutor_slug(db, p)}", "student", "other_student",
                       (TutorPageState.load,)),
    "find tutors": Case("/tutors", "student", "other_student", (DiscoveryState.load,)),
    "home": Case("/", "student", "other_student", (HomeState.load,)),
    "tutor availability": Case("/tutor/availability", "tutor", "student", (AvailabilityEditorState.load,)),
    "tutor schedule": Case("/tutor/schedule", "tutor", "student", (TutorScheduleState.load,)),
    "tutor earnings": Case("/tutor/earnings", "tutor", "student", (EarningsState.load,)),
    "tutor reviews": Case("/tutor/reviews", "tutor", "student", (TutorReviewsState.load,)),
    "tutor profile": Case("/tutor/profile", "tutor", "student", (OnboardingState.load,)),
    "admin users": Case("/admin/users", "admin", "student", (AdminUsersState.load,)),
    "admin audit": Case("/admin/audit", "admin", "student", (AdminAuditState.load,)),
    "admin jobs": Case("/admin/jobs", "admin", "student", (AdminJobsState.load,)),
    "admin mail": Case("/admin/mail", "admin", "student", (AdminMailState.load,)),
    "admin payment flags": Case(_flags_page, "admin", "student", (AdminPaymentFlagsState.load,)),
    "admin subjects": Case("/admin/subjects", "admin", "student", (AdminSubjectsState.load,)),
    "admin tutors": Case("/admin/tutors", "admin", "student", (AdminTutorsState.load,)),
    "admin tutor review": Case(_review_page, "admin", "student", (AdminTutorReviewState.load,)),
}


def _leaves(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, str) and len(value) >= 4:
        yield value


def _values(replies: Iterable[Reply]) -> set[str]:
    """Every string value (4+ characters) the replies' deltas carried."""
    found: set[str] = set()
    for reply in replies:
        for update in reply.updates:
            found.update(_leaves(update.get("delta") or {}))
    return found


def _leaked(private: set[str], replies: Iterable[Reply]) -> list[str]:
    """The private values found in the replies: as a whole value, or (when long enough to
    mean something on its own, like an email or a booking reference) inside one."""
    seen = _values(replies)
    return sorted(v for v in private if v in seen or (len(v) >= 9 and any(v in s for s in seen)))


def _run_loads(tab, case: Case) -> list[Reply]:
    return [tab.call(handler) for handler in (*SHELL_LOADS, *case.loads)]


def _text(replies: Iterable[Reply]) -> str:
    return json.dumps([r.updates for r in replies], default=str)


@pytest.mark.parametrize("name", list(CASES))
def test_a_tab_used_again_with_another_cookie_carries_none_of_the_previous_holders_values(
        open_tab, db, people, name):
    case = CASES[name]
    owner: Person = getattr(people, case.owner)
    successor: Person = getattr(people, case.next)
    url = case.url(db, people)

    # What the second person sees on a fresh tab of this page: not secret from them.
    fresh = open_tab(successor, url)
    theirs = _values([fresh.snapshot, *_run_loads(fresh, case)])
    fresh.close()

    first = open_tab(owner, url)
    loaded = _run_loads(first, case)
    assert not any(r.crashed for r in loaded), _text(loaded)
    # (A value inside one the second person sees anyway, such as an id in the page's URL,
    # is theirs too.)
    private = {v for v in _values(loaded) - theirs if not any(v in t for t in theirs)}
    private.add(owner.email)
    token = first.token
    first.close()

    second = reopen_tab(open_tab, successor, url, token)
    leaked = _leaked(private, [second.snapshot])
    assert not leaked, f"the hydrate of a reused tab carried the previous holder's values: {leaked}"
    replies = _run_loads(second, case)
    assert not any(r.crashed for r in replies), _text(replies)
    leaked = _leaked(private, replies)
    assert not leaked, f"the new holder's loads carried the previous holder's values: {leaked}"
