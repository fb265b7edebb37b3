"""Files served outside Reflex: public profile photos and private tutor documents.

GET /media/photos/{key}                 a re-encoded profile photo (public, cached for a year:
                                        keys are random and a new photo gets a new key)
GET /api/tutor-documents/{document_id}  a tutor's education/certification document, for
                                        that tutor and admins only (tc_session cookie);
                                        404 for everyone else, so ids reveal nothing
Both answer with nosniff; documents always download (attachment) inside a CSP sandbox,
so a crafted PDF or image can never run as a page of this origin.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from urllib.parse import quote

from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tutorconnect.api.cookies import token_from_request
from tutorconnect.api.request_context import context_from_request
from tutorconnect.db import session_scope
from tutorconnect.models.tutors import DOCUMENT_MAX_BYTES
from tutorconnect.services import sessions, tutors
from tutorconnect.services.errors import DomainError

_DOC_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EXT = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


def _not_found(private: bool = False) -> Response:
    response = PlainTextResponse("Not found", status_code=404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store" if private else "no-cache"
    return response


async def photo(request: Request) -> Response:
    path = tutors.photo_file(request.path_params.get("key", ""))
    if path is None:
        return _not_found()
    response = FileResponse(path, media_type="image/webp")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def safe_filename(name: str, content_type: str) -> tuple[str, str]:
    """(ASCII fallback, full Unicode name) for Content-Disposition, with the extension the
    content really has; no quotes, slashes, control or bidi characters survive."""
    ext = _EXT.get(content_type, ".bin")
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(c for c in name if c.isprintable() and c not in '"\\/:;*?<>|' and unicodedata.category(c)[0] != "C")
    stem = name.rsplit(".", 1)[0].strip(" .")[:100] or "document"
    ascii_stem = re.sub(r"[^A-Za-z0-9._ -]", "_", unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()).strip(" ._") or "document"
    return ascii_stem + ext, stem + ext


async def tutor_document(request: Request) -> Response:
    raw_id = request.path_params.get("document_id", "")
    if not isinstance(raw_id, str) or not _DOC_ID.fullmatch(raw_id):
        return _not_found(private=True)
    document_id = uuid.UUID(raw_id)
    ctx = context_from_request(request)
    try:
        with session_scope() as s:
            current = sessions.resolve(s, token_from_request(request))
            if current is None:
                return _not_found(private=True)
            path, content_type, filename = tutors.open_document(s, ctx.acting_as(current.user_id), document_id)
    except DomainError:
        # NotFound and PermissionDenied look the same: an id reveals nothing to outsiders.
        return _not_found(private=True)
    if not path.is_file():
        return _not_found(private=True)
    ascii_name, full_name = safe_filename(filename, content_type)
    response = FileResponse(path, media_type=content_type)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(full_name, safe='')}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# Reflex's upload endpoint spools a whole multipart body to disk before any handler can
# look at it, and has no size limit of its own: refuse bodies no upload of ours needs.
UPLOAD_PATH = "/_upload"
UPLOAD_MAX_BODY = DOCUMENT_MAX_BYTES + 256 * 1024  # the largest file plus multipart framing


class UploadLimitMiddleware:
    """413 for an upload over UPLOAD_MAX_BODY (by Content-Length, and by counting the bytes
    of a body sent without one), 411 for an upload that declares no length at all."""

    def __init__(self, app: ASGIApp, max_body: int = UPLOAD_MAX_BODY):
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path", "").rstrip("/") != UPLOAD_PATH:
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is None or not length.isdigit():
            await PlainTextResponse("Length required", status_code=411)(scope, receive, send)
            return
        if int(length) > self.max_body:
            await PlainTextResponse("The file is too large.", status_code=413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:  # more bytes than declared: stop reading
                raise ClientDisconnect()
            return message

        await self.app(scope, counted, send)


routes = [
    Route("/media/photos/{key}", photo, methods=["GET", "HEAD"]),
    Route("/api/tutor-documents/{document_id}", tutor_document, methods=["GET", "HEAD"]),
]
