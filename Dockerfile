# One image for every TutorConnect process: the Reflex app (default command), the
# Celery worker and beat, and the one-shot migration (commands set in docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Reflex must use the bun installed below instead of downloading one at run time.
    REFLEX_USE_SYSTEM_BUN=1 \
    PATH="/app/.tools/node_modules/.bin:${PATH}"

# nodejs/npm install bun (Reflex 0.10.1 needs bun >= 1.4.4); curl serves the healthcheck.
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN npm install --prefix /app/.tools bun@1.4.4 && npm cache clean --force && bun --version

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Run as an unprivileged user. /var/lib/celerybeat holds beat's schedule (a volume).
RUN useradd --create-home --uid 10001 tutorconnect \
    && mkdir -p /var/lib/celerybeat /app/var \
    && chown -R tutorconnect:tutorconnect /app /var/lib/celerybeat
USER tutorconnect

# Best-effort warm-up: install the frontend's packages into .web at build time so a
# container does not fetch them at start. `reflex run --env prod` still compiles the
# frontend at start with the real settings (PUBLIC_BASE_URL is baked into the bundle).
RUN APP_ENV=development SECRET_KEY=build-only-secret-key-not-used-at-runtime-000 \
    reflex export --frontend-only --no-zip --env prod \
    || echo "frontend warm-up skipped; reflex will install packages at start"

EXPOSE 3000
# Frontend and backend on one port (3000); several backend workers when REDIS_URL is set.
CMD ["reflex", "run", "--env", "prod"]
