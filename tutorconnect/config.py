"""One settings object, read from the environment and an optional `.env` file.

Every setting is documented in `.env.example`. `get_settings()` is the only reader; a
missing or malformed required setting stops the process with one line naming it.
"""

from __future__ import annotations

import functools
import secrets
import sys
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import ValidationInfo, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(SystemExit):
    """Raised (as a clean exit) when configuration is missing or malformed."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    app_env: Literal["development", "test", "production"] = "development"

    # Storage. No DATABASE_URL -> embedded PostgreSQL under EMBEDDED_PG_DIR.
    database_url: str = ""
    embedded_pg_dir: Path = PROJECT_ROOT / "var" / "pgdata"
    redis_url: str = ""

    # Web.
    secret_key: str = ""
    public_base_url: str = ""  # empty: http://localhost:<APP_PORT>
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    app_port: int = Field(default=3000, ge=1, le=65535)
    trusted_proxy_hops: int = Field(default=0, ge=0, le=5)
    # Strict-Transport-Security max-age, sent only when PUBLIC_BASE_URL is https (0: never).
    hsts_max_age_seconds: int = Field(default=31_536_000, ge=0, le=63_072_000)
    # Request bodies (api/request_body_limits.py): the longest pause inside a body; after
    # REQUEST_BODY_TIMEOUT_SECONDS the body must have averaged REQUEST_BODY_MIN_RATE bytes
    # a second since it started; at most REQUEST_BODY_MAX_PER_CLIENT bodies in progress per
    # client address (per backend worker). A body too slow is answered 408, one too many 429.
    request_body_idle_seconds: float = Field(default=10.0, gt=0, le=300)
    request_body_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    request_body_min_rate: int = Field(default=10_000, ge=1, le=100_000_000)
    request_body_max_per_client: int = Field(default=10, ge=1, le=10_000)

    # Sessions and account security.
    session_ttl_hours: int = Field(default=24 * 14, ge=1, le=24 * 90)
    session_idle_hours: int = Field(default=24 * 3, ge=1, le=24 * 90)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    password_reset_ttl_minutes: int = Field(default=30, ge=5, le=24 * 60)
    email_verify_ttl_hours: int = Field(default=48, ge=1, le=24 * 30)

    # Booking rules. The cancellation tiers are the defaults copied onto each booking
    # at creation (a booking keeps the policy it was made under).
    hold_ttl_minutes: int = Field(default=10, ge=1, le=60)
    payment_window_minutes: int = Field(default=15, ge=5, le=24 * 60)
    tutor_response_hours: int = Field(default=24, ge=1, le=24 * 7)
    platform_fee_bps: int = Field(default=1500, ge=0, le=5000)
    reschedule_limit: int = Field(default=2, ge=0, le=10)
    # A confirmed lesson becomes completed this long after its end (the window in which
    # either side can still report a no-show).
    complete_after_minutes: int = Field(default=60, ge=0, le=24 * 60 * 7)
    # Neither side can report a no-show until this long after the lesson's start (#14).
    no_show_grace_minutes: int = Field(default=15, ge=0, le=24 * 60)
    # Lesson reminders, minutes before the start (absolute time, so right across DST).
    reminder_offsets_minutes: Annotated[tuple[int, ...], NoDecode] = (24 * 60, 60)
    cancel_full_refund_hours: int = Field(default=24, ge=0, le=24 * 30)
    cancel_partial_refund_hours: int = Field(default=2, ge=0, le=24 * 30)
    cancel_partial_refund_percent: int = Field(default=50, ge=0, le=100)

    # Razorpay (empty key -> local emulator at RAZORPAY_BASE_URL).
    razorpay_key_id: str = ""
    razorpay_key_secret: str = ""
    razorpay_webhook_secret: str = ""
    razorpay_base_url: str = "http://127.0.0.1:8070"

    # Google sign-in / Calendar. GOOGLE_EMULATOR_URL set -> all Google endpoints there.
    google_client_id: str = "tutorconnect-local.apps.googleusercontent.com"
    google_client_secret: str = "local-google-secret"
    google_emulator_url: str = "http://127.0.0.1:8090"

    # Meeting links (services/meetings/). Without a connected Google Calendar, or when
    # Google keeps failing, a room at FALLBACK_MEETING_URL/<unguessable name> is used.
    fallback_meeting_url: str = "https://meet.jit.si"
    # Google tries (each retried with the outbox's backoff) before falling back to a room.
    meeting_google_attempts: int = Field(default=3, ge=1, le=8)
    # How long one try waits for a pending Meet conference before retrying later.
    meeting_conference_wait_seconds: float = Field(default=10.0, ge=0, le=60)
    # A connected tutor's Google busy times are fetched (freebusy) at most this often and
    # subtracted from their slots; during a Google outage the last copy is used.
    busy_cache_seconds: int = Field(default=120, ge=5, le=24 * 3600)

    # Mail.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "TutorConnect <no-reply@tutorconnect.local>"
    mail_capture_http_port: int = Field(default=8026, ge=1, le=65535)
    # The capture server's web inbox read by /admin/mail. Empty: http://<SMTP_HOST>:
    # <MAIL_CAPTURE_HTTP_PORT> outside production; in production the page says that no
    # capture server is configured unless this is set.
    mail_capture_url: str = ""

    # Text messages (integrations/sms.py). "none": off; "console": written to the log
    # (development). Empty: "console" in development, "none" otherwise.
    sms_provider: Literal["", "none", "console"] = ""

    # Feature switches.
    feature_google_signin: bool = True
    feature_registration: bool = True
    feature_require_verified_email: bool = False

    # Background work. Without Redis, jobs run in-process from the outbox.
    outbox_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # Reconciliation (services/payments/reconciliation.py): Razorpay orders still open, and refunds
    # still pending, this many minutes after creation are fetched from Razorpay and repaired.
    reconcile_after_minutes: int = Field(default=15, ge=1, le=1440)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip().rstrip("/") for v in value.split(",") if v.strip()]
        return value

    @field_validator("reminder_offsets_minutes", mode="before")
    @classmethod
    def _reminder_offsets(cls, value: object) -> object:
        """"1440,60" -> (1440, 60): distinct, 1 minute to 7 days, largest first."""
        if isinstance(value, str):
            try:
                value = [int(v) for v in value.split(",") if v.strip()]
            except ValueError:
                raise ValueError("must be comma-separated whole minutes, e.g. 1440,60") from None
        if isinstance(value, (list, tuple)):
            if any(not 1 <= int(v) <= 7 * 24 * 60 for v in value):
                raise ValueError("each reminder must be between 1 minute and 7 days before the lesson")
            return tuple(sorted({int(v) for v in value}, reverse=True))
        return value

    @field_validator("public_base_url", "razorpay_base_url", "fallback_meeting_url")
    @classmethod
    def _http_url(cls, value: str, info: ValidationInfo) -> str:
        if value == "" and info.field_name == "public_base_url":
            return value  # unset: derived from APP_PORT by the model validator
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http(s) URL such as https://tutors.example.com")
        return value.rstrip("/")

    @field_validator("google_emulator_url", "mail_capture_url")
    @classmethod
    def _optional_http_url(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be empty or an http(s) URL")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str) -> str:
        if value and not value.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            raise ValueError("must be a postgresql:// URL (TutorConnect runs on PostgreSQL only)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value

    @model_validator(mode="after")
    def _production_requirements(self) -> "Settings":
        if self.app_env == "production":
            missing = [
                name
                for name, value in (
                    ("SECRET_KEY", self.secret_key),
                    ("DATABASE_URL", self.database_url),
                    ("REDIS_URL", self.redis_url),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"{missing[0]} is required when APP_ENV=production")
            if self.feature_google_signin and self.google_emulator_url:
                raise ValueError(
                    "GOOGLE_EMULATOR_URL must be empty when APP_ENV=production (it points "
                    "sign-in at the local emulator); set GOOGLE_CLIENT_ID/SECRET instead"
                )
        if self.secret_key and len(self.secret_key) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters")
        if self.cancel_partial_refund_hours > self.cancel_full_refund_hours:
            raise ValueError("CANCEL_PARTIAL_REFUND_HOURS must not exceed CANCEL_FULL_REFUND_HOURS")
        if not self.public_base_url:
            self.public_base_url = f"http://localhost:{self.app_port}"
        if not self.allowed_origins:
            self.allowed_origins = [self.public_base_url]
            if self.public_base_url == f"http://localhost:{self.app_port}":
                # The same local app opened as 127.0.0.1 is the same person's browser.
                self.allowed_origins.append(f"http://127.0.0.1:{self.app_port}")
        return self

    # Derived values -------------------------------------------------------
    @property
    def cookie_secure(self) -> bool:
        return self.public_base_url.startswith("https://")

    @property
    def uses_redis(self) -> bool:
        return bool(self.redis_url)

    @property
    def razorpay_is_emulated(self) -> bool:
        return not self.razorpay_key_id.startswith("rzp_live_")

    @property
    def razorpay_api_base_url(self) -> str:
        """Where the SDK goes: the local emulator (RAZORPAY_BASE_URL) without a key id;
        with a key id, Razorpay's API unless RAZORPAY_BASE_URL was set explicitly."""
        if not self.razorpay_key_id or "razorpay_base_url" in self.model_fields_set:
            return self.razorpay_base_url
        return "https://api.razorpay.com"

    @property
    def razorpay_checkout_js_url(self) -> str:
        base = self.razorpay_api_base_url
        if base == "https://api.razorpay.com":
            return "https://checkout.razorpay.com/v1/checkout.js"
        return f"{base}/v1/checkout.js"

    @property
    def mail_domain(self) -> str:
        """The domain our mail comes from (MAIL_FROM's address); Message-IDs are made on it.
        A MAIL_FROM without one: PUBLIC_BASE_URL's host."""
        domain = parseaddr(self.mail_from)[1].rpartition("@")[2].strip().strip(">").lower()
        return domain or (urlsplit(self.public_base_url).hostname or "localhost")

    @property
    def mail_capture_inbox_url(self) -> str:
        """Where /admin/mail reads captured mail ("" = not configured)."""
        if self.mail_capture_url:
            return self.mail_capture_url
        if self.app_env == "production":
            return ""
        return f"http://{self.smtp_host}:{self.mail_capture_http_port}"

    @property
    def sms_provider_name(self) -> str:
        if self.sms_provider:
            return self.sms_provider
        return "console" if self.app_env == "development" else "none"

    def google_endpoint(self, real: str, path: str) -> str:
        """The Google URL to use: the emulator's when configured, else the real one."""
        return f"{self.google_emulator_url}{path}" if self.google_emulator_url else real


def _local_secret_key() -> str:
    """A per-checkout random key for development, kept in var/ so sessions survive restarts."""
    path = PROJECT_ROOT / "var" / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _describe(err: ValidationError) -> str:
    first = err.errors()[0]
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    field = ".".join(str(p) for p in first.get("loc", ()))
    # Whole-model checks name the setting in their message already.
    return f"Configuration error: {field.upper()}: {message}" if field else f"Configuration error: {message}"


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Load settings once per process; exit with a one-line message when they are wrong."""
    try:
        settings = Settings()
    except ValidationError as err:
        print(_describe(err), file=sys.stderr)
        raise ConfigError(2) from None
    if not settings.secret_key:
        settings.secret_key = _local_secret_key()
    return settings
