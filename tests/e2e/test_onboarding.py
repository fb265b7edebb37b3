"""A newly registered tutor builds their profile in Chromium, step by step, with uploads,
sees validation errors for bad input, reaches 100% and submits; reload resumes."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.e2e.helpers import (TIMEOUT, count_uploads, goto, new_password, path_is, register, settled, toast,
                              unique_email, upload_ready)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def public_upload_files() -> list[str]:
    """Everything in Reflex's public upload directory (served at /_upload/...)."""
    from reflex_components_core.core.upload import get_upload_dir

    root = get_upload_dir()
    return sorted(str(p) for p in root.rglob("*")) if root.exists() else []


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (70, 110, 200)).save(out, format="PNG")
    return out.getvalue()


def profile_row(db, email: str):
    with db.connect() as conn:
        return conn.execute(text(
            "select p.status, p.headline, p.hourly_rate_minor, p.photo_path, p.lesson_lengths, p.requires_confirmation,"
            " (select count(*) from tutor_documents d where d.tutor_id = p.user_id and d.deleted_at is null)"
            " from tutor_profiles p join users u on u.id = p.user_id where u.email = :e"), {"e": email}).first()


def set_status(db, email: str, status: str, reason: str | None = None) -> None:
    """An admin's decision, written directly (the admin flow has its own tests)."""
    with db.begin() as conn:
        conn.execute(text("update tutor_profiles set status = :s, rejection_reason = :r where user_id ="
                          " (select id from users where email = :e)"), {"s": status, "r": reason, "e": email})


def at_step(page: Page, n: int) -> None:
    page.wait_for_url(path_is("/tutor/profile", f"step={n}"), timeout=TIMEOUT)
    expect(page.locator('.wizard-step-link[aria-current="step"]')).to_have_attribute(
        "aria-label", re.compile(rf"^Step {n}:"), timeout=TIMEOUT)


def error(page: Page, field: str, text: str | re.Pattern) -> None:
    expect(page.locator(f"#{field}-error")).to_contain_text(text, timeout=TIMEOUT)


def shot(page: Page, artifacts, name: str) -> None:
    settled(page)
    page.screenshot(path=artifacts / f"onboarding-{name}.png", full_page=True)


def test_a_new_tutor_completes_every_step_and_submits(new_context, live_app, db, artifacts, tmp_path):
    context = new_context(viewport=DESKTOP)
    count_uploads(context)
    page = context.new_page()
    email = unique_email("wizard")
    register(page, "Kavya Iyer", email, new_password(), tutor=True)
    uploads_before = public_upload_files()

    # The dashboard invites the tutor to start.
    expect(page.locator("#tutor-profile-card")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#profile-score")).to_have_text("0%")
    expect(page.locator("#profile-cta")).to_contain_text("Continue your profile")
    page.click("#profile-cta")
    page.wait_for_url(path_is("/tutor/profile"), timeout=TIMEOUT)
    expect(page.locator("#step-basics")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#status-banner")).to_contain_text("Draft")

    # The review step lists everything missing, each item linking to its step.
    goto(page, "/tutor/profile?step=7")
    expect(page.locator("#completeness-score")).to_have_text("0 / 100", timeout=TIMEOUT)
    expect(page.locator("#missing-items li")).to_have_count(8)
    expect(page.locator("#submit-profile")).to_be_disabled()
    shot(page, artifacts, "review-missing-desktop")
    page.locator(".missing-link", has_text="A profile photo").click()
    at_step(page, 5)
    goto(page, "/tutor/profile?step=1")

    # 1. Basics: errors next to the field, nothing saved on error.
    page.fill("#headline", "")
    page.fill("#years_experience", "")
    page.click("#save-step")
    error(page, "years_experience", "whole number")
    page.fill("#years_experience", "6")
    page.click("#save-step")
    error(page, "headline", "Enter the headline")
    assert profile_row(db, email)[1] == ""
    shot(page, artifacts, "basics-error-desktop")
    page.fill("#display_name", "Kavya I.")
    page.fill("#headline", "Chemistry for boards and NEET, <b>step by step</b>")
    bio = ("I teach chemistry to classes 11 and 12 with worked examples, weekly practice papers and "
           "honest feedback. My students have gone on to medical and engineering colleges.")
    page.fill("#bio", bio)
    expect(page.locator("#bio-counter")).to_contain_text(f"{len(bio)} / 4000", timeout=TIMEOUT)
    page.fill("#time_zone", "Asia/Kolkata")
    page.click("#save-step")
    at_step(page, 2)
    assert profile_row(db, email)[1] == "Chemistry for boards and NEET, <b>step by step</b>"

    # 2. Subjects.
    expect(page.locator("#step-subjects")).to_be_visible(timeout=TIMEOUT)
    page.click("#add-subject")
    expect(page.locator(".subject-row")).to_have_count(1, timeout=TIMEOUT)
    page.click("#save-step")
    error(page, "subjects", "Choose a subject in every row")
    page.select_option(".subject-select >> nth=0", "chemistry")
    page.select_option(".subject-level >> nth=0", "expert")
    page.click("#add-subject")
    expect(page.locator(".subject-row")).to_have_count(2, timeout=TIMEOUT)
    page.select_option(".subject-select >> nth=1", "biology")
    page.click(".subject-remove >> nth=1")
    expect(page.locator(".subject-row")).to_have_count(1, timeout=TIMEOUT)
    page.click("#save-step")
    at_step(page, 3)
    # Opening the wizard without a step resumes at the first step still missing.
    goto(page, "/tutor/profile")
    at_step(page, 3)

    # 3. Languages.
    page.click("#add-language")
    page.select_option(".language-select >> nth=0", "en")
    page.select_option(".language-level >> nth=0", "C2")
    page.click("#add-language")
    expect(page.locator(".language-row")).to_have_count(2, timeout=TIMEOUT)
    page.select_option(".language-select >> nth=1", "ta")
    page.select_option(".language-level >> nth=1", "native")
    page.click("#save-step")
    at_step(page, 4)

    # 4. Pricing with a live preview.
    page.fill("#hourly_rate", "12.5")
    page.click("#save-step")
    error(page, "hourly_rate_minor", "whole number of rupees")
    assert profile_row(db, email)[2] is None
    page.fill("#hourly_rate", "50")
    page.click("#save-step")
    error(page, "hourly_rate_minor", "between ₹100 and ₹50,000")
    page.fill("#hourly_rate", "1200")
    page.click("#length-30")
    page.click("#length-90")
    preview = page.locator("#price-preview")
    expect(preview).to_contain_text("30 min", timeout=TIMEOUT)
    expect(preview).to_contain_text("₹600")
    expect(preview).to_contain_text("₹1,800")
    page.fill("#override-90", "1600")
    expect(preview).to_contain_text("₹1,600", timeout=TIMEOUT)
    page.fill("#trial_price", "300")
    page.click("#requires-confirmation")
    shot(page, artifacts, "pricing-desktop")
    page.click("#save-step")
    at_step(page, 5)
    row = profile_row(db, email)
    assert row[2] == 1200_00 and sorted(row[4]) == [30, 60, 90] and row[5] is True

    # 5. Photo: a renamed non-image is refused, a real PNG is re-encoded and shown.
    page.set_input_files(".photo-drop input[type=file]", files=[
        {"name": "me.png", "mimeType": "image/png", "buffer": b"<html>not an image</html>"}])
    error(page, "photo", "PNG, JPEG or WebP")
    assert profile_row(db, email)[3] is None
    upload_ready(page)
    page.set_input_files(".photo-drop input[type=file]", files=[
        {"name": "me.png", "mimeType": "image/png", "buffer": png_bytes()}])
    expect(page.locator("#photo-preview")).to_have_attribute("src", re.compile(r"/media/photos/[0-9a-f]{32}\.webp$"),
                                                            timeout=TIMEOUT)
    photo_path = profile_row(db, email)[3]
    assert re.fullmatch(r"/media/photos/[0-9a-f]{32}\.webp", photo_path)
    served = page.request.get(live_app.base_url + photo_path)
    assert served.status == 200 and served.headers["content-type"] == "image/webp"
    # A new photo replaces the old one, whose file goes.
    upload_ready(page)
    page.set_input_files(".photo-drop input[type=file]", files=[
        {"name": "me2.png", "mimeType": "image/png", "buffer": png_bytes()}])
    expect(page.locator("#photo-preview")).not_to_have_attribute("src", photo_path, timeout=TIMEOUT)
    assert page.request.get(live_app.base_url + photo_path).status == 404
    photo_path = profile_row(db, email)[3]
    assert page.request.get(live_app.base_url + photo_path).status == 200
    page.fill("#intro_video_url", "http://example.com/video")
    page.click("#save-step")
    error(page, "intro_video_url", "YouTube, Vimeo or Loom")
    page.fill("#intro_video_url", "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    page.click("#save-step")
    at_step(page, 6)

    # 6. Documents: a fake PDF is refused; a real one is listed, opens, and can be removed.
    def upload_document(title: str, data: bytes, name: str = "degree.pdf") -> None:
        upload_ready(page)
        page.fill("#doc_title", title)
        page.fill("#doc_issuer", "University of Madras")
        page.fill("#doc_year", "2015")
        page.set_input_files(".document-drop input[type=file]", files=[
            {"name": name, "mimeType": "application/pdf", "buffer": data}])
        expect(page.locator("#selected-document")).to_contain_text(name, timeout=TIMEOUT)
        page.click("#upload-document")

    expect(page.locator("#no-documents")).to_be_visible(timeout=TIMEOUT)
    upload_document("MSc Chemistry", b"just text pretending to be a PDF")
    error(page, "file", "Upload a PDF, PNG or JPEG file")
    assert profile_row(db, email)[6] == 0
    page.fill("#doc_year", "20x5")
    upload_ready(page)
    page.click("#upload-document")
    error(page, "year", "four digits")
    upload_document("MSc Chemistry", PDF)
    expect(page.locator(".document-row")).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator(".document-row")).to_contain_text("MSc Chemistry")
    href = page.locator(".document-open").first.get_attribute("href")
    opened = page.request.get(live_app.base_url + href)
    assert opened.status == 200 and opened.body() == PDF
    assert opened.headers["content-disposition"].startswith("attachment")
    upload_document("Teaching certificate", PDF, "cert.pdf")
    expect(page.locator(".document-row")).to_have_count(2, timeout=TIMEOUT)
    shot(page, artifacts, "documents-desktop")
    page.click(".document-remove >> nth=1")
    expect(page.get_by_role("alertdialog")).to_contain_text("Remove this document?", timeout=TIMEOUT)
    page.click("#confirm-remove-document")
    expect(page.locator(".document-row")).to_have_count(1, timeout=TIMEOUT)
    assert profile_row(db, email)[6] == 1
    # Neither the photo nor the documents went near Reflex's public upload directory.
    assert public_upload_files() == uploads_before
    page.click("#documents-continue")
    at_step(page, 7)

    # 7. Review: 100%, submit, the banner says so; reload resumes on the same step.
    expect(page.locator("#completeness-score")).to_have_text("100 / 100", timeout=TIMEOUT)
    expect(page.locator("#profile-complete")).to_be_visible()
    expect(page.locator('.wizard-step-link[data-state="done"]')).to_have_count(6)
    page.click("#submit-profile")
    expect(page.locator("#status-banner")).to_contain_text("Submitted", timeout=TIMEOUT)
    expect(page.locator("#withdraw-profile")).to_be_visible()
    assert profile_row(db, email)[0] == "submitted"
    shot(page, artifacts, "review-submitted-desktop")
    page.reload()
    expect(page.locator("#status-banner")).to_contain_text("Submitted", timeout=TIMEOUT)
    expect(page.locator("#completeness-score")).to_have_text("100 / 100")
    page.click("#withdraw-profile")
    expect(page.locator("#status-banner")).to_contain_text("Draft", timeout=TIMEOUT)
    assert profile_row(db, email)[0] == "draft"
    page.click("#submit-profile")
    expect(page.locator("#status-banner")).to_contain_text("Submitted", timeout=TIMEOUT)
    assert profile_row(db, email)[0] == "submitted"

    # Back and forward walk the steps; each resumes from the saved data.
    page.go_back()
    at_step(page, 6)
    expect(page.locator(".document-row")).to_have_count(1, timeout=TIMEOUT)
    goto(page, "/tutor/profile?step=1")
    expect(page.locator("#headline")).to_have_value("Chemistry for boards and NEET, <b>step by step</b>", timeout=TIMEOUT)
    expect(page.locator("#bio")).to_have_value(bio)
    goto(page, "/tutor/profile?step=4")
    expect(page.locator("#hourly_rate")).to_have_value("1200", timeout=TIMEOUT)
    expect(page.locator("#override-90")).to_have_value("1600")

    # Phone width and dark mode, signed in as the same tutor.
    state = context.storage_state()
    phone = new_context(viewport=PHONE, storage_state=state, color_scheme="dark").new_page()
    for step, name in ((1, "basics"), (2, "subjects"), (4, "pricing"), (6, "documents"), (7, "review")):
        goto(phone, f"/tutor/profile?step={step}")
        expect(phone.locator("#onboarding-wizard")).to_be_visible(timeout=TIMEOUT)
        overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"step {step} scrolls sideways by {overflow}px at 390px"
        shot(phone, artifacts, f"{name}-phone-dark")
    light = new_context(viewport=PHONE, storage_state=state).new_page()
    goto(light, "/tutor/profile?step=5")
    expect(light.locator("#photo-preview")).to_be_visible(timeout=TIMEOUT)
    shot(light, artifacts, "media-phone")

    # While an admin reviews it, every step is locked; a rejection shows the admin's reason.
    set_status(db, email, "under_review")
    goto(page, "/tutor/profile?step=1")
    expect(page.locator("#status-banner")).to_contain_text("editing is locked", timeout=TIMEOUT)
    expect(page.locator("#headline")).to_be_disabled()
    expect(page.locator("#save-step")).to_be_disabled()
    goto(page, "/tutor/profile?step=6")
    expect(page.locator("#upload-document")).to_be_disabled(timeout=TIMEOUT)
    shot(page, artifacts, "locked-desktop")
    set_status(db, email, "rejected", "Please upload a clearer scan of your degree.")
    goto(page, "/tutor/profile?step=7")
    expect(page.locator("#rejection-reason")).to_have_text("Please upload a clearer scan of your degree.", timeout=TIMEOUT)
    expect(page.locator("#submit-profile")).to_be_enabled()
    with db.begin() as conn:
        conn.execute(text(
            "insert into tutor_status_events (tutor_id, from_status, to_status, reason)"
            " select id, 'approved', 'suspended', 'Repeated no-shows reported by students.' from users where email = :e"),
            {"e": email})
    set_status(db, email, "suspended")
    goto(page, "/tutor/profile?step=1")
    expect(page.locator("#status-banner")).to_contain_text("Repeated no-shows reported by students.", timeout=TIMEOUT)
    set_status(db, email, "rejected", "Please upload a clearer scan of your degree.")

    # The dashboard now says how far the profile is.
    goto(page, "/dashboard")
    expect(page.locator("#profile-score")).to_have_text("100%", timeout=TIMEOUT)
    expect(page.locator("#profile-status-badge")).to_have_text("Changes requested")
    expect(page.locator("#profile-rejection-reason")).to_contain_text("Please upload a clearer scan of your degree.")
    expect(page.locator("#profile-cta")).to_contain_text("Edit profile")
    shot(page, artifacts, "dashboard-tutor-desktop")


def test_an_approved_tutor_sees_a_link_to_their_public_page(new_context, demo_login):
    """The demo tutor is approved: the banner links to the public page and editing works."""
    from tests.e2e.helpers import TUTOR_EMAIL

    page = new_context(viewport=DESKTOP, storage_state=demo_login(TUTOR_EMAIL)).new_page()
    goto(page, "/tutor/profile?step=7")
    expect(page.locator("#status-banner")).to_contain_text("Approved", timeout=TIMEOUT)
    expect(page.locator("#public-page-link")).to_have_attribute("href", re.compile(r"^/tutors/[a-z0-9-]+$"))
    expect(page.locator("#submit-profile")).to_have_count(0)


def test_a_student_is_refused_the_wizard(new_context, demo_login):
    from tests.e2e.helpers import STUDENT_EMAIL

    page = new_context(viewport=DESKTOP, storage_state=demo_login(STUDENT_EMAIL)).new_page()
    goto(page, "/tutor/profile")
    expect(page.locator("#onboarding-denied")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#onboarding-denied")).to_contain_text("You do not have permission")
    expect(toast(page, "permission")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#onboarding-wizard")).to_have_count(0)


def test_signed_out_visitors_are_sent_to_sign_in(page):
    goto(page, "/tutor/profile?step=3")
    expect(page).to_have_url(re.compile(r"/login\?next="), timeout=TIMEOUT)


def test_the_wizard_works_from_the_keyboard(new_context, demo_login):
    from tests.e2e.helpers import TUTOR_EMAIL

    page = new_context(viewport=DESKTOP, storage_state=demo_login(TUTOR_EMAIL)).new_page()
    goto(page, "/tutor/profile?step=2")
    expect(page.locator("#step-subjects")).to_be_visible(timeout=TIMEOUT)
    # The stepper's links are in the tab order and follow Enter.
    page.locator(".wizard-step-link").nth(2).focus()
    page.keyboard.press("Enter")
    at_step(page, 3)
    # The add-row button and the row controls are reachable and usable by keyboard.
    rows = page.locator(".language-row").count()
    page.locator("#add-language").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".language-row")).to_have_count(rows + 1, timeout=TIMEOUT)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # the new row's remove button
    expect(page.locator(".language-row")).to_have_count(rows, timeout=TIMEOUT)
    # The photo drop zone is focusable (Enter/Space opens the file chooser).
    goto(page, "/tutor/profile?step=5")
    expect(page.locator(".photo-drop")).to_have_attribute("tabindex", "0", timeout=TIMEOUT)
