"""The Starlette app mounted in front of Reflex (rx.App(api_transformer=...))."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

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


def build_api() -> Starlette:
    routes = [*health_routes.routes, *auth_routes.routes, *google_routes.routes, *google_calendar_routes.routes,
              *media_routes.routes, *page_routes.routes, *calendar_routes.routes, *receipt_routes.routes,
              *webhook_routes.routes]
    return Starlette(routes=routes, middleware=[
        Middleware(health_routes.RequestIdMiddleware),
        Middleware(media_routes.UploadLimitMiddleware),
    ])
