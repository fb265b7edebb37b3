#!/usr/bin/env bash
# Set everything up and run the whole test suite: unit, integration (real PostgreSQL,
# Redis and Celery), end-to-end in Chromium against the production build.
#   bash scripts/test.sh              everything, in parallel (pytest-xdist)
#   bash scripts/test.sh --quick      unit and integration only (no browser): the inner loop
#   bash scripts/test.sh tests/unit -x   extra arguments go to pytest
# TEST_DATABASE_URL / TEST_REDIS_URL name the servers (default: the local ones);
# TEST_WORKERS sets the number of parallel workers (default 3; 0 runs in this process);
# TEST_BROWSER_WORKERS (default 3) how many of them also run the browser files.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/bootstrap.sh"

quick=0
args=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    *) args+=("$arg") ;;
  esac
done

if [ "$quick" = 1 ]; then
  # No browser tests: unit, integration and contract (the e2e folder is not collected at all).
  set -- tests/unit tests/integration tests/contract "${args[@]+"${args[@]}"}"
else
  # Chromium for the browser tests (the tests drive chromium-headless-shell; full chromium
  # is for the benchmarks and screenshots by hand), from Debian's packages (Playwright's own download
  # cannot work offline).
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromium-headless-shell >/dev/null 2>&1; then
    echo "[test] installing chromium"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-headless-shell chromium-driver fonts-liberation >/dev/null
  fi
  set -- "${args[@]+"${args[@]}"}"
fi

mkdir -p test-artifacts
# Whole files go to one worker (--dist loadfile): a module's fixtures (a Celery broker,
# signed-in sockets, an emulator) are set up once, and each worker's live app serves the
# browser files it was given.
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-3}" --dist loadfile "$@"
