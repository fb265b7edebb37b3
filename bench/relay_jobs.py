"""A bench-only job (imported by the Celery worker under bench/relay_bench.py with
`-I bench.relay_jobs`): appends "<n> <unix time>" to payload["file"] the moment it starts."""

from __future__ import annotations

import time
from typing import Any

from tutorconnect.services.jobs import job


@job("bench.mark")
def mark(payload: dict[str, Any]) -> None:
    started = time.time()
    with open(payload["file"], "a") as f:
        f.write(f"{payload['n']} {started:.6f}\n")
