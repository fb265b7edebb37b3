"""The Reflex app: pages, API routes mounted in front, background work in the lifespan."""

from __future__ import annotations

import logging

import reflex as rx

from tutorconnect.api.app import api_transformers
from tutorconnect.background import app_lifespan_task
from tutorconnect.config import get_settings
from tutorconnect.live_push import live_updates_task
from tutorconnect.logging_setup import configure_logging
from tutorconnect.state.base import SessionState
from tutorconnect.state.guard import backend_error_toast
from tutorconnect.state.privacy import PrivateDataMiddleware
from tutorconnect.wiring import wire

# Importing the pages package registers every route (each module uses the @page decorator).
import tutorconnect.pages  # noqa: F401  (registers every page module)
from tutorconnect.pages.not_found import not_found

wire()  # who listens to booking changes (meetings, notifications)
_settings = get_settings()
configure_logging(_settings.log_level, _settings.log_format)
log = logging.getLogger("tutorconnect")


def handle_backend_error(exception: Exception):
    """Unexpected errors: log with the request id; tell the person plainly, no internals."""
    log.exception("unhandled error in event handler", exc_info=exception)
    return backend_error_toast()


app = rx.App(
    stylesheets=["/styles.css"],
    head_components=[
        rx.el.meta(name="referrer", content="same-origin"),
        rx.el.meta(name="theme-color", content="#4f46e5"),
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
    ],
    api_transformer=api_transformers(),  # routes, then body limits and security headers around all
    backend_exception_handler=handle_backend_error,
    toaster=rx.toast.provider(position="top-right", close_button=True, rich_colors=True),
)
# Before every event, the hydrate included: private vars another session loaded are reset.
app.add_middleware(PrivateDataMiddleware(), index=0)
app.add_page(not_found, route="404", title="Page not found · TutorConnect", on_load=SessionState.load_session)

# Background work: without Redis the outbox jobs run in this process; with Redis a
# relay loop hands them to Celery (and keeps doing so if beat is down).
app.register_lifespan_task(app_lifespan_task)
# Live updates: each backend worker pushes changes to the open pages it serves.
app.register_lifespan_task(live_updates_task)
