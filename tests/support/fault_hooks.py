"""Test-only fault hooks for a Celery worker under test (`-I tests.support.fault_hooks`).

With TC_TEST_REFUND_BLOCK set to a file path, every Razorpay refund call made by this
process goes through to Razorpay (the emulator), then appends a line to
TC_TEST_REFUND_STARTED and blocks while the block file exists (at most 60 s): the worker
is then "mid-task" after the money left and before we recorded it, the worst moment for a
SIGKILL. Never imported by the application.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tutorconnect.integrations import razorpay_gateway

_BLOCK = os.environ.get("TC_TEST_REFUND_BLOCK")
_STARTED = os.environ.get("TC_TEST_REFUND_STARTED")

if _BLOCK:
    _real_refund = razorpay_gateway.refund

    def _refund_then_hang(*args, **kwargs):
        answer = _real_refund(*args, **kwargs)
        if _STARTED:
            with Path(_STARTED).open("a") as f:
                f.write("refunded at razorpay\n")
        deadline = time.monotonic() + 60
        while Path(_BLOCK).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return answer

    razorpay_gateway.refund = _refund_then_hang
