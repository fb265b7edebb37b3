"""What the test suite's expensive fixtures cost, each timed on its own (docs/testing.md).

    .venv/bin/python bench/test_fixture_costs.py [--runs 3]

Prints the median and range of: migrating an empty database to head (the old per-process
set-up), cloning the migrated template (the new one), loading the demo data, emptying
every table with TRUNCATE (old) and with the used-tables probe (new), building the
production frontend, copying a build for a new port, starting a live app from that copy
(Redis, Celery worker, emulators, Reflex), and starting a Celery worker process. Run it
on a quiet machine: it measures wall time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-" + "x" * 32)
os.environ.pop("REDIS_URL", None)

from sqlalchemy import create_engine, pool, text  # noqa: E402

from tests.support import frontend_build, parallel  # noqa: E402


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def show(label: str, seconds: list[float]) -> float:
    med = statistics.median(seconds)
    print(f"{label:<58} median {med:7.2f} s   (min {min(seconds):.2f}, max {max(seconds):.2f}, n={len(seconds)})")
    return med


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = args.runs
    from tutorconnect.migrations import upgrade_to_head

    def migrate_fresh() -> None:
        upgrade_to_head(parallel.scratch_database("bench_migrate"))

    template = parallel.migrated_template()
    clones = iter(range(1000))
    migrate = show("migrate an empty database to head (old, per process)", timed(migrate_fresh, runs))
    clone = show("clone the migrated template (new, per worker)",
                 timed(lambda: parallel.clone_database(template, f"tc_bench_clone_{parallel.run_id()}_{next(clones)}"), runs))
    print(f"{'':<58} ratio old/new {migrate / clone:.1f}x")

    seeded = iter(range(1000))

    def seed() -> None:
        url = parallel.clone_database(template, f"tc_bench_seed_{parallel.run_id()}_{next(seeded)}")
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run([sys.executable, "-m", "tutorconnect.cli", "seed"], cwd=ROOT, env=env, check=True,
                       capture_output=True)

    show("load the demo data (once per run: the live apps' template)", timed(seed, runs))

    # Emptying the tables between tests, after a test that wrote a few rows.
    url = parallel.clone_database(template, f"tc_bench_empty_{parallel.run_id()}")
    os.environ["DATABASE_URL"] = url
    from tests.conftest import _tables, empty_all_tables

    engine = create_engine(url, poolclass=pool.NullPool)
    tables = _tables()

    def dirty() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO rate_limit_buckets (key, window_start, hits, expires_at) "
                              "VALUES ('bench', now(), 1, now()) ON CONFLICT DO NOTHING"))
            conn.execute(text("INSERT INTO outbox (job, payload) VALUES ('bench', '{}')"))

    def truncate_all() -> None:
        dirty()
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))

    def empty_used() -> None:
        dirty()
        with engine.begin() as conn:
            empty_all_tables(conn)

    old = show("empty the tables: TRUNCATE all 41 (old, per test)", timed(truncate_all, runs * 5))
    new = show("empty the tables: probe, TRUNCATE the used ones (new)", timed(empty_used, runs * 5))
    print(f"{'':<58} ratio old/new {old / new:.1f}x")
    engine.dispose()

    # The frontend: one build per run, a copy per live app.
    env = {**os.environ, "REFLEX_USE_SYSTEM_BUN": "1",
           "PATH": f"{ROOT / '.tools/node_modules/.bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
                   f"{os.environ.get('PATH', '')}"}
    logs = Path(tempfile.mkdtemp(prefix="tc-bench-"))

    def build() -> None:
        frontend_build.remove_run_builds(parallel.run_id())
        frontend_build.shared_build(env, logs)

    show("build the production frontend (once per run)", timed(build, 1))
    shared = frontend_build.shared_build(env, logs)
    dest = frontend_build.LIVE_DIR / f"bench-copy-{os.getpid()}"
    show("copy the build for a new port (per live app)", timed(lambda: frontend_build.copy_for_port(shared, dest, 41234), runs))
    subprocess.run(["rm", "-rf", str(dest)], check=True)

    from tests.support.live_app import start_live_app

    def live() -> None:
        app = start_live_app(logs / "live", redis=True, name=f"bench{next(clones)}")
        app.stop()

    show("start a live app from the build (Redis, Celery, Reflex)", timed(live, runs))

    from tests.support.celery_workers import WorkerProcesses

    def worker() -> None:
        w = WorkerProcesses({"DATABASE_URL": url, "REDIS_URL": parallel.worker_redis("celery")}, logs,
                            hooks="tests.support.slow_job", name="bench")
        w.start()
        w.stop_all()

    show("start a Celery worker process (until 'ready')", timed(worker, runs))
    frontend_build.remove_run_builds(parallel.run_id())
    parallel.drop_run_databases(parallel.run_id())


if __name__ == "__main__":
    main()
