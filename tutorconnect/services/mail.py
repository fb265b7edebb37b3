"""Email: queued through the outbox, rendered from templates, sent by the mail job."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlencode

import jinja2
from sqlmodel import Session

from tutorconnect.config import PROJECT_ROOT, get_settings
from tutorconnect.integrations.mailer import RenderedEmail
from tutorconnect.services import outbox

TEMPLATES = PROJECT_ROOT / "tutorconnect" / "templates" / "email"
SEND_JOB = "email.send"

SUBJECTS = {
    "verify_email": "Confirm your email for TutorConnect",
    "password_reset": "Reset your TutorConnect password",
}


def link(path: str, **params: str) -> str:
    return f"{get_settings().public_base_url}{path}?{urlencode(params)}"


def queue(session: Session, *, to: str, template: str, context: dict[str, Any], dedupe_key: str | None = None) -> None:
    """Queue an email in the caller's transaction (sent only if the transaction commits)."""
    if template not in SUBJECTS:
        raise ValueError(f"unknown email template {template!r}")
    outbox.enqueue(session, SEND_JOB, {"to": to, "template": template, "context": context}, dedupe_key=dedupe_key)


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )


def render(to: str, template: str, context: dict[str, Any]) -> RenderedEmail:
    env = _env()
    full = {**context, "product": "TutorConnect", "base_url": get_settings().public_base_url}
    return RenderedEmail(
        to=to,
        subject=SUBJECTS[template],
        text=env.get_template(f"{template}.txt").render(full),
        html=env.get_template(f"{template}.html").render(full),
    )
