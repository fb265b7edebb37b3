"""Local mail capture: an SMTP server that keeps every message as an .eml file, and a
read-only web inbox over that folder.

Development and tests send real SMTP (tutorconnect.integrations.mailer) to this server,
so the code path is the production one; nothing leaves the machine.

    SMTP   127.0.0.1:8025  (settings.smtp_port)
    HTTP   127.0.0.1:8026  (settings.mail_capture_http_port)
           GET /                 HTML list, newest first
           GET /messages/{id}    one message: HTML part in a sandboxed iframe + text part
           GET /messages/{id}/raw  the stored .eml
           GET /api/messages     JSON [{id,to,from,subject,date,text,html,attachments}]  (?to=)
           GET /api/messages/{id}
           GET /api/summaries    JSON {total, messages: [{id,to,from,subject,date,attachments}]}
                                 newest first, ?offset=&limit= (at most 100), no bodies
           DELETE /api/messages  remove every stored message
"""

from __future__ import annotations

import html
import re
import time
import uuid
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from emulators.serving import BackgroundServer, free_port
from tutorconnect.config import PROJECT_ROOT

DEFAULT_FOLDER = PROJECT_ROOT / "var" / "mail"
# Ids are file stems we generate; anything else is refused before touching the disk.
_ID = re.compile(r"^[0-9]{19,20}-[0-9a-f]{8}$")
_MAX_LISTED = 500


# Storage -----------------------------------------------------------------------------
class MailFolder:
    """The .eml files of one folder. File names sort by arrival time (nanosecond prefix)."""

    def __init__(self, folder: Path | str):
        self.path = Path(folder)

    def save(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> str:
        self.path.mkdir(parents=True, exist_ok=True)
        msg_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        # Keep the envelope like an MTA does: Bcc recipients appear nowhere else.
        envelope = (
            f"X-Envelope-From: <{mail_from}>\r\n"
            f"X-Envelope-To: {', '.join(rcpt_tos)}\r\n"
        ).encode("utf-8", "replace")
        tmp = self.path / f".{msg_id}.tmp"
        tmp.write_bytes(envelope + raw)
        tmp.rename(self.path / f"{msg_id}.eml")  # readers never see half a message
        return msg_id

    def ids(self) -> list[str]:
        if not self.path.is_dir():
            return []
        stems = [p.stem for p in self.path.glob("*.eml") if _ID.match(p.stem)]
        return sorted(stems, reverse=True)[:_MAX_LISTED]

    def get(self, msg_id: str) -> dict[str, Any] | None:
        raw = self.raw(msg_id)
        return None if raw is None else _summarize(msg_id, raw)

    def raw(self, msg_id: str) -> bytes | None:
        if not _ID.match(msg_id):
            return None
        try:
            return (self.path / f"{msg_id}.eml").read_bytes()
        except FileNotFoundError:  # deleted between listing and reading
            return None

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        wanted = to.strip().lower() if to else None
        found = (self.get(i) for i in self.ids())
        return [m for m in found if m and (wanted is None or wanted in m["recipients"])]

    def clear(self) -> int:
        count = 0
        for p in self.path.glob("*.eml") if self.path.is_dir() else []:
            p.unlink(missing_ok=True)
            count += 1
        return count


def _part(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_type() != f"text/{subtype}":
        return ""
    # Stored mail has CRLF line ends; callers (and regexes in tests) expect plain "\n".
    return part.get_content().replace("\r\n", "\n")


def _attachments(msg: EmailMessage) -> list[dict[str, Any]]:
    found = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        found.append({"filename": part.get_filename() or "(unnamed)", "content_type": part.get_content_type(),
                      "size": len(payload)})
    return found


def _summarize(msg_id: str, raw: bytes) -> dict[str, Any]:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    headers = [str(v) for k in ("to", "cc", "x-envelope-to") for v in msg.get_all(k, [])]
    recipients = sorted({addr.lower() for _, addr in getaddresses(headers) if addr})
    received = datetime.fromtimestamp(int(msg_id.split("-")[0]) / 1e9, tz=timezone.utc)
    try:
        sent = parsedate_to_datetime(msg["date"]) if msg["date"] else received
    except (TypeError, ValueError):
        sent = received
    return {
        "id": msg_id,
        "to": str(msg.get("to", "")),
        "from": str(msg.get("from", "")),
        "subject": str(msg.get("subject", "")),
        "date": sent.isoformat(),
        "text": _part(msg, "plain"),
        "html": _part(msg, "html"),
        "attachments": _attachments(msg) if msg.is_multipart() else [],
        "recipients": recipients,
    }


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {k: message[k] for k in ("id", "to", "from", "subject", "date", "text", "html", "attachments")}


def _summary(message: dict[str, Any]) -> dict[str, Any]:
    return {k: message[k] for k in ("id", "to", "from", "subject", "date", "attachments")}


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(request.query_params.get(name, default)), low), high)
    except ValueError:
        return default


# SMTP --------------------------------------------------------------------------------
class _Handler:
    def __init__(self, folder: MailFolder):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        self.folder.save(envelope.original_content or envelope.content, envelope.mail_from, envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def _accept_any_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    # A capture server: any SMTP_USERNAME/PASSWORD the app is configured with must work.
    return AuthResult(success=True)


class SmtpCapture:
    """SMTP capture usable in-process: `start()`, `messages()`, `wait_for()`, `stop()`.

    `port=0` picks a free port; `http_port` (0 = free port) also serves the web inbox.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, folder: Path | str = DEFAULT_FOLDER,
                 http_port: int | None = None):
        self.host = host
        self.port = port or free_port(host)
        self.folder = MailFolder(folder)
        self._http_port = http_port
        self.http: BackgroundServer | None = None
        self._controller = Controller(
            _Handler(self.folder), hostname=host, port=self.port,
            auth_require_tls=False, authenticator=_accept_any_login,
        )

    @property
    def http_url(self) -> str | None:
        return self.http.url if self.http else None

    def start(self) -> "SmtpCapture":
        self.folder.path.mkdir(parents=True, exist_ok=True)
        self._controller.start()
        if self._http_port is not None:
            self.http = BackgroundServer(inbox_app(self.folder.path), self.host, self._http_port).start()
        return self

    def stop(self) -> None:
        if self.http:
            self.http.stop()
            self.http = None
        self._controller.stop()

    def __enter__(self) -> "SmtpCapture":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        """Stored messages, newest first, optionally only those addressed to `to`."""
        return [_public(m) for m in self.folder.messages(to)]

    def clear(self) -> int:
        return self.folder.clear()

    def wait_for(self, to: str, timeout: float = 10, subject_contains: str | None = None) -> dict[str, Any]:
        """The newest message to `to` (and with `subject_contains`), polling until `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            for m in self.messages(to):
                if subject_contains is None or subject_contains.lower() in m["subject"].lower():
                    return m
            if time.monotonic() >= deadline:
                seen = [(m["to"], m["subject"]) for m in self.messages()][:10]
                raise TimeoutError(f"no mail to {to!r} (subject ~ {subject_contains!r}) in {timeout}s; got {seen}")
            time.sleep(0.05)


# HTTP inbox --------------------------------------------------------------------------
_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1f2328}
header{background:#1f6feb;color:#fff;padding:14px 24px;font-size:18px;font-weight:600}
header a{color:#fff;text-decoration:none} main{max-width:960px;margin:24px auto;padding:0 16px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #d0d7de;border-radius:8px;overflow:hidden}
th,td{text-align:left;padding:10px 14px;border-bottom:1px solid #eaeef2;font-size:14px}
th{background:#f6f8fa;font-weight:600} tr:hover td{background:#f6f8fa}
td a{color:#0969da;text-decoration:none} .muted{color:#656d76} .empty{padding:40px;text-align:center}
.meta{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px 18px;margin-bottom:16px}
.meta div{margin:2px 0} iframe{width:100%;height:560px;border:1px solid #d0d7de;border-radius:8px;background:#fff}
pre{white-space:pre-wrap;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px}
h2{font-size:15px;margin:20px 0 8px}
"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    doc = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'><style>{_STYLE}</style></head>"
        f"<body><header><a href='/'>TutorConnect mail capture</a></header><main>{body}</main></body></html>"
    )
    # The inbox shows mail bodies: no scripts anywhere, and the HTML part only in a sandbox.
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; frame-ancestors 'none'"
    return HTMLResponse(doc, status_code=status, headers={"Content-Security-Policy": csp, "Cache-Control": "no-store"})


def inbox_app(folder: Path | str = DEFAULT_FOLDER) -> Starlette:
    store = MailFolder(folder)
    e = html.escape

    def index(request: Request) -> HTMLResponse:
        rows = "".join(
            f"<tr><td>{e(m['to'])}</td><td><a href='/messages/{m['id']}'>{e(m['subject']) or '(no subject)'}</a>"
            f"</td><td class='muted'>{e(m['date'][:19].replace('T', ' '))} UTC</td></tr>"
            for m in store.messages()
        )
        table = (
            f"<table><thead><tr><th>To</th><th>Subject</th><th>Date</th></tr></thead><tbody>{rows}</tbody></table>"
            if rows else "<div class='meta empty muted'>No messages yet. Mail sent by the app appears here.</div>"
        )
        return _page("Mail capture", f"<p class='muted'><a href='/'>Refresh</a></p>{table}")

    def show(request: Request) -> Response:
        m = store.get(request.path_params["msg_id"])
        if m is None:
            return _page("Not found", "<div class='meta'>That message does not exist.</div>", 404)
        # <base target=_blank>: links in the mail open in a new tab (the sandbox allows only that).
        frame = (
            f"<iframe title='HTML part' sandbox='allow-popups allow-popups-to-escape-sandbox' "
            f"srcdoc=\"{e('<base target=_blank>' + m['html'], quote=True)}\"></iframe>"
            if m["html"] else "<p class='muted'>No HTML part.</p>"
        )
        body = (
            f"<div class='meta'><div><b>Subject:</b> {e(m['subject'])}</div><div><b>From:</b> {e(m['from'])}</div>"
            f"<div><b>To:</b> {e(m['to'])}</div><div class='muted'>{e(m['date'])} · "
            f"<a href='/messages/{m['id']}/raw'>raw</a></div></div>"
            f"<h2>HTML</h2>{frame}<h2>Text</h2><pre>{e(m['text']) or '(no text part)'}</pre>"
            + ("<h2>Attachments</h2><ul>" + "".join(
                f"<li>{e(a['filename'])} <span class='muted'>({e(a['content_type'])}, {a['size']} bytes)</span></li>"
                for a in m["attachments"]) + "</ul>" if m["attachments"] else "")
        )
        return _page(m["subject"] or "Message", body)

    def raw(request: Request) -> Response:
        data = store.raw(request.path_params["msg_id"])
        if data is None:
            return PlainTextResponse("not found", status_code=404)
        return PlainTextResponse(data.decode("utf-8", "replace"))

    def api_list(request: Request) -> JSONResponse:
        return JSONResponse([_public(m) for m in store.messages(request.query_params.get("to"))])

    def api_summaries(request: Request) -> JSONResponse:
        ids = store.ids()
        offset = _int_param(request, "offset", 0, 0, len(ids))
        limit = _int_param(request, "limit", 20, 1, 100)
        found = (store.get(i) for i in ids[offset:offset + limit])
        return JSONResponse({"total": len(ids), "messages": [_summary(m) for m in found if m]})

    def api_get(request: Request) -> JSONResponse:
        m = store.get(request.path_params["msg_id"])
        return JSONResponse(_public(m)) if m else JSONResponse({"error": "not_found"}, status_code=404)

    def api_clear(request: Request) -> JSONResponse:
        return JSONResponse({"deleted": store.clear()})

    return Starlette(routes=[
        Route("/", index),
        Route("/messages/{msg_id}", show),
        Route("/messages/{msg_id}/raw", raw),
        Route("/api/messages", api_list, methods=["GET"]),
        Route("/api/messages", api_clear, methods=["DELETE"]),
        Route("/api/summaries", api_summaries),
        Route("/api/messages/{msg_id}", api_get),
    ])
