"""Account flows in real Chromium, as a person would go through them: register, confirm the
email, sign out and in, settings, password change and reset, devices, Google, /hello."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (
    ADMIN_EMAIL,
    STUDENT_EMAIL,
    STUDENT_NAME,
    TIMEOUT,
    expect_signed_out_on_next_navigation,
    goto,
    hydrated,
    new_password,
    next_query,
    path_is,
    register,
    session_cookie,
    sign_in,
    sign_out,
    toast,
    unique_email,
)

pytestmark = pytest.mark.e2e

BANNER = "Please confirm your email address"


def test_register_cookie_and_email_verification(page, live_app):
    email, password = unique_email("reg"), new_password()
    register(page, "Rhea Verma", email, password)

    # The welcome toast and callout, and the amber "confirm your email" banner.
    expect(page.get_by_text("Your account is ready. Welcome aboard!")).to_be_visible()
    expect(page.get_by_text(BANNER)).to_be_visible()

    # The session cookie: HttpOnly, SameSite=Lax, invisible to page scripts.
    cookie = session_cookie(page.context)
    assert cookie is not None, page.context.cookies()
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["path"] == "/"
    assert "tc_session" not in page.evaluate("document.cookie")
    assert cookie["value"] not in page.content()

    mail = live_app.wait_for_mail(email, "Confirm")
    link = live_app.local(live_app.link_in(mail, "/verify-email"))
    goto(page, link)
    expect(page.locator("#verify-ok")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(BANNER)).to_have_count(0)

    # ...and it stays gone on the next page.
    goto(page, "/dashboard")
    expect(page.get_by_role("heading", name="Hello, Rhea Verma")).to_be_visible()
    expect(page.get_by_text(BANNER)).to_have_count(0)

    # The same link a second time is refused, politely.
    goto(page, link)
    expect(page.locator("#verify-invalid")).to_be_visible(timeout=TIMEOUT)


def test_sign_out_then_wrong_password_then_next(page):
    email, password = unique_email("inout"), new_password()
    register(page, "Kabir Sethi", email, password)

    sign_out(page)
    assert session_cookie(page.context) is None
    expect(page.locator("#user-menu")).to_have_count(0)

    goto(page, "/account")
    expect(page).to_have_url(path_is("/login", next_query("/account")), timeout=TIMEOUT)

    page.fill("#email", email)
    page.fill("#password", password + "-wrong")
    page.click("#submit")
    expect(page.locator("#form-error")).to_contain_text("do not match", timeout=TIMEOUT)
    expect(page).to_have_url(path_is("/login", next_query("/account")))
    expect(page.locator("#submit")).to_be_enabled()

    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_url(path_is("/account"), timeout=TIMEOUT)
    hydrated(page)
    expect(page.get_by_role("heading", name="Account settings")).to_be_visible()
    expect(page.locator("#full_name")).to_have_value("Kabir Sethi", timeout=TIMEOUT)


def test_account_settings_time_zone_and_name_persist(page):
    email, password = unique_email("settings"), new_password()
    register(page, "Meera Iyer", email, password)

    goto(page, "/account")
    expect(page.locator("#full_name")).to_have_value("Meera Iyer", timeout=TIMEOUT)
    page.fill("#time_zone", "America/New_York")
    page.click("#save-profile")
    expect(toast(page, "Profile saved.")).to_be_visible(timeout=TIMEOUT)

    page.reload()
    hydrated(page)
    expect(page.locator("#time_zone")).to_have_value("America/New_York", timeout=TIMEOUT)

    page.fill("#full_name", "Meera Iyer-Rao")
    page.click("#save-profile")
    expect(toast(page, "Profile saved.").last).to_be_visible(timeout=TIMEOUT)
    # The navigation's user menu follows the new name at once.
    expect(page.locator("#user-menu")).to_contain_text("Meera Iyer-Rao", timeout=TIMEOUT)

    page.reload()
    hydrated(page)
    expect(page.locator("#full_name")).to_have_value("Meera Iyer-Rao", timeout=TIMEOUT)
    expect(page.locator("#time_zone")).to_have_value("America/New_York")
    goto(page, "/dashboard")
    expect(page.get_by_role("heading", name="Hello, Meera Iyer-Rao")).to_be_visible()
    expect(page.get_by_text("times shown in America/New_York")).to_be_visible()


def _change_password(page, old: str, new: str) -> None:
    page.fill("#current_password", old)
    page.fill("#password", new)
    page.fill("#confirm", new)
    # Success installs a new session cookie, then reloads the page.
    with page.expect_navigation(timeout=TIMEOUT):
        page.click("#change-password")
    hydrated(page)


def test_change_password_confirmation_is_visible_after_the_reload(page):
    email, old, new = unique_email("chpwtoast"), new_password(), new_password()
    register(page, "Anya Ghosh", email, old)
    goto(page, "/account")
    expect(page.locator("#full_name")).to_have_value("Anya Ghosh", timeout=TIMEOUT)
    _change_password(page, old, new)
    expect(page.get_by_text("Password changed")).to_be_visible(timeout=3_000)


def test_change_password_signs_out_other_devices(new_context):
    first, second = new_context(), new_context()
    a, b = first.new_page(), second.new_page()
    email, old, new = unique_email("chpw"), new_password(), new_password()
    register(a, "Tara Menon", email, old)
    sign_in(b, email, old, next_path="/account")
    expect(b.get_by_role("heading", name="Account settings")).to_be_visible()

    goto(a, "/account")
    expect(a.locator("#full_name")).to_have_value("Tara Menon", timeout=TIMEOUT)
    _change_password(a, old, new)
    # This browser gets a fresh session and stays signed in.
    goto(a, "/account")
    expect(a).to_have_url(path_is("/account"))
    expect(a.locator("#full_name")).to_have_value("Tara Menon", timeout=TIMEOUT)

    # The other browser is signed out on its next navigation.
    expect_signed_out_on_next_navigation(b)

    # The old password no longer works; the new one does.
    b.fill("#email", email)
    b.fill("#password", old)
    b.click("#submit")
    expect(b.locator("#form-error")).to_be_visible(timeout=TIMEOUT)
    b.fill("#password", new)
    b.click("#submit")
    b.wait_for_url(path_is("/account"), timeout=TIMEOUT)
    hydrated(b)
    expect(b.get_by_role("heading", name="Account settings")).to_be_visible()


def test_revoke_another_session_from_the_devices_list(new_context):
    first, second = new_context(), new_context()
    a, b = first.new_page(), second.new_page()
    email, password = unique_email("devices"), new_password()
    register(a, "Nikhil Rao", email, password)
    sign_in(b, email, password)

    goto(a, "/account")
    rows = a.locator("#sessions-table tbody tr")
    expect(rows).to_have_count(2, timeout=TIMEOUT)
    expect(a.locator("#sessions-table")).to_contain_text("This device")
    other = rows.filter(has=a.get_by_role("button", name="Sign out"))
    expect(other).to_have_count(1)
    other.get_by_role("button", name="Sign out").click()
    expect(toast(a, "That device was signed out.")).to_be_visible(timeout=TIMEOUT)
    expect(rows).to_have_count(1)

    expect_signed_out_on_next_navigation(b)
    # The revoking browser is still signed in.
    goto(a, "/account")
    expect(a).to_have_url(path_is("/account"))


def test_forgot_password_reset_link_is_single_use(new_context, live_app):
    first, second = new_context(), new_context()
    a, b = first.new_page(), second.new_page()
    email, old, new = unique_email("reset"), new_password(), new_password()
    register(a, "Ishita Bose", email, old)

    goto(b, "/login")
    b.get_by_role("link", name="Forgot your password?").click()
    b.wait_for_url(path_is("/forgot-password"))
    hydrated(b)
    b.fill("#email", email)
    b.click("#submit")
    expect(b.locator("#reset-sent")).to_be_visible(timeout=TIMEOUT)

    mail = live_app.wait_for_mail(email, "Reset")
    link = live_app.local(live_app.link_in(mail, "/reset-password"))
    goto(b, link)
    b.fill("#password", new)
    b.fill("#confirm", new)
    b.click("#submit")
    b.wait_for_url(path_is("/login"), timeout=TIMEOUT)
    hydrated(b)
    expect(toast(b, "Your password was changed")).to_be_visible(timeout=TIMEOUT)

    sign_in(b, email, new)
    expect(b.get_by_role("heading", name="Hello, Ishita Bose")).to_be_visible()

    # A reset signs out every device, including the one that registered.
    expect_signed_out_on_next_navigation(a)

    # The same link again: it says so as the page opens, with no form to fill in.
    goto(b, link)
    expect(b.locator("#reset-link-unusable")).to_contain_text("already used or has expired", timeout=TIMEOUT)
    expect(b.locator("#reset-form")).to_have_count(0)
    expect(b).to_have_url(path_is("/reset-password", "token=.*"))


def _google_chooser(page, live_app):
    """Open the login page and follow "Continue with Google" to the emulator's chooser.

    The button's own click is broken (see test_google_button_click_leaves_the_app), so this
    follows its href with a full-page navigation: what the click must do once fixed.
    """
    goto(page, "/login")
    href = page.get_attribute("#google-signin", "href")
    assert href and href.startswith("/api/auth/google/start?next="), href
    page.goto(href)
    page.wait_for_url(re.compile(re.escape(live_app.google_url) + r"/o/oauth2/v2/auth\?.*"), timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Choose an account")).to_be_visible()


def test_google_button_click_reaches_the_account_chooser(page, live_app):
    goto(page, "/login")
    page.click("#google-signin")
    page.wait_for_url(re.compile(re.escape(live_app.google_url) + r"/o/oauth2/v2/auth\?.*"), timeout=5_000)
    expect(page.get_by_role("heading", name="Choose an account")).to_be_visible()


def _google_other_account(page, live_app, email: str, name: str):
    _google_chooser(page, live_app)
    page.fill("#other-email", email)
    page.fill("#other-name", name)
    expect(page.locator("#other-verified")).to_be_checked()
    page.click("#other-submit")


def test_google_sign_in_creates_then_reuses_the_account(page, live_app):
    email = unique_email("google")
    _google_other_account(page, live_app, email, "Gauri Kulkarni")
    page.wait_for_url(path_is("/dashboard"), timeout=TIMEOUT)
    hydrated(page)
    expect(page.get_by_role("heading", name="Hello, Gauri Kulkarni")).to_be_visible(timeout=TIMEOUT)
    cookie = session_cookie(page.context)
    assert cookie and cookie["httpOnly"]
    # Google has verified the address: no "confirm your email" banner.
    expect(page.get_by_text(BANNER)).to_have_count(0)

    sign_out(page)

    _google_chooser(page, live_app)
    slug = re.sub(r"[^a-z0-9]+", "-", email.lower()).strip("-")
    page.click(f"#account-{slug}")
    page.wait_for_url(path_is("/dashboard"), timeout=TIMEOUT)
    hydrated(page)
    goto(page, "/account")
    expect(page.locator("#full_name")).to_have_value("Gauri Kulkarni", timeout=TIMEOUT)
    expect(page.locator("#profile-section")).to_contain_text(email)
    expect(page.locator("#profile-section")).to_contain_text("Verified")
    # Signed in with Google only: no current password to ask for.
    expect(page.locator("#current_password")).to_have_count(0)
    expect(page.get_by_text("You sign in with Google.")).to_be_visible()


def test_google_sign_in_links_to_existing_verified_account(page, live_app):
    _google_other_account(page, live_app, STUDENT_EMAIL, "Somebody Else")
    page.wait_for_url(path_is("/dashboard"), timeout=TIMEOUT)
    hydrated(page)
    expect(page.get_by_role("heading", name=f"Hello, {STUDENT_NAME}")).to_be_visible(timeout=TIMEOUT)


def test_google_cancel_returns_to_login_with_message(page, live_app):
    _google_chooser(page, live_app)
    page.click("#cancel")
    page.wait_for_url(path_is("/login", "error=google_cancelled"), timeout=TIMEOUT)
    hydrated(page)
    expect(page.locator("#form-error")).to_contain_text("Google sign-in was cancelled.")
    assert session_cookie(page.context) is None


def test_hello_page_guards(new_context, demo_login):
    anon = new_context().new_page()
    goto(anon, "/hello")
    expect(anon).to_have_url(path_is("/login", next_query("/hello")), timeout=TIMEOUT)

    student = new_context(storage_state=demo_login(STUDENT_EMAIL)).new_page()
    goto(student, "/hello")
    expect(student.locator("#hello-greeting")).to_contain_text(STUDENT_NAME, timeout=TIMEOUT)
    expect(student.locator("#hello-greeting")).to_contain_text("Asia/Kolkata")

    admin = new_context(storage_state=demo_login(ADMIN_EMAIL)).new_page()
    goto(admin, "/hello")
    expect(toast(admin, "You do not have permission")).to_be_visible(timeout=TIMEOUT)
    expect(admin.locator("#hello-greeting")).to_have_text("")
    expect(admin).to_have_url(path_is("/hello"))
