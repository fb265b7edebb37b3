"""Test-only jobs, registered in the real job registry (services.jobs).

A Celery worker under test imports this module with `-I tests.support.slow_job`; the
in-process tests import it directly. Never imported by the application.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tutorconnect.integrations.mailer import RenderedEmail, send
from tutorconnect.services.jobs import job

SLOW_JOB = "test.slow"
FAIL_JOB = "test.fail"


@job(SLOW_JOB)
def slow(payload: dict[str, Any]) -> None:
    """Record a start, block while `block_file` exists (at most 60 s), then send one email.

    The started-file counts runs; the captured emails count effects.
    """
    with Path(payload["started_file"]).open("a") as f:
        f.write("started\n")
    block = Path(payload["block_file"]) if payload.get("block_file") else None
    deadline = time.monotonic() + 60
    while block is not None and block.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    send(RenderedEmail(to=payload["to"], subject=f"slow {payload['tag']}", text="done", html="<p>done</p>"))


@job(FAIL_JOB)
def always_fails(payload: dict[str, Any]) -> None:
    raise RuntimeError(f"boom {payload.get('tag', '')}")
