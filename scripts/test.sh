#!/usr/bin/env bash
# Set everything up and run the whole test suite: unit, integration (real PostgreSQL,
# Redis and Celery), end-to-end in Chromium against the production build.
# TEST_DATABASE_URL / TEST_REDIS_URL name the servers (default: the local ones).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/bootstrap.sh"

# Chromium for the browser tests, from Debian's packages (Playwright's own download
# cannot work offline).
if ! command -v chromium >/dev/null 2>&1; then
  echo "[test] installing chromium"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-liberation >/dev/null
fi

mkdir -p test-artifacts
exec .venv/bin/python -m pytest "$@"
