"""Contract suites: the providers' documented API contracts, checked through their official
SDKs. They run against our emulators in every run; the Razorpay suite also runs, unchanged,
against Razorpay's test mode when RAZORPAY_CONTRACT_KEY_ID and RAZORPAY_CONTRACT_KEY_SECRET are
set (docs/emulators.md says how)."""

from __future__ import annotations

import os


def _where() -> str:
    if os.environ.get("RAZORPAY_CONTRACT_KEY_ID") and os.environ.get("RAZORPAY_CONTRACT_KEY_SECRET"):
        return "razorpay contract: ran against Razorpay test mode (api.razorpay.com) and the emulator"
    return ("razorpay contract: ran against the emulator only; Razorpay test mode did not run "
            "(RAZORPAY_CONTRACT_KEY_ID / RAZORPAY_CONTRACT_KEY_SECRET not set)")


def pytest_report_header(config):
    return [_where()]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not hasattr(config, "workerinput"):  # once, from the controller
        terminalreporter.write_line(_where())
