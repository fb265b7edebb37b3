"""The OAuth side's state: the client, accounts and every outstanding code and token
(EmulatorState), with Google's rules for issuing, redeeming, minting and revoking them,
PKCE, and the ID token's claims."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time

from emulators.google.grants import DEMO_ACCOUNTS, Account, AuthRequest, Grant
from emulators.google.signing import SigningKey, b64url

ISSUER = "https://accounts.google.com"
CALLBACK_PATH = "/api/auth/google/callback"
CALENDAR_CALLBACK_PATH = "/api/google/calendar/callback"  # the tutor's Calendar connect
CODE_TTL = 600
ACCESS_TTL = 3599
SCOPE_ALIASES = {
    "email": "https://www.googleapis.com/auth/userinfo.email",
    "profile": "https://www.googleapis.com/auth/userinfo.profile",
    "openid": "openid",
}
_LOCAL_CALLBACK = re.compile(r"^http://(localhost|127\.0\.0\.1)(:\d{1,5})?"
                             f"({re.escape(CALLBACK_PATH)}|{re.escape(CALENDAR_CALLBACK_PATH)})$")
PKCE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


class EmulatorState:
    """Clients, accounts and every outstanding code/token. Thread-safe (tests poke it)."""

    def __init__(self, client_id: str, client_secret: str, redirect_uris: set[str]):
        self.client_id, self.client_secret, self.redirect_uris = client_id, client_secret, redirect_uris
        self.key = SigningKey()
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        calendar = getattr(self, "calendar", None)  # the Calendar routes' state (calendar_store.py, set by app.py)
        if calendar is not None:
            calendar.reset()
        with self.lock:
            self.extra_accounts: dict[str, Account] = {}
            self.requests: dict[str, AuthRequest] = {}
            self.codes: dict[str, Grant] = {}
            self.used_codes: dict[str, Grant] = {}
            self.access_tokens: dict[str, Grant] = {}
            self.refresh_tokens: dict[str, Grant] = {}

    # Accounts ------------------------------------------------------------------------
    def accounts(self) -> list[Account]:
        with self.lock:
            merged = {a.email: a for a in DEMO_ACCOUNTS} | dict(self.extra_accounts)
        return list(merged.values())

    def account(self, email: str) -> Account | None:
        return next((a for a in self.accounts() if a.email == email.strip().lower()), None)

    def add_account(self, email: str, name: str = "", email_verified: bool = True) -> Account:
        email = email.strip().lower()
        if not _EMAIL.match(email):
            raise OAuthError("invalid_request", "A valid email is required.")
        acc = Account(email, (name or "").strip() or email.split("@")[0], bool(email_verified))
        with self.lock:
            self.extra_accounts[email] = acc
        return acc

    def redirect_allowed(self, uri: str) -> bool:
        return uri in self.redirect_uris or bool(_LOCAL_CALLBACK.match(uri))

    # Codes and tokens ------------------------------------------------------------------
    def _prune(self) -> None:
        """Forget codes and tokens an hour past expiry, so a long demo run stays small."""
        horizon = time.time() - 3600
        for table in (self.codes, self.used_codes, self.access_tokens):
            for key in [k for k, g in table.items() if g.expires_at < horizon]:
                del table[key]

    def has_offline_grant(self, client_id: str, email: str) -> bool:
        """Whether this person already gave this client offline access (a live refresh token)."""
        with self.lock:
            return any(g.client_id == client_id and g.account.email == email for g in self.refresh_tokens.values())

    def issue_code(self, req: AuthRequest, account: Account) -> str:
        code = "4/0A" + secrets.token_urlsafe(40)
        with self.lock:
            self._prune()
            # access_type=offline "instructs the Google authorization server to return a
            # refresh token and an access token the first time that your application
            # exchanges an authorization code for tokens"; to get one again, the app must
            # ask with prompt=consent.
            # https://developers.google.com/identity/protocols/oauth2/web-server#offline
            # https://developers.google.com/identity/openid-connect/openid-connect#refresh-tokens
            refresh = req.offline and (req.prompt_consent or not self.has_offline_grant(req.client_id, account.email))
            self.codes[code] = Grant(
                account, req.client_id, req.scopes, time.time() + CODE_TTL, req.redirect_uri,
                req.code_challenge, req.code_challenge_method, refresh, req.nonce,
            )
        return code

    def revoke(self, token: str) -> bool:
        """Revoke a refresh token with every access token issued with or from it, or an access
        token with its refresh token ("If the token is an access token and it has a
        corresponding refresh token, the refresh token will also be revoked").
        https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
        False when the token is unknown (or revoked already)."""
        with self.lock:
            access = self.access_tokens.pop(token, None)
            if access is not None and access.refresh_token:
                token = access.refresh_token
            refresh = self.refresh_tokens.pop(token, None)
            for minted in refresh.issued if refresh else []:
                self.access_tokens.pop(minted, None)
        return access is not None or refresh is not None

    def redeem_code(self, code: str, client_id: str, redirect_uri: str, verifier: str | None) -> Grant:
        with self.lock:
            grant = self.codes.pop(code, None)
            if grant is None:
                replayed = self.used_codes.get(code)
                if replayed is not None:  # like Google: a replayed code revokes what it minted
                    for token in replayed.issued:
                        self.revoke(token)
                raise OAuthError("invalid_grant", "Malformed auth code." if replayed is None else "Bad Request")
            self.used_codes[code] = grant
        if grant.expires_at < time.time():
            raise OAuthError("invalid_grant", "Bad Request")
        if grant.client_id != client_id:
            raise OAuthError("invalid_grant", "Bad Request")
        if grant.redirect_uri != redirect_uri:
            raise OAuthError("redirect_uri_mismatch", "Bad Request")
        _check_pkce(grant, verifier)
        return grant

    def mint(self, grant: Grant, base_url: str, *, with_refresh: bool,
             from_refresh: str | None = None) -> dict[str, object]:
        """Tokens for `grant` (a code's, or the refresh token `from_refresh`'s). Each access
        token remembers its refresh token, and each refresh token every access token issued
        with or from it, so a revoke takes the whole family."""
        access = "ya29." + secrets.token_urlsafe(48)
        now = int(time.time())
        body: dict[str, object] = {
            "access_token": access, "expires_in": ACCESS_TTL, "token_type": "Bearer",
            "scope": " ".join(grant.scopes),
        }
        with self.lock:
            family = from_refresh
            if with_refresh:
                family = "1//0" + secrets.token_urlsafe(40)
                self.refresh_tokens[family] = Grant(grant.account, grant.client_id, grant.scopes, float("inf"))
                grant.issued.append(family)
                body["refresh_token"] = family
            self.access_tokens[access] = Grant(grant.account, grant.client_id, grant.scopes, now + ACCESS_TTL,
                                               refresh_token=family)
            grant.issued.append(access)
            parent = self.refresh_tokens.get(family) if family else None
            if parent is not None and parent is not grant:
                parent.issued.append(access)
        if "openid" in grant.scopes:
            body["id_token"] = self.key.sign_jwt(self.id_claims(grant, access, now, base_url))
        return body

    def id_claims(self, grant: Grant, access: str, now: int, base_url: str) -> dict[str, object]:
        acc = grant.account
        claims: dict[str, object] = {
            "iss": ISSUER, "azp": grant.client_id, "aud": grant.client_id, "sub": acc.sub,
            # at_hash: left half of SHA-256 of the access token, as Google sends it.
            "at_hash": b64url(hashlib.sha256(access.encode()).digest()[:16]),
            "iat": now, "exp": now + 3600,
        }
        if SCOPE_ALIASES["email"] in grant.scopes:
            claims |= {"email": acc.email, "email_verified": acc.email_verified}
        if SCOPE_ALIASES["profile"] in grant.scopes:
            claims |= profile_claims(acc, base_url)
        if grant.nonce:
            claims["nonce"] = grant.nonce
        return claims


def _check_pkce(grant: Grant, verifier: str | None) -> None:
    if not grant.code_challenge:
        return
    if not verifier:
        raise OAuthError("invalid_grant", "Missing code verifier.")
    if grant.code_challenge_method == "S256":
        expected = b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
    else:
        expected = verifier
    if not PKCE.match(verifier) or not secrets.compare_digest(expected, grant.code_challenge):
        raise OAuthError("invalid_grant", "Invalid code verifier.")


def profile_claims(acc: Account, base_url: str) -> dict[str, object]:
    given, _, family = acc.name.partition(" ")
    return {"name": acc.name, "given_name": given, "family_name": family or "",
            "picture": f"{base_url}/_emulator/avatar/{acc.sub}.svg"}
