"""The marketplace end to end, as three people in three browsers: a new tutor completes
the onboarding wizard and submits; an admin reviews and approves; a student finds the
tutor by a misspelled subject, filters, opens the tutor's page and saves them as a
favorite. Every step is checked in the page and in PostgreSQL."""

from __future__ import annotations

import io
import re
import uuid
from urllib.parse import parse_qsl, urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlmodel import Session

from tests.e2e.helpers import query, ADMIN_EMAIL, STUDENT_EMAIL, TIMEOUT, goto, new_password, path_is, register, toast, unique_email
from tutorconnect.services import tutors
from tutorconnect.services.context import RequestContext

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
SUBJECT = "Astronomy"  # no demo tutor teaches it: the search must find our tutor alone


@pytest.fixture(scope="module")
def astronomy(db) -> str:
    """The admin's taxonomy gains a subject (through the service, as /admin/subjects does)."""
    existing = query(db, "select slug from subjects where name = :n", n=SUBJECT)
    if existing:
        return existing[0][0]
    admin_id = query(db, "select id from users where email = :e", e=ADMIN_EMAIL)[0][0]
    ctx = RequestContext(ip="10.9.9.9", user_agent="pytest-e2e", request_id="journey", actor_user_id=admin_id)
    with Session(db) as s:
        row = tutors.add_subject(s, ctx, name=SUBJECT, category="Sciences")
        s.commit()
    return row.slug


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 600), (30, 40, 90)).save(out, format="PNG")
    return out.getvalue()


def at_step(page: Page, n: int) -> None:
    page.wait_for_url(path_is("/tutor/profile", f"step={n}"), timeout=TIMEOUT)


def wait_for_results(page: Page) -> None:
    page.wait_for_function(
        "document.querySelector('#discovery')?.getAttribute('data-ready-for') === location.search", timeout=TIMEOUT)


def onboard(page: Page, name: str, email: str) -> None:
    register(page, name, email, new_password(), tutor=True)
    goto(page, "/tutor/profile?step=1")
    page.fill("#headline", "Night-sky astronomy and astrophysics for curious students")
    page.fill("#bio", "I am an astrophysicist who teaches astronomy from first principles: telescopes, "
                      "orbits, stellar lifecycles and the maths behind them, with star-party homework.")
    page.fill("#years_experience", "8")
    page.fill("#time_zone", "Asia/Kolkata")
    page.click("#save-step")
    at_step(page, 2)
    page.click("#add-subject")
    page.select_option(".subject-select >> nth=0", SUBJECT_SLUG)
    page.select_option(".subject-level >> nth=0", "expert")
    page.click("#save-step")
    at_step(page, 3)
    page.click("#add-language")
    page.select_option(".language-select >> nth=0", "en")
    page.select_option(".language-level >> nth=0", "C2")
    page.click("#add-language")
    page.select_option(".language-select >> nth=1", "ta")
    page.select_option(".language-level >> nth=1", "native")
    page.click("#save-step")
    at_step(page, 4)
    page.fill("#hourly_rate", "1500")
    page.click("#save-step")
    at_step(page, 5)
    page.set_input_files(".photo-drop input[type=file]", files=[{"name": "me.png", "mimeType": "image/png", "buffer": png()}])
    expect(page.locator("#photo-preview")).to_have_attribute("src", re.compile(r"/media/photos/"), timeout=TIMEOUT)
    page.click("#save-step")
    at_step(page, 6)
    page.fill("#doc_title", "PhD Astrophysics")
    page.fill("#doc_issuer", "IISc Bangalore")
    page.fill("#doc_year", "2016")
    page.set_input_files(".document-drop input[type=file]", files=[
        {"name": "phd.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    expect(page.locator("#selected-document")).to_contain_text("phd.pdf", timeout=TIMEOUT)
    page.click("#upload-document")
    expect(page.locator(".document-row")).to_have_count(1, timeout=TIMEOUT)
    page.click("#documents-continue")
    at_step(page, 7)
    expect(page.locator("#completeness-score")).to_have_text("100 / 100", timeout=TIMEOUT)
    page.click("#submit-profile")
    expect(page.locator("#status-banner")).to_contain_text("Submitted", timeout=TIMEOUT)


SUBJECT_SLUG = "astronomy"


def test_a_tutor_onboards_an_admin_approves_and_a_student_finds_and_saves_them(
    new_context, demo_login, db, astronomy, artifacts
):
    assert astronomy == SUBJECT_SLUG
    suffix = uuid.uuid4().hex[:4].upper()
    name, email = f"Meenakshi Raman {suffix}", unique_email("journey")

    # 1. The tutor onboards and submits.
    tutor = new_context(viewport=DESKTOP).new_page()
    onboard(tutor, name, email)
    tutor_id, status = query(db, "select p.user_id, p.status from tutor_profiles p join users u on u.id = p.user_id "
                                 "where u.email = :e", e=email)[0]
    assert status == "submitted"
    assert not query(db, "select 1 from tutor_search where tutor_id = :t", t=tutor_id)  # not listed yet

    # 2. The admin finds them in the queue, starts the review and approves.
    admin = new_context(viewport=DESKTOP, storage_state=demo_login(ADMIN_EMAIL)).new_page()
    goto(admin, "/admin/tutors")
    expect(admin.locator("#tutors-table")).to_contain_text(name, timeout=TIMEOUT)
    admin.locator("#tutors-table .tutor-link", has_text=name).click()
    expect(admin).to_have_url(path_is(f"/admin/tutors/{tutor_id}"), timeout=TIMEOUT)
    expect(admin.locator("#documents-table")).to_contain_text("PhD Astrophysics", timeout=TIMEOUT)
    for action, done in (("start_review", "Review started"), ("approve", "Approved")):
        admin.click(f"#action-{action}")
        dialog = admin.get_by_role("alertdialog")
        dialog.locator("#confirm-decision").click()
        expect(toast(admin, done)).to_be_visible(timeout=TIMEOUT)
        expect(dialog).to_be_hidden(timeout=TIMEOUT)
    assert query(db, "select status from tutor_profiles where user_id = :t", t=tutor_id)[0][0] == "approved"
    assert query(db, "select count(*) from audit_log where action = 'tutor.approved' and target_id = :t",
                 t=str(tutor_id))[0][0] == 1
    # The tutor is told in the app.
    goto(tutor, "/notifications")
    expect(tutor.get_by_text("Your profile is approved")).to_be_visible(timeout=TIMEOUT)

    # 3. The student searches with a typo, filters, opens the page and saves the tutor.
    student = new_context(viewport=DESKTOP, storage_state=demo_login(STUDENT_EMAIL)).new_page()
    goto(student, "/tutors")
    wait_for_results(student)
    student.fill("#search-q", "astronmy")
    student.press("#search-q", "Enter")
    student.wait_for_function("new URLSearchParams(location.search).get('q') === 'astronmy'", timeout=TIMEOUT)
    wait_for_results(student)
    cards = student.locator("#results-grid .tutor-card")
    expect(cards.filter(has_text=name)).to_have_count(1, timeout=TIMEOUT)
    assert cards.count() == 1  # nobody else teaches astronomy
    # Filters narrow (Tamil speakers, at most ₹2,000 an hour) and live in the URL.
    student.click("#filter-language")
    student.get_by_role("option", name=re.compile(r"^Tamil \(\d+\)$")).click()
    student.wait_for_function("new URLSearchParams(location.search).get('language') === 'ta'", timeout=TIMEOUT)
    wait_for_results(student)
    student.fill("#filter-price_max", "2000")
    student.click("#apply-price")
    student.wait_for_function("new URLSearchParams(location.search).get('price_max') === '2000'", timeout=TIMEOUT)
    wait_for_results(student)
    assert dict(parse_qsl(urlsplit(student.url).query)) == {"q": "astronmy", "language": "ta", "price_max": "2000"}
    expect(cards.filter(has_text=name)).to_have_count(1, timeout=TIMEOUT)
    expect(cards.filter(has_text=name)).to_contain_text("₹1,500")
    # A filter that excludes the tutor shows the empty state, and back restores the results.
    student.fill("#filter-price_max", "1000")
    student.click("#apply-price")
    student.wait_for_function("new URLSearchParams(location.search).get('price_max') === '1000'", timeout=TIMEOUT)
    wait_for_results(student)
    expect(cards).to_have_count(0, timeout=TIMEOUT)
    student.go_back()
    wait_for_results(student)
    expect(cards.filter(has_text=name)).to_have_count(1, timeout=TIMEOUT)
    student.screenshot(path=artifacts / "journey-search.png", full_page=True)

    cards.filter(has_text=name).locator("a").first.click()
    student.wait_for_url(re.compile(r"/tutors/meenakshi-raman"), timeout=TIMEOUT)
    expect(student.locator("#tutor-page")).to_contain_text("Night-sky astronomy", timeout=TIMEOUT)
    expect(student.locator("#tutor-page")).to_contain_text(SUBJECT)
    student.click("#favorite-toggle")
    expect(toast(student, "saved to your favorites")).to_be_visible(timeout=TIMEOUT)
    assert query(db, "select count(*) from favorites f join users u on u.id = f.student_id "
                     "where u.email = :s and f.tutor_id = :t", s=STUDENT_EMAIL, t=tutor_id)[0][0] == 1
    goto(student, "/favorites")
    expect(student.locator("#favorites-list")).to_contain_text(name, timeout=TIMEOUT)
    student.screenshot(path=artifacts / "journey-favorites.png", full_page=True)
