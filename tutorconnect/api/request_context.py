"""RequestContext from an HTTP request (client IP honours TRUSTED_PROXY_HOPS only)."""

from __future__ import annotations

import uuid

from starlette.requests import Request

from tutorconnect.config import get_settings
from tutorconnect.services.context import RequestContext


def client_ip(request: Request) -> str:
    hops = get_settings().trusted_proxy_hops
    if hops:
        forwarded = [p.strip() for p in request.headers.get("x-forwarded-for", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.client.host if request.client else "unknown"


def context_from_request(request: Request) -> RequestContext:
    rid = getattr(request.state, "request_id", "") or request.headers.get("x-request-id", "") or uuid.uuid4().hex
    return RequestContext(
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", "")[:300],
        request_id=rid,
    )
