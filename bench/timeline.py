"""Where a test run's wall time went, per worker: `python bench/timeline.py [test-artifacts/timeline.json]`.

Reads the timeline the suite writes at the end of every run (tests/support/timing_report.py)
and prints, for each xdist worker, its files in the order it ran them (start, end, test
time), the worker's busy span, and when it finished: the last worker to finish sets the
run's wall time.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path


def main(path: Path) -> None:
    tests = json.loads(path.read_text())
    workers: dict[str, list[dict]] = defaultdict(list)
    for test in tests:
        workers[test["worker"]].append(test)
    for worker, entries in sorted(workers.items()):
        files: dict[str, list[float]] = {}
        for entry in entries:
            span = files.setdefault(entry["test"].split("::", 1)[0], [entry["start"], entry["stop"], 0.0])
            span[0], span[1] = min(span[0], entry["start"]), max(span[1], entry["stop"])
            span[2] += entry["seconds"]
        end = max(stop for _, stop, _ in files.values())
        print(f"{worker}: {len(entries)} tests, {len(files)} files, first start {min(s for s, _, _ in files.values()):.0f} s, end {end:.0f} s")
        for name, (start, stop, seconds) in sorted(files.items(), key=lambda item: item[1][0]):
            print(f"  {start:7.1f} {stop:7.1f} {seconds:7.1f}  {name}")
    print(f"run: last test ends at {max(t['stop'] for t in tests):.0f} s after the controller started")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "test-artifacts/timeline.json"))
