"""Google's JSON errors for the Calendar API (CalendarApiError), with the defaults an
injected fault uses and the two errors Google words specially (an empty time range, a
token without the method's scope)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from emulators.google.calendar_scopes import RPC_METHODS

# Google's error reasons, messages and domains by status (what an injected fault says).
_DEFAULTS = {
    400: ("badRequest", "Bad Request", "global"),
    401: ("authError", "Invalid Credentials", "global"),
    403: ("rateLimitExceeded", "Rate Limit Exceeded", "usageLimits"),
    404: ("notFound", "Not Found", "global"),
    409: ("duplicate", "The requested identifier already exists.", "global"),
    410: ("deleted", "Resource has been deleted", "global"),
    429: ("rateLimitExceeded", "Rate Limit Exceeded", "usageLimits"),
    500: ("backendError", "Backend Error", "global"),
    502: ("backendError", "Bad Gateway", "global"),
    503: ("backendError", "The service is currently unavailable.", "global"),
    504: ("backendError", "Gateway Timeout", "global"),
}
_STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                 409: "ALREADY_EXISTS", 410: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
                 503: "UNAVAILABLE"}


_REASON_MESSAGES = {
    "forbidden": ("Forbidden", "global"),
    "insufficientPermissions": ("Insufficient Permission", "global"),
    "userRateLimitExceeded": ("User Rate Limit Exceeded", "usageLimits"),
    "quotaExceeded": ("Calendar usage limits exceeded.", "usageLimits"),
}


class CalendarApiError(Exception):
    """Google's JSON error (https://developers.google.com/workspace/calendar/api/guides/errors):
    {"error": {"errors": [{domain, reason, message, ...}], "code", "message", "status"?,
    "details"?}}. `top_message`: error.message when it differs from the item's message
    (Google's scope error does that); `details`: google.rpc error details."""

    def __init__(self, status: int, reason: str | None = None, message: str | None = None,
                 domain: str | None = None, *, top_message: str | None = None,
                 details: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
                 **extra: str):
        d_reason, d_message, d_domain = _DEFAULTS.get(status, ("error", "Error", "global"))
        if reason in _REASON_MESSAGES:
            d_message, d_domain = _REASON_MESSAGES[reason]
        self.status, self.reason = status, reason or d_reason
        self.message, self.domain, self.extra = message or d_message, domain or d_domain, extra
        self.top_message, self.details, self.headers = top_message, details, headers
        super().__init__(self.message)

    def response(self) -> JSONResponse:
        item = {"domain": self.domain, "reason": self.reason, "message": self.message, **self.extra}
        body: dict[str, Any] = {"error": {"errors": [item], "code": self.status,
                                          "message": self.top_message or self.message}}
        if self.status in _STATUS_NAMES:
            body["error"]["status"] = _STATUS_NAMES[self.status]
        if self.details:
            body["error"]["details"] = self.details
        headers = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'} \
            if self.status == 401 else {}
        return JSONResponse(body, status_code=self.status, headers={**headers, **(self.headers or {})})


def time_range_empty() -> CalendarApiError:
    # The errors guide's own 400 example, field for field:
    # https://developers.google.com/workspace/calendar/api/guides/errors#400_bad_request
    return CalendarApiError(400, "timeRangeEmpty", "The specified time range is empty.", "calendar",
                            locationType="parameter", location="timeMax")


def insufficient_scope(endpoint: str, accepted: frozenset[str]) -> CalendarApiError:
    """A token without any of the method's scopes: 403 PERMISSION_DENIED, legacy reason
    insufficientPermissions plus a google.rpc.ErrorInfo ACCESS_TOKEN_SCOPE_INSUFFICIENT
    (https://github.com/googleapis/googleapis/blob/master/google/api/error_reason.proto ,
    https://cloud.google.com/apis/design/errors#error_info ; the body Calendar sends, e.g.
    https://github.com/googleapis/google-api-python-client/issues/1296), and RFC 6750's
    WWW-Authenticate error="insufficient_scope" (https://www.rfc-editor.org/rfc/rfc6750#section-3.1)."""
    return CalendarApiError(
        403, "insufficientPermissions", "Insufficient Permission", "global",
        top_message="Request had insufficient authentication scopes.",
        details=[{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                  "domain": "googleapis.com", "metadata": {"service": "calendar-json.googleapis.com",
                                                           "method": RPC_METHODS[endpoint]}}],
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="insufficient_scope", '
                                     f'scope="{" ".join(sorted(accepted))}"'},
    )
