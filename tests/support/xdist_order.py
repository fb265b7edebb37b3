"""How pytest-xdist hands out test files (`--dist loadfile`): the biggest files first, so
the long ones do not end the run alone, but every browser file after every other file.

A worker that has run sync Playwright keeps an event loop on its main thread, where a
later service test's asyncio.run() would fail. xdist's own loadfile order (largest file
first) mixes browser files in among the rest, so this scheduler orders the work queue by
(browser file?, -tests in the file) before the first file is handed out. Each worker
runs its files in the order it receives them, so none runs a browser file before the
last non-browser file it was given.
"""

from __future__ import annotations

import pytest
from xdist.scheduler import LoadFileScheduling


def is_browser_test(nodeid: str) -> bool:
    return "/e2e/" in f"/{nodeid}"


class BrowserFilesLastScheduling(LoadFileScheduling):
    _ordered = False

    def _assign_work_unit(self, node) -> None:
        if not self._ordered:  # the first hand-out: the queue holds every file now
            def key(item: tuple[str, dict[str, bool]]) -> tuple[bool, int]:
                scope, tests = item
                return is_browser_test(scope), -len(tests)

            ordered = sorted(self.workqueue.items(), key=key)  # stable: ties keep their order
            self.workqueue.clear()
            self.workqueue.update(ordered)
            self._ordered = True
        super()._assign_work_unit(node)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadfile":
        return BrowserFilesLastScheduling(config, log)
    return None
