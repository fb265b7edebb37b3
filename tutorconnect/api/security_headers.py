"""Security headers on every HTTP response of the backend (issue #14).

`SecurityHeadersMiddleware` wraps the whole backend ASGI app (the last transform of
`rx.App(api_transformer=...)`), so the compiled pages and static assets that Reflex serves
in production single-port mode get the headers as well as our API routes and Reflex's own
(`/ping`, `/_health`, `/_upload`). A header a route set itself is kept (tutor documents and
photos have a stricter CSP and their own Referrer-Policy).

The Content-Security-Policy, and why each allowance is there:
- `script-src 'self'` plus the SHA-256 of each inline script of the compiled pages. Reflex
  0.10's prerendered HTML carries a few inline bootstrap scripts (the colour-mode script,
  React Router's scroll restoration, context and route-module imports, React's streaming
  `$RC` helpers); they are static files, so no nonce is possible, and their hashes are read
  from the compiled frontend (`.web/build/client/**/*.html`) on the first request. No
  'unsafe-inline' for scripts.
- `'unsafe-eval'`: Reflex runs `rx.call_script` / `rx.call_function` payloads and their
  callbacks with `eval` in `.web/utils/state.js` (`_call_script`); the app uses them
  (sign-in handoff, Razorpay checkout, the checkout countdown, the picker's time zone).
  The code evaluated always comes from our backend over the websocket, never from a URL
  or user text; dropping 'unsafe-eval' needs those handlers rewritten without call_script.
- `style-src 'self' 'unsafe-inline'`: Emotion (Reflex's styled components) and Sonner
  (toasts) insert `<style>` elements at run time, Radix writes `style=""` attributes in the
  prerendered HTML, and the Razorpay emulator's checkout styles its shadow root; their
  contents change at run time, so no hash can list them. Styles cannot run script.
- `connect-src 'self'` plus the ws:/wss: twins of PUBLIC_BASE_URL and ALLOWED_ORIGINS (the
  websocket), and Razorpay's API; `img-src 'self' data: blob:` (icons inlined in CSS,
  previews of files picked for upload); `frame-src` Razorpay Checkout's iframe;
  `frame-ancestors 'none'`, `object-src 'none'`, `base-uri 'none'`, `form-action 'self'`.
- Razorpay: the origin of `razorpay_checkout_js_url` (the local emulator in development and
  tests) for the script, and the API origin for connections and the checkout frame; with
  the real Razorpay, https://checkout.razorpay.com and https://api.razorpay.com, plus its
  telemetry (lumberjack) and image CDN hosts.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tutorconnect.config import Settings, get_settings

log = logging.getLogger(__name__)

_INLINE_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
_HAS_SRC = re.compile(rb"\bsrc\s*=", re.I)
REAL_RAZORPAY = {
    "script": ("https://checkout.razorpay.com",),
    "frame": ("https://api.razorpay.com", "https://checkout.razorpay.com"),
    "connect": ("https://api.razorpay.com", "https://checkout.razorpay.com", "https://lumberjack.razorpay.com"),
    "img": ("https://cdn.razorpay.com",),
}
# Powerful features the app never uses are denied to every frame; payment only to the page
# and Razorpay Checkout's iframe; fullscreen to the page.
_DENIED_FEATURES = (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope", "hid",
    "idle-detection", "magnetometer", "microphone", "midi", "publickey-credentials-get", "screen-wake-lock",
    "serial", "usb", "xr-spatial-tracking",
)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _unique(items) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def inline_script_hashes(static_dir: Path | None) -> list[str]:
    """'sha256-...' of every distinct inline <script> in the compiled pages under static_dir."""
    if static_dir is None or not static_dir.is_dir():
        return []
    found: set[str] = set()
    for page in sorted(static_dir.rglob("*.html")):
        for match in _INLINE_SCRIPT.finditer(page.read_bytes()):
            if _HAS_SRC.search(match.group(1)):
                continue
            digest = base64.b64encode(hashlib.sha256(match.group(2)).digest()).decode()
            found.add(f"'sha256-{digest}'")
    return sorted(found)


def compiled_frontend_dir() -> Path | None:
    """Where Reflex serves the compiled pages from in production single-port mode (the same
    folder `reflex.utils.exec.get_frontend_mount` serves)."""
    try:
        from reflex.utils import prerequisites
        from reflex_base import constants
        from reflex_base.config import get_config
    except ImportError:  # pragma: no cover - Reflex is always installed with the app
        return None
    return (prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")).resolve()


def razorpay_sources(settings: Settings) -> dict[str, tuple[str, ...]]:
    checkout = _origin(settings.razorpay_checkout_js_url)
    api = _origin(settings.razorpay_api_base_url)
    if checkout == "https://checkout.razorpay.com":
        return REAL_RAZORPAY
    return {"script": (checkout,), "frame": (api, checkout), "connect": (api, checkout), "img": ()}


def content_security_policy(settings: Settings, script_hashes: list[str]) -> str:
    rzp = razorpay_sources(settings)
    sockets = []
    for origin in (settings.public_base_url, *settings.allowed_origins):
        origin = _origin(origin)
        if origin.startswith("https://"):
            sockets.append("wss://" + origin.removeprefix("https://"))
        elif origin.startswith("http://"):
            sockets.append("ws://" + origin.removeprefix("http://"))
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'", *script_hashes, *rzp["script"]],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *rzp["img"]],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", *sockets, *rzp["connect"]],
        "frame-src": [*rzp["frame"]] or ["'none'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "media-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    policy = "; ".join(f"{name} {' '.join(_unique(values))}" for name, values in directives.items())
    if settings.public_base_url.startswith("https://"):
        policy += "; upgrade-insecure-requests"
    return policy


def permissions_policy(settings: Settings) -> str:
    rzp = razorpay_sources(settings)
    payment = " ".join(["self", *(f'"{o}"' for o in _unique(rzp["frame"]))])
    return ", ".join([*(f"{feature}=()" for feature in _DENIED_FEATURES), f"payment=({payment})", "fullscreen=(self)"])


def security_headers(settings: Settings, script_hashes: list[str]) -> list[tuple[bytes, bytes]]:
    headers = [
        ("Content-Security-Policy", content_security_policy(settings, script_hashes)),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", permissions_policy(settings)),
    ]
    if settings.public_base_url.startswith("https://") and settings.hsts_max_age_seconds:
        headers.append(("Strict-Transport-Security", f"max-age={settings.hsts_max_age_seconds}"))
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]


class SecurityHeadersMiddleware:
    """Adds the headers above to every `http.response.start` that lacks them. The policy is
    built on the first request (the compiled frontend exists by then) and kept."""

    def __init__(self, app: ASGIApp, settings: Settings | None = None, static_dir: Path | None = None):
        self.app = app
        self._settings = settings
        self._static_dir = static_dir
        self._headers: list[tuple[bytes, bytes]] | None = None

    def headers(self) -> list[tuple[bytes, bytes]]:
        if self._headers is None:
            settings = self._settings or get_settings()
            static_dir = self._static_dir or compiled_frontend_dir()
            hashes = inline_script_hashes(static_dir)
            log.info("content security policy built with %d inline script hashes from %s", len(hashes), static_dir)
            self._headers = security_headers(settings, hashes)
        return self._headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers") or [])
                present = {bytes(name).lower() for name, _ in raw}
                raw.extend((name, value) for name, value in extra if name not in present)
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)
