"""One definition of "paid" (#13): tutorconnect/models/scheduling.py; services and pages use it."""

from __future__ import annotations

import re
from pathlib import Path

from tutorconnect.models.scheduling import ACTIVE_STATUSES, BOOKING_STATUSES, PAID_ACTIVE_STATUSES, PAID_STATUSES


def test_paid_means_every_status_reached_only_through_a_payment():
    assert PAID_STATUSES == {"awaiting_tutor", "confirmed", "completed", "no_show_student", "no_show_tutor"}
    assert PAID_STATUSES <= set(BOOKING_STATUSES)
    assert PAID_ACTIVE_STATUSES == {"awaiting_tutor", "confirmed"} == PAID_STATUSES & set(ACTIVE_STATUSES)


def test_no_module_keeps_a_paid_status_list_of_its_own():
    root = Path(__file__).resolve().parents[2] / "tutorconnect"
    for path in root.rglob("*.py"):
        if path.name == "scheduling.py" and path.parent.name == "models":
            continue
        text = path.read_text()
        # a literal set of statuses named "paid" (an alias of the shared one is fine)
        assert not re.search(r"^\s*_?PAID(_ACTIVE)?(_STATUSES)?\s*=\s*(frozenset\(|\(|\{)", text, re.M), path
