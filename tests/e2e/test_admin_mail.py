"""/admin/mail in real Chromium against the live app's capture server: newest first, paged,
a message opened shows its HTML in a sandboxed frame (scripts do not run), its text part
and its attachments' names; reached from the admin menu; a student is refused.
Screenshots: light, dark, phone."""

from __future__ import annotations

import smtplib
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import ADMIN_EMAIL, STUDENT_EMAIL, TIMEOUT, goto, toast, settled
from tutorconnect.integrations import mailer

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _send(live_app, to: str, subject: str, html: str, *, ics: bool = False) -> None:
    mail = mailer.RenderedEmail(
        to=to, subject=subject, text=f"Plain text of {subject}", html=html,
        attachments=(mailer.Attachment("lesson-TC-E2E.ics", "text/calendar; method=PUBLISH",
                                       b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),) if ics else ())
    with smtplib.SMTP("127.0.0.1", live_app.smtp_port, timeout=10) as smtp:
        smtp.send_message(mailer.build_message(mail))


@pytest.fixture(scope="module")
def planted(live_app):
    """21 mails after whatever the app sent already; the newest has a script and an .ics."""
    tag = uuid.uuid4().hex[:8]
    for n in range(20):
        _send(live_app, f"filler-{tag}@example.org", f"Filler {tag} {n}", f"<p>filler {n}</p>")
    subject = f"Your lesson is confirmed {tag}"
    html = (f"<h1 id='mail-heading'>Confirmed {tag}</h1><p>Join: <a href='https://meet.jit.si/x'>link</a></p>"
            "<script>document.title='pwned';parent.document.body.setAttribute('data-pwned','1')</script>")
    _send(live_app, f"ada-{tag}@example.org", subject, html, ics=True)
    live_app.wait_for_mail(f"ada-{tag}@example.org", tag)
    return tag, subject


def test_an_admin_reads_captured_mail(browser, live_app, demo_login, planted, artifacts):
    tag, subject = planted
    context = browser.new_context(base_url=live_app.base_url, storage_state=demo_login(ADMIN_EMAIL), viewport=DESKTOP)
    page = context.new_page()
    try:
        goto(page, "/dashboard")
        page.locator("#user-menu").click()
        page.get_by_role("menuitem", name="Captured mail").click()
        table = page.locator("#mail-table")
        expect(table).to_be_visible(timeout=TIMEOUT)
        first_row = table.locator("tbody tr").first
        expect(first_row).to_contain_text(subject)  # newest first
        expect(first_row).to_contain_text("lesson-TC-E2E.ics")
        expect(table.locator("tbody tr")).to_have_count(20)
        page.screenshot(path=str(artifacts / "admin-mail-light.png"), full_page=True)

        first_row.locator(".open-mail").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text(subject, timeout=TIMEOUT)
        expect(dialog).to_contain_text(f"ada-{tag}@example.org")
        frame_el = page.locator("#mail-html")
        expect(frame_el).to_have_attribute("sandbox", "allow-popups allow-popups-to-escape-sandbox")
        frame = page.frame_locator("#mail-html")
        expect(frame.locator("#mail-heading")).to_have_text(f"Confirmed {tag}", timeout=TIMEOUT)
        settled(page)
        assert page.evaluate("document.body.getAttribute('data-pwned')") is None  # the script never ran
        page.screenshot(path=str(artifacts / "admin-mail-open.png"))
        dialog.get_by_role("tab", name="Text").click()
        expect(page.locator("#mail-text")).to_have_text(f"Plain text of {subject}")
        dialog.get_by_role("tab", name="Attachments (1)").click()
        expect(page.locator("#mail-files")).to_contain_text("lesson-TC-E2E.ics (text/calendar, 32 bytes)")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden(timeout=TIMEOUT)

        # older mail on the next page
        page.get_by_role("button", name="Next").click()
        expect(page.locator("#mail-table tbody tr").first).not_to_contain_text(subject, timeout=TIMEOUT)
        assert "page=2" in page.url

        page.emulate_media(color_scheme="dark")
        page.evaluate("document.documentElement.classList.add('dark')")
        page.screenshot(path=str(artifacts / "admin-mail-dark.png"), full_page=True)

        # The bar shows "Mail" only on very wide screens, next to Jobs, without wrapping
        expect(page.get_by_role("link", name="Mail", exact=True)).to_be_hidden()
        page.set_viewport_size({"width": 1700, "height": 900})
        link = page.get_by_role("link", name="Mail", exact=True)
        expect(link).to_be_visible()
        for label in ("Mail", "Audit log", "Find tutors"):
            box = page.get_by_role("link", name=label, exact=True).bounding_box()
            assert box is not None and box["height"] < 30, (label, box)
    finally:
        context.close()


def test_phone_width(browser, live_app, demo_login, planted, artifacts):
    context = browser.new_context(base_url=live_app.base_url, storage_state=demo_login(ADMIN_EMAIL), viewport=PHONE)
    page = context.new_page()
    try:
        goto(page, "/admin/mail")
        expect(page.locator("#mail-table")).to_be_visible(timeout=TIMEOUT)
        settled(page)
        page.screenshot(path=str(artifacts / "admin-mail-phone.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
        page.locator("#mail-table .open-mail").first.click()
        expect(page.locator("#mail-html")).to_be_visible(timeout=TIMEOUT)
        page.screenshot(path=str(artifacts / "admin-mail-phone-open.png"))
    finally:
        context.close()


def test_a_student_is_refused(browser, live_app, demo_login, planted):
    tag, subject = planted
    context = browser.new_context(base_url=live_app.base_url, storage_state=demo_login(STUDENT_EMAIL))
    page = context.new_page()
    try:
        goto(page, "/admin/mail")
        expect(toast(page, "You do not have permission")).to_be_visible(timeout=TIMEOUT)
        expect(page.locator("#mail-table")).to_have_count(0)
        assert tag not in page.content()
    finally:
        context.close()
