"""The Google emulator app: Google's OAuth 2.0 / OpenID Connect endpoints (oauth_routes.py)
and Calendar v3 (events, freeBusy: calendar_api.py) with its test controls
(calendar_controls.py) on one port, the two halves' state wired together, served from a
background thread (`start_in_thread`, `running`). The only module that knows both halves.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from starlette.applications import Starlette

from emulators.google import calendar_api, calendar_controls, oauth_routes
from emulators.google.calendar_store import CalendarState
from emulators.google.oauth_state import CALENDAR_CALLBACK_PATH, CALLBACK_PATH, EmulatorState
from emulators.serving import BackgroundServer
from tutorconnect.config import get_settings


def create_app(client_id: str | None = None, client_secret: str | None = None,
               redirect_uris: set[str] | None = None) -> Starlette:
    """The emulator app; the client and its redirect URIs default to the app's settings."""
    settings = get_settings()
    emu = EmulatorState(
        client_id or settings.google_client_id,
        client_secret or settings.google_client_secret,
        redirect_uris or {settings.public_base_url + CALLBACK_PATH, settings.public_base_url + CALENDAR_CALLBACK_PATH},
    )
    app = Starlette(routes=[*oauth_routes.routes(), *calendar_api.routes(), *calendar_controls.routes()])
    emu.calendar = CalendarState()  # the Calendar routes' state, reset with the OAuth state
    app.state.emulator = emu
    return app


class RunningEmulator:
    """An emulator served from a background thread; `url` is its base URL."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **app_kwargs: object):
        self.app = create_app(**app_kwargs)  # type: ignore[arg-type]
        self.state: EmulatorState = self.app.state.emulator
        self._server = BackgroundServer(self.app, host, port)
        self.url = self._server.url

    def start(self) -> "RunningEmulator":
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()


def start_in_thread(host: str = "127.0.0.1", port: int = 0, **app_kwargs: object) -> RunningEmulator:
    """Start the emulator on `port` (0 = a free one) in a daemon thread; call `.stop()`."""
    return RunningEmulator(host, port, **app_kwargs).start()


@contextlib.contextmanager
def running(host: str = "127.0.0.1", port: int = 0, **app_kwargs: object) -> Iterator[RunningEmulator]:
    emulator = start_in_thread(host, port, **app_kwargs)
    try:
        yield emulator
    finally:
        emulator.stop()
