"""A Reflex websocket client for tests: talk to the live app exactly as a browser tab does.

The browser (reflex_base/.templates/web/utils/state.js) opens
`io(base_url + "/_event", {path: "/_event", transports: ["websocket"], query: {token}})`
(Socket.IO namespace "/_event", Engine.IO v4 over one websocket) and sends
`emit("event", {name, payload, router_data})` where `name` is the handler's full state
path plus "." plus the handler name. The server answers with "event" messages carrying
`{delta, events}` (`final` is deprecated in Reflex 0.9+ and never sent).

Because the server no longer marks the last update of an event, `ReflexSocket.call`
sends a sentinel event after the one under test (`OnLoadInternalState.set_is_hydrated`,
which always produces exactly one small delta). A tab's events run one at a time, in
order, so every update sent before the sentinel's reply belongs to the event under test.

This client speaks the wire protocol itself over a plain socket with `wsproto` (a Reflex
dependency, through simple-websocket), so it can send any header (Cookie, Origin) and any
payload an attacker could, with no browser in between. (simple_websocket.Client is not
used: its handshake leaves a frame that arrives with the 101 response unread, and the
Engine.IO open packet often does.)
"""

from __future__ import annotations

import json
import re
import socket
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from reflex.state import OnLoadInternalState, State
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)

NAMESPACE = "/_event"
FIELD_SUFFIX = "_rx_state_"
SENTINEL_KEY = "is_hydrated" + FIELD_SUFFIX


class ConnectionRefused(Exception):
    """The server refused the websocket (HTTP upgrade) or the Socket.IO connect."""

    def __init__(self, message: str, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status, self.body = status, body


class ConnectionDropped(Exception):
    """The server closed the connection while we were waiting for a reply."""


class WebSocket:
    """A minimal blocking websocket client (text frames only) on wsproto."""

    def __init__(self, host: str, port: int, target: str, headers: Mapping[str, str], timeout: float,
                 source_ip: str | None = None) -> None:
        source = (source_ip, 0) if source_ip else None
        self.sock = socket.create_connection((host, port), timeout=timeout, source_address=source)
        self.conn = WSConnection(ConnectionType.CLIENT)
        self.messages: deque[str] = deque()
        self.partial: list[str] = []
        self.closed = False
        extra = [(k.encode(), v.encode()) for k, v in headers.items()]
        self.sock.sendall(self.conn.send(Request(host=f"{host}:{port}", target=target, extra_headers=extra)))
        self.accepted: bool | None = None
        self.reject_status: int | None = None
        self.reject_body = b""
        deadline = time.monotonic() + timeout
        while self.accepted is None or (self.accepted is False and not self._reject_done):
            self._pump(deadline - time.monotonic())
        if not self.accepted:
            self.sock.close()
            body = self.reject_body.decode(errors="replace")
            raise ConnectionRefused(f"websocket upgrade refused: HTTP {self.reject_status} {body[:200]}",
                                    self.reject_status, body)

    _reject_done = False

    def _pump(self, timeout: float) -> None:
        if timeout <= 0:
            raise TimeoutError("no message from the server in time")
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no message from the server in time") from None
        except OSError as err:
            self.closed = True
            raise ConnectionDropped(f"socket error: {err}") from err
        if not data:
            self.closed = True
            if self.accepted is False:
                self._reject_done = True
                return
            raise ConnectionDropped("the server closed the TCP connection")
        self.conn.receive_data(data)
        for event in self.conn.events():
            if isinstance(event, AcceptConnection):
                self.accepted = True
            elif isinstance(event, RejectConnection):
                self.accepted, self.reject_status = False, event.status_code
                self._reject_done = not event.has_body
            elif isinstance(event, RejectData):
                self.reject_body += event.data
                self._reject_done = event.body_finished
            elif isinstance(event, TextMessage):
                self.partial.append(event.data)
                if event.message_finished:
                    self.messages.append("".join(self.partial))
                    self.partial = []
            elif isinstance(event, Ping):
                self.sock.sendall(self.conn.send(event.response()))
            elif isinstance(event, CloseConnection):
                self.closed = True
                self.close_reason = f"{event.code} {event.reason or ''}".strip()

    def receive(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while not self.messages:
            if self.closed:
                raise ConnectionDropped(f"closed by the server ({getattr(self, 'close_reason', '')})")
            self._pump(deadline - time.monotonic())
        return self.messages.popleft()

    def send(self, text: str) -> None:
        if self.closed:
            raise ConnectionDropped("closed by the server")
        try:
            self.sock.sendall(self.conn.send(TextMessage(data=text)))
        except OSError as err:
            self.closed = True
            raise ConnectionDropped(f"socket error: {err}") from err

    def close(self) -> None:
        try:
            if not self.closed:
                self.sock.sendall(self.conn.send(CloseConnection(code=1000)))
        except Exception:
            pass
        self.closed = True
        self.sock.close()


def handler_name(handler: Any) -> str:
    """The wire name of an event handler: a string as is, or `State.handler` -> full path."""
    if isinstance(handler, str):
        return handler
    # `SomeState.some_handler` on the class is an EventHandler with state + fn.
    state_cls = getattr(handler, "state", None) or getattr(handler, "state_full_name", None)
    fn = getattr(handler, "fn", None)
    if state_cls is not None and fn is not None:
        full = state_cls if isinstance(state_cls, str) else state_cls.get_full_name()
        return f"{full}.{fn.__name__}"
    raise TypeError(f"not an event handler: {handler!r}")


def state_name(state_cls: Any) -> str:
    return state_cls if isinstance(state_cls, str) else state_cls.get_full_name()


ROOT_STATE = State.get_full_name()
HYDRATE = handler_name(State.hydrate)
# A leaf substate of the root: cheap to load, and its setter always sends one small delta
# (Reflex marks a field dirty on every assignment, equal value or not).
SENTINEL = handler_name(OnLoadInternalState.set_is_hydrated)


TOAST_RE = re.compile(r"""refs\['__toast'\]\?\.\["(\w+)"\]\(("(?:[^"\\]|\\.)*")""")


@dataclass
class Reply:
    """Everything the server sent back for one event."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    delta: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)

    def add(self, update: Mapping[str, Any]) -> None:
        self.updates.append(dict(update))
        for substate, values in (update.get("delta") or {}).items():
            self.delta.setdefault(substate, {}).update(values)
        self.events.extend(update.get("events") or [])

    # -- reading the delta ---------------------------------------------------------------
    def vars(self, state_cls: Any) -> dict[str, Any]:
        """The delta of a state class and of the states it inherits from, without Reflex's
        `_rx_state_` suffix. (An inherited field lives on the state that declares it:
        LoginState's `error` travels under FormState's name.)"""
        names = [state_name(state_cls)]
        if not isinstance(state_cls, str):
            parent = state_cls.get_parent_state()
            while parent is not None:
                names.append(parent.get_full_name())
                parent = parent.get_parent_state()
        merged: dict[str, Any] = {}
        for name in reversed(names):
            for key, value in self.delta.get(name, {}).items():
                merged[key.removesuffix(FIELD_SUFFIX)] = value
        return merged

    def var(self, state_cls: Any, name: str, default: Any = None) -> Any:
        return self.vars(state_cls).get(name, default)

    @property
    def text(self) -> str:
        """Every update as sent (before merging, so nothing later overwritten is missed),
        as JSON: for "this must not appear anywhere" checks."""
        return json.dumps(self.updates, default=str)

    # -- reading the client events -------------------------------------------------------
    @property
    def scripts(self) -> list[str]:
        return [e["payload"].get("javascript_code", "") for e in self.events if e.get("name") == "_call_script"]

    @property
    def redirects(self) -> list[str]:
        return [e["payload"].get("path", "") for e in self.events if e.get("name") == "_redirect"]

    @property
    def toasts(self) -> list[tuple[str, str]]:
        """(level, message) of every toast: rx.toast is a `_call_function` on refs['__toast']."""
        found = []
        for e in self.events:
            if e.get("name") == "_call_function":
                code = str(e["payload"].get("function", ""))
                if m := TOAST_RE.search(code):
                    found.append((m.group(1), json.loads(m.group(2))))
        return found

    def toast(self, level: str | None = None) -> str:
        """All toast messages (of one level), joined: handy in asserts."""
        return " | ".join(msg for lvl, msg in self.toasts if level in (None, lvl))

    @property
    def crashed(self) -> bool:
        """Reflex's backend exception handler answered: the handler raised."""
        return "backend_error" in self.text or "An error occurred." in self.toast()


class ReflexSocket:
    """One browser tab: a client token, a websocket, and optionally a session cookie."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        cookie: str | None = None,
        origin: str | None = "",
        user_agent: str = "Mozilla/5.0 (X11; Linux x86_64) reflex-ws-test",
        headers: Mapping[str, str] | None = None,
        source_ip: str | None = None,
        page: str = "/",
        timeout: float = 15.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token or str(uuid.uuid4())
        self.cookie = cookie
        # "" means "the page's own origin", as a browser sends; None sends no Origin at all.
        self.origin = self.base_url if origin == "" else origin
        self.user_agent = user_agent
        self.extra_headers = dict(headers or {})
        # Another loopback address (127.x.y.z) is another client to the server (and to its
        # per-IP rate limits).
        self.source_ip = source_ip
        self.page = page
        self.timeout = timeout
        self.ws: WebSocket | None = None
        self.snapshot = Reply()

    # -- connection ----------------------------------------------------------------------
    def connect(self, *, hydrate: bool = True) -> ReflexSocket:
        parts = urlsplit(self.base_url)
        # engine.io-client's URL: path + "/", then EIO, transport and the `query` option.
        query = urlencode({"EIO": "4", "transport": "websocket", "token": self.token})
        headers = {"User-Agent": self.user_agent, **self.extra_headers}
        if self.origin is not None:
            headers["Origin"] = self.origin
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.ws = WebSocket(parts.hostname or "localhost", parts.port or 80, f"{NAMESPACE}/?{query}",
                            headers, self.timeout, self.source_ip)
        opened = self._receive_raw(self.timeout)
        if not opened.startswith("0"):
            raise ConnectionRefused(f"no Engine.IO open packet: {opened[:200]!r}")
        # Socket.IO CONNECT to the namespace, no auth payload (the hydrate is sent below).
        self._send_raw(f"40{NAMESPACE},")
        while True:
            packet = self._receive_packet(self.timeout)
            if packet.startswith(f"0{NAMESPACE},"):
                break
            if packet.startswith(f"4{NAMESPACE},"):
                raise ConnectionRefused(f"Socket.IO connect refused: {packet}")
            self._note_new_token(packet)
        if hydrate:
            # What a new tab does first: the snapshot of its state for this page. Sent as a
            # plain hydrate (not hydrate_and_load), so no page on_load runs behind our back.
            self.snapshot = self.call(HYDRATE, page=self.page)
        return self

    def close(self) -> None:
        if self.ws is not None:
            try:
                self._send_raw(f"41{NAMESPACE},")
            except Exception:
                pass
            self.ws.close()
            self.ws = None

    def __enter__(self) -> ReflexSocket:
        return self.connect()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self.ws is not None and not self.ws.closed

    # -- events --------------------------------------------------------------------------
    def router_data(self, page: str | None = None, query: Mapping[str, str] | None = None) -> dict[str, Any]:
        """What the browser's withRouterData() adds: the page's path, full path and query."""
        path = page or self.page
        qs = urlencode(dict(query)) if query else ""
        data: dict[str, Any] = {"pathname": path, "asPath": path + (f"?{qs}" if qs else "")}
        if query:
            data["query"] = dict(query)
        return data

    def send(self, handler: Any, payload: Any = None, *, page: str | None = None,
             query: Mapping[str, str] | None = None, extra_router_data: Mapping[str, Any] | None = None) -> None:
        event = {
            "name": handler_name(handler),
            "payload": {} if payload is None else payload,
            "router_data": {**self.router_data(page, query), **(extra_router_data or {})},
        }
        self._send_raw(f"42{NAMESPACE}," + json.dumps(["event", event], separators=(",", ":")))

    def call(self, handler: Any, payload: Any = None, *, page: str | None = None,
             query: Mapping[str, str] | None = None, extra_router_data: Mapping[str, Any] | None = None,
             timeout: float | None = None) -> Reply:
        """Send one event and return everything the server sent for it (see the module doc)."""
        self.send(handler, payload, page=page, query=query, extra_router_data=extra_router_data)
        self.send(SENTINEL, {"value": True}, page=page, query=query)
        reply = Reply()
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            update = self._receive_event(deadline)
            if self._is_sentinel(update):
                return reply
            reply.add(update)

    @staticmethod
    def _is_sentinel(update: Mapping[str, Any]) -> bool:
        delta = update.get("delta") or {}
        return (
            not update.get("events")
            and list(delta) == [ROOT_STATE]
            and list(delta[ROOT_STATE]) == [SENTINEL_KEY]
        )

    # -- wire ----------------------------------------------------------------------------
    def _send_raw(self, text: str) -> None:
        if self.ws is None:
            raise ConnectionDropped("not connected")
        self.ws.send(text)

    def _receive_raw(self, timeout: float) -> str:
        if self.ws is None:
            raise ConnectionDropped("not connected")
        return self.ws.receive(timeout)

    def _receive_packet(self, timeout: float) -> str:
        """The next Socket.IO packet (Engine.IO message), answering pings on the way."""
        deadline = time.monotonic() + timeout
        while True:
            raw = self._receive_raw(deadline - time.monotonic())
            if raw == "2":
                self._send_raw("3")
            elif raw.startswith("1"):
                raise ConnectionDropped("Engine.IO close packet")
            elif raw.startswith("4"):
                return raw[1:]

    def _receive_event(self, deadline: float) -> dict[str, Any]:
        prefix = f"2{NAMESPACE},"
        while True:
            packet = self._receive_packet(deadline - time.monotonic())
            if packet.startswith(f"1{NAMESPACE}"):
                raise ConnectionDropped("Socket.IO disconnect packet")
            if not packet.startswith(prefix):
                continue
            if self._note_new_token(packet):
                continue
            name, *args = json.loads(packet[len(prefix):])
            if name == "event" and args and isinstance(args[0], dict):
                return args[0]

    def _note_new_token(self, packet: str) -> bool:
        """Reflex's duplicate-tab rule: a token already linked to a live socket gets this
        connection a fresh token (and so a fresh state); it is sent before the connect ack."""
        prefix = f"2{NAMESPACE},"
        if packet.startswith(prefix + '["new_token"'):
            self.token = json.loads(packet[len(prefix):])[1]
            return True
        return False


# -- signing in as the browser does ----------------------------------------------------------
HANDOFF_RE = re.compile(r'\\"code\\":\s*\\"([^\\"]+)\\"')


def random_loopback_ip() -> str:
    """A loopback address of its own, so a test run's sign-ins do not share the per-IP login
    limit (in a Redis that other test runs' apps may share) with anyone else's."""
    import random

    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def handoff_code(reply: Reply) -> str:
    """The one-minute sign-in code in the `_call_script` that posts to /api/auth/session."""
    for script in reply.scripts:
        if "/api/auth/session" in script and (m := HANDOFF_RE.search(script)):
            return m.group(1)
    raise AssertionError(f"no handoff code in the reply: {reply.text[:500]}")


def redeem(base_url: str, code: str, *, origin: str | None = "", cookie: str | None = None) -> httpx.Response:
    """POST the handoff code to /api/auth/session as the page's fetch() does."""
    headers = {"Content-Type": "application/json"}
    if origin is not None:
        headers["Origin"] = base_url if origin == "" else origin
    if cookie:
        headers["Cookie"] = cookie
    return httpx.post(f"{base_url}/api/auth/session", content=json.dumps({"code": code}),
                      headers=headers, timeout=10)


def session_cookie(response: httpx.Response) -> str:
    """`tc_session=<token>` from a Set-Cookie header, ready for a Cookie header."""
    for header in response.headers.get_list("set-cookie"):
        name_value = header.split(";", 1)[0].strip()
        if name_value.startswith("tc_session=") and name_value != "tc_session=":
            return name_value
    raise AssertionError(f"no tc_session cookie in {response.headers.get_list('set-cookie')}")


def sign_in(base_url: str, email: str, password: str, *, source_ip: str | None = None) -> str:
    """Sign in over the websocket and the cookie route; return the `tc_session=...` cookie."""
    from tutorconnect.state.auth import LoginState

    with ReflexSocket(base_url, page="/login", source_ip=source_ip) as tab:
        reply = tab.call(LoginState.submit, {"form_data": {"email": email, "password": password}})
    code = handoff_code(reply)
    response = redeem(base_url, code)
    assert response.status_code == 200, response.text
    return session_cookie(response)
