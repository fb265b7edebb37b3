"""Admin tutor review, the subject taxonomy and notifications in real Chromium: an admin
works through the queue (start review, reject with a reason, approve, lose a race to
another admin), the rejected tutor reads why through the bell, and the admin adds,
renames and retires a subject. Screenshots (desktop, phone, dark) go to
test-artifacts/screenshots/admin-*.png."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.e2e.admin_tutor_builders import PASSWORD, decide, submitted_tutor
from tests.e2e.helpers import query, ADMIN_EMAIL, TIMEOUT, goto, path_is, sign_in, toast, settled
from tutorconnect.services import tutors

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
REASON = "Please upload a clearer scan of your degree certificate."


def status_of(db, tutor_id) -> str:
    return query(db, "select status from tutor_profiles where user_id = :t", t=tutor_id)[0][0]


def _settle(page) -> None:
    settled(page)


def _decide(page, action: str, done: str, reason: str | None = None) -> None:
    page.click(f"#action-{action}")
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible(timeout=TIMEOUT)
    if reason is not None:
        dialog.locator("#reason").fill(reason)
    dialog.locator("#confirm-decision").click()
    expect(toast(page, done)).to_be_visible(timeout=TIMEOUT)
    expect(dialog).to_be_hidden(timeout=TIMEOUT)


def test_admin_reviews_rejects_and_approves_and_the_tutor_sees_why(new_context, demo_login, live_app, db, artifacts, tmp_path):
    suffix = uuid.uuid4().hex[:4]
    rejected_id, rejected_email = submitted_tutor(live_app.database_url, f"Kavya Rao {suffix}", tmp_path)
    approved_id, _ = submitted_tutor(live_app.database_url, f"Manoj Iyer {suffix}", tmp_path)
    admin_id = query(db, "select id from users where email = :e", e=ADMIN_EMAIL)[0][0]

    admin = new_context(storage_state=demo_login(ADMIN_EMAIL), viewport=DESKTOP).new_page()
    goto(admin, "/admin/tutors")
    # The waiting tab is the default: both new tutors are in it.
    expect(admin.locator("#tutors-table")).to_be_visible(timeout=TIMEOUT)
    expect(admin.locator("#tutors-table")).to_contain_text(f"Kavya Rao {suffix}")
    expect(admin.locator("#tutors-table")).to_contain_text(f"Manoj Iyer {suffix}")
    expect(admin.locator("#tutor-tabs")).to_contain_text(re.compile(r"Waiting \(\d+\)"))
    _settle(admin)
    admin.screenshot(path=artifacts / "admin-tutors-queue.png", full_page=True)

    # Search narrows the list, and the URL records it.
    admin.fill("#q", rejected_email)
    admin.get_by_role("button", name="Search").click()
    expect(admin).to_have_url(re.compile(r"/admin/tutors/?\?q="), timeout=TIMEOUT)
    expect(admin.locator("#tutors-table tbody tr")).to_have_count(1, timeout=TIMEOUT)

    # Open the tutor: the profile as submitted, documents, history.
    admin.locator("#tutors-table .tutor-link").first.click()
    expect(admin).to_have_url(path_is(f"/admin/tutors/{rejected_id}"), timeout=TIMEOUT)
    expect(admin.get_by_text(f"Kavya Rao {suffix} teaches calculus and algebra")).to_be_visible(timeout=TIMEOUT)
    expect(admin.locator("#documents-table")).to_contain_text("BSc Mathematics")
    expect(admin.locator("#documents-table a").first).to_have_attribute("href", re.compile(r"^/api/tutor-documents/[0-9a-f-]{36}$"))
    expect(admin.locator("#documents-table a").first).to_have_attribute("target", "_blank")
    expect(admin.get_by_text("₹900", exact=True).first).to_be_visible()
    expect(admin.locator("#status-history")).to_contain_text("Draft → Submitted")

    _decide(admin, "start_review", "Review started")
    expect(admin.locator("#decision-bar")).to_contain_text("Under review")
    assert status_of(db, rejected_id) == "under_review"

    # Rejecting needs a reason of 5..500 characters; a short one is refused in the dialog.
    admin.click("#action-reject")
    dialog = admin.get_by_role("alertdialog")
    dialog.locator("#reason").fill("bad")
    dialog.locator("#confirm-decision").click()
    expect(dialog.locator("#reason-error")).to_contain_text("5 to 500 characters", timeout=TIMEOUT)
    assert status_of(db, rejected_id) == "under_review"
    _settle(admin)
    admin.screenshot(path=artifacts / "admin-tutor-reject-dialog.png")
    dialog.locator("#reason").fill(REASON)
    dialog.locator("#confirm-decision").click()
    expect(toast(admin, "Rejected")).to_be_visible(timeout=TIMEOUT)
    expect(admin.locator("#status-history")).to_contain_text(REASON)
    expect(admin.locator("#decision-bar")).to_contain_text("Waiting for the tutor to fix and resubmit.")
    assert query(db, "select status, rejection_reason from tutor_profiles where user_id = :t", t=rejected_id)[0] == ("rejected", REASON)
    _settle(admin)
    admin.screenshot(path=artifacts / "admin-tutor-detail.png", full_page=True)

    # Another admin starts the review first: this admin's click gets a clear message.
    goto(admin, f"/admin/tutors/{approved_id}")
    expect(admin.locator("#action-start_review")).to_be_visible(timeout=TIMEOUT)
    decide(live_app.database_url, admin_id, approved_id, tutors.start_review)
    admin.click("#action-start_review")
    admin.get_by_role("alertdialog").locator("#confirm-decision").click()
    expect(toast(admin, "another admin decided first")).to_be_visible(timeout=TIMEOUT)
    expect(admin.locator("#action-approve")).to_be_visible(timeout=TIMEOUT)  # the page shows the current status
    _decide(admin, "approve", "Approved")
    assert status_of(db, approved_id) == "approved"
    # Suspend (with a reason) and reinstate.
    _decide(admin, "suspend", "Suspended", reason="Several students reported missed lessons.")
    assert status_of(db, approved_id) == "suspended"
    expect(admin.locator("#status-history")).to_contain_text("Several students reported missed lessons.")
    _decide(admin, "reinstate", "Reinstated")
    assert status_of(db, approved_id) == "approved"
    expect(admin.locator("#action-suspend")).to_be_visible()

    # Every decision is in the audit log, under its own filter.
    goto(admin, "/admin/audit?action=tutor.")
    expect(admin.locator("#audit-table")).to_contain_text("tutor.rejected", timeout=TIMEOUT)
    expect(admin.locator("#audit-table")).to_contain_text("tutor.suspended")
    expect(admin.locator("#audit-table tbody tr").filter(has_not_text="tutor.")).to_have_count(0)

    # An older notification of another kind, so that "Mark all read" has something to do.
    with db.begin() as conn:
        conn.execute(text("insert into notifications (id, user_id, kind, title, body, created_at) values "
                          "(:i, :u, 'welcome', 'Welcome to TutorConnect', 'Finish your profile to get listed.', now() - interval '1 day')"),
                     {"i": uuid.uuid4(), "u": rejected_id})

    # The rejected tutor signs in: the bell counts the unread notifications and leads to the reason.
    tutor = new_context(viewport=PHONE, color_scheme="dark").new_page()
    sign_in(tutor, rejected_email, PASSWORD)
    expect(tutor.locator("#bell-count")).to_have_text("3", timeout=TIMEOUT)  # welcome, review started, rejected
    tutor.click("#nav-bell")
    expect(tutor).to_have_url(path_is("/notifications"), timeout=TIMEOUT)
    items = tutor.locator("#notification-list .notification")
    expect(items).to_have_count(3, timeout=TIMEOUT)
    expect(items.first).to_contain_text("Your profile needs changes")  # newest first
    expect(items.first).to_contain_text(REASON)
    expect(items.nth(2)).to_contain_text("Welcome to TutorConnect")
    expect(tutor.locator("#notification-list .unread")).to_have_count(3)
    assert tutor.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _settle(tutor)
    tutor.screenshot(path=artifacts / "admin-notifications-phone-dark.png", full_page=True)

    # Following a notification's link marks it read.
    # The link opens /tutor/profile, which resumes at the review step and says so in the
    # URL (a replace): wait for where the page settles, not the moment between.
    items.nth(1).locator(".notification-open").click()
    expect(tutor).to_have_url(path_is("/tutor/profile", r"step=7"), timeout=TIMEOUT)
    expect(tutor.locator("#bell-count")).to_have_text("2", timeout=TIMEOUT)
    goto(tutor, "/notifications")
    expect(tutor.locator("#notification-list .unread")).to_have_count(2, timeout=TIMEOUT)
    expect(items.nth(1)).not_to_have_class(re.compile(r"unread"))

    # Mark one read, then all.
    items.first.locator(".notification-mark-read").click()
    expect(tutor.locator("#notification-list .unread")).to_have_count(1, timeout=TIMEOUT)
    expect(tutor.locator("#bell-count")).to_have_text("1", timeout=TIMEOUT)
    tutor.click("#mark-all-read")
    expect(toast(tutor, "Marked 1 notification read.")).to_be_visible(timeout=TIMEOUT)
    expect(tutor.locator("#notification-list .unread")).to_have_count(0, timeout=TIMEOUT)
    expect(tutor.locator("#bell-count")).to_have_count(0)  # hidden at zero
    expect(tutor.locator("#mark-all-read")).to_have_count(0)
    unread = query(db, "select count(*) from notifications where user_id = :u and read_at is null", u=rejected_id)[0][0]
    assert unread == 0


def test_admin_adds_renames_and_retires_a_subject(new_context, demo_login, db, artifacts):
    name = f"Astronomy {uuid.uuid4().hex[:5]}"
    slug = name.lower().replace(" ", "-")
    admin = new_context(storage_state=demo_login(ADMIN_EMAIL), viewport=DESKTOP).new_page()
    goto(admin, "/admin/subjects")
    table = admin.locator("#subjects-table")
    expect(table).to_contain_text("Mathematics", timeout=TIMEOUT)

    # The category box offers the existing categories and accepts a new one.
    expect(admin.locator("#category")).to_have_attribute("list", "subject-categories")
    expect(admin.locator("#subject-categories option[value='Languages']")).to_have_count(1)
    admin.fill("#name", name)
    admin.fill("#category", "Science")
    admin.click("#add-subject")
    expect(toast(admin, f"Added {name} to Science.")).to_be_visible(timeout=TIMEOUT)
    row = table.locator(f"tr[data-slug='{slug}']")
    expect(row).to_contain_text("Science")
    expect(admin.locator("#name")).to_have_value("")
    assert query(db, "select name, category from subjects where slug = :s", s=slug)[0] == (name, "Science")

    # The same name again: a clear message, nothing added.
    admin.fill("#name", name.upper())
    admin.fill("#category", "Science")
    admin.click("#add-subject")
    expect(admin.locator("#add-error")).to_have_text("A subject with that name already exists.", timeout=TIMEOUT)
    assert query(db, "select count(*) from subjects where slug = :s", s=slug)[0][0] == 1

    # Rename inline: the slug stays.
    row.locator(".rename-subject").click()
    admin.fill("#new_name", f"{name} and Space")
    admin.click("#rename-save")
    expect(toast(admin, f"Renamed {name} to {name} and Space.")).to_be_visible(timeout=TIMEOUT)
    assert query(db, "select name from subjects where slug = :s", s=slug)[0][0] == f"{name} and Space"

    # Retire, with the explanation; then it shows as retired.
    row.locator(".retire-subject").click()
    dialog = admin.get_by_role("alertdialog")
    expect(dialog).to_contain_text("students can no longer filter the search by it", timeout=TIMEOUT)
    dialog.locator("#confirm-retire").click()
    expect(toast(admin, "is retired")).to_be_visible(timeout=TIMEOUT)
    expect(row).to_contain_text("Retired")
    assert query(db, "select retired_at is not null from subjects where slug = :s", s=slug)[0][0] is True
    _settle(admin)
    admin.screenshot(path=artifacts / "admin-subjects.png", full_page=True)


@pytest.mark.parametrize("path", ["/admin/tutors", "/admin/subjects", "/notifications"])
def test_admin_pages_fit_a_phone(new_context, demo_login, artifacts, path):
    page = new_context(storage_state=demo_login(ADMIN_EMAIL), viewport=PHONE).new_page()
    goto(page, path)
    expect(page.locator("h1, h2").first).to_be_visible(timeout=TIMEOUT)
    settled(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator("#nav-bell")).to_be_visible()
    page.screenshot(path=artifacts / f"admin-phone{path.replace('/', '-')}.png", full_page=True)
    if path == "/admin/tutors":  # and one tutor's review page
        page.locator("#tutors-table .tutor-link").first.click()
        expect(page.locator("#decision-bar")).to_be_visible(timeout=TIMEOUT)
        settled(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=artifacts / "admin-phone-tutor-detail.png", full_page=True)
    page.get_by_role("button", name="Open menu").click()
    menu = page.get_by_role("menu")
    for item in ("Find tutors", "Notifications", "Tutors", "Subjects"):
        expect(menu.get_by_role("menuitem", name=item, exact=True)).to_be_visible()


def test_desktop_navigation_by_role(new_context, demo_login, artifacts):
    admin = new_context(storage_state=demo_login(ADMIN_EMAIL), viewport=DESKTOP).new_page()
    goto(admin, "/admin/tutors")
    for label in ("Find tutors", "Tutors", "Subjects", "Users"):
        expect(admin.get_by_role("link", name=label, exact=True)).to_be_visible(timeout=TIMEOUT)
    assert admin.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    # No nav label wraps onto a second line (the admin's bar is the longest).
    for label in ("Find tutors", "Audit log"):
        box = admin.get_by_role("link", name=label, exact=True).bounding_box()
        assert box is not None and box["height"] < 30, (label, box)
    admin.screenshot(path=artifacts / "admin-nav-desktop.png")
    tutor = new_context(storage_state=demo_login("tutor@tutorconnect.test"), viewport=DESKTOP).new_page()
    goto(tutor, "/notifications")
    expect(tutor.get_by_role("link", name="My profile")).to_be_visible(timeout=TIMEOUT)
    expect(tutor.get_by_role("link", name="Subjects", exact=True)).to_have_count(0)


def test_review_and_subject_pages_in_dark_mode(new_context, demo_login, artifacts):
    page = new_context(storage_state=demo_login(ADMIN_EMAIL), viewport=DESKTOP, color_scheme="dark").new_page()
    goto(page, "/admin/tutors?status=approved")
    page.locator("#tutors-table .tutor-link").first.click()
    expect(page.locator("#decision-bar")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#action-suspend")).to_be_visible()
    _settle(page)
    assert page.evaluate("document.documentElement.classList.contains('dark')")
    page.screenshot(path=artifacts / "admin-tutor-detail-dark.png", full_page=True)
    goto(page, "/admin/subjects")
    expect(page.locator("#subjects-table")).to_contain_text("Mathematics", timeout=TIMEOUT)
    _settle(page)
    page.screenshot(path=artifacts / "admin-subjects-dark.png")
