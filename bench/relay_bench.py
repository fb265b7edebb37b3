"""Outbox relay latency: from the commit of a state change to the start of its job in a
real Celery worker process, p50/p95.

    .venv/bin/python bench/relay_bench.py [--samples 200] [--burst 10] [--poll-samples 20] [--keep]

Scratch database tc_bench_relay (bench/_scratch.py) and a PRIVATE redis-server on a free
port in a temp dir (never the machine's shared Redis). A real `celery worker` (solo pool,
the production workers.celery_app config, plus bench/relay_jobs.py) consumes the queue.
This process runs what a Reflex app process runs in Redis mode: background.relay_loop
(relay turn every 2 s, and at once when nudged; the app nudges after every committed
transaction, state/base.in_transaction).

1. nudged, one at a time: commit an outbox row, nudge, wait for the job to start, repeat.
2. bursts: `--burst` rows committed by as many threads at once, each nudging.
3. poll only (no nudge: e.g. a commit from a process without the loop): the 2 s relay
   turn bounds it.
Latency = job start (time.time() in the worker) - commit returned (same machine clock).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import ROOT, scratch_database  # noqa: E402  (sets up the environment first)

DB = "tc_bench_relay"


def _pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.002)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--burst", type=int, default=10)
    parser.add_argument("--bursts", type=int, default=10)
    parser.add_argument("--poll-samples", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tc-relay-bench-"))
    port = _free_port()
    redis_proc = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind",
                                   "127.0.0.1", "--dir", str(tmp), "--save", "", "--appendonly", "no"],
                                  stdout=(tmp / "redis.log").open("wb"), stderr=subprocess.STDOUT)
    redis_url = f"redis://127.0.0.1:{port}/0"
    worker = None
    try:
        with scratch_database(DB, keep=args.keep) as (url, _):
            os.environ["REDIS_URL"] = redis_url
            from tutorconnect.config import get_settings

            get_settings.cache_clear()
            import redis

            client = redis.Redis.from_url(redis_url)
            _wait(lambda: _ping(client), 10, "redis")
            env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT),
                   "LOG_FORMAT": "text"}
            log = tmp / "worker.log"
            worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker",
                                       "--pool=solo", "-Q", "tutorconnect", "-l", "info", "-I", "bench.relay_jobs",
                                       "--without-mingle", "--without-gossip", "-n", f"bench-{os.getpid()}@%h"],
                                      cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
            _wait(lambda: " ready." in log.read_text() or worker.poll() is not None, 60, "worker")
            assert worker.poll() is None, log.read_text()[-2000:]

            from tutorconnect import background
            from tutorconnect.db import session_scope
            from tutorconnect.services import outbox

            stop = asyncio.Event()
            loop = asyncio.new_event_loop()
            runner = threading.Thread(target=loop.run_until_complete, args=(background.relay_loop(stop),), daemon=True)
            runner.start()
            marks = tmp / "marks"
            marks.touch()

            def started() -> dict[int, float]:
                out = {}
                for line in marks.read_text().splitlines():
                    n, t = line.split()
                    out[int(n)] = float(t)
                return out

            counter = [0]
            lock = threading.Lock()

            def commit_one(nudge: bool) -> tuple[int, float]:
                with lock:
                    counter[0] += 1
                    n = counter[0]
                with session_scope() as s:
                    outbox.enqueue(s, "bench.mark", {"n": n, "file": str(marks)})
                t = time.time()
                if nudge:
                    background.nudge()
                return n, t

            def measure(pairs):
                _wait(lambda: all(n in started() for n, _ in pairs), 60, "jobs to start")
                seen = started()
                return [(seen[n] - t) * 1000 for n, t in pairs]

            measure([commit_one(True) for _ in range(5)])  # warm-up
            one = []
            for _ in range(args.samples):
                one += measure([commit_one(True)])
                time.sleep(0.01)
            burst = []
            for _ in range(args.bursts):
                pairs: list = []
                threads = [threading.Thread(target=lambda: pairs.append(commit_one(True))) for _ in range(args.burst)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                burst += measure(pairs)
                time.sleep(0.05)
            poll = []
            for _ in range(args.poll_samples):
                poll += measure([commit_one(False)])
            loop.call_soon_threadsafe(stop.set)
            runner.join(10)

            def line(name, xs):
                return (f"{name:<34} n={len(xs):4d}  p50 {statistics.median(xs):7.1f} ms  p95 {_pct(xs, 95):7.1f} ms  "
                        f"max {max(xs):7.1f} ms")

            print(line("nudged, one at a time", one))
            print(line(f"nudged, bursts of {args.burst}", burst))
            print(line("poll only (2 s relay turn)", poll))
            with session_scope() as s:
                from sqlalchemy import text

                left = s.execute(text("SELECT count(*) FROM outbox WHERE completed_at IS NULL")).scalar_one()
            print(f"outbox rows not completed at the end: {left}")
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
        redis_proc.terminate()
        redis_proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _ping(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


if __name__ == "__main__":
    sys.exit(main())
