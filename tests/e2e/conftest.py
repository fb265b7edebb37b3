"""Fixtures for the browser and websocket tests: one live app for the whole session
(with Redis, a real Celery worker and several Reflex backend workers), and Chromium."""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest

from tests.e2e.attack_support import people  # noqa: F401  (one signed-in set per session)
from tests.support.live_app import start_live_app
from tests.support.parallel import worker_id
from tests.support.xdist_order import runs_browser_files

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Debian's chromium-headless-shell: Chromium's own engine (Blink, V8, the same rendering)
# without the desktop browser around it, which Playwright also runs by default for
# headless tests. A page opens and hydrates in 0.56x the time of full Chromium's headless
# mode (bench/browser_bench.py), and browser tests are most of the suite's CPU.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


_early: dict[str, Future] = {}


def _start_in_background() -> Future:
    future: Future = Future()
    # The environment now, before any test: the thread starts the app while tests run, and
    # their monkeypatched variables must not become the app's (clean-clone run 44).
    env = dict(os.environ)

    def start() -> None:
        try:
            future.set_result(start_live_app(ARTIFACTS / f"live-app-{worker_id()}", redis=True, name="e2e",
                                             base_env=env))
        except BaseException as error:  # noqa: BLE001 - handed to the fixture, which raises it
            future.set_exception(error)

    threading.Thread(target=start, name="live-app-start", daemon=True).start()
    return future


def pytest_collection_finish(session):
    """Start this worker's live app as soon as the run has browser tests, in the background.

    Every worker runs its service files first and its browser files after them
    (tests/support/xdist_order.py); the run's frontend build and the app's start (about
    45 s under a full run's load) then happen while those service tests run, which leave
    a fifth of the CPU idle waiting on PostgreSQL, Redis and Celery, instead of in front
    of the worker's first browser test. The `live_app` fixture takes the app when it is
    ready; a worker that is never given a browser file stops it at the end."""
    if session.config.option.collectonly:
        return
    if runs_browser_files(worker_id() if os.environ.get("PYTEST_XDIST_WORKER") else "main") and any(
            "live_app" in getattr(item, "fixturenames", ()) for item in session.items):
        _early["app"] = _start_in_background()


def pytest_sessionfinish(session):
    future = _early.pop("app", None)
    if future is not None:
        try:
            future.result().stop()
        except BaseException:  # noqa: BLE001 - it never started: nothing to stop
            pass


@pytest.fixture(scope="session")
def live_app():
    future = _early.get("app") or _start_in_background()
    app = future.result()
    yield app
    _early.pop("app", None)
    app.stop()  # its database goes with the run's (tests/conftest.py, pytest_unconfigure)


@pytest.fixture(scope="session")
def db(live_app):
    """An engine on the live app's database, for checking what the pages wrote."""
    from sqlalchemy import create_engine

    from tutorconnect.db import normalize_url

    engine = create_engine(normalize_url(live_app.database_url))
    yield engine
    engine.dispose()


# -- no Content Security Policy violation on any page (issue #14) ------------------------------
# Chromium reports a blocked script, style, connection, frame or eval on the console
# ("Refused to ... because it violates the following Content Security Policy directive");
# the init script also reports each `securitypolicyviolation` event there, in case a
# violation is only an event. Every context made from the session's browser, however a
# test makes it (`page`, `new_context`, `browser.new_context`), is listened to, and a test
# during which any page reported one fails at teardown. A Permissions-Policy header that
# Chromium cannot read (an unknown feature) counts too.
_CSP_MARKERS = ("Content Security Policy", "Refused to", "Permissions-Policy")
_CSP_REPORTER = """document.addEventListener("securitypolicyviolation", (e) => console.error(
  "Content Security Policy violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
  + " at " + e.sourceFile + ":" + e.lineNumber));"""
csp_violations: list[str] = []


def _listen_for_csp_violations(context) -> None:
    def on_console(msg) -> None:
        if any(marker in msg.text for marker in _CSP_MARKERS):
            page = msg.page.url if msg.page else "?"
            csp_violations.append(f"[{msg.type}] {page}: {msg.text}")

    def on_error(error) -> None:
        text = str(error.error)
        if any(marker in text for marker in _CSP_MARKERS):
            csp_violations.append(f"[pageerror] {error.page.url if error.page else '?'}: {text}")

    context.on("console", on_console)
    context.on("weberror", on_error)
    context.add_init_script(_CSP_REPORTER)


@pytest.fixture(scope="session")
def browser(browser):
    """pytest-playwright's browser, whose every new context reports CSP violations."""
    original_new_context, original_new_page = browser.new_context, browser.new_page

    def new_context(*args, **kwargs):
        context = original_new_context(*args, **kwargs)
        _listen_for_csp_violations(context)
        return context

    def new_page(*args, **kwargs):
        page = original_new_page(*args, **kwargs)
        _listen_for_csp_violations(page.context)
        return page

    browser.new_context, browser.new_page = new_context, new_page
    return browser


@pytest.fixture(autouse=True)
def _no_csp_violation():
    """Fails the test (at teardown, after its contexts closed) if a page reported one."""
    csp_violations.clear()
    yield
    found, csp_violations[:] = list(csp_violations), []
    if found:
        pytest.fail("Content Security Policy violations:\n" + "\n".join(found[:20]), pytrace=False)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = ARTIFACTS / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- added for the account/admin/visual flows ---------------------------------------------
@pytest.fixture(scope="session")
def base_url(live_app) -> str:
    """pytest-playwright's contexts resolve relative URLs (page.goto("/login")) against it."""
    return live_app.base_url


@pytest.fixture(scope="session")
def demo_login(live_app):
    """demo_login(email) -> a storage_state (cookies only) signed in as that demo account.

    One session per demo account per worker, made by the sign-in handler and
    /api/auth/session (helpers.session_cookie_for); the login form itself is tested in
    test_account_flows. Only cookies are kept: the colour-mode choice and Reflex's client
    token must not leak from one context to another.
    """
    from tests.e2e.helpers import session_cookie_for

    cache: dict[str, dict] = {}

    def get(email: str) -> dict:
        if email not in cache:
            cache[email] = {"cookies": [session_cookie_for(live_app, email)], "origins": []}
        return cache[email]

    return get
