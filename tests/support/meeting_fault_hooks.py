"""Test-only fault hook for a Celery worker under test (`-I tests.support.meeting_fault_hooks`).

With TC_TEST_MEETING_BLOCK set to a file path, every Google Calendar events.insert made by
this process goes through to Google (the emulator), then appends a line to
TC_TEST_MEETING_STARTED and blocks while the block file exists (at most 60 s): the worker
is then "mid-task" after the event exists at Google and before we recorded it, the worst
moment for a SIGKILL. Never imported by the application.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tutorconnect.integrations import google_calendar

_BLOCK = os.environ.get("TC_TEST_MEETING_BLOCK")
_STARTED = os.environ.get("TC_TEST_MEETING_STARTED")

if _BLOCK:
    _real_insert = google_calendar.insert_event

    def _insert_then_hang(*args, **kwargs):
        answer = _real_insert(*args, **kwargs)
        if _STARTED:
            with Path(_STARTED).open("a") as f:
                f.write("inserted at google\n")
        deadline = time.monotonic() + 60
        while Path(_BLOCK).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return answer

    google_calendar.insert_event = _insert_then_hang
