"""Security headers on every HTTP response of the live app (issue #14, item 1): the
prerendered pages, the compiled static assets, Reflex's own routes and our API routes,
signed in or not. The browser tests prove the policy lets the app work (the e2e
conftest fails any test during which a page reported a Content Security Policy
violation); this file proves the headers are there and say what they should."""

from __future__ import annotations

import hashlib
import base64
import re

import httpx
import pytest

from tests.e2e.helpers import query, session_cookie_for

pytestmark = pytest.mark.e2e

STUDENT = "student@tutorconnect.test"


def _csp(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers.get("content-security-policy")
    assert policy, f"{response.request.url}: no Content-Security-Policy"
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_common(response: httpx.Response) -> None:
    where = f"{response.request.method} {response.request.url} ({response.status_code})"
    headers = response.headers
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") in ("strict-origin-when-cross-origin", "no-referrer"), where
    permissions = headers.get("permissions-policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "usb=()"):
        assert feature in permissions, f"{where}: {feature} not in {permissions!r}"
    assert "payment=(self" in permissions, where
    # PUBLIC_BASE_URL is http here: no HSTS (an http origin cannot set it anyway).
    assert "strict-transport-security" not in headers, where
    csp = _csp(response)
    assert csp.get("frame-ancestors") == ["'none'"], where


@pytest.fixture(scope="module")
def client(live_app):
    with httpx.Client(base_url=live_app.base_url, timeout=15, follow_redirects=False) as c:
        yield c


@pytest.mark.parametrize("path", ["/", "/login", "/tutors", "/bookings", "/no-such-page"])
def test_pages_send_the_policy_and_allow_exactly_their_inline_scripts(client, live_app, path):
    response = client.get(path, follow_redirects=True)  # /login -> /login/ (307) first
    assert response.status_code in (200, 404), (path, response.status_code)
    assert "text/html" in response.headers["content-type"]
    for answer in (*response.history, response):
        _assert_common(answer)
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    csp = _csp(response)
    script = csp["script-src"]
    assert "'self'" in script and "'unsafe-inline'" not in script and "*" not in script
    # Every inline script of the page is allowed by its hash, and only by its hash.
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", response.text, re.S)
    assert inline, "the prerendered page has inline bootstrap scripts"
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script, f"{path}: inline script not allowed: {body[:80]!r}"
    # Razorpay Checkout: the script and its API (here the emulator's origin).
    assert live_app.razorpay_url in script
    assert live_app.razorpay_url in csp["connect-src"] and live_app.razorpay_url in csp["frame-src"]
    # The websocket on the page's own origin.
    assert "'self'" in csp["connect-src"]
    assert live_app.base_url.replace("http://", "ws://") in csp["connect-src"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["default-src"] == ["'self'"] and csp["form-action"] == ["'self'"]
    for directive in ("img-src", "style-src", "font-src"):
        assert "*" not in csp[directive] and "https:" not in csp[directive], directive


def test_a_signed_in_page_cannot_be_framed(client, live_app):
    cookie = session_cookie_for(live_app, STUDENT)
    response = client.get("/bookings", cookies={cookie["name"]: cookie["value"]}, follow_redirects=True)
    assert response.status_code == 200
    _assert_common(response)


def test_static_assets_and_reflex_routes_send_the_headers(client, db):
    page = client.get("/login", follow_redirects=True).text
    script = re.search(r'<link rel="modulepreload" href="(/assets/[^"]+\.js)"', page).group(1)
    stylesheet = re.search(r'href="(/assets/[^"]+\.css)"', page).group(1)
    avatar = query(db, "select photo_path from tutor_profiles where photo_path like '/avatars/%' limit 1")[0][0]
    for path in (script, stylesheet, avatar, "/favicon.svg", "/styles.css", "/ping", "/_health"):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, path
        _assert_common(response)


def test_api_routes_send_the_headers(client):
    for method, path in (("GET", "/health"), ("GET", "/ready"), ("POST", "/api/auth/session"),
                         ("GET", "/media/photos/nothing-here.webp"), ("GET", "/api/bookings/not-an-id.ics"),
                         ("POST", "/api/webhooks/razorpay")):
        response = client.request(method, path)
        assert response.status_code < 500, (method, path, response.status_code)
        _assert_common(response)


def test_an_injected_inline_script_is_blocked_and_the_browser_fixtures_notice(new_context, live_app):
    """What the policy is for: markup that gets into a page cannot run script. The e2e
    conftest records the violation (and would fail any other test at teardown)."""
    from tests.e2e import conftest
    from tests.e2e.helpers import goto

    page = new_context().new_page()
    goto(page, "/login")
    ran = page.evaluate("""() => {
        window.__injected = false;
        const s = document.createElement("script");
        s.textContent = "window.__injected = true";
        document.body.appendChild(s);
        return window.__injected;
    }""")
    page.wait_for_timeout(200)  # the console message reaches the listener
    found = list(conftest.csp_violations)
    conftest.csp_violations.clear()  # expected here: not a failure of this test
    assert ran is False
    assert any("Content Security Policy" in v and "/login" in v for v in found), found
