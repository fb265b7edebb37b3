#!/usr/bin/env bash
# Start TutorConnect with demo data: embedded PostgreSQL unless DATABASE_URL is set,
# local Google/SMTP emulators, the production build on http://localhost:3000.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/bootstrap.sh"
exec .venv/bin/python -m tutorconnect.cli up
