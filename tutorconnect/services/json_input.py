"""JSON from outside (webhook bodies, the routes' request bodies), parsed without surprises.

`json.loads` raises RecursionError, not ValueError, for text nested deeper than the
interpreter's recursion limit (100,000 "[" is 100 KB), and a body nested just under that
limit parses but breaks whatever walks it next (storing it as JSONB, for one). So every
reader of an outside body calls `parse_json`, which refuses both with a ValueError, the
error callers already turn into "not JSON" (issue #14).
"""

from __future__ import annotations

import json
from typing import Any

# Razorpay's events are about six levels deep and our own request bodies two; anything
# past this is no body we read.
MAX_DEPTH = 32


class JsonTooDeep(ValueError):
    """Nested deeper than MAX_DEPTH arrays and objects."""


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays/objects in `value` nest more than `limit` levels (iteratively)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def parse_json(raw: bytes | bytearray | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads(raw)`, raising ValueError (never RecursionError) for text that is not
    JSON (invalid UTF-8 included) or nests more than `max_depth` arrays and objects."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise JsonTooDeep(f"JSON nested more than {max_depth} levels") from None
    if isinstance(value, dict | list) and _deeper_than(value, max_depth):
        raise JsonTooDeep(f"JSON nested more than {max_depth} levels")
    return value
