"""A local stand-in for Google's OAuth 2.0 / OpenID Connect endpoints.

google-auth-oauthlib's `Flow` (web flow, PKCE S256) and google-auth's ID-token
verification run against it unchanged, so development and tests exercise the same code
as production with no network. Paths mirror Google's, so `settings.google_endpoint()` only
swaps the host:

    GET  /.well-known/openid-configuration
    GET  /o/oauth2/v2/auth           account chooser (validated like Google)
    POST /o/oauth2/v2/auth/choose    the chooser's forms
    POST /token                      authorization_code (PKCE) and refresh_token grants; a
                                     refresh token only for access_type=offline, and only on
                                     the person's first offline consent for the client or
                                     with prompt=consent (like Google)
    GET  /oauth2/v1/certs            {kid: x509 PEM}  (what google-auth verifies with)
    GET  /oauth2/v3/certs            JWKS
    GET  /oauth2/v3/userinfo         Bearer access token
    POST /revoke                     a refresh token with every access token issued with or
                                     from it; an access token with its refresh token
    /calendar/v3/...                 Calendar v3 (events, freeBusy): emulators/google_calendar.py
    POST /_emulator/accounts, GET /_emulator/accounts, POST /_emulator/reset   test controls
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote_plus, urlencode

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tutorconnect.config import get_settings
from tutorconnect.emulators import google_calendar
from tutorconnect.emulators.smtp_capture import BackgroundServer

ISSUER = "https://accounts.google.com"
CALLBACK_PATH = "/api/auth/google/callback"
CALENDAR_CALLBACK_PATH = "/api/google/calendar/callback"  # the tutor's Calendar connect
CODE_TTL = 600
ACCESS_TTL = 3599
REQUEST_TTL = 1800
SCOPE_ALIASES = {
    "email": "https://www.googleapis.com/auth/userinfo.email",
    "profile": "https://www.googleapis.com/auth/userinfo.profile",
    "openid": "openid",
}
_GOOGLE_API_SCOPE = re.compile(r"^https://www\.googleapis\.com/auth/[a-z0-9._/-]+$")
_LOCAL_CALLBACK = re.compile(r"^http://(localhost|127\.0\.0\.1)(:\d{1,5})?"
                             f"({re.escape(CALLBACK_PATH)}|{re.escape(CALENDAR_CALLBACK_PATH)})$")
_PKCE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class SigningKey:
    """An RSA key made at startup, published as JWKS and as a self-signed x509 cert."""

    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(20)
        now = datetime.now(timezone.utc)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "accounts.google.com emulator")])
        cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(self.private.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
            .sign(self.private, hashes.SHA256())
        )
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def jwk(self) -> dict[str, str]:
        numbers = self.private.public_key().public_numbers()

        def as_b64(n: int) -> str:
            return _b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))

        return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
                "n": as_b64(numbers.n), "e": as_b64(numbers.e)}

    def sign_jwt(self, claims: dict[str, object]) -> str:
        header = {"alg": "RS256", "kid": self.kid, "typ": "JWT"}
        signing_input = ".".join(
            _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        sig = self.private.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64url(sig)}"


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
        calendar = getattr(self, "calendar", None)  # the Calendar routes' state (google_calendar.py)
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
            "at_hash": _b64url(hashlib.sha256(access.encode()).digest()[:16]),
            "iat": now, "exp": now + 3600,
        }
        if SCOPE_ALIASES["email"] in grant.scopes:
            claims |= {"email": acc.email, "email_verified": acc.email_verified}
        if SCOPE_ALIASES["profile"] in grant.scopes:
            claims |= _profile_claims(acc, base_url)
        if grant.nonce:
            claims["nonce"] = grant.nonce
        return claims


def _check_pkce(grant: Grant, verifier: str | None) -> None:
    if not grant.code_challenge:
        return
    if not verifier:
        raise OAuthError("invalid_grant", "Missing code verifier.")
    if grant.code_challenge_method == "S256":
        expected = _b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
    else:
        expected = verifier
    if not _PKCE.match(verifier) or not secrets.compare_digest(expected, grant.code_challenge):
        raise OAuthError("invalid_grant", "Invalid code verifier.")


def _profile_claims(acc: Account, base_url: str) -> dict[str, object]:
    given, _, family = acc.name.partition(" ")
    return {"name": acc.name, "given_name": given, "family_name": family or "",
            "picture": f"{base_url}/_emulator/avatar/{acc.sub}.svg"}


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _oauth_json(err: OAuthError) -> JSONResponse:
    return JSONResponse({"error": err.error, "error_description": err.description},
                        status_code=err.status, headers={"Cache-Control": "no-store"})


# Pages -------------------------------------------------------------------------------
_STYLE = """
body{font-family:Roboto,system-ui,-apple-system,Segoe UI,sans-serif;background:#f0f4f9;margin:0;color:#1f1f1f}
.card{max-width:460px;margin:48px auto;background:#fff;border-radius:28px;padding:36px 40px}
.logo{font-size:28px;font-weight:700;color:#4285f4}
.logo span{color:#1f1f1f;font-weight:400;font-size:16px;margin-left:8px}
h1{font-size:28px;font-weight:400;margin:18px 0 6px}p{margin:0 0 18px;color:#444}
ul{list-style:none;padding:0;margin:0 0 20px;border-top:1px solid #e3e3e3}
button.account{display:flex;align-items:center;gap:14px;width:100%;padding:12px 6px;background:none;border:0;
border-bottom:1px solid #e3e3e3;cursor:pointer;text-align:left;font:inherit}
button.account:hover{background:#f5f8ff}.avatar{width:32px;height:32px;border-radius:50%;background:#1a73e8;color:#fff;
display:flex;align-items:center;justify-content:center;font-weight:600}.who small{color:#5f6368}.warn{color:#b3261e}
h2{font-size:15px;font-weight:500;margin:8px 0}label{display:block;font-size:13px;color:#444;margin:8px 0 4px}
input[type=email],input[type=text]{width:100%;box-sizing:border-box;padding:10px 12px;border:1px solid #747775;
border-radius:4px;font:inherit}.row{display:flex;gap:8px;align-items:center;margin-top:10px}
.primary{background:#0b57d0;color:#fff;border:0;border-radius:20px;padding:9px 22px;font:inherit;cursor:pointer}
.secondary{background:none;color:#0b57d0;border:0;padding:9px 12px;font:inherit;cursor:pointer}
.code{font-family:monospace;background:#f1f3f4;padding:2px 6px;border-radius:4px}
"""


def _html_page(title: str, body: str, status: int = 200) -> HTMLResponse:
    doc = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
           f"<meta name='viewport' content='width=device-width,initial-scale=1'><style>{_STYLE}</style></head>"
           f"<body><div class='card'><div class='logo'>Google<span>emulator</span></div>{body}</div></body></html>")
    # No form-action: Chrome applies it to the redirect that follows the form post.
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
    return HTMLResponse(doc, status_code=status, headers={"Content-Security-Policy": csp, "Cache-Control": "no-store"})


def _error_page(error: str, description: str, status: int) -> HTMLResponse:
    e = html.escape
    return _html_page(f"Error {status}: {error}", (
        "<h1>Access blocked: authorization error</h1>"
        f"<p id='error-description'>{e(description)}</p>"
        f"<p>Error {status}: <span class='code' id='error-code'>{e(error)}</span></p>"), status)


def _slug(email: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", email.lower()).strip("-")


def _chooser_page(request_id: str, accounts: list[Account], login_hint: str) -> HTMLResponse:
    """Account list, "use another account" form and Cancel, each a real form for a browser."""
    e = html.escape
    accounts = sorted(accounts, key=lambda a: a.email != login_hint)  # the hinted one first
    hidden = f"<input type='hidden' name='request_id' value='{e(request_id)}'>"
    items = "".join(
        f"<li><button type='submit' class='account' name='account' value='{e(a.email)}' id='account-{_slug(a.email)}'"
        f" data-email='{e(a.email)}'><span class='avatar'>{e(a.name[:1].upper())}</span><span class='who'>"
        f"{e(a.name)}<br><small>{e(a.email)}</small>"
        f"{'' if a.email_verified else ' <small class=warn>(email not verified)</small>'}</span></button></li>"
        for a in accounts
    )
    hint = login_hint if login_hint and not any(a.email == login_hint for a in accounts) else ""
    body = (
        "<h1>Choose an account</h1><p>to continue to <b>TutorConnect</b></p>"
        f"<form method='post' action='/o/oauth2/v2/auth/choose' id='account-chooser'>{hidden}"
        f"<input type='hidden' name='action' value='account'><ul>{items}</ul></form>"
        f"<h2 id='use-another-account'>Use another account</h2>"
        f"<form method='post' action='/o/oauth2/v2/auth/choose' id='other-account-form'>{hidden}"
        "<input type='hidden' name='action' value='other'>"
        "<label for='other-email'>Email</label>"
        f"<input type='email' id='other-email' name='email' required value='{e(hint)}'>"
        "<label for='other-name'>Name</label><input type='text' id='other-name' name='name' maxlength='120'>"
        "<label><input type='checkbox' id='other-verified' name='email_verified' value='true' checked> "
        "Google has verified this email</label>"
        "<div class='row'><button type='submit' class='primary' id='other-submit'>Continue</button></div></form>"
        f"<form method='post' action='/o/oauth2/v2/auth/choose' id='cancel-form'>{hidden}"
        "<input type='hidden' name='action' value='cancel'>"
        "<div class='row'><button type='submit' class='secondary' id='cancel'>Cancel</button></div></form>"
    )
    return _html_page("Sign in - Google Accounts", body)


def _avatar_svg(name: str) -> Response:
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='96' height='96'><rect width='96' height='96' rx='48' "
        f"fill='#1a73e8'/><text x='48' y='60' font-size='40' text-anchor='middle' fill='#fff' "
        f"font-family='sans-serif'>{html.escape(name[:1].upper())}</text></svg>"
    )
    return Response(svg, media_type="image/svg+xml")


# Authorization endpoint ----------------------------------------------------------------
def _normalize_scopes(raw: str) -> list[str]:
    scopes: list[str] = []
    for s in raw.split():
        full = SCOPE_ALIASES.get(s, s)
        if full not in SCOPE_ALIASES.values() and not _GOOGLE_API_SCOPE.match(full):
            raise OAuthError("invalid_scope", f"Some requested scopes were invalid. {{invalid=[{s}]}}")
        if full not in scopes:
            scopes.append(full)
    return scopes


def _validate_auth_request(emu: EmulatorState, q: dict[str, str]) -> AuthRequest:
    """Check an /auth query the way Google does; OAuthError names the error page to show."""
    client_id, redirect_uri = q.get("client_id", ""), q.get("redirect_uri", "")
    if not client_id:
        raise OAuthError("invalid_request", "Missing required parameter: client_id")
    if client_id != emu.client_id:
        raise OAuthError("invalid_client", "The OAuth client was not found.")
    if not redirect_uri:
        raise OAuthError("invalid_request", "Missing required parameter: redirect_uri")
    if not emu.redirect_allowed(redirect_uri):
        raise OAuthError("redirect_uri_mismatch",
                         f"You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. "
                         f"redirect_uri={redirect_uri}")
    for name in ("response_type", "scope"):
        if not q.get(name):
            raise OAuthError("invalid_request", f"Missing required parameter: {name}")
    if q["response_type"] != "code":
        raise OAuthError("unsupported_response_type", f"Invalid response_type: {q['response_type']}")
    scopes = _normalize_scopes(q["scope"])
    challenge, method = q.get("code_challenge") or None, q.get("code_challenge_method") or None
    if method and not challenge:
        raise OAuthError("invalid_request", "Missing code_challenge.")
    if challenge and (method or "plain") not in ("S256", "plain"):
        raise OAuthError("invalid_request", "Invalid code_challenge_method value.")
    if challenge and not _PKCE.match(challenge):
        raise OAuthError("invalid_request", "Invalid code_challenge.")
    if q.get("access_type", "online") not in ("online", "offline"):
        raise OAuthError("invalid_request", f"Invalid access_type: {q['access_type']}")
    prompts = set(q.get("prompt", "").split())
    if not prompts <= {"none", "consent", "select_account"} or ("none" in prompts and len(prompts) > 1):
        raise OAuthError("invalid_request", f"Invalid prompt: {q.get('prompt')}")
    return AuthRequest(
        client_id, redirect_uri, scopes, q.get("state"), challenge, (method or "plain") if challenge else None,
        q.get("access_type") == "offline", q.get("nonce"), q.get("login_hint", "").strip().lower(),
        prompt_consent="consent" in prompts,
    )


def _back_to_client(req: AuthRequest, params: dict[str, str]) -> RedirectResponse:
    if req.state is not None:
        params = {"state": req.state, **params}
    sep = "&" if "?" in req.redirect_uri else "?"
    # 303: the chooser is a POST form, the app's callback expects a GET.
    return RedirectResponse(f"{req.redirect_uri}{sep}{urlencode(params)}", status_code=303)


async def authorize(request: Request) -> Response:
    emu: EmulatorState = request.app.state.emulator
    try:
        req = _validate_auth_request(emu, dict(request.query_params))
    except OAuthError as err:
        return _error_page(err.error, err.description, 400)
    if "none" in request.query_params.get("prompt", "").split():
        # The emulator keeps no Google session, so it can never sign in without UI.
        return _back_to_client(req, {"error": "interaction_required"})
    request_id = secrets.token_urlsafe(24)
    with emu.lock:
        now = time.time()
        emu.requests = {k: v for k, v in emu.requests.items() if v.expires_at > now}
        emu.requests[request_id] = req
    return _chooser_page(request_id, emu.accounts(), req.login_hint)


async def choose(request: Request) -> Response:
    emu: EmulatorState = request.app.state.emulator
    form = await request.form()
    with emu.lock:
        req = emu.requests.pop(str(form.get("request_id", "")), None)
    if req is None or req.expires_at < time.time():
        return _error_page("invalid_request", "This sign-in request has expired. Start again from the app.", 400)
    action = form.get("action")
    if action == "cancel":
        return _back_to_client(req, {"error": "access_denied"})
    if action == "other":
        try:
            account = emu.add_account(str(form.get("email", "")), str(form.get("name", "")),
                                      form.get("email_verified") == "true")
        except OAuthError as err:
            return _error_page(err.error, err.description, 400)
    else:
        account = emu.account(str(form.get("account", "")))
        if account is None:
            return _error_page("invalid_request", "Unknown account.", 400)
    code = emu.issue_code(req, account)
    return _back_to_client(req, {"code": code, "scope": " ".join(req.scopes), "authuser": "0", "prompt": "consent"})


# Token, userinfo, revoke ---------------------------------------------------------------
def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except ValueError:
            raise OAuthError("invalid_client", "Unauthorized", 401) from None
        cid, _, secret = decoded.partition(":")
        return unquote_plus(cid), unquote_plus(secret)
    return form.get("client_id", ""), form.get("client_secret", "")


def _authenticate_client(emu: EmulatorState, request: Request, form: dict[str, str]) -> str:
    cid, secret = _client_credentials(request, form)
    if cid != emu.client_id:
        raise OAuthError("invalid_client", "The OAuth client was not found.", 401)
    if not secrets.compare_digest(secret.encode(), emu.client_secret.encode()):
        raise OAuthError("invalid_client", "Unauthorized", 401)
    return cid


async def token(request: Request) -> JSONResponse:
    emu: EmulatorState = request.app.state.emulator
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        client_id = _authenticate_client(emu, request, form)
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            if not form.get("code"):
                raise OAuthError("invalid_request", "Missing required parameter: code")
            grant = emu.redeem_code(form["code"], client_id, form.get("redirect_uri", ""), form.get("code_verifier"))
            body = emu.mint(grant, _base_url(request), with_refresh=grant.offline)
        elif grant_type == "refresh_token":
            refresh_token = form.get("refresh_token", "")
            with emu.lock:
                grant = emu.refresh_tokens.get(refresh_token)
            if grant is None or grant.client_id != client_id:
                raise OAuthError("invalid_grant", "Token has been expired or revoked.")
            body = emu.mint(grant, _base_url(request), with_refresh=False, from_refresh=refresh_token)
        else:
            raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
    except OAuthError as err:
        return _oauth_json(err)
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


async def userinfo(request: Request) -> JSONResponse:
    emu: EmulatorState = request.app.state.emulator
    header = request.headers.get("authorization", "")
    with emu.lock:
        grant = emu.access_tokens.get(header[7:].strip()) if header.lower().startswith("bearer ") else None
    if grant is None or grant.expires_at < time.time():
        return JSONResponse({"error": "invalid_request", "error_description": "Invalid Credentials"},
                            status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    acc = grant.account
    info: dict[str, object] = {"sub": acc.sub}
    if SCOPE_ALIASES["profile"] in grant.scopes:
        info |= _profile_claims(acc, _base_url(request))
    if SCOPE_ALIASES["email"] in grant.scopes:
        info |= {"email": acc.email, "email_verified": acc.email_verified}
    return JSONResponse(info)


async def revoke(request: Request) -> JSONResponse:
    emu: EmulatorState = request.app.state.emulator
    form = await request.form()
    raw = str(form.get("token") or request.query_params.get("token") or "")
    # 200 when revoked, 400 with an error code otherwise:
    # https://developers.google.com/identity/protocols/oauth2/web-server#tokenrevoke
    if not emu.revoke(raw):
        return _oauth_json(OAuthError("invalid_token", "Token expired or revoked"))
    return JSONResponse({})


# Discovery, keys, controls -------------------------------------------------------------
async def discovery(request: Request) -> JSONResponse:
    base = _base_url(request)
    return JSONResponse({
        "issuer": ISSUER,
        "authorization_endpoint": f"{base}/o/oauth2/v2/auth",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/oauth2/v3/userinfo",
        "revocation_endpoint": f"{base}/revoke",
        "jwks_uri": f"{base}/oauth2/v3/certs",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "email", "email_verified", "exp", "family_name", "given_name",
                             "iat", "iss", "name", "picture", "sub"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
    })


async def certs_v1(request: Request) -> JSONResponse:
    emu: EmulatorState = request.app.state.emulator
    return JSONResponse({emu.key.kid: emu.key.cert_pem})


async def certs_v3(request: Request) -> JSONResponse:
    return JSONResponse({"keys": [request.app.state.emulator.key.jwk()]})


async def control_accounts(request: Request) -> JSONResponse:
    emu: EmulatorState = request.app.state.emulator
    if request.method == "GET":
        return JSONResponse([asdict(a) | {"sub": a.sub} for a in emu.accounts()])
    try:
        body = await request.json()
        acc = emu.add_account(str(body["email"]), str(body.get("name", "")), body.get("email_verified", True) is True)
    except (ValueError, KeyError, TypeError):
        return _oauth_json(OAuthError("invalid_request", "Send JSON {email, name, email_verified}."))
    except OAuthError as err:
        return _oauth_json(err)
    return JSONResponse(asdict(acc) | {"sub": acc.sub}, status_code=201)


async def control_reset(request: Request) -> JSONResponse:
    request.app.state.emulator.reset()
    return JSONResponse({"ok": True})


async def avatar(request: Request) -> Response:
    emu: EmulatorState = request.app.state.emulator
    acc = next((a for a in emu.accounts() if a.sub == request.path_params["sub"]), None)
    return _avatar_svg(acc.name if acc else "?")


def create_app(client_id: str | None = None, client_secret: str | None = None,
               redirect_uris: set[str] | None = None) -> Starlette:
    """The emulator app; the client and its redirect URIs default to the app's settings."""
    settings = get_settings()
    emu = EmulatorState(
        client_id or settings.google_client_id,
        client_secret or settings.google_client_secret,
        redirect_uris or {settings.public_base_url + CALLBACK_PATH, settings.public_base_url + CALENDAR_CALLBACK_PATH},
    )
    app = Starlette(routes=[
        Route("/.well-known/openid-configuration", discovery),
        Route("/o/oauth2/v2/auth", authorize),
        Route("/o/oauth2/auth", authorize),  # the older path still found in client_secrets.json
        Route("/o/oauth2/v2/auth/choose", choose, methods=["POST"]),
        Route("/token", token, methods=["POST"]),
        Route("/oauth2/v1/certs", certs_v1),
        Route("/oauth2/v3/certs", certs_v3),
        Route("/oauth2/v3/userinfo", userinfo, methods=["GET", "POST"]),
        Route("/revoke", revoke, methods=["POST"]),
        Route("/_emulator/accounts", control_accounts, methods=["GET", "POST"]),
        Route("/_emulator/reset", control_reset, methods=["POST"]),
        Route("/_emulator/avatar/{sub}.svg", avatar),
        *google_calendar.routes(),
    ])
    emu.calendar = google_calendar.CalendarState()
    app.state.emulator = emu
    return app


class RunningEmulator:
    """An emulator served from a background thread; `url` is its base URL."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **app_kwargs: object):
        self.app = create_app(**app_kwargs)  # type: ignore[arg-type]
        self.state: EmulatorState = self.app.state.emulator
        self._server = BackgroundServer(self.app, host, port)
        self.url = self._server.url

    def start(self) -> "RunningEmulator":
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()


def start_in_thread(host: str = "127.0.0.1", port: int = 0, **app_kwargs: object) -> RunningEmulator:
    """Start the emulator on `port` (0 = a free one) in a daemon thread; call `.stop()`."""
    return RunningEmulator(host, port, **app_kwargs).start()


@contextlib.contextmanager
def running(host: str = "127.0.0.1", port: int = 0, **app_kwargs: object) -> Iterator[RunningEmulator]:
    emulator = start_in_thread(host, port, **app_kwargs)
    try:
        yield emulator
    finally:
        emulator.stop()
