"""Each tier's time at the end of a run: tests, the sum of their set-up + call + tear-down
(work done, across every worker) and its wall-clock span (first start to last finish).

Reports reach the xdist controller from every worker, so the figures cover the whole run.
The 20 slowest tests come from pytest's own `--durations=20` (.ci/run passes it).

Each file's test time is also written to test-artifacts/file-durations.json: copy it over
tests/support/file_durations.json (the scheduler's estimates, tests/support/xdist_order.py)
after a run when files have been added or have grown.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

TIERS = ("unit", "integration", "contract", "e2e")


@dataclass
class Tier:
    tests: set[str] = field(default_factory=set)
    seconds: float = 0.0
    first: float = float("inf")
    last: float = 0.0


_tiers: dict[str, Tier] = {}
_files: Counter[str] = Counter()
_tests: dict[str, dict] = {}  # nodeid -> worker, first start, last stop, test time
_began = time.time()


def _tier(nodeid: str) -> str:
    parts = nodeid.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "tests" and parts[1] in TIERS else "other"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    tier = _tiers.setdefault(_tier(report.nodeid), Tier())
    tier.tests.add(report.nodeid)
    tier.seconds += report.duration
    _files[report.nodeid.split("::", 1)[0]] += report.duration
    node = getattr(report, "node", None)
    entry = _tests.setdefault(report.nodeid, {"worker": getattr(getattr(node, "gateway", None), "id", "main"),
                                              "start": report.start or 0.0, "stop": 0.0, "seconds": 0.0})
    entry["seconds"] = round(entry["seconds"] + report.duration, 3)
    if report.start:
        entry["start"] = min(entry["start"] or report.start, report.start)
        entry["stop"] = max(entry["stop"], report.stop)
    if report.start:
        tier.first = min(tier.first, report.start)
        tier.last = max(tier.last, report.stop)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if hasattr(config, "workerinput") or not _tiers:
        return  # a worker: the controller prints the whole run's figures
    tr = terminalreporter
    tr.write_sep("=", "time per tier")
    tr.write_line(f"{'tier':<12}{'tests':>7}{'test time (s)':>15}{'wall span (s)':>15}")
    for name in (*TIERS, "other"):
        tier = _tiers.get(name)
        if tier is None:
            continue
        span = tier.last - tier.first if tier.last else 0.0
        tr.write_line(f"{name:<12}{len(tier.tests):>7}{tier.seconds:>15.1f}{span:>15.1f}")
    tr.write_line(f"whole session wall time: {time.time() - _began:.1f} s")
    out = config.rootpath / "test-artifacts" / "file-durations.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({f: round(s, 1) for f, s in sorted(_files.items())}, indent=0) + "\n")
    # Every test's worker, start, stop and time, relative to the run's start: where the
    # wall time went (bench/timeline.py reads it).
    timeline = [{"test": nodeid, **entry, "start": round(entry["start"] - _began, 2), "stop": round(entry["stop"] - _began, 2)}
                for nodeid, entry in sorted(_tests.items(), key=lambda item: item[1]["start"])]
    (out.parent / "timeline.json").write_text(json.dumps(timeline, indent=0) + "\n")
