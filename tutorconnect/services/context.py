"""Who is acting and from where: passed from entrypoints into services for audit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str = "unknown"
    user_agent: str = ""
    request_id: str = ""
    actor_user_id: uuid.UUID | None = None

    def acting_as(self, user_id: uuid.UUID | None) -> "RequestContext":
        return RequestContext(self.ip, self.user_agent, self.request_id, user_id)


SYSTEM = RequestContext(ip="system", user_agent="tutorconnect", request_id="system")
