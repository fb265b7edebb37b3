"""/admin/payments/flags in real Chromium: the alert on /admin/jobs leads an admin to the
flagged payment events; a capture at the wrong amount is listed with its booking, what
was captured and what the order asked; resolving it needs a note behind a confirmation and
takes it off the list; pages of twenty; the empty state; a student is refused.
Screenshots: the list (light, dark, phone), the dialog, the empty state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import ADMIN_EMAIL, STUDENT_EMAIL, TIMEOUT, goto, query, settled, toast
from tests.e2e.payment_flags_support import flag, plant_flag, resolve_all
from tests.e2e.test_bookings_pages import future, make_booking, make_person

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def planted(live_app, db):
    tutor, _ = make_person(db, "tutor", "Flag Tutor")
    learner, _ = make_person(db, "student", "Flag Student")
    booking = make_booking(db, learner, tutor, future(9, 9), paid=False)  # ₹1,000 for an hour
    strays = [plant_flag(db, outcome="unknown_order", amount=500_00 + i) for i in range(21)]
    mismatch = plant_flag(db, booking_id=booking.id, amount=18001_00, refund="failed")
    return {"booking": booking, "mismatch": mismatch, "strays": strays}


def test_an_admin_is_alerted_reviews_and_resolves_a_flag(browser, live_app, demo_login, db, planted, artifacts):
    context = browser.new_context(base_url=live_app.base_url, storage_state=demo_login(ADMIN_EMAIL))
    page = context.new_page()
    booking, fid = planted["booking"], planted["mismatch"]
    try:
        goto(page, "/admin/jobs")
        banner = page.locator("#payment-flags-banner")
        expect(banner).to_contain_text("payment events need review", timeout=TIMEOUT)
        page.screenshot(path=str(artifacts / "admin-jobs-flags-banner.png"))
        banner.locator("#payment-flags-link").click()
        expect(page).to_have_url(f"{live_app.base_url}/admin/payments/flags", timeout=TIMEOUT)

        row = page.locator(f"tr[data-flag='{fid}']")
        expect(row).to_be_visible(timeout=TIMEOUT)  # the newest: on the first page
        expect(row).to_contain_text("Wrong amount or currency")
        expect(row).to_contain_text(booking.reference)
        expect(row.locator(".flag-amount")).to_have_text("₹18,001")
        expect(row).to_contain_text("order was ₹1,000")
        # the automatic refund Razorpay refused: what keeps this one in front of an admin
        expect(row.locator(".flag-refund")).to_contain_text("Automatic refund FAILED: BAD_REQUEST_ERROR")
        expect(page.get_by_text(re.compile(r"^Page 1 of [2-9]"))).to_be_visible()
        settled(page)
        page.screenshot(path=str(artifacts / "admin-payment-flags-light.png"), full_page=True)

        row.locator(".resolve-flag").click()
        dialog = page.get_by_role("alertdialog")
        expect(dialog).to_contain_text("Mark this flag resolved?")
        expect(dialog).to_contain_text(booking.reference)
        dialog.get_by_role("button", name="Cancel").click()
        expect(dialog).to_be_hidden(timeout=TIMEOUT)
        assert flag(db, fid).resolved_at is None

        row.locator(".resolve-flag").click()
        page.locator("#note").fill("ok")
        page.locator("#confirm-resolve").click()
        expect(page.locator("#note-error")).to_contain_text("3 to 1000 characters", timeout=TIMEOUT)
        assert flag(db, fid).resolved_at is None
        page.locator("#note").fill("Automatic refund of ₹18,001 seen in the Razorpay dashboard; student told.")
        page.screenshot(path=str(artifacts / "admin-payment-flags-confirm.png"))
        page.locator("#confirm-resolve").click()
        expect(toast(page, "Marked resolved")).to_be_visible(timeout=TIMEOUT)
        expect(row).to_have_count(0, timeout=TIMEOUT)
        done = flag(db, fid)
        assert done.resolved_at is not None and done.resolution_note.startswith("Automatic refund of ₹18,001")
        assert query(db, "select count(*) from audit_log where action = 'payment_flag.resolve' and target_id = :t",
                     t=str(fid))[0][0] == 1

        page.get_by_role("button", name="Next").click()
        expect(page).to_have_url(f"{live_app.base_url}/admin/payments/flags?page=2", timeout=TIMEOUT)
        expect(page.locator("#payment-flags-table tbody tr").first).to_be_visible(timeout=TIMEOUT)

        page.emulate_media(color_scheme="dark")
        page.evaluate("document.documentElement.classList.add('dark')")
        goto(page, "/admin/payments/flags")
        expect(page.locator("#payment-flags-table")).to_be_visible(timeout=TIMEOUT)
        settled(page)
        page.screenshot(path=str(artifacts / "admin-payment-flags-dark.png"), full_page=True)
    finally:
        context.close()

    mobile = browser.new_context(base_url=live_app.base_url, storage_state=demo_login(ADMIN_EMAIL),
                                 viewport={"width": 390, "height": 844})
    try:
        page = mobile.new_page()
        goto(page, "/admin/payments/flags")
        expect(page.locator("#payment-flags-table")).to_be_visible(timeout=TIMEOUT)
        settled(page)
        page.screenshot(path=str(artifacts / "admin-payment-flags-mobile.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"the page scrolls sideways on a phone ({width}px)"

        resolve_all(db)
        goto(page, "/admin/payments/flags")
        expect(page.locator("#payment-flags-empty")).to_contain_text("Nothing flagged", timeout=TIMEOUT)
        page.screenshot(path=str(artifacts / "admin-payment-flags-empty.png"), full_page=True)
        goto(page, "/admin/jobs")
        expect(page.locator("#dead-letters-empty, #dead-letters-table").first).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#payment-flags-banner")).to_have_count(0)
    finally:
        mobile.close()


def test_a_student_is_refused(browser, live_app, demo_login):
    context = browser.new_context(base_url=live_app.base_url, storage_state=demo_login(STUDENT_EMAIL))
    page = context.new_page()
    try:
        goto(page, "/admin/payments/flags")
        expect(toast(page, "You do not have permission")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#payment-flags-table")).to_have_count(0)
    finally:
        context.close()
