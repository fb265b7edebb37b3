"""The security headers' content (api/security_headers.py); the live app's responses are
checked in tests/e2e/test_security_headers.py."""

from __future__ import annotations

import base64
import hashlib

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from tutorconnect.api.security_headers import (
    SecurityHeadersMiddleware,
    content_security_policy,
    inline_script_hashes,
    permissions_policy,
    security_headers,
)
from tutorconnect.config import Settings


def _settings(**values) -> Settings:
    base = {"app_env": "test", "secret_key": "k" * 40, "public_base_url": "http://localhost:3000"}
    return Settings(_env_file=None, **{**base, **values})


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";"))}


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_inline_scripts_of_every_compiled_page_are_hashed_and_external_ones_are_not(tmp_path):
    (tmp_path / "login").mkdir()
    (tmp_path / "index.html").write_text('<script>one()</script><script src="/a.js"></script>'
                                         '<script type="module" async="">import "/b.js";</script>')
    (tmp_path / "login" / "index.html").write_text("<script>one()</script><SCRIPT id=x>two()\n</SCRIPT>")
    (tmp_path / "not-a-page.js").write_text("<script>three()</script>")
    assert inline_script_hashes(tmp_path) == sorted({_sha("one()"), _sha('import "/b.js";'), _sha("two()\n")})
    assert inline_script_hashes(tmp_path / "missing") == [] and inline_script_hashes(None) == []


def test_the_policy_in_development_points_at_the_emulator_and_the_page_origin():
    settings = _settings(razorpay_base_url="http://127.0.0.1:8070")
    csp = _directives(content_security_policy(settings, ["'sha256-abc'"]))
    assert csp["script-src"] == ["'self'", "'unsafe-eval'", "'sha256-abc'", "http://127.0.0.1:8070"]
    assert csp["connect-src"] == ["'self'", "ws://localhost:3000", "ws://127.0.0.1:3000", "http://127.0.0.1:8070"]
    assert csp["frame-src"] == ["http://127.0.0.1:8070"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert "upgrade-insecure-requests" not in csp
    permissions = permissions_policy(settings)
    assert 'payment=(self "http://127.0.0.1:8070")' in permissions
    for feature in ("camera", "microphone", "geolocation", "usb"):
        assert f"{feature}=()" in permissions


def test_the_policy_in_production_allows_real_razorpay_and_sends_hsts():
    settings = _settings(public_base_url="https://tutors.example.com", razorpay_key_id="rzp_live_abc",
                         razorpay_key_secret="s")
    headers = {k.decode(): v.decode() for k, v in security_headers(settings, [])}
    csp = _directives(headers["content-security-policy"])
    assert "https://checkout.razorpay.com" in csp["script-src"]
    assert "https://api.razorpay.com" in csp["frame-src"] and "https://api.razorpay.com" in csp["connect-src"]
    assert "wss://tutors.example.com" in csp["connect-src"]
    assert "upgrade-insecure-requests" in csp
    assert headers["strict-transport-security"] == "max-age=31536000"
    assert 'payment=(self "https://api.razorpay.com" "https://checkout.razorpay.com")' in headers["permissions-policy"]
    assert "strict-transport-security" not in dict(security_headers(_settings(hsts_max_age_seconds=0), []))
    https_without_hsts = _settings(public_base_url="https://t.example.com", hsts_max_age_seconds=0)
    assert b"strict-transport-security" not in dict(security_headers(https_without_hsts, []))
    assert b"strict-transport-security" not in dict(security_headers(_settings(), []))


def test_the_middleware_adds_the_headers_and_keeps_a_routes_own(tmp_path):
    async def plain(request):
        return PlainTextResponse("hi")

    async def own(request):
        return PlainTextResponse("doc", headers={"Content-Security-Policy": "sandbox", "Referrer-Policy": "no-referrer"})

    inner = Starlette(routes=[Route("/plain", plain), Route("/own", own)])
    (tmp_path / "index.html").write_text("<script>boot()</script>")
    client = TestClient(SecurityHeadersMiddleware(inner, settings=_settings(), static_dir=tmp_path))
    response = client.get("/plain")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert _sha("boot()") in _directives(response.headers["content-security-policy"])["script-src"]
    assert client.get("/missing").headers["x-frame-options"] == "DENY"  # a 404 too
    response = client.get("/own")
    assert response.headers.get_list("content-security-policy") == ["sandbox"]
    assert response.headers.get_list("referrer-policy") == ["no-referrer"]
    assert response.headers["x-frame-options"] == "DENY"
