"""One test run, several pytest-xdist workers: what the run shares and what each worker owns.

- The run has one id (`run_id`), made by the controller and handed to every worker, so the
  workers of one run share what is expensive to make and concurrent runs never meet.
- PostgreSQL: the first worker that needs a database migrates one template per run
  (`tc_tpl_<run>`); every worker then clones its own with `CREATE DATABASE ... TEMPLATE`
  (a file copy, not a migration). The same goes for the live apps' seeded template
  (`tc_seed_<run>`: migrated and demo data loaded once). A PostgreSQL advisory lock makes
  "the first worker" exact across processes. The controller drops them all at the end.
- Redis: each worker claims database numbers no other worker or run is using (an owner
  key that expires on its own, refreshed while the worker lives), so flushdb in one
  worker never empties another's.
"""

from __future__ import annotations

import atexit
import os
import re
import threading
import uuid
import zlib
from collections.abc import Callable

from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

SERVER_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_BASE = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
RUN_ENV = "TC_TEST_RUN"  # set by the controller's pytest_configure; inherited by workers

_state: dict[str, object] = {}
_lock = threading.RLock()  # a worker's live app may start in a thread beside its tests


# -- identity -------------------------------------------------------------------------------
def run_id() -> str:
    """This run's id: the controller's (xdist) or this process's own (plain pytest)."""
    rid = os.environ.get(RUN_ENV)
    if not rid:
        rid = f"{os.getpid()}{uuid.uuid4().hex[:6]}"
        os.environ[RUN_ENV] = rid
    return rid


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


# -- PostgreSQL -----------------------------------------------------------------------------
def admin_url() -> str:
    from tutorconnect.db import normalize_url

    return normalize_url(SERVER_URL)


def url_for(database: str) -> str:
    return make_url(admin_url()).set(database=database).render_as_string(hide_password=False)


def _admin():
    return create_engine(admin_url(), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)


def _exists(conn, name: str) -> bool:
    return bool(conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar())


def shared_database(kind: str, build: Callable[[str], None], *, base: str | None = None) -> str:
    """The run's template database `tc_<kind>_<run>`, made once by whichever worker asks
    first (`build(url)` fills it; cloned from `base` when given), under an advisory lock."""
    name = f"tc_{kind}_{run_id()}"
    engine = _admin()
    with engine.connect() as conn:
        key = zlib.crc32(name.encode())
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        try:
            if not _exists(conn, name):
                source = f' TEMPLATE "{base}"' if base else ""
                conn.execute(text(f'CREATE DATABASE "{name}"{source}'))
                try:
                    build(url_for(name))
                except BaseException:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    raise
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    engine.dispose()
    return name


def clone_database(template: str, name: str) -> str:
    """A fresh database `name` copied from `template` (replacing any left-over one); commits
    skip the WAL flush wait, which tests never need (durability is not under test)."""
    engine = _admin()
    with engine.connect() as conn:
        # Cloning reads the template's files: serialize with its builder and other clones.
        key = zlib.crc32(template.encode())
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        try:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    engine.dispose()
    return url_for(name)


def drop_database(name: str) -> None:
    engine = _admin()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def drop_run_databases(rid: str) -> None:
    """Every database this run made (templates and clones), named `..._<run>...`."""
    engine = _admin()
    with engine.connect() as conn:
        names = [r[0] for r in conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'tc\\_%'"))]
        for name in names:
            if re.search(rf"_{re.escape(rid)}(_|$)", name):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def migrated_template() -> str:
    """The run's database migrated to head (no rows), the template of every test database."""
    def migrate(url: str) -> None:
        from tutorconnect.migrations import upgrade_to_head

        upgrade_to_head(url)

    return shared_database("tpl", migrate)


# -- Redis ----------------------------------------------------------------------------------
# Claims live in database 0 (which no test, worker or live app uses), one key per database
# number: tests FLUSHDB their own database, and a claim kept inside it was wiped with it,
# after which a second worker's live app took the same number and the two emptied each
# other's Celery queue.
CLAIM_KEY = "tc:test-redis-claim:{db}"
CLAIM_SECONDS = 600


def redis_url(db: int) -> str:
    return re.sub(r"/\d+$", "", REDIS_BASE.rstrip("/")) + f"/{db}"


def _claims_client():
    import redis as redis_lib

    return redis_lib.Redis.from_url(redis_url(0), socket_connect_timeout=3)


def claim_redis_db(purpose: str) -> str:
    """A Redis database (1-15) that no other worker, live app or concurrent run is using,
    emptied for this one. The claim expires on its own if this process dies, and is kept
    alive (and released at exit) while it lives."""
    import redis as redis_lib

    owner = f"{purpose}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    claims = _claims_client()
    for db in range(15, 0, -1):
        if claims.set(CLAIM_KEY.format(db=db), owner, nx=True, ex=CLAIM_SECONDS):
            redis_lib.Redis.from_url(redis_url(db), socket_connect_timeout=3).flushdb()
            _keep_alive(db, owner)
            return redis_url(db)
    raise RuntimeError("no free Redis database (1-15) for this test worker")


def release_redis_db(url: str) -> None:
    """Empty a database this process claimed and give it back."""
    import redis as redis_lib

    db = int(url.rsplit("/", 1)[1])
    mine: dict[int, str] = _state.setdefault("claims", {})  # type: ignore[assignment]
    owner = mine.pop(db, None)
    claims = _claims_client()
    if owner is not None and claims.get(CLAIM_KEY.format(db=db)) == owner.encode():
        redis_lib.Redis.from_url(url, socket_connect_timeout=3).flushdb()
        claims.delete(CLAIM_KEY.format(db=db))


def _keep_alive(db: int, owner: str) -> None:
    with _lock:
        claims: dict[int, str] = _state.setdefault("claims", {})  # type: ignore[assignment]
        claims[db] = owner
        if "refresher" in _state:
            return
        _start_refresher(claims)


def _start_refresher(claims: dict[int, str]) -> None:

    def refresh() -> None:
        stop: threading.Event = _state["stop"]  # type: ignore[assignment]
        while not stop.wait(CLAIM_SECONDS / 3):
            for number, who in list(claims.items()):
                try:
                    client = _claims_client()
                    if client.get(CLAIM_KEY.format(db=number)) == who.encode():
                        client.expire(CLAIM_KEY.format(db=number), CLAIM_SECONDS)
                except Exception:  # noqa: BLE001 - Redis briefly down: the next round retries
                    pass

    _state["stop"] = threading.Event()
    _state["refresher"] = threading.Thread(target=refresh, name="redis-claims", daemon=True)
    _state["refresher"].start()  # type: ignore[union-attr]

    def release_all() -> None:
        _state["stop"].set()  # type: ignore[union-attr]
        for number in list(claims):
            try:
                release_redis_db(redis_url(number))
            except Exception:  # noqa: BLE001 - at exit, Redis may already be gone
                pass

    atexit.register(release_all)


def worker_redis(purpose: str) -> str:
    """This worker's own Redis database, claimed on first use and kept for its life. The
    Redis tests and the Celery broker tests ("tests", "celery") share it: a worker runs one
    test at a time and each of them empties it first. So a run needs two numbers per
    worker (this one and its live app's), and two runs of three workers fit in 1-15."""
    with _lock:
        if "worker" not in _state:
            _state["worker"] = claim_redis_db(f"worker-{purpose}")
        return _state["worker"]  # type: ignore[return-value]


def scratch_database(label: str) -> str:
    """A new empty database (from template1) for tests of migrations themselves; its URL.

    Left in place until the controller drops the run's databases at the end: DROP DATABASE
    makes PostgreSQL checkpoint, which under a parallel run's writes stalled a teardown for
    40 s. The name carries the run id, so nothing outlives the run."""
    name = f"tc_{label}_{run_id()}_{worker_id()}_{uuid.uuid4().hex[:8]}"
    engine = _admin()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url_for(name)
