"""How pytest-xdist hands out test files (`--dist loadfile`).

Two rules, one goal (the run ends when its longest chain of files ends, on a CPU-bound
machine):

1. **No service test after a browser test on one worker.** A worker that has run sync
   Playwright keeps an event loop on its main thread, where a later service test's
   asyncio.run() would fail. Workers take files from the front of one queue, and every
   non-browser file is in front of every browser file, so this holds on every worker.
2. **Non-browser files first, then browser files, each longest first** by their time in
   an earlier run (tests/support/file_durations.json; a file not in it counts 0.5 s per
   test), so no long file starts last and ends the run alone. Counting tests misjudged
   them: the discovery file has 25 tests and takes 190 s, a security file 140 tests and
   50 s, and the discovery file used to start late.

   Tried and not kept: one worker on the browser files from the start while the others
   ran the rest (the non-browser files wait on Celery and timeouts, so the machine looked
   partly idle). PostgreSQL was busier than it looked: the run took 695 s against 617 s,
   the integration tests' time rising from 495 s to 796 s.

3. **Only the first `TEST_BROWSER_WORKERS` workers (default 3) run browser files.** A
   worker beyond them runs service files and stops when only browser files are left. The
   service files spend much of their time waiting (Celery workers starting, timeouts under
   test, PostgreSQL), so a fourth worker shortens that phase; in the browser phase the
   machine is CPU-bound and a fourth Chromium only adds contention. A browser worker
   starts its live app while it runs service files (tests/e2e/conftest.py); the others
   never start one.

A stale durations file only makes the order worse, never wrong: the rules hold whatever
it says. Refresh it from test-artifacts/file-durations.json after a full run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from xdist.scheduler import LoadFileScheduling

DURATIONS = Path(__file__).with_name("file_durations.json")
SECONDS_PER_UNKNOWN_TEST = 0.5


def is_browser_test(nodeid: str) -> bool:
    return "/e2e/" in f"/{nodeid}"


def browser_workers() -> int:
    return max(1, int(os.environ.get("TEST_BROWSER_WORKERS", "3")))


def runs_browser_files(worker: str) -> bool:
    """Whether worker `gwN` may be given browser files ("main" without xdist: always)."""
    return not worker.startswith("gw") or int(worker[2:]) < browser_workers()


def known_durations() -> dict[str, float]:
    try:
        return {str(k): float(v) for k, v in json.loads(DURATIONS.read_text()).items()}
    except (OSError, ValueError, AttributeError):
        return {}


class BrowserAwareScheduling(LoadFileScheduling):
    _ordered = False

    def _assign_work_unit(self, node) -> None:
        if not self._ordered:  # the first hand-out: the queue holds every file now
            durations = known_durations()

            def key(item: tuple[str, dict[str, bool]]) -> tuple[bool, float]:
                scope, tests = item
                return is_browser_test(scope), -durations.get(scope, SECONDS_PER_UNKNOWN_TEST * len(tests))

            ordered = sorted(self.workqueue.items(), key=key)
            self.workqueue.clear()
            self.workqueue.update(ordered)
            self._ordered = True
        # LoadScopeScheduling hands out the first file in the queue: every non-browser file
        # is handed out before any browser file, so no worker runs one after a browser file.
        if is_browser_test(next(iter(self.workqueue))) and not runs_browser_files(node.gateway.id):
            node.shutdown()  # it finishes what it holds, then stops: only browser files are left
            return
        super()._assign_work_unit(node)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadfile":
        return BrowserAwareScheduling(config, log)
    return None
