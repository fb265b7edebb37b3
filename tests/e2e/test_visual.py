"""Screenshots of every page in light and dark mode and at phone width, for a person to look
at (test-artifacts/screenshots/<name>-<mode>.png), plus the layout facts that can be
checked mechanically: dark mode really changes the page, nothing scrolls sideways on a
phone, the phone navigation replaces the desktop one."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import ADMIN_EMAIL, STUDENT_EMAIL, TIMEOUT, TUTOR_EMAIL, goto, settled, switch_to_dark

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# name -> (path, signed in as, a selector that shows the page's data has arrived)
PAGES: dict[str, tuple[str, str | None, str]] = {
    "home": ("/", None, "#featured-tutors"),
    "login": ("/login", None, "#login-form"),
    "register": ("/register", None, "#register-form"),
    "forgot-password": ("/forgot-password", None, "#forgot-form"),
    "dashboard-student": ("/dashboard", STUDENT_EMAIL, "#dashboard"),
    "dashboard-tutor": ("/dashboard", TUTOR_EMAIL, "#dashboard"),
    "dashboard-admin": ("/dashboard", ADMIN_EMAIL, "#dashboard"),
    "account": ("/account", STUDENT_EMAIL, "#sessions-table"),
    "admin-users": ("/admin/users", ADMIN_EMAIL, "#users-table"),
    "admin-audit": ("/admin/audit", ADMIN_EMAIL, "#audit-table"),
    "404": ("/no-such-page", None, "text=We could not find that page"),
}

# The shell's outermost box paints the page background (body itself is transparent).
SHELL_BACKGROUND = "getComputedStyle(document.querySelector('#hydrated').parentElement).backgroundColor"


def _open(new_context, demo_login, name: str, *, color_scheme: str = "light", viewport=DESKTOP):
    path, who, ready = PAGES[name]
    kwargs = {"color_scheme": color_scheme, "viewport": viewport}
    if who:
        kwargs["storage_state"] = demo_login(who)
    page = new_context(**kwargs).new_page()
    goto(page, path)
    expect(page.locator(ready).first).to_be_visible(timeout=TIMEOUT)
    if who:
        expect(page.locator("#user-menu")).to_be_attached(timeout=TIMEOUT)
    settled(page)
    return page


@pytest.mark.parametrize("name", list(PAGES))
def test_page_in_light_and_dark(name, new_context, demo_login, artifacts):
    """One load per page, both modes (helpers.switch_to_dark)."""
    backgrounds = {}
    page = _open(new_context, demo_login, name, color_scheme="light")
    for mode in ("light", "dark"):
        if mode == "dark":
            switch_to_dark(page)
        assert page.evaluate("m => document.documentElement.classList.contains(m)", mode), mode
        backgrounds[mode] = page.evaluate(SHELL_BACKGROUND)
        page.screenshot(path=artifacts / f"{name}-{mode}.png", full_page=True)
        # Nothing should scroll sideways on a laptop screen either.
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
        # Desktop navigation: links visible, the phone menu hidden.
        expect(page.get_by_role("button", name="Open menu")).to_be_hidden()
    assert backgrounds["light"] != backgrounds["dark"], backgrounds


@pytest.mark.parametrize("name", ["home", "login", "account"])
def test_phone_width(name, new_context, demo_login, artifacts):
    page = _open(new_context, demo_login, name, viewport=PHONE)
    page.screenshot(path=artifacts / f"{name}-phone.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width}px wide"
    expect(page.get_by_role("button", name="Open menu")).to_be_visible()
    if PAGES[name][1]:
        expect(page.locator("#user-menu")).to_be_hidden()
        expect(page.get_by_role("link", name="Dashboard")).to_be_hidden()
    else:
        expect(page.locator("#nav-login")).to_be_hidden()
        expect(page.locator("#nav-register")).to_be_hidden()

    # The phone menu offers what the hidden desktop navigation did.
    page.get_by_role("button", name="Open menu").click()
    menu = page.get_by_role("menu")
    expect(menu).to_be_visible()
    if PAGES[name][1]:
        expect(menu.get_by_role("menuitem", name="Account settings")).to_be_visible()
        expect(menu.get_by_role("menuitem", name="Sign out")).to_be_visible()
    else:
        expect(menu.get_by_role("menuitem", name="Sign in")).to_be_visible()
        expect(menu.get_by_role("menuitem", name="Create account")).to_be_visible()


def test_pages_have_landmarks(page):
    goto(page, "/login")
    counts = page.evaluate("['header', 'main', 'footer'].map(t => document.querySelectorAll(t).length)")
    assert counts == [1, 1, 1], counts


def test_404_page_navigation_finishes_loading(page):
    goto(page, "/no-such-page")
    expect(page.get_by_text("We could not find that page")).to_be_visible()
    expect(page.locator("#nav-login")).to_be_visible(timeout=5_000)


def test_spacing_props_take_effect(new_context, demo_login):
    page = _open(new_context, demo_login, "home")
    badge_gap = page.evaluate(
        """() => { const b = [...document.querySelectorAll('.rt-Badge')].filter(e => /·\\s*\\d+$/.test(e.textContent));
                   return b[1].getBoundingClientRect().left - b[0].getBoundingClientRect().right; }"""
    )
    page = _open(new_context, demo_login, "admin-users")
    filter_gap = page.evaluate(
        """() => { const a = document.querySelector('input[name=q]').closest('form').getBoundingClientRect();
                   const b = document.querySelector('.rt-SegmentedControlRoot').getBoundingClientRect();
                   return Math.max(b.top - a.bottom, b.left - a.right); }"""
    )
    assert badge_gap > 0 and filter_gap > 0, {"subject badge gap": badge_gap, "search/role filter gap": filter_gap}


def test_tutor_card_contents_stay_inside_the_card(new_context, demo_login):
    page = _open(new_context, demo_login, "home")
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('#featured-tutors .rt-Card')].flatMap(card => {
             const edge = card.getBoundingClientRect().right;
             return [...card.querySelectorAll('.rt-Badge')]
               .filter(e => e.getBoundingClientRect().right > edge - 4).map(e => e.textContent); })"""
    )
    assert overflowing == [], overflowing


def test_session_device_icon_keeps_its_size(new_context, demo_login):
    # The demo tutor has one or more sessions in this suite (the websocket attack tests sign
    # in too); every row's icon must keep its size.
    page = new_context(viewport=DESKTOP, storage_state=demo_login(TUTOR_EMAIL)).new_page()
    goto(page, "/account")
    expect(page.locator("#sessions-table tbody tr").first).to_be_visible(timeout=TIMEOUT)
    widths = page.evaluate(
        "[...document.querySelectorAll('#sessions-table tbody tr td:first-child svg')].map(s => s.getBoundingClientRect().width)"
    )
    assert widths and min(widths) >= 15, widths
