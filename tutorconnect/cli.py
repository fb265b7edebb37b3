"""`python -m tutorconnect.cli COMMAND`: the launcher behind scripts/run.sh.

  up       migrate, load demo data, start the local emulators and the app (production
           build, one port); with no DATABASE_URL an embedded PostgreSQL is started in
           var/pgdata and stopped cleanly when you press Ctrl+C.
  migrate  upgrade the database to the newest migration.
  seed     load the demo data (idempotent).
  reconcile  check open Razorpay orders and pending refunds against Razorpay, repair them,
           expire unpaid holds; prints every repair (`--after-minutes N` overrides the
           RECONCILE_AFTER_MINUTES setting, default 15).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from tutorconnect.config import PROJECT_ROOT, get_settings

DEMO_LOGINS = """Demo sign-ins (password for all: {password}):
  admin    admin@tutorconnect.test
  tutor    tutor@tutorconnect.test
  student  student@tutorconnect.test"""


def _say(msg: str) -> None:
    print(f"[tutorconnect] {msg}", flush=True)


def _database_env() -> dict[str, str]:
    """Resolve the database (starting the embedded one if needed) for child processes."""
    from tutorconnect.db import database_url

    url = database_url()
    if not get_settings().database_url:
        _say(f"embedded PostgreSQL running in {get_settings().embedded_pg_dir}")
    return {"DATABASE_URL": url}


def cmd_migrate() -> None:
    from tutorconnect.db import database_url
    from tutorconnect.migrations import upgrade_to_head

    upgrade_to_head(database_url())
    _say("database migrated to head")


def cmd_seed() -> None:
    from tutorconnect.db import session_scope
    from tutorconnect import demo

    with session_scope() as s:
        summary = demo.load_demo_data(s)
    inserted = sum(summary.inserted.values())
    _say(
        f"demo data ready: {summary.approved_tutors} approved tutors in {summary.time_zones} time zones, "
        f"{summary.subjects_taught} subjects, {summary.students} students, {summary.admins} admin "
        f"({inserted} rows added)"
    )


def cmd_reconcile(after_minutes: int | None = None) -> int:
    from tutorconnect.services import payments

    _database_env()
    report = payments.reconcile(after_minutes=after_minutes)
    for line in report.actions:
        _say(f"  {line}")
    _say(f"reconciliation: {report.summary()}")
    return 0


def _is_local(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


def _wait_http(url: str, timeout: float, give_up) -> bool:
    """Poll `url` until it answers, the timeout passes, or `give_up()` says to stop."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not give_up():
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    return False


def _spawn(cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    # Own process group: stopping a child also stops everything it started.
    return subprocess.Popen(cmd, env=env, cwd=PROJECT_ROOT, start_new_session=True)


def _signal_group(child: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(child.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def cmd_up() -> int:
    settings = get_settings()
    env = {**os.environ, **_database_env(), "REFLEX_USE_SYSTEM_BUN": "1"}
    tools = PROJECT_ROOT / ".tools" / "node_modules" / ".bin"
    env["PATH"] = f"{tools}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    cmd_migrate()
    cmd_seed()
    children: list[subprocess.Popen] = []
    google_local = bool(settings.google_emulator_url) and _is_local(settings.google_emulator_url)
    razorpay_local = settings.razorpay_is_emulated and _is_local(settings.razorpay_base_url)
    if google_local or razorpay_local:
        flags = ([] if google_local else ["--no-google"]) + ([] if razorpay_local else ["--no-razorpay"])
        children.append(_spawn([sys.executable, "-m", "emulators", *flags], env))
    children.append(_spawn(["reflex", "run", "--env", "prod", "--loglevel", "warning"], env))
    url = f"http://localhost:{settings.app_port}"
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    def give_up() -> bool:
        return stopping or any(c.poll() is not None for c in children)

    try:
        if _wait_http(f"{url}/health", 300, give_up):
            from tutorconnect import demo

            _say(f"TutorConnect is up at {url}")
            if len(children) > 1:
                _say(f"mail inbox: http://127.0.0.1:{settings.mail_capture_http_port}")
            _say(DEMO_LOGINS.format(password=demo.DEMO_PASSWORD))
        while not give_up():
            time.sleep(0.5)
    finally:
        _say("stopping…")
        for child in children:
            _signal_group(child, signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
            # Whatever is left of the group (Reflex's backend workers) goes too, before
            # the database they use is stopped.
            _signal_group(child, signal.SIGKILL)
        from tutorconnect.db import reset_engine_cache
        from tutorconnect.embedded_pg import stop_embedded

        reset_engine_cache()
        stop_embedded()
        _say("stopped")
    crashed = not stopping and any(c.returncode not in (0, None, -signal.SIGINT) for c in children)
    return 1 if crashed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tutorconnect", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "migrate", "seed", "reconcile"])
    parser.add_argument("--after-minutes", type=int, default=None,
                        help="reconcile: orders/refunds older than this many minutes (default: setting)")
    args = parser.parse_args(argv)
    from tutorconnect.wiring import wire  # here, not at the top: `--help` stays fast

    wire()
    if args.command == "up":
        return cmd_up()
    if args.command == "reconcile":
        return cmd_reconcile(args.after_minutes)
    {"migrate": cmd_migrate, "seed": cmd_seed}[args.command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
