"""The people and grants both halves of the Google emulator share: accounts (the demo
ones and any added), a pending /auth request, and the Grant a code or token stands for.
OAuth issues grants; the Calendar API checks the bearer token's grant, and its grant
control makes one directly."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

REQUEST_TTL = 1800


@dataclass
class Account:
    email: str
    name: str
    email_verified: bool = True

    @property
    def sub(self) -> str:
        # Google subjects are ~21-digit numbers, stable per account: derive from the email
        # so an identity stored in the app survives emulator restarts.
        digest = int(hashlib.sha256(self.email.lower().encode()).hexdigest()[:16], 16)
        return "1" + str(digest).zfill(20)[:20]


DEMO_ACCOUNTS = (
    Account("priya.sharma@gmail.com", "Priya Sharma"),
    Account("arjun.mehta@gmail.com", "Arjun Mehta"),
    Account("lena.fischer@gmail.com", "Lena Fischer"),
    Account("sam.unverified@example.com", "Sam Unverified", email_verified=False),
)


@dataclass
class AuthRequest:
    """A validated /auth request waiting for the person to pick an account."""

    client_id: str
    redirect_uri: str
    scopes: list[str]
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    offline: bool
    nonce: str | None
    login_hint: str
    expires_at: float = field(default_factory=lambda: time.time() + REQUEST_TTL)
    prompt_consent: bool = False  # prompt=consent: consent is asked (and granted) again


@dataclass
class Grant:
    """What a code, refresh token or access token stands for."""

    account: Account
    client_id: str
    scopes: list[str]
    expires_at: float
    redirect_uri: str = ""
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    offline: bool = False  # a code: exchanging it returns a refresh token
    nonce: str | None = None
    issued: list[str] = field(default_factory=list)  # tokens minted from this grant
    refresh_token: str | None = None  # an access token: the refresh token it came with or from
