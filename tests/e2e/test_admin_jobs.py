"""/admin/jobs in real Chromium: an admin sees a dead letter with its error, retries it
behind a confirmation, sees it marked retried; the reconciliation log is listed; a student
is refused. Screenshots: light desktop, dark desktop, light mobile."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.e2e.admin_jobs_support import dead_letter, plant_dead_letter
from tests.e2e.helpers import ADMIN_EMAIL, STUDENT_EMAIL, TIMEOUT, goto, toast

pytestmark = pytest.mark.e2e


def _log_entry(db) -> None:
    with db.begin() as conn:
        conn.execute(text(
            "INSERT INTO reconciliation_log (kind, target_id, action, before, after) VALUES "
            "('order', 'order_E2Eprobe000001', 'confirmed', CAST(:b AS jsonb), CAST(:a AS jsonb))"),
            {"b": json.dumps({"booking_status": "pending_payment", "paid_minor": 0}),
             "a": json.dumps({"booking_status": "confirmed", "paid_minor": 120000})})


def test_an_admin_retries_a_dead_letter(browser, live_app, demo_login, db, artifacts):
    did = plant_dead_letter(db, "GatewayError: BAD_REQUEST_ERROR (400): The refund amount exceeds the payment")
    _log_entry(db)
    context = browser.new_context(base_url=live_app.base_url, storage_state=demo_login(ADMIN_EMAIL))
    page = context.new_page()
    try:
        goto(page, "/admin/jobs")
        row = page.locator(f"tr[data-dead-letter='{did}']")
        expect(row).to_be_visible(timeout=TIMEOUT)
        expect(row).to_contain_text("The refund amount exceeds the payment")
        expect(row).to_contain_text("Attempts: 8")
        expect(page.locator("#reconciliation-table")).to_contain_text("order_E2Eprobe000001")
        page.screenshot(path=str(artifacts / "admin-jobs-light.png"), full_page=True)
        # The bar shows "Jobs" only on very wide screens (the user menu has it always).
        expect(page.get_by_role("link", name="Jobs", exact=True)).to_be_hidden()
        page.set_viewport_size({"width": 1700, "height": 900})
        expect(page.get_by_role("link", name="Jobs", exact=True)).to_be_visible()
        page.set_viewport_size({"width": 1280, "height": 720})

        row.locator(".retry-job").click()
        dialog = page.get_by_role("alertdialog")
        expect(dialog).to_contain_text("fresh set of retries")
        page.screenshot(path=str(artifacts / "admin-jobs-confirm.png"))
        dialog.get_by_role("button", name="Cancel").click()
        expect(dialog).to_be_hidden(timeout=TIMEOUT)
        assert dead_letter(db, did).retried_at is None

        row.locator(".retry-job").click()
        page.locator("#confirm-retry").click()
        expect(toast(page, "queued again")).to_be_visible(timeout=TIMEOUT)
        expect(row).to_contain_text("Retried", timeout=TIMEOUT)
        expect(row).to_contain_text(ADMIN_EMAIL)
        assert dead_letter(db, did).retried_at is not None

        page.emulate_media(color_scheme="dark")
        page.evaluate("document.documentElement.classList.add('dark')")
        page.screenshot(path=str(artifacts / "admin-jobs-dark.png"), full_page=True)
    finally:
        context.close()
    mobile = browser.new_context(base_url=live_app.base_url, storage_state=demo_login(ADMIN_EMAIL),
                                 viewport={"width": 390, "height": 844})
    try:
        page = mobile.new_page()
        goto(page, "/admin/jobs")
        expect(page.locator("#dead-letters-table")).to_be_visible(timeout=TIMEOUT)
        page.screenshot(path=str(artifacts / "admin-jobs-mobile.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"the page scrolls sideways on a phone ({width}px)"
    finally:
        mobile.close()


def test_a_student_is_refused(browser, live_app, demo_login):
    context = browser.new_context(base_url=live_app.base_url, storage_state=demo_login(STUDENT_EMAIL))
    page = context.new_page()
    try:
        goto(page, "/admin/jobs")
        expect(toast(page, "You do not have permission")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#dead-letters-table")).to_have_count(0)
    finally:
        context.close()
