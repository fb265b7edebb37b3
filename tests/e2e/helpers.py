"""Small steps shared by the browser tests: navigate and wait for hydration, sign in as a
person would, register, read toasts."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import BrowserContext, Page, expect

DEMO_PASSWORD = "demo-password-1"
ADMIN_EMAIL = "admin@tutorconnect.test"
STUDENT_EMAIL = "student@tutorconnect.test"
TUTOR_EMAIL = "tutor@tutorconnect.test"
STUDENT_NAME = "Aarav Patel"

TIMEOUT = 15_000  # ms: argon2 plus a websocket round trip is well under this


def hydrated(page: Page) -> None:
    """The websocket has connected and the state arrived (prerendered HTML comes earlier)."""
    page.wait_for_selector("#hydrated", state="attached", timeout=TIMEOUT)


_SETTLED = """async () => {
  await document.fonts.ready;
  await Promise.all([...document.images].map(img => img.complete ? null : img.decode().catch(() => null)));
  // Fades, slides and skeleton hand-overs: every finite animation or transition running now.
  const finite = document.getAnimations().filter(a => a.playState === 'running'
      && a.effect && a.effect.getComputedTiming().endTime !== Infinity);
  await Promise.all(finite.map(a => a.finished.catch(() => null)));
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  return true;
}"""


def settled(page: Page) -> None:
    """Fonts loaded, images decoded and every finite animation finished, then two frames
    painted: the page looks as a person sees it (for screenshots and layout checks),
    without a fixed sleep."""
    page.evaluate(_SETTLED)


# Reflex's client refuses a new upload while one with the same upload id is still in flight
# ("Upload already in progress", reflex_base/.templates/web/utils/helpers/upload.js), and it
# applies the handler's changes (an error shown, a preview) as they stream in, before the
# request has ended. A person picks the next file seconds later; a test that acts on the
# first upload's message at once can have its next upload dropped (clean-clone run 41).
# So a test counts the uploads in flight and starts the next one when none is.
_COUNT_UPLOADS = """(() => {
  window.__tcUploads = 0;
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (body) {
    if (body instanceof FormData) {
      window.__tcUploads += 1;
      this.addEventListener("loadend", () => { window.__tcUploads -= 1; });
    }
    return send.call(this, body);
  };
})();"""


def count_uploads(context: BrowserContext) -> None:
    """Every page of `context` counts its uploads in flight (for `upload_ready`)."""
    context.add_init_script(_COUNT_UPLOADS)


def upload_ready(page: Page) -> None:
    """No upload in flight: the app will accept the next one (the request's `loadend` comes
    after Reflex has released the upload id)."""
    page.wait_for_function("window.__tcUploads === 0", timeout=TIMEOUT)


def switch_to_dark(page: Page) -> None:
    """The open page in dark mode, without loading it again: the app follows the system's
    colour scheme as it changes, so emulating a dark system switches it in place (a page
    opened in a light context). Screenshots of both modes cost one page load."""
    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"), timeout=TIMEOUT)
    settled(page)


def goto(page: Page, url: str) -> None:
    page.goto(url)
    hydrated(page)


def path_is(path: str, query: str | None = None) -> re.Pattern[str]:
    """A URL pattern: this exact path (the static build may add a trailing slash) on any
    origin, and no query unless `query` (a regex for what follows "?") is given."""
    pattern = r"^https?://[^/]+" + re.escape(path.rstrip("/")) + "/?"
    if query is not None:
        pattern += r"\?" + query
    return re.compile(pattern + "$")


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"


def new_password() -> str:
    return "Maple-" + uuid.uuid4().hex[:6] + "-river"


def sign_in(page: Page, email: str, password: str, *, next_path: str | None = None, expect_path: str | None = None) -> None:
    """Sign in through the login form; wait for the full-page navigation that follows."""
    goto(page, "/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_url(path_is(expect_path or next_path or "/dashboard"), timeout=TIMEOUT)
    hydrated(page)


def session_cookie_for(live_app, email: str, password: str = DEMO_PASSWORD) -> dict:
    """A Playwright cookie holding a new session for `email`: the sign-in handler over the
    websocket, then /api/auth/session, as the login form does it but from a loopback address
    of its own, so the app's per-IP sign-in limit never decides a test. Tests of the form
    itself use sign_in()."""
    from tests.support.reflex_ws import random_loopback_ip, sign_in as sign_in_over_socket

    name, value = sign_in_over_socket(live_app.base_url, email, password, source_ip=random_loopback_ip()).split("=", 1)
    return {"name": name, "value": value, "url": live_app.base_url, "httpOnly": True, "sameSite": "Lax"}


def register(page: Page, name: str, email: str, password: str, *, tutor: bool = False) -> None:
    goto(page, "/register" + ("?as=tutor" if tutor else ""))
    page.fill("#full_name", name)
    page.fill("#email", email)
    page.fill("#password", password)
    page.fill("#confirm", password)
    page.click("#submit")
    page.wait_for_url(path_is("/dashboard", "welcome=1"), timeout=TIMEOUT)
    hydrated(page)
    expect(page.get_by_role("heading", name=f"Hello, {name}")).to_be_visible()


def sign_out(page: Page) -> None:
    page.click("#user-menu")
    page.click("#sign-out")
    page.wait_for_url(path_is("/"), timeout=TIMEOUT)
    hydrated(page)
    expect(page.locator("#nav-login")).to_be_visible()


def expect_signed_out_on_next_navigation(page: Page, path: str = "/account") -> None:
    goto(page, path)
    expect(page).to_have_url(path_is("/login", next_query(path)), timeout=TIMEOUT)


def next_query(path: str) -> str:
    """The query of the sign-in redirect for `path`: the static build may add a trailing
    slash, and the path may be URL-encoded (/ as %2F)."""
    slash = "(/|%2F)"
    return "next=" + slash.join(re.escape(part) for part in path.rstrip("/").split("/")) + slash + "?"


def toast(page: Page, text: str):
    return page.locator("[data-sonner-toast]", has_text=text)


def session_cookie(context: BrowserContext) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == "tc_session"), None)


def query(db, sql: str, **params) -> list:
    """Run one statement on the live app's database (the `db` engine fixture) in its own
    committed transaction; rows for a query, else []."""
    from sqlalchemy import text

    with db.begin() as conn:
        result = conn.execute(text(sql), params)
        return list(result) if result.returns_rows else []
