"""The Starlette app mounted in front of Reflex (rx.App(api_transformer=...))."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from tutorconnect.api import auth_routes, health_routes


def build_api() -> Starlette:
    routes = [*health_routes.routes, *auth_routes.routes]
    try:
        from tutorconnect.api import google_routes
    except ImportError:  # built by a later step of the foundation work
        google_routes = None
    if google_routes is not None:
        routes.extend(google_routes.routes)
    return Starlette(routes=routes, middleware=[Middleware(health_routes.RequestIdMiddleware)])
