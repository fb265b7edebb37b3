"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import functools
import unicodedata

import dataclasses

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from tutorconnect.config import get_settings

from tutorconnect.services.errors import InvalidInput

MIN_LENGTH = 10
# argon2 hashes any length, but an unbounded input is a cheap way to burn our CPU.
MAX_LENGTH = 128
_COMMON = frozenset(
    {
        "password123", "password1234", "1234567890", "qwertyuiop", "123456789a",
        "iloveyou123", "letmein1234", "welcome123", "tutorconnect", "passw0rd123",
        "qwerty12345", "abc1234567", "administrator", "football123", "monkey12345",
    }
)


# RFC 9106's "low memory" argon2id profile (argon2-cffi's default): 64 MiB, 3 passes, 4 lanes,
# ~0.2 s of CPU per hash. Test runs (APP_ENV=test only) use the same algorithm, salt and hash
# lengths with one pass over 1 MiB: a suite signs in and registers ~150 times, and the
# strong profile cost it ~30 s of CPU. Verification reads the parameters from the stored
# hash, so either profile verifies the other's hashes.
PRODUCTION_PROFILE = profiles.RFC_9106_LOW_MEMORY
TEST_PROFILE = dataclasses.replace(profiles.RFC_9106_LOW_MEMORY, time_cost=1, memory_cost=1024, parallelism=1)


def hash_profile(app_env: str) -> profiles.Parameters:
    return TEST_PROFILE if app_env == "test" else PRODUCTION_PROFILE


@functools.lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher.from_parameters(hash_profile(get_settings().app_env))


def check_policy(password: object, *, email: str = "", name: str = "") -> str:
    """Return the password if it meets the policy, else raise InvalidInput('password')."""
    if not isinstance(password, str):
        raise InvalidInput("password", "Enter a password.")
    normalized = unicodedata.normalize("NFKC", password)
    if len(normalized) < MIN_LENGTH:
        raise InvalidInput("password", f"Use at least {MIN_LENGTH} characters.")
    if len(normalized) > MAX_LENGTH:
        raise InvalidInput("password", f"Use at most {MAX_LENGTH} characters.")
    lowered = normalized.lower()
    if lowered in _COMMON or len(set(lowered)) < 4:
        raise InvalidInput("password", "That password is too easy to guess. Try a longer phrase.")
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in lowered:
        raise InvalidInput("password", "Your password should not contain your email address.")
    if name and len(name) >= 4 and name.lower().replace(" ", "") in lowered.replace(" ", ""):
        raise InvalidInput("password", "Your password should not contain your name.")
    return normalized


def hash_password(password: str) -> str:
    return _hasher().hash(unicodedata.normalize("NFKC", password))


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash or not isinstance(password, str) or len(password) > 4 * MAX_LENGTH:
        return False
    # Same normalization, then the same length rule, as check_policy applied.
    normalized = unicodedata.normalize("NFKC", password)
    if len(normalized) > MAX_LENGTH:
        return False
    try:
        return _hasher().verify(password_hash, normalized)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@functools.lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against when the account does not exist, so that a sign-in for an
    unknown email costs the same time as one for a real account (no user enumeration)."""
    return _hasher().hash("not-a-real-password-" + "x" * 8)
