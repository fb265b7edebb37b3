"""Admin pages in real Chromium: the user list (search, history, role filter), changing a
role (with its effect on that person's open session and the audit log), and a student
who tries the admin URL."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (
    ADMIN_EMAIL,
    DEMO_PASSWORD,
    STUDENT_EMAIL,
    TIMEOUT,
    TUTOR_EMAIL,
    expect_signed_out_on_next_navigation,
    goto,
    path_is,
    sign_in,
    toast,
)

pytestmark = pytest.mark.e2e

# A demo student no other test uses (test_security_websocket.py relies on Diya Kapoor
# staying a student; the documented demo logins stay untouched).
TARGET_NAME = "Vihaan Joshi"
TARGET_EMAIL = "vihaan.joshi@tutorconnect.test"


def _rows(page):
    return page.locator("#users-table tbody tr")


def _emails(page) -> list[str]:
    return [t.strip() for t in page.locator("#users-table tbody tr td:first-child p:nth-child(2)").all_inner_texts()]


def test_admin_search_history_filter_and_role_change(new_context, demo_login, live_app, artifacts):
    # The person whose role will change is signed in elsewhere, before the change.
    target = new_context().new_page()
    sign_in(target, TARGET_EMAIL, DEMO_PASSWORD)

    admin = new_context(storage_state=demo_login(ADMIN_EMAIL)).new_page()
    goto(admin, "/admin/users")
    expect(admin.locator("#users-table")).to_be_visible(timeout=TIMEOUT)
    expect(_rows(admin)).to_have_count(20)  # one full page, newest first
    everyone = _emails(admin)
    assert len(set(everyone)) == 20, everyone
    expect(admin.get_by_text(re.compile(r"^\d+ accounts$"))).to_be_visible()

    # Search by email: the URL records it, the list narrows.
    admin.fill("input[name=q]", TARGET_EMAIL)
    admin.get_by_role("button", name="Search").click()
    expect(admin).to_have_url(path_is("/admin/users", r"q=" + re.escape(TARGET_EMAIL).replace("@", "(@|%40)")), timeout=TIMEOUT)
    expect(_rows(admin)).to_have_count(1, timeout=TIMEOUT)
    expect(_rows(admin)).to_contain_text(TARGET_NAME)
    expect(admin.get_by_text(re.compile(r"^1 accounts?$"))).to_be_visible()  # (sic: "1 accounts")

    # Back restores the previous list (and the search box empties).
    admin.go_back()
    expect(admin).to_have_url(path_is("/admin/users"), timeout=TIMEOUT)
    expect(_rows(admin)).to_have_count(20, timeout=TIMEOUT)
    assert _emails(admin) == everyone
    expect(admin.locator("input[name=q]")).to_have_value("")

    # Role filter: only tutors, and the URL says so.
    admin.get_by_role("radio", name="Tutor").click()
    expect(admin).to_have_url(path_is("/admin/users", "role=tutor"), timeout=TIMEOUT)
    # The URL changes first (client-side redirect); the rows follow with the next update.
    role_cells = admin.locator("#users-table tbody tr td:nth-child(2)")
    expect(role_cells.filter(has_not_text="tutor")).to_have_count(0, timeout=TIMEOUT)
    expect(role_cells.first).to_have_text("tutor")
    expect(admin.locator("#users-table")).not_to_contain_text(TARGET_EMAIL)
    assert TUTOR_EMAIL in _emails(admin) or admin.get_by_role("button", name="Next").is_enabled()

    # Change the student's role to tutor: select, confirm, toast, row updated.
    goto(admin, f"/admin/users?q={TARGET_EMAIL}")
    row = _rows(admin).filter(has_text=TARGET_EMAIL)
    expect(row).to_have_count(1, timeout=TIMEOUT)
    expect(row.locator("td").nth(1)).to_have_text("student")
    row.get_by_role("combobox", name="Change role").click()
    admin.get_by_role("option", name="Tutor").click()
    dialog = admin.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"Make {TARGET_NAME} a tutor?")
    admin.click("#confirm-role")
    expect(toast(admin, f"{TARGET_NAME} is now a tutor")).to_be_visible(timeout=TIMEOUT)
    expect(dialog).to_have_count(0)
    expect(row.locator("td").nth(1)).to_have_text("tutor", timeout=TIMEOUT)

    # Their open session ended with the role change.
    expect_signed_out_on_next_navigation(target)

    # The audit log shows it.
    goto(admin, "/admin/audit")
    audit = admin.locator("#audit-table")
    expect(audit).to_be_visible(timeout=TIMEOUT)
    entry = audit.locator("tbody tr", has_text="user.role_changed").first
    expect(entry).to_be_visible()
    # Old -> new in words (#14 item 22), not two JSON documents.
    expect(entry).to_contain_text("Role: student \u2192 tutor")
    expect(entry).not_to_contain_text('"role"')
    admin.screenshot(path=artifacts / "admin-audit-diff.png", full_page=False)

    # Signing in again, they are a tutor now.
    sign_in(target, TARGET_EMAIL, DEMO_PASSWORD, next_path="/dashboard")
    expect(target.get_by_text("Signed in as tutor")).to_be_visible(timeout=TIMEOUT)


def test_student_cannot_list_users(new_context, demo_login):
    page = new_context(storage_state=demo_login(STUDENT_EMAIL)).new_page()
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))

    goto(page, "/admin/users")
    expect(toast(page, "You do not have permission")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#users-table")).to_have_count(0)
    page.wait_for_timeout(500)  # let any late update arrive before looking for leaks

    html = page.content()
    others = [ADMIN_EMAIL, TUTOR_EMAIL, TARGET_EMAIL, "diya.kapoor@", "Anjali Desai"]
    assert not [o for o in others if o in html], "another user's data is in the page"
    received = "\n".join(frames)
    assert STUDENT_EMAIL in received, "the capture missed the state updates"
    assert not [o for o in others if o in received], "another user's data was sent to the browser"
    # The navigation offers no admin links to a student.
    expect(page.get_by_role("link", name="Users")).to_have_count(0)

    goto(page, "/admin/audit")
    expect(page.locator("#audit-table tbody tr")).to_have_count(0)
    expect(toast(page, "You do not have permission")).to_be_visible(timeout=TIMEOUT)
