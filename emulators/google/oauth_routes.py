"""Google's OAuth 2.0 / OpenID Connect endpoints over HTTP.

google-auth-oauthlib's `Flow` (web flow, PKCE S256) and google-auth's ID-token
verification run against them unchanged, so development and tests exercise the same code
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
    POST /_emulator/accounts, GET /_emulator/accounts, POST /_emulator/reset   test controls
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from dataclasses import asdict
from urllib.parse import unquote_plus, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from emulators.google.grants import AuthRequest
from emulators.google.oauth_pages import avatar_svg, chooser_page, error_page
from emulators.google.oauth_state import ISSUER, PKCE, SCOPE_ALIASES, EmulatorState, OAuthError, profile_claims

_GOOGLE_API_SCOPE = re.compile(r"^https://www\.googleapis\.com/auth/[a-z0-9._/-]+$")


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _oauth_json(err: OAuthError) -> JSONResponse:
    return JSONResponse({"error": err.error, "error_description": err.description},
                        status_code=err.status, headers={"Cache-Control": "no-store"})


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
    if challenge and not PKCE.match(challenge):
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
        return error_page(err.error, err.description, 400)
    if "none" in request.query_params.get("prompt", "").split():
        # The emulator keeps no Google session, so it can never sign in without UI.
        return _back_to_client(req, {"error": "interaction_required"})
    request_id = secrets.token_urlsafe(24)
    with emu.lock:
        now = time.time()
        emu.requests = {k: v for k, v in emu.requests.items() if v.expires_at > now}
        emu.requests[request_id] = req
    return chooser_page(request_id, emu.accounts(), req.login_hint)


async def choose(request: Request) -> Response:
    emu: EmulatorState = request.app.state.emulator
    form = await request.form()
    with emu.lock:
        req = emu.requests.pop(str(form.get("request_id", "")), None)
    if req is None or req.expires_at < time.time():
        return error_page("invalid_request", "This sign-in request has expired. Start again from the app.", 400)
    action = form.get("action")
    if action == "cancel":
        return _back_to_client(req, {"error": "access_denied"})
    if action == "other":
        try:
            account = emu.add_account(str(form.get("email", "")), str(form.get("name", "")),
                                      form.get("email_verified") == "true")
        except OAuthError as err:
            return error_page(err.error, err.description, 400)
    else:
        account = emu.account(str(form.get("account", "")))
        if account is None:
            return error_page("invalid_request", "Unknown account.", 400)
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
        info |= profile_claims(acc, _base_url(request))
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
    return avatar_svg(acc.name if acc else "?")


def routes() -> list[Route]:
    return [
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
    ]
