"""The OAuth side's HTML: the account chooser, the error page and the avatar image, each
under a strict CSP."""

from __future__ import annotations

import html
import re

from starlette.responses import HTMLResponse, Response

from emulators.google.grants import Account


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


def error_page(error: str, description: str, status: int) -> HTMLResponse:
    e = html.escape
    return _html_page(f"Error {status}: {error}", (
        "<h1>Access blocked: authorization error</h1>"
        f"<p id='error-description'>{e(description)}</p>"
        f"<p>Error {status}: <span class='code' id='error-code'>{e(error)}</span></p>"), status)


def _slug(email: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", email.lower()).strip("-")


def chooser_page(request_id: str, accounts: list[Account], login_hint: str) -> HTMLResponse:
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


def avatar_svg(name: str) -> Response:
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='96' height='96'><rect width='96' height='96' rx='48' "
        f"fill='#1a73e8'/><text x='48' y='60' font-size='40' text-anchor='middle' fill='#fff' "
        f"font-family='sans-serif'>{html.escape(name[:1].upper())}</text></svg>"
    )
    return Response(svg, media_type="image/svg+xml")
