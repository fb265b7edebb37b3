"""Outside JSON (request bodies) is read through services.json_input.parse_json: text nested
past any real body is refused as "not JSON" (a 400), never a RecursionError (a 500).
The webhook route's own cases are in test_payments_webhooks.py (signed bodies)."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from tutorconnect.api.app import build_api
from tutorconnect.services.json_input import MAX_DEPTH, JsonTooDeep, parse_json

DEEP = {
    "100k-brackets": b"[" * 100_000,
    "100k-objects": b'{"a":' * 100_000,
    "900-levels-in-the-code": b'{"code": ' + b"[" * 900 + b"]" * 900 + b"}",
}


@pytest.mark.parametrize("raw", DEEP.values(), ids=DEEP.keys())
def test_the_session_handoff_route_answers_400_for_a_deeply_nested_body(db, raw):
    response = TestClient(build_api(), raise_server_exceptions=False).post(
        "/api/auth/session", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json() == {"ok": False, "error": "Expected a JSON body."}
    assert "set-cookie" not in response.headers


def test_parse_json_reads_bodies_up_to_the_depth_limit_and_refuses_deeper_ones():
    at_limit = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_json(at_limit) == json.loads(at_limit)
    assert parse_json(b'{"event": "x", "payload": {"payment": {"entity": {"notes": {}}}}}')["event"] == "x"
    assert parse_json("5") == 5 and parse_json('"text"') == "text"
    for raw in ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "[" * 100_000, '{"a":' * 100_000):
        with pytest.raises(JsonTooDeep):
            parse_json(raw)
    for raw in (b"{", b"\xff\xfe", b""):
        with pytest.raises(ValueError):
            parse_json(raw)
