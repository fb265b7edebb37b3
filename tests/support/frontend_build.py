"""One production frontend build per test run, shared by every live app of the run.

The build bakes the app's own address into a few files (env.json and the JS module made
from it, the sitemap): Reflex's frontend reaches its backend at the port it was built
for. So the run builds once for a placeholder port, and each live app gets a copy of the
build (node_modules hard-linked, everything else copied) with the placeholder replaced by
its own port (and the precompressed .gz twin of each rewritten file made again). The app
then starts with tests/support/reflex_prebuilt.py `serve`, which skips Reflex's compile
and build steps and serves that copy exactly as `reflex run --env prod` would.

Whatever else differs between live apps (database, Redis, emulator ports, secrets) is read
at run time by the backend, never compiled into the frontend: pages read no settings.
"""

from __future__ import annotations

import fcntl
import gzip
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import parallel

ROOT = Path(__file__).resolve().parents[2]
LIVE_DIR = ROOT / ".web-live"
PLACEHOLDER_PORT = 39871
_ADDRESS = re.compile(rb"(localhost|127\.0\.0\.1):" + str(PLACEHOLDER_PORT).encode() + rb"(?!\d)")


def shared_build(env: dict[str, str], log_dir: Path) -> Path:
    """The run's build (made now by the first caller; the others wait for it)."""
    LIVE_DIR.mkdir(exist_ok=True)
    target = LIVE_DIR / f"build-{parallel.run_id()}"
    with (LIVE_DIR / f"build-{parallel.run_id()}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".built").exists():
            shutil.rmtree(target, ignore_errors=True)
            base = f"http://localhost:{PLACEHOLDER_PORT}"
            build_env = {
                **env,
                "APP_PORT": str(PLACEHOLDER_PORT),
                "PUBLIC_BASE_URL": base,
                "ALLOWED_ORIGINS": base,
                "REFLEX_WEB_WORKDIR": str(target),
                "REFLEX_STATES_WORKDIR": str(target) + "-states",
            }
            log_dir.mkdir(parents=True, exist_ok=True)
            with (log_dir / "frontend-build.log").open("wb") as log:
                done = subprocess.run([sys.executable, "-m", "tests.support.reflex_prebuilt", "build"], cwd=ROOT,
                                      env=build_env, stdout=log, stderr=subprocess.STDOUT)
            if done.returncode != 0:
                raise RuntimeError(f"frontend build failed; see {log_dir / 'frontend-build.log'}")
            (target / ".built").touch()
    return target


def copy_for_port(build: Path, dest: Path, port: int) -> None:
    """`build` copied to `dest` as if it had been built for `port`."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for item in build.iterdir():
        if item.name == ".built":
            continue
        if item.name == "node_modules":  # read only at run time: share the files
            subprocess.run(["cp", "-al", str(item), str(dest / item.name)], check=True)
        elif item.is_dir():
            shutil.copytree(item, dest / item.name, symlinks=True)
        else:
            shutil.copy2(item, dest / item.name)
    replacement = rb"\1:" + str(port).encode()
    for folder, dirs, files in os.walk(dest):
        if "node_modules" in dirs:
            dirs.remove("node_modules")
        for name in files:
            if name.endswith((".gz", ".br", ".zst")):
                continue
            path = Path(folder) / name
            data = path.read_bytes()
            if str(PLACEHOLDER_PORT).encode() not in data:
                continue
            data = _ADDRESS.sub(replacement, data)
            path.write_bytes(data)
            twin = path.with_name(name + ".gz")
            if twin.exists():
                twin.write_bytes(gzip.compress(data, compresslevel=9))
            for other in (".br", ".zst"):
                path.with_name(name + other).unlink(missing_ok=True)  # served plain instead


def remove_run_builds(rid: str) -> None:
    for path in (LIVE_DIR / f"build-{rid}", LIVE_DIR / f"build-{rid}-states", LIVE_DIR / f"build-{rid}.lock"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
