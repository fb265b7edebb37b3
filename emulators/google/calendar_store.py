"""The Calendar side's state (CalendarState): events per account, seeded busy blocks,
faults and conference timing, with Google's rules for them.

Like Google: an insert with an id that exists (deleted or not) is 409 `duplicate`; ids are
base32hex (a-v, 0-9), 5-1024 characters; with conferenceDataVersion=1 a
conferenceData.createRequest (type hangoutsMeet) starts "pending" and becomes "success"
(hangoutLink, entryPoints) once it has been read `ready_after_reads` times or is
`ready_after_seconds` old (either; both configurable, or "failure"); with version 0
conferenceData in the body is ignored. events.patch merges (fields not in the request are
kept, objects merge, arrays replace, null deletes). freeBusy merges the account's events
(not cancelled, not transparent) with busy blocks seeded through the controls.
"""

from __future__ import annotations

import copy
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emulators.google.calendar_errors import CalendarApiError
from emulators.google.calendar_scopes import ENDPOINTS
from emulators.google.calendar_times import event_time, now_rfc3339

_EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MEET_BASE = "https://meet.google.com"


@dataclass
class Fault:
    endpoint: str
    status: int
    remaining: int
    reason: str | None = None
    hang_seconds: float = 0.0


@dataclass
class StoredEvent:
    resource: dict[str, Any]
    created_at: float = field(default_factory=time.monotonic)
    reads: int = 0
    deleted: bool = False


# Event fields Google computes (the Events resource marks them read-only, or they are the
# server's bookkeeping): never taken from a request; _build sets them. conferenceData has
# its own rules (conferenceDataVersion), see CalendarState._conference.
_READ_ONLY = frozenset({"kind", "etag", "id", "htmlLink", "created", "updated", "creator", "organizer",
                        "iCalUID", "sequence", "hangoutLink", "conferenceData", "eventType"})


def _merge_patch(current: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """Google's patch semantics: fields not in the request keep their values; an object in
    the request is merged into the stored one ("The modified data you send is merged into
    the data for the parent object"); an array replaces the stored array; null deletes the
    field. https://developers.google.com/workspace/calendar/api/guides/performance#patch and
    events.patch ("Fields that you don't specify in the request remain unchanged. Array
    fields, if specified, overwrite the existing arrays"),
    https://developers.google.com/workspace/calendar/api/v3/reference/events/patch"""
    merged = copy.deepcopy(current)
    for key, value in request.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_patch(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _meet_code() -> str:
    letters = string.ascii_lowercase
    return "-".join("".join(secrets.choice(letters) for _ in range(n)) for n in (3, 4, 3))


class CalendarState:
    """Events per account, seeded busy blocks, faults, conference timing. Thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.events: dict[str, dict[str, StoredEvent]] = {}
            self.busy: dict[str, list[tuple[datetime, datetime]]] = {}
            self.faults: list[Fault] = []
            self.calls: dict[str, int] = {}
            self.ready_after_reads: int | None = 1
            self.ready_after_seconds: float | None = 2.0
            self.conference_outcome = "success"
            self.meet_base = MEET_BASE

    # Faults and counters ---------------------------------------------------------------
    def add_fault(self, endpoint: str, status: int, count: int, reason: str | None = None,
                  hang_seconds: float = 0.0) -> Fault:
        if endpoint != "*" and endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {', '.join(ENDPOINTS)} or *")
        if not 400 <= int(status) <= 599 or int(count) < 1 or not 0 <= float(hang_seconds) <= 120:
            raise ValueError("status 400-599, count >= 1, hang_seconds 0-120")
        fault = Fault(endpoint, int(status), int(count), reason, float(hang_seconds))
        with self.lock:
            self.faults.append(fault)
        return fault

    def take_fault(self, endpoint: str) -> Fault | None:
        with self.lock:
            self.calls[endpoint] = self.calls.get(endpoint, 0) + 1
            for fault in self.faults:
                if fault.remaining > 0 and fault.endpoint in (endpoint, "*"):
                    fault.remaining -= 1
                    return fault
        return None

    # Busy blocks --------------------------------------------------------------------------
    def seed_busy(self, email: str, blocks: list[tuple[datetime, datetime]]) -> None:
        with self.lock:
            self.busy.setdefault(email.lower(), []).extend(blocks)

    # Conferences --------------------------------------------------------------------------
    def _advance_conference(self, stored: StoredEvent, *, read: bool) -> None:
        conf = stored.resource.get("conferenceData")
        if not conf or conf.get("createRequest", {}).get("status", {}).get("statusCode") != "pending":
            return
        if read:
            stored.reads += 1
        by_reads = self.ready_after_reads is not None and stored.reads >= self.ready_after_reads
        by_time = (self.ready_after_seconds is not None
                   and time.monotonic() - stored.created_at >= self.ready_after_seconds)
        if not (by_reads or by_time):
            return
        if self.conference_outcome == "failure":
            conf["createRequest"]["status"]["statusCode"] = "failure"
            return
        code = _meet_code()
        uri = f"{self.meet_base}/{code}"
        conf["createRequest"]["status"]["statusCode"] = "success"
        conf.update({
            "entryPoints": [
                {"entryPointType": "video", "uri": uri, "label": uri.split("://", 1)[-1]},
                {"entryPointType": "more", "uri": f"https://tel.meet/{code}?pin=1234567890", "pin": "1234567890"},
            ],
            "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet",
                                   "iconUri": "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png"},
            "conferenceId": code,
        })
        stored.resource["hangoutLink"] = uri
        self._touch(stored)

    @staticmethod
    def _touch(stored: StoredEvent) -> None:
        stored.resource["updated"] = now_rfc3339()
        stored.resource["etag"] = f'"{time.time_ns() // 1000}"'

    def view(self, stored: StoredEvent, *, read: bool = True) -> dict[str, Any]:
        with self.lock:
            self._advance_conference(stored, read=read)
            return copy.deepcopy(stored.resource)

    # Events -------------------------------------------------------------------------------
    def _calendar(self, email: str) -> dict[str, StoredEvent]:
        return self.events.setdefault(email, {})

    def _conference(self, body: dict[str, Any], version: int, existing: dict[str, Any] | None) -> dict[str, Any] | None:
        if version < 1 or "conferenceData" not in body:
            return existing
        conf = body.get("conferenceData")
        if conf is None:
            return None
        if not isinstance(conf, dict):
            raise CalendarApiError(400, "invalid", "Invalid conference data.")
        request = conf.get("createRequest")
        if request is None:
            return existing if existing is not None else (copy.deepcopy(conf) or None)
        if existing is not None and existing.get("createRequest", {}).get("requestId") == request.get("requestId"):
            return existing  # the same request again: nothing new is made
        if not isinstance(request, dict) or not isinstance(request.get("requestId"), str) or not request["requestId"]:
            raise CalendarApiError(400, "required", "Missing conference request id.")
        kind = (request.get("conferenceSolutionKey") or {}).get("type")
        if kind != "hangoutsMeet":
            raise CalendarApiError(400, "invalid", "Invalid conference type value.")
        return {"createRequest": {"requestId": request["requestId"], "conferenceSolutionKey": {"type": kind},
                                  "status": {"statusCode": "pending"}}}

    def _build(self, email: str, event_id: str, body: dict[str, Any], version: int,
               base: dict[str, Any] | None) -> dict[str, Any]:
        start, start_all_day = event_time(body.get("start"), "start")
        end, end_all_day = event_time(body.get("end"), "end")
        if start_all_day != end_all_day:
            raise CalendarApiError(400, "invalid", "Start and end times must either both be date or both be dateTime.")
        if end < start or (end == start and start_all_day):
            raise CalendarApiError(400, "timeRangeEmpty", "The specified time range is empty.", "calendar")
        attendees = body.get("attendees") or []
        if not isinstance(attendees, list) or any(
                not isinstance(a, dict) or not _EMAIL.match(str(a.get("email", ""))) for a in attendees):
            raise CalendarApiError(400, "invalid", "Invalid attendee email.")
        status = body.get("status", (base or {}).get("status", "confirmed"))
        if status not in ("confirmed", "tentative", "cancelled"):
            raise CalendarApiError(400, "invalid", "Invalid event status.")
        now = now_rfc3339()
        resource = {
            **{k: copy.deepcopy(v) for k, v in body.items() if k not in ("conferenceData", "id")},
            "kind": "calendar#event",
            "id": event_id,
            "status": status,
            "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
            "created": (base or {}).get("created", now),
            "updated": now,
            "creator": {"email": email, "self": True},
            "organizer": {"email": email, "self": True},
            "iCalUID": f"{event_id}@google.com",
            "sequence": int((base or {}).get("sequence", -1)) + 1,
            "reminders": body.get("reminders") or {"useDefault": True},
            "eventType": "default",
        }
        if attendees:
            resource["attendees"] = [{**a, "responseStatus": a.get("responseStatus", "needsAction")}
                                     for a in attendees]
        conference = self._conference(body, version, (base or {}).get("conferenceData"))
        if conference is not None:
            resource["conferenceData"] = conference
            if (base or {}).get("hangoutLink") and conference is (base or {}).get("conferenceData"):
                resource["hangoutLink"] = base["hangoutLink"]  # type: ignore[index]
        resource["etag"] = f'"{time.time_ns() // 1000}"'
        return resource

    def insert(self, email: str, body: dict[str, Any], version: int) -> dict[str, Any]:
        event_id = body.get("id")
        if event_id is None:
            event_id = secrets.token_hex(13)  # hex digits are valid base32hex
        if not isinstance(event_id, str) or not _EVENT_ID.match(event_id):
            raise CalendarApiError(400, "invalid", "Invalid resource id value.")
        with self.lock:
            calendar = self._calendar(email)
            if event_id in calendar:
                raise CalendarApiError(409)
            stored = StoredEvent(self._build(email, event_id, body, version, None))
            calendar[event_id] = stored
            return self.view(stored, read=False)

    def find(self, email: str, event_id: str) -> StoredEvent:
        with self.lock:
            stored = self._calendar(email).get(event_id)
        if stored is None:
            raise CalendarApiError(404)
        return stored

    def patch(self, email: str, event_id: str, body: dict[str, Any], version: int, *,
              replace: bool = False) -> dict[str, Any]:
        """events.patch (`replace=False`) or events.update (`replace=True`: the body is the
        whole writable event). The read-only fields and conferenceData are _build's."""
        with self.lock:
            stored = self.find(email, event_id)
            self._advance_conference(stored, read=False)
            current = stored.resource
            request = {k: v for k, v in body.items() if k not in ("id", "conferenceData")}
            if replace:
                merged = request
            else:
                writable = {k: v for k, v in current.items() if k not in _READ_ONLY}
                merged = _merge_patch(writable, request)
            if "conferenceData" in body and version >= 1:
                merged["conferenceData"] = body["conferenceData"]
            updated = self._build(email, event_id, merged, version, current)
            if "status" not in body and stored.deleted:
                updated["status"] = "cancelled"
            stored.resource = updated
            stored.deleted = updated["status"] == "cancelled"
            return copy.deepcopy(updated)

    def delete(self, email: str, event_id: str) -> None:
        with self.lock:
            stored = self.find(email, event_id)
            if stored.deleted:
                raise CalendarApiError(410)
            stored.deleted = True
            stored.resource["status"] = "cancelled"
            stored.resource["sequence"] = int(stored.resource.get("sequence", 0)) + 1
            self._touch(stored)

    def busy_for(self, email: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        with self.lock:
            spans = list(self.busy.get(email, []))
            for stored in self._calendar(email).values():
                r = stored.resource
                if stored.deleted or r.get("status") == "cancelled" or r.get("transparency") == "transparent":
                    continue
                spans.append((event_time(r["start"], "start")[0], event_time(r["end"], "end")[0]))
        clipped = sorted((max(s, start), min(e, end)) for s, e in spans if s < end and e > start)
        merged: list[tuple[datetime, datetime]] = []
        for s, e in clipped:
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        return merged

    def snapshot(self, email: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            owners = [email.lower()] if email else sorted(self.events)
            return [{"calendar": owner, "deleted": s.deleted, "reads": s.reads, **copy.deepcopy(s.resource)}
                    for owner in owners for s in self.events.get(owner, {}).values()]
