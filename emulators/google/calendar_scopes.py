"""The Calendar v3 endpoints the emulator serves, the scopes Google accepts for each (read
from the discovery document the SDK ships), and the rpc method names its errors carry."""

from __future__ import annotations

import json
from typing import Any

# Our endpoint names -> the method ids of Calendar v3's discovery document.
METHOD_IDS = {
    "events.insert": "calendar.events.insert", "events.get": "calendar.events.get",
    "events.patch": "calendar.events.patch", "events.update": "calendar.events.update",
    "events.delete": "calendar.events.delete", "events.list": "calendar.events.list",
    "freebusy": "calendar.freebusy.query",
}
ENDPOINTS = tuple(METHOD_IDS)
_SCOPE = "https://www.googleapis.com/auth/"
DEFAULT_GRANT_SCOPES = (_SCOPE + "calendar.events", _SCOPE + "calendar.freebusy")


def _discovery_scopes() -> dict[str, frozenset[str]]:
    """The scopes Google accepts per method, read from the Calendar v3 discovery document
    the SDK ships (the same list as each method's "Authorization" section, e.g.
    https://developers.google.com/workspace/calendar/api/v3/reference/freebusy/query#auth
    and https://developers.google.com/workspace/calendar/api/v3/reference/events/insert#auth)."""
    from googleapiclient.discovery_cache import get_static_doc

    doc = json.loads(get_static_doc("calendar", "v3") or "{}")
    by_id: dict[str, frozenset[str]] = {}

    def walk(resources: dict[str, Any]) -> None:
        for resource in resources.values():
            for method in resource.get("methods", {}).values():
                by_id[method["id"]] = frozenset(method.get("scopes", ()))
            walk(resource.get("resources", {}))

    walk(doc.get("resources", {}))
    missing = [m for m in METHOD_IDS.values() if not by_id.get(m)]
    if missing:
        raise RuntimeError(f"calendar v3 discovery document lacks scopes for {missing}")
    return {endpoint: by_id[method_id] for endpoint, method_id in METHOD_IDS.items()}


SCOPES_BY_ENDPOINT = _discovery_scopes()
# The rpc method names Google puts in ErrorInfo.metadata.method (calendar.v3.<Resource>.<Method>).
RPC_METHODS = {
    "events.insert": "calendar.v3.Events.Insert", "events.get": "calendar.v3.Events.Get",
    "events.patch": "calendar.v3.Events.Patch", "events.update": "calendar.v3.Events.Update",
    "events.delete": "calendar.v3.Events.Delete", "events.list": "calendar.v3.Events.List",
    "freebusy": "calendar.v3.Freebusy.Query",
}
