"""What one browser test's set-up costs in Chromium against a live app (docs/testing.md).

    .venv/bin/python bench/browser_bench.py [--runs 12] [--path /tutors]

Starts a live app as the browser tests do (Redis, Celery, emulators, Reflex workers), then
times opening a page and waiting for hydration, in each way a test could get its page:
- a new browser context per page (what pytest-playwright's `page` fixture does), the
  baseline;
- a new page in one long-lived context (cookies cleared between pages);
- the same variants in Debian's chromium-headless-shell instead of full Chromium.
Prints the median per page and the ratio against the baseline, measured in the same run.
Run it on a quiet machine: it measures wall time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("APP_ENV", "test")

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.support import parallel  # noqa: E402
from tests.support.live_app import start_live_app  # noqa: E402


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#hydrated", state="attached", timeout=30_000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--path", default="/tutors")
    args = parser.parse_args()
    app = start_live_app(ROOT / "test-artifacts" / "bench-browser", redis=True, name="bench")
    url = app.base_url + args.path
    browsers = [("chromium", "/usr/bin/chromium")]
    if shutil.which("chromium-headless-shell"):
        browsers.append(("headless-shell", shutil.which("chromium-headless-shell")))
    results: dict[str, float] = {}
    try:
        with sync_playwright() as pw:
            for label, exe in browsers:
                browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
                open_page(browser.new_page(), url)  # the first page pays for process start-up

                def fresh_context() -> None:
                    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                    open_page(ctx.new_page(), url)
                    ctx.close()

                shared = browser.new_context(viewport={"width": 1280, "height": 900})

                def shared_context() -> None:
                    shared.clear_cookies()
                    page = shared.new_page()
                    open_page(page, url)
                    page.close()

                for name, fn in (("new context per page", fresh_context), ("new page, one context", shared_context)):
                    times = []
                    for _ in range(args.runs):
                        start = time.perf_counter()
                        fn()
                        times.append(time.perf_counter() - start)
                    results[f"{label}: {name}"] = statistics.median(times)
                browser.close()
    finally:
        app.stop()
        parallel.drop_run_databases(parallel.run_id())
    base = results["chromium: new context per page"]
    for name, med in results.items():
        print(f"{name:<45} median {med * 1000:7.0f} ms   ratio to baseline {med / base:.2f}")


if __name__ == "__main__":
    main()
