"""The Starlette app mounted in front of Reflex (rx.App(api_transformer=...))."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import ASGIApp

from tutorconnect.api import (
    auth_routes,
    calendar_routes,
    google_calendar_routes,
    google_routes,
    health_routes,
    media_routes,
    page_routes,
    receipt_routes,
    webhook_routes,
)
from tutorconnect.api.request_body_limits import RequestBodyLimitMiddleware
from tutorconnect.api.security_headers import SecurityHeadersMiddleware


def build_api() -> Starlette:
    routes = [*health_routes.routes, *auth_routes.routes, *google_routes.routes, *google_calendar_routes.routes,
              *media_routes.routes, *page_routes.routes, *calendar_routes.routes, *receipt_routes.routes,
              *webhook_routes.routes]
    return Starlette(routes=routes, middleware=[
        Middleware(health_routes.RequestIdMiddleware),
        Middleware(media_routes.UploadLimitMiddleware),
    ])


def wrap_backend(app: ASGIApp) -> ASGIApp:
    """The whole backend (our routes, Reflex's, the compiled pages): body deadlines and the
    per-client cap inside, security headers outermost so every answer (a 408 and 429 too)
    carries them."""
    return SecurityHeadersMiddleware(RequestBodyLimitMiddleware(app))


def api_transformers() -> list:
    """For rx.App(api_transformer=...): mount our routes, then wrap everything."""
    return [build_api(), wrap_backend]
