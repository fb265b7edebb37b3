"""Settings: a missing or malformed setting stops the process with one line naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _start_with(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "APP_ENV")}
    env.update(env_overrides)
    code = "from tutorconnect.config import get_settings; get_settings(); print('ok')"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "overrides, names",
    [
        ({"APP_ENV": "production"}, "SECRET_KEY"),
        ({"APP_ENV": "production", "SECRET_KEY": "k" * 40}, "DATABASE_URL"),
        ({"APP_ENV": "production", "SECRET_KEY": "k" * 40, "DATABASE_URL": "postgresql://db/x"}, "REDIS_URL"),
        ({"APP_ENV": "production", "SECRET_KEY": "k" * 40, "DATABASE_URL": "postgresql://db/x",
          "REDIS_URL": "redis://r:6379/0"}, "GOOGLE_EMULATOR_URL"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://redis"}, "REDIS_URL"),
        ({"PUBLIC_BASE_URL": "tutors.example.com"}, "PUBLIC_BASE_URL"),
        ({"APP_PORT": "70000"}, "APP_PORT"),
        ({"APP_PORT": "three thousand"}, "APP_PORT"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"APP_ENV": "staging"}, "APP_ENV"),
        ({"FEATURE_REGISTRATION": "perhaps"}, "FEATURE_REGISTRATION"),
        ({"PLATFORM_FEE_BPS": "9000"}, "PLATFORM_FEE_BPS"),
        ({"HOLD_TTL_MINUTES": "0"}, "HOLD_TTL_MINUTES"),
        ({"CANCEL_FULL_REFUND_HOURS": "1", "CANCEL_PARTIAL_REFUND_HOURS": "2"}, "CANCEL_PARTIAL_REFUND_HOURS"),
    ],
)
def test_bad_configuration_stops_with_one_line_naming_the_setting(overrides, names):
    result = _start_with(overrides)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error:") and names in lines[0]


def test_a_complete_production_configuration_starts():
    result = _start_with({
        "APP_ENV": "production", "SECRET_KEY": "k" * 40, "DATABASE_URL": "postgresql://db/x",
        "REDIS_URL": "redis://r:6379/0", "GOOGLE_EMULATOR_URL": "", "PUBLIC_BASE_URL": "https://tutors.example.com",
    })
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_allowed_origins_default_to_the_public_url_and_split_on_commas(monkeypatch):
    from tutorconnect.config import Settings

    monkeypatch.delenv("ALLOWED_ORIGINS", raising=False)
    assert Settings(public_base_url="https://a.example").allowed_origins == ["https://a.example"]
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://a.example/, https://b.example")
    assert Settings().allowed_origins == ["https://a.example", "https://b.example"]


def test_the_public_url_follows_the_port_when_unset(monkeypatch):
    from tutorconnect.config import Settings

    for name in ("ALLOWED_ORIGINS", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(app_port=3300, _env_file=None)
    assert settings.public_base_url == "http://localhost:3300"
    assert settings.allowed_origins == ["http://localhost:3300", "http://127.0.0.1:3300"]
