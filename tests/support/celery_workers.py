"""Real Celery worker processes for tests: started with a test hook module preloaded,
waited for until ready, and stopped (SIGTERM, then SIGKILL) at the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tutorconnect.config import PROJECT_ROOT


def wait_for(predicate, timeout: float = 20, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class WorkerProcesses:
    """Solo-pool workers on the tutorconnect queue; `hooks` is a module preloaded with -I."""

    def __init__(self, env: dict[str, str], logdir: Path, *, hooks: str, name: str,
                 ready_timeout: float = 30) -> None:
        self.env = {**os.environ, "APP_ENV": "test", "LOG_FORMAT": "text", "PYTHONPATH": str(PROJECT_ROOT), **env}
        self.logdir, self.hooks, self.name, self.ready_timeout = logdir, hooks, name, ready_timeout
        self.procs: list[tuple[subprocess.Popen, Path]] = []

    def start(self) -> subprocess.Popen:
        log = self.logdir / f"worker{len(self.procs)}.log"
        cmd = [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "--pool=solo", "-Q",
               "tutorconnect", "--concurrency=1", "-l", "info", "-I", self.hooks,
               "--without-mingle", "--without-gossip", "-n", f"{self.name}{len(self.procs)}-{os.getpid()}@%h"]
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.procs.append((proc, log))
        wait_for(lambda: " ready." in log.read_text() or proc.poll() is not None, self.ready_timeout, "worker start")
        assert proc.poll() is None, log.read_text()[-3000:]
        return proc

    def stop_all(self) -> None:
        for proc, _ in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc, _ in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n" + log.read_text()[-4000:] for _, log in self.procs)
