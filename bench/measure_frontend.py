"""Front-end figures for TutorConnect, measured in real Chromium against the production build.

    .venv/bin/python bench/measure_frontend.py            # everything, 1-3 minutes
    .venv/bin/python bench/measure_frontend.py --skip-run-sh

(a) goto -> hydrated (#hydrated in the DOM) for / and /login: a fresh browser context per
    run (empty HTTP cache, new websocket), median of 10. Timed inside the page (from
    navigation start, MutationObserver) and from Python (goto call to selector found).
(b) the JavaScript the home page loads: files, bytes on the wire, decoded bytes, and what
    gzip -6 would make of them (Performance API + response headers).
(c) in-page round trip of a trivial event (the role switch on /register flips one var) vs a
    failed sign-in on /login (argon2 verify included): click -> DOM change, timed inside the
    page with a MutationObserver; 20 samples each after 2 warm-ups.
(d) `bash scripts/run.sh` as a fresh user runs it (no DATABASE_URL: embedded PostgreSQL in
    var/pgdata): launch -> /health answers, with the frontend build folder deleted (cold)
    and present (warm); then SIGINT (Ctrl+C) and the time to a clean exit.

Each figure is printed; the summary table is also written to test-artifacts/bench/.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.live_app import drop_database, free_port, start_live_app  # noqa: E402

OUT = ROOT / "test-artifacts" / "bench"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

HYDRATION_PROBE = """
window.__hydratedAt = null;
new MutationObserver((_, obs) => {
  if (document.getElementById('hydrated')) { window.__hydratedAt = performance.now(); obs.disconnect(); }
}).observe(document, {childList: true, subtree: true});
"""

# Click a role in the segmented control; resolve when the submit button's label changes.
TRIVIAL_EVENT = """
(target) => new Promise((resolve, reject) => {
  const label = () => document.querySelector('#submit').textContent;
  const before = label();
  const item = [...document.querySelectorAll('#role-choice [role=radio]')].find(e => e.textContent.includes(target));
  if (!item) return reject(new Error('no role item ' + target));
  const obs = new MutationObserver(() => {
    if (label() !== before) { obs.disconnect(); resolve(performance.now() - t0); }
  });
  obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
  setTimeout(() => { obs.disconnect(); reject(new Error('no update in 10 s')); }, 10000);
  const t0 = performance.now();
  item.click();
})
"""

# Submit the login form; resolve when a new #form-error callout is in the DOM.
LOGIN_ATTEMPT = """
() => new Promise((resolve, reject) => {
  const old = document.querySelector('#form-error');
  const obs = new MutationObserver(() => {
    const now = document.querySelector('#form-error');
    if (now && now !== old) { obs.disconnect(); resolve(performance.now() - t0); }
  });
  obs.observe(document.body, {subtree: true, childList: true});
  setTimeout(() => { obs.disconnect(); reject(new Error('no error shown in 15 s')); }, 15000);
  const t0 = performance.now();
  document.querySelector('#submit').click();
})
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "p95": pct(values, 95), "min": min(values), "max": max(values), "n": len(values)}


# (a) ------------------------------------------------------------------------------------
def measure_hydration(browser, base: str, path: str, runs: int = 10) -> dict[str, dict[str, float]]:
    in_page, wall = [], []
    for _ in range(runs):
        ctx = browser.new_context(base_url=base)
        ctx.add_init_script(HYDRATION_PROBE)
        page = ctx.new_page()
        t0 = time.perf_counter()
        page.goto(path, wait_until="commit")
        page.wait_for_selector("#hydrated", state="attached", timeout=30_000)
        wall.append((time.perf_counter() - t0) * 1000)
        in_page.append(page.evaluate("window.__hydratedAt"))
        ctx.close()
    return {"in_page_ms": summary(in_page), "wall_ms": summary(wall)}


# (b) ------------------------------------------------------------------------------------
def measure_js(browser, base: str) -> dict[str, object]:
    ctx = browser.new_context(base_url=base)
    page = ctx.new_page()
    responses = []
    page.on("response", lambda r: responses.append(r))
    page.goto("/")
    page.wait_for_selector("#hydrated", state="attached", timeout=30_000)
    page.wait_for_load_state("networkidle")
    entries = page.evaluate(
        """() => performance.getEntriesByType('resource')
             .filter(e => /\\.m?js(\\?|$)/.test(new URL(e.name).pathname))
             .map(e => ({url: e.name, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize}))"""
    )
    by_url = {r.url: r for r in responses}
    encodings: dict[str, int] = {}
    gz_total = 0
    for e in entries:
        resp = by_url.get(e["url"])
        enc = (resp.headers.get("content-encoding") if resp else None) or "identity"
        encodings[enc] = encodings.get(enc, 0) + 1
        if resp is not None:
            try:
                gz_total += len(gzip.compress(resp.body(), compresslevel=6))
            except Exception:
                pass
    ctx.close()
    return {
        "files": len(entries),
        "transfer_bytes": sum(e["transfer"] for e in entries),
        "encoded_bytes": sum(e["encoded"] for e in entries),
        "decoded_bytes": sum(e["decoded"] for e in entries),
        "gzip6_bytes": gz_total,
        "content_encodings": encodings,
        "largest": sorted(((e["encoded"], e["url"].rsplit("/", 1)[-1]) for e in entries), reverse=True)[:5],
    }


# (c) ------------------------------------------------------------------------------------
def measure_round_trips(browser, base: str, emails: list[str], samples: int = 20, warmup: int = 2) -> dict[str, dict[str, float]]:
    ctx = browser.new_context(base_url=base)
    page = ctx.new_page()
    page.goto("/register")
    page.wait_for_selector("#hydrated", state="attached", timeout=30_000)
    page.wait_for_function("document.querySelector('#submit') && document.querySelectorAll('#role-choice [role=radio]').length == 2")
    trivial = []
    for i in range(samples + warmup):
        target = "I want to teach" if i % 2 == 0 else "I want to learn"
        ms = page.evaluate(TRIVIAL_EVENT, target)
        if i >= warmup:
            trivial.append(ms)
        page.wait_for_timeout(50)

    page.goto("/login")
    page.wait_for_selector("#hydrated", state="attached", timeout=30_000)
    login = []
    # A different real account each time: one wrong password each, so no account lockout
    # (5 failures) shortcuts the argon2 check; 22 attempts stay under the 30/15 min per-IP limit.
    for i in range(samples + warmup):
        page.fill("#email", emails[i])
        page.fill("#password", "not-the-password-1")
        ms = page.evaluate(LOGIN_ATTEMPT)
        text = page.inner_text("#form-error")
        assert "do not match" in text, f"unexpected sign-in error: {text!r}"
        if i >= warmup:
            login.append(ms)
        page.wait_for_function("!document.querySelector('#submit').disabled")
    ctx.close()
    return {"trivial_ms": summary(trivial), "login_ms": summary(login)}


# (d) ------------------------------------------------------------------------------------
def _postgres_pids(data_dir: Path) -> list[int]:
    """PIDs of postgres servers whose data directory is `data_dir`."""
    found = []
    target = str(data_dir.resolve())
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in argv if a]
        if args and args[0].endswith("postgres") and any(target in a for a in args):
            found.append(int(proc.name))
    return found


def _session_pids(sid: int) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # fields[3] is the session id
            pids.append(int(proc.name))
    return pids


def _handles(pgdata: Path) -> list[int]:
    """PIDs registered as holding the embedded server (it stops when the list empties)."""
    try:
        return json.loads((pgdata / ".handle_pids.json").read_text())
    except (OSError, ValueError):
        return []


def time_run_sh(web_dir: Path, *, cold: bool, fresh_pgdata: bool, log: Path) -> dict[str, object]:
    pgdata = ROOT / "var" / "pgdata"
    if cold and web_dir.exists():
        shutil.rmtree(web_dir)
    if fresh_pgdata and pgdata.exists():
        shutil.rmtree(pgdata)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "TEST_", "APP_ENV"))}
    env.update({
        "APP_PORT": str(port),
        "PUBLIC_BASE_URL": f"http://localhost:{port}",
        "ALLOWED_ORIGINS": f"http://localhost:{port},http://127.0.0.1:{port}",
        "SMTP_PORT": str(free_port()),
        "MAIL_CAPTURE_HTTP_PORT": str(free_port()),
        "GOOGLE_EMULATOR_URL": f"http://127.0.0.1:{free_port()}",
        # The build goes to a folder of its own, so a developer's .web is never deleted
        # or overwritten under a running app; cold = that folder deleted first.
        "REFLEX_WEB_WORKDIR": str(web_dir),
        "REFLEX_STATES_WORKDIR": str(web_dir) + "-states",
    })
    pg_before = pgdata.exists()
    t0 = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        ready = None
        while time.monotonic() - t0 < 300:
            if proc.poll() is not None:
                break
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    ready = time.monotonic() - t0
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        # Ctrl+C once the launcher has said it is up (a Ctrl+C during start-up is another
        # case: see docs/benchmarks.md).
        up = None
        while ready is not None and time.monotonic() - t0 < 120 and proc.poll() is None:
            if b"TutorConnect is up" in log.read_bytes():
                up = time.monotonic() - t0
                break
            time.sleep(0.1)
        pg_running = _postgres_pids(pgdata)
        time.sleep(1.0)
        t_stop = time.monotonic()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl+C in a terminal does
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            rc = proc.wait()
        stop_s = time.monotonic() - t_stop
        time.sleep(0.5)
        leftovers = _session_pids(proc.pid)
        pg_after = _postgres_pids(pgdata)
    return {
        "mode": "cold" if cold else "warm",
        "ready_s": ready,
        "launcher_up_s": up,
        "stop_s": stop_s,
        "stale_handles_after_stop": _handles(pgdata),
        "exit_code": rc,
        "pgdata_existed": pg_before,
        "embedded_pg_pids_while_up": pg_running,
        "embedded_pg_pids_after_stop": pg_after,
        "leftover_pids": leftovers,
        "log": str(log.relative_to(ROOT)),
    }


# ----------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-run-sh", action="store_true", help="skip (d), the scripts/run.sh start/stop timing")
    parser.add_argument("--skip-browser", action="store_true", help="skip (a)-(c)")
    parser.add_argument("--fresh-user", action="store_true",
                        help="(d): delete var/pgdata before the cold run too, as on a new machine "
                             "(destroys the local embedded database)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}",
    }

    if not args.skip_browser:
        from playwright.sync_api import sync_playwright

        print("starting the live app (production build, own database, no Redis)…", flush=True)
        t0 = time.monotonic()
        app = start_live_app(OUT / "live-app", redis=False, name="bench")
        print(f"  ready in {time.monotonic() - t0:.1f} s at {app.base_url}", flush=True)
        try:
            from sqlalchemy import create_engine, text

            engine = create_engine(app.database_url)
            with engine.connect() as conn:
                emails = [r[0] for r in conn.execute(text("select email from users order by email limit 30"))]
            engine.dispose()
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                # One throwaway load so the server's first-request costs are not in (a).
                ctx = browser.new_context(base_url=app.base_url)
                ctx.new_page().goto("/")
                ctx.close()
                for path in ("/", "/login"):
                    r = measure_hydration(browser, app.base_url, path)
                    results[f"hydrate {path}"] = r
                    print(f"(a) goto -> hydrated {path:7s} in page: median {r['in_page_ms']['median']:.0f} ms, "
                          f"p95 {r['in_page_ms']['p95']:.0f} ms; from Python: median {r['wall_ms']['median']:.0f} ms", flush=True)
                js = measure_js(browser, app.base_url)
                results["home js"] = js
                print(f"(b) home page JS: {js['files']} files, {js['transfer_bytes'] / 1024:.0f} KiB transferred, "
                      f"{js['encoded_bytes'] / 1024:.0f} KiB encoded, {js['decoded_bytes'] / 1024:.0f} KiB decoded, "
                      f"{js['gzip6_bytes'] / 1024:.0f} KiB if gzip -6; encodings {js['content_encodings']}", flush=True)
                rt = measure_round_trips(browser, app.base_url, emails)
                results["round trips"] = rt
                ratio = rt["login_ms"]["median"] / rt["trivial_ms"]["median"]
                results["round trips"]["ratio_median"] = ratio
                print(f"(c) trivial event: median {rt['trivial_ms']['median']:.1f} ms, p95 {rt['trivial_ms']['p95']:.1f} ms; "
                      f"failed sign-in: median {rt['login_ms']['median']:.0f} ms, p95 {rt['login_ms']['p95']:.0f} ms; "
                      f"ratio {ratio:.0f}x", flush=True)
                browser.close()
        finally:
            app.stop()
            drop_database(app.database_url)
            shutil.rmtree(ROOT / ".web-live" / f"bench-{os.getpid()}", ignore_errors=True)
            shutil.rmtree(ROOT / ".web-live" / f"bench-{os.getpid()}-states", ignore_errors=True)

    if not args.skip_run_sh:
        web_dir = ROOT / ".web-live" / f"bench-run-{os.getpid()}"
        others = _postgres_pids(ROOT / "var" / "pgdata")
        if others:
            print(f"(d) skipped: an embedded PostgreSQL already runs on var/pgdata (pids {others}); "
                  "stop that scripts/run.sh first", flush=True)
        else:
            runs = []
            for cold in (True, False):
                r = time_run_sh(web_dir, cold=cold, fresh_pgdata=cold and args.fresh_user,
                                log=OUT / f"run-sh-{'cold' if cold else 'warm'}.log")
                runs.append(r)
                print(f"(d) scripts/run.sh {r['mode']}: /health after {r['ready_s'] if r['ready_s'] is None else round(r['ready_s'], 1)} s; "
                      f"SIGINT -> exit {r['exit_code']} in {r['stop_s']:.1f} s; embedded postgres while up "
                      f"{r['embedded_pg_pids_while_up']}, after stop {r['embedded_pg_pids_after_stop'] or 'none'}; "
                      f"leftover processes {r['leftover_pids'] or 'none'}; stale handles {r['stale_handles_after_stop'] or 'none'}; "
                      f"pgdata existed before: {r['pgdata_existed']}", flush=True)
            results["run.sh"] = runs
            shutil.rmtree(web_dir, ignore_errors=True)
            shutil.rmtree(str(web_dir) + "-states", ignore_errors=True)

    (OUT / "frontend.json").write_text(json.dumps(results, indent=2, default=str))
    print()
    print(table(results))
    return 0


def table(results: dict[str, object]) -> str:
    rows = [("figure", "median", "p95", "notes")]
    for path in ("/", "/login"):
        r = results.get(f"hydrate {path}")
        if r:
            rows.append((f"goto -> #hydrated {path}", f"{r['in_page_ms']['median']:.0f} ms", f"{r['in_page_ms']['p95']:.0f} ms",
                         f"in page, fresh context, n=10; Python-side median {r['wall_ms']['median']:.0f} ms"))
    js = results.get("home js")
    if js:
        rows.append(("home page JS", f"{js['transfer_bytes'] / 1024:.0f} KiB", "",
                     f"{js['files']} files as transferred ({', '.join(js['content_encodings'])}); "
                     f"{js['decoded_bytes'] / 1024:.0f} KiB decoded; {js['gzip6_bytes'] / 1024:.0f} KiB with gzip -6"))
    rt = results.get("round trips")
    if rt:
        rows.append(("trivial event round trip", f"{rt['trivial_ms']['median']:.1f} ms", f"{rt['trivial_ms']['p95']:.1f} ms", "role switch on /register, n=20"))
        rows.append(("failed sign-in round trip", f"{rt['login_ms']['median']:.0f} ms", f"{rt['login_ms']['p95']:.0f} ms",
                     f"argon2 verify included, n=20; {rt['ratio_median']:.0f}x the trivial event"))
    for r in results.get("run.sh", []):
        ready = "no answer" if r["ready_s"] is None else f"{r['ready_s']:.1f} s"
        pg = "gone" if not r["embedded_pg_pids_after_stop"] else f"STILL RUNNING {r['embedded_pg_pids_after_stop']}"
        fresh = "no var/pgdata (initdb included)" if not r["pgdata_existed"] else "var/pgdata present"
        rows.append((f"scripts/run.sh {r['mode']} start", ready, "",
                     f"launch -> /health, {fresh}; Ctrl+C -> exit {r['exit_code']} in {r['stop_s']:.1f} s, embedded postgres {pg}"))
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    lines = [" | ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
