"""The admin's tutor page shows how many recent bookings the tutor cancelled (the same
figure as bookings.tutor_cancellations, from the demo data's tutor cancellations)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import ADMIN_EMAIL, TIMEOUT, TUTOR_EMAIL, goto, query, settled

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_the_admin_sees_the_tutors_cancellations(browser, live_app, demo_login, db, artifacts, mode):
    tutor_id = query(db, "select id from users where email = :e", e=TUTOR_EMAIL)[0][0]
    cancelled, total = query(db, """
        select count(*) filter (where status = 'cancelled' and cancelled_by = 'tutor'), count(*) from bookings
        where tutor_id = :t and created_at > now() - interval '90 days'
          and status not in ('expired', 'pending_payment')""", t=tutor_id)[0]
    context = browser.new_context(base_url=live_app.base_url, storage_state=demo_login(ADMIN_EMAIL),
                                  color_scheme=mode, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        goto(page, f"/admin/tutors/{tutor_id}")
        figure = page.locator("#tutor-cancellations")
        expect(figure).to_have_text(
            f"Cancelled by the tutor in the last 90 days: {cancelled} of {total} booking{'' if total == 1 else 's'}",
            timeout=TIMEOUT)
        settled(page)
        page.screenshot(path=str(artifacts / f"admin-tutor-reliability-{mode}.png"), full_page=True)
    finally:
        context.close()
