"""Operations endpoints: /health (process alive), /ready (dependencies usable, JSON for
probes) and /status (the same checks, and the background worker's, in plain words for a
person: the footer's "Status" link). The checks are services.health's."""

from __future__ import annotations

import asyncio
import html
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tutorconnect.config import get_settings
from tutorconnect.logging_setup import request_id_var
from tutorconnect.services import health as dependency_checks

STARTED = time.time()
CHECK_TIMEOUT_S = 3


async def health(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "uptime_s": round(time.time() - STARTED, 1)})


async def _run_checks(checks: dict[str, Callable[[], dict]]) -> dict[str, dict]:
    """Each check in a thread with a timeout; a check that raises or hangs is not ok."""
    results: dict[str, dict] = {}
    for name, fn in checks.items():
        try:
            results[name] = await asyncio.wait_for(asyncio.to_thread(fn), timeout=CHECK_TIMEOUT_S)
        except Exception as exc:  # report, never raise: this is a probe
            results[name] = {"ok": False, "error": type(exc).__name__}
    return results


async def ready(_: Request) -> JSONResponse:
    checks = await _run_checks(dependency_checks.READY_CHECKS)
    ok = all(c["ok"] for c in checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "env": get_settings().app_env, "checks": checks},
        status_code=200 if ok else 503,
    )


# /status -----------------------------------------------------------------------------
def _minutes(seconds: float | None) -> str:
    n = max(1, round((seconds or 0) / 60))
    return f"{n} minute" + ("" if n == 1 else "s")


def _database_words(c: dict) -> tuple[str, str]:
    if c["ok"]:
        return "Working", ""
    if "error" in c:
        return "Not reachable", "The app cannot reach its database."
    return "Needs an update", "The database is reachable, but its structure is older than this version of the app."


def _redis_words(c: dict) -> tuple[str, str]:
    if not c["ok"]:
        return "Not reachable", "Redis is configured but does not answer."
    if not c.get("configured"):
        return "Not used", "This installation runs without Redis."
    return "Working", ""


def _worker_words(c: dict) -> tuple[str, str]:
    if "error" in c:
        return "Unknown", "The background jobs could not be checked."
    lag = _minutes(dependency_checks.WORKER_LAG.total_seconds())
    if c["ok"]:
        return "Working", f"No job has waited more than {lag}."
    n = c["overdue"]
    jobs = "1 job has" if n == 1 else f"{n} jobs have"
    return "Behind", f"{jobs} waited more than {lag} (the oldest {_minutes(c['oldest_s'])})."


_SHOWN = (("database", "Database", _database_words), ("redis", "Redis", _redis_words),
          ("worker", "Background jobs", _worker_words))

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Status · TutorConnect</title>
<style>
:root {{ color-scheme: light dark; --ok: #18794e; --bad: #cd2b31; --muted: #687076; }}
@media (prefers-color-scheme: dark) {{ :root {{ --ok: #4cc38a; --bad: #ff6369; --muted: #9ba1a6; }} }}
body {{ font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; padding: 2rem 1rem; }}
main {{ max-width: 36rem; margin: 0 auto; }}
h1 {{ font-size: 1.5rem; margin: 0 0 .25rem; }}
.summary {{ font-size: 1.125rem; margin: 0 0 1.5rem; }}
ul {{ list-style: none; padding: 0; margin: 0; border-top: 1px solid color-mix(in srgb, currentColor 15%, transparent); }}
li {{ padding: .75rem 0; border-bottom: 1px solid color-mix(in srgb, currentColor 15%, transparent); }}
.name {{ font-weight: 600; display: inline-block; min-width: 10rem; }}
.ok {{ color: var(--ok); font-weight: 600; }} .bad {{ color: var(--bad); font-weight: 600; }}
.detail, .checked {{ color: var(--muted); font-size: .875rem; }} .detail {{ display: block; }}
a {{ color: inherit; }}
</style></head>
<body><main>
<h1>TutorConnect status</h1>
<p class="summary {summary_class}" id="status-summary">{summary}</p>
<ul>
{items}
</ul>
<p class="checked">Checked {checked} UTC. Reload the page to check again. <a href="/">Back to TutorConnect</a></p>
</main></body></html>
"""


async def status(_: Request) -> HTMLResponse:
    results = await _run_checks(dependency_checks.STATUS_CHECKS)
    items = []
    for key, label, words in _SHOWN:
        state, detail = words(results[key])
        css = "ok" if results[key]["ok"] else "bad"
        items.append(
            f'<li id="status-{key}"><span class="name">{html.escape(label)}</span> '
            f'<span class="{css}">{html.escape(state)}</span>'
            + (f' <span class="detail">{html.escape(detail)}</span>' if detail else "") + "</li>"
        )
    ok = all(r["ok"] for r in results.values())
    page = _PAGE.format(
        summary="All systems are working." if ok else "Some parts are not working right now.",
        summary_class="ok" if ok else "bad",
        items="\n".join(items),
        checked=datetime.now(timezone.utc).strftime("%d %b %Y, %H:%M:%S"),
    )
    return HTMLResponse(page, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})


class RequestIdMiddleware:
    """Give every HTTP request an id (honouring a sane incoming X-Request-ID), log-visible."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = rid
        token = request_id_var.set(rid)

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


routes = [Route("/health", health, methods=["GET"]), Route("/ready", ready, methods=["GET"]),
          Route("/status", status, methods=["GET"])]
