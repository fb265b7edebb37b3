#!/usr/bin/env bash
# Shared set-up for run.sh and test.sh: virtualenv, Python packages, bun for Reflex.
# Idempotent and fast on a second run (skips what is already in place).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Bytecode caches on, whatever the machine says (this one sets PYTHONDONTWRITEBYTECODE):
# without them every Python process (each test worker, live app, Reflex worker, Celery
# worker and CLI call the tests start) compiles the app from source, and every test
# worker rewrites every test module again. A worker's collection took 7.0 s, 1.9 s with
# the caches (docs/testing.md).
unset PYTHONDONTWRITEBYTECODE

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "[bootstrap] creating .venv"
  "$PY" -m venv .venv
fi
stamp=".venv/.requirements.sha256"
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[bootstrap] installing Python packages"
  # (grep drops pip's harmless notes about local index folders some machines configure)
  .venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -m pip install --quiet -r requirements.txt 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import reflex, sqlmodel, celery, playwright" # fail here if the install did
  echo "$want" > "$stamp"
fi

# Reflex needs bun; it would download it from the internet, so take it from npm instead.
if [ ! -x .tools/node_modules/.bin/bun ]; then
  echo "[bootstrap] installing bun from npm"
  npm install --silent --prefix .tools bun@1.4.4 >/dev/null
fi
export PATH="$ROOT/.tools/node_modules/.bin:$ROOT/.venv/bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1
