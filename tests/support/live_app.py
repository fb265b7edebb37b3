"""Start the real app the way scripts/run.sh does (production build, one port), for the
browser and websocket tests: its own database (a clone of the run's migrated database with
the demo data loaded once), the local emulators (SMTP capture + inbox, Google OAuth,
Razorpay) as a subprocess, and optionally Redis with a real Celery worker, in which case
Reflex keeps state in Redis with several workers. The production frontend is built once
per run and copied for each app's port (tests/support/frontend_build.py).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from tests.support import frontend_build, parallel

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveApp:
    base_url: str
    database_url: str
    inbox_url: str
    google_url: str
    redis_url: str | None
    log_dir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    build_dirs: list[Path] = field(default_factory=list)
    razorpay_url: str = ""  # the Razorpay emulator (python -m emulators starts it)
    smtp_port: int = 0  # the capture server's SMTP port (tests may send mail to it directly)

    # -- mail -----------------------------------------------------------------------------
    def mails(self, to: str | None = None) -> list[dict[str, Any]]:
        params = {"to": to} if to else {}
        return httpx.get(f"{self.inbox_url}/api/messages", params=params, timeout=5).json()

    def wait_for_mail(self, to: str, subject_contains: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for msg in self.mails(to):
                if subject_contains.lower() in msg["subject"].lower():
                    return msg
            time.sleep(0.25)
        raise AssertionError(f"no mail to {to} with {subject_contains!r} within {timeout}s")

    @staticmethod
    def link_in(mail: dict[str, Any], path: str) -> str:
        match = re.search(rf"https?://[^\s\"'<>]+{re.escape(path)}\?token=[A-Za-z0-9_-]+", mail["text"])
        assert match, f"no {path} link in mail: {mail['text'][:300]}"
        return match.group(0)

    def local(self, url: str) -> str:
        """An emailed link, pointed at this test server (PUBLIC_BASE_URL is the same, but be sure)."""
        return re.sub(r"^https?://[^/]+", self.base_url, url)

    def log_tail(self, lines: int = 60) -> str:
        out = []
        for path in sorted(self.log_dir.glob("*.log")):
            content = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.name}\n" + "\n".join(content))
        return "\n".join(out)

    def stop(self) -> None:
        """Stop every process (SIGINT first, as Ctrl+C would), the last started first and
        each before the next, then remove its build. One at a time: the app finishes its
        in-flight work (a refund job, an email, a webhook) against emulators and a Celery
        worker that are still up. Stopping them all at once left the app waiting on a peer
        that was itself shutting down; once it took 22 s (clean-clone run 58)."""
        for proc in reversed(self.processes):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGINT)
                except ProcessLookupError:
                    pass
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        for path in self.build_dirs:
            shutil.rmtree(path, ignore_errors=True)
        if self.redis_url:
            parallel.release_redis_db(self.redis_url)  # empties it and releases the claim


def _wait_ready(url: str, procs: list[subprocess.Popen], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready after {timeout}s")


def _seed(url: str, base_env: Mapping[str, str]) -> None:
    env = {**base_env, "DATABASE_URL": url, "REDIS_URL": "", "APP_ENV": "test"}
    subprocess.run([sys.executable, "-m", "tutorconnect.cli", "seed"], cwd=ROOT, env=env, check=True, capture_output=True)


def _prepare_database(name: str, base_env: Mapping[str, str]) -> str:
    """A database with the demo data: a clone of the run's seeded one (made once)."""
    seeded = parallel.shared_database("seed", lambda url: _seed(url, base_env), base=parallel.migrated_template())
    return parallel.clone_database(seeded, name)


def drop_database(url: str) -> None:
    parallel.drop_database(make_url(url).database)


def start_live_app(log_dir: Path, *, redis: bool = False, name: str = "live",
                   base_env: Mapping[str, str] | None = None) -> LiveApp:
    """A live app whose processes inherit `base_env` (default: this process's environment
    now). A caller starting it in a thread beside running tests passes a copy taken before
    any test ran: a test's monkeypatched variable (FALLBACK_MEETING_URL, SMTP_HOST, ...)
    must not become the app's for the whole run (clean-clone run 44)."""
    base_env = dict(os.environ if base_env is None else base_env)
    log_dir.mkdir(parents=True, exist_ok=True)
    db_url = _prepare_database(f"tc_{name.replace('-', '_')}_{parallel.run_id()}_{parallel.worker_id()}", base_env)
    port, smtp, inbox, google, razorpay = free_port(), free_port(), free_port(), free_port(), free_port()
    base = f"http://localhost:{port}"
    redis_url = parallel.claim_redis_db(f"live-app-{name}") if redis else ""
    env = {
        **base_env,
        "APP_ENV": "test",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "APP_PORT": str(port),
        "PUBLIC_BASE_URL": base,
        "ALLOWED_ORIGINS": f"{base},http://127.0.0.1:{port}",
        "SMTP_PORT": str(smtp),
        # Text messages through the console provider (written to app.log), so the SMS column
        # and the mobile number card of /notifications/settings exist in browser tests.
        "SMS_PROVIDER": "console",
        "MAIL_CAPTURE_HTTP_PORT": str(inbox),
        # Its own mail folder, removed on stop: the inbox reads every saved mail on each
        # request, so a folder shared by every run grows until /api/messages times out.
        "MAIL_CAPTURE_DIR": str(log_dir / f"mail-{name}-{os.getpid()}"),
        "GOOGLE_EMULATOR_URL": f"http://127.0.0.1:{google}",
        # Its own Razorpay emulator port: concurrent live apps never fight over 8070.
        "RAZORPAY_BASE_URL": f"http://127.0.0.1:{razorpay}",
        "SECRET_KEY": "live-test-secret-key-" + "x" * 32,
        "LOG_FORMAT": "json",
        "REFLEX_USE_SYSTEM_BUN": "1",
        # Each live app builds its frontend in its own folder, so a test run, a benchmark
        # and a developer's `scripts/run.sh` never overwrite each other's build.
        "REFLEX_WEB_WORKDIR": str(frontend_build.LIVE_DIR / f"{name}-{os.getpid()}"),
        "REFLEX_STATES_WORKDIR": str(frontend_build.LIVE_DIR / f"{name}-{os.getpid()}-states"),
        "PATH": f"{ROOT / '.tools/node_modules/.bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{base_env.get('PATH', '')}",
    }
    app = LiveApp(base, db_url, f"http://127.0.0.1:{inbox}", env["GOOGLE_EMULATOR_URL"], redis_url or None, log_dir)
    app.build_dirs = [Path(env["REFLEX_WEB_WORKDIR"]), Path(env["REFLEX_STATES_WORKDIR"]),
                      Path(env["MAIL_CAPTURE_DIR"])]
    app.razorpay_url = env["RAZORPAY_BASE_URL"]
    app.smtp_port = smtp

    def spawn(label: str, cmd: list[str]) -> subprocess.Popen:
        log = open(log_dir / f"{label}.log", "wb")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        app.processes.append(proc)
        return proc

    try:
        emulators = spawn("emulators", [sys.executable, "-m", "emulators"])
        if redis:
            spawn("celery", [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker",
                             "--pool=solo", "-Q", "tutorconnect", "--concurrency=1", "-l", "info"])
        build = frontend_build.shared_build(env, log_dir)
        frontend_build.copy_for_port(build, Path(env["REFLEX_WEB_WORKDIR"]), port)
        web = spawn("app", [sys.executable, "-m", "tests.support.reflex_prebuilt", "serve"])
        _wait_ready(f"http://127.0.0.1:{inbox}/api/messages", [emulators], 30)
        _wait_ready(f"{env['RAZORPAY_BASE_URL']}/v1/checkout.js", [emulators], 30)
        _wait_ready(f"{base}/ready", [web], 300)
    except Exception:
        app.stop()
        drop_database(db_url)
        raise
    return app
