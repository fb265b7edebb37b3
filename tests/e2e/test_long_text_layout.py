"""#14 item 19: long unbroken words in what people type (a 120-character name, a long
cancel reason) must wrap or be cut, never widen the page. Each page is checked for
horizontal overflow at a desktop and a phone width."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import TIMEOUT, goto, query, sign_in
from tests.e2e.test_bookings_pages import PASSWORD, accept, future, make_booking, make_person

pytestmark = pytest.mark.e2e

LONG_NAME = "Wolfeschlegelsteinhausenbergerdorff" * 3 + "Xavierxxxxxxxxxxxxxx"  # 125 > 120: cut to 120
LONG_REASON = "Unfortunately" + "a" * 480


@pytest.fixture(scope="module")
def long_people(db):
    tutor, tutor_email = make_person(db, "tutor", LONG_NAME[:120])
    student, email = make_person(db, "student", LONG_NAME[:120])
    booking = make_booking(db, student, tutor, future(5))
    accept(db, tutor, booking.id)
    cancelled = make_booking(db, student, tutor, future(6))
    query(db, "update bookings set status = 'cancelled', cancel_reason = :r where id = :id", r=LONG_REASON,
          id=cancelled.id)
    return {"student": email, "tutor": tutor_email}


def _overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_long_names_and_reasons_never_widen_the_page(new_context, long_people, viewport, artifacts):
    page = new_context(viewport=viewport).new_page()
    sign_in(page, long_people["student"], PASSWORD, next_path="/dashboard")
    _check(page, viewport, ("/dashboard", "/bookings", "/bookings?tab=past", "/account"))
    page.screenshot(path=artifacts / f"long-text-{viewport['width']}.png", full_page=False)
    tutor = new_context(viewport=viewport).new_page()
    sign_in(tutor, long_people["tutor"], PASSWORD, next_path="/dashboard")
    _check(tutor, viewport, ("/tutor/schedule", "/tutor/schedule?tab=past"))
    # The brand and the user menu stay on one line in the tutor's fuller navigation bar.
    assert tutor.locator("a[aria-label='TutorConnect home']").bounding_box()["height"] < 40
    if viewport["width"] > 720:  # the name is shown beside the avatar on wide screens only
        assert tutor.locator("#user-menu").bounding_box()["height"] < 40
    tutor.screenshot(path=artifacts / f"long-text-tutor-{viewport['width']}.png", full_page=False)


def _check(page, viewport, paths) -> None:
    for path in paths:
        goto(page, path)
        page.wait_for_timeout(300)  # let the loaded list render
        page.locator("main, body").first.wait_for(timeout=TIMEOUT)
        assert _overflow(page) <= 0, f"{path} at {viewport['width']} px is {_overflow(page)} px too wide"
