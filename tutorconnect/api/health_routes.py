"""Operations endpoints: /health (process alive) and /ready (dependencies usable)."""

from __future__ import annotations

import asyncio
import time
import uuid

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tutorconnect.config import get_settings
from tutorconnect.db import get_engine
from tutorconnect.logging_setup import request_id_var
from tutorconnect.migrations import current_revision, head_revision

STARTED = time.time()


async def health(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "uptime_s": round(time.time() - STARTED, 1)})


def _check_database() -> dict:
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))
        current = current_revision(conn)
    head = head_revision()
    return {"ok": current == head, "revision": current, "head": head}


def _check_redis() -> dict:
    from tutorconnect.integrations.redis_client import get_redis

    client = get_redis()
    if client is None:
        return {"ok": True, "configured": False}
    client.ping()
    return {"ok": True, "configured": True}


async def ready(_: Request) -> JSONResponse:
    checks: dict[str, dict] = {}
    for name, fn in (("database", _check_database), ("redis", _check_redis)):
        try:
            checks[name] = await asyncio.wait_for(asyncio.to_thread(fn), timeout=3)
        except Exception as exc:  # report, never raise: this is a probe
            checks[name] = {"ok": False, "error": type(exc).__name__}
    ok = all(c["ok"] for c in checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "env": get_settings().app_env, "checks": checks},
        status_code=200 if ok else 503,
    )


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


routes = [Route("/health", health, methods=["GET"]), Route("/ready", ready, methods=["GET"])]
