"""Fixtures for the browser and websocket tests: one live app for the whole session
(with Redis, a real Celery worker and several Reflex backend workers), and Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.live_app import drop_database, start_live_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def live_app():
    app = start_live_app(ARTIFACTS / "live-app", redis=True, name="e2e")
    yield app
    app.stop()
    drop_database(app.database_url)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = ARTIFACTS / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
