"""The emulator's HTML: the page shell (strict CSP) and the dashboard at GET / listing
orders, payments, refunds and webhook deliveries."""

from __future__ import annotations

import base64
import hashlib
import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from emulators.razorpay.api import emulator_of


_STYLE = """
:root{color-scheme:light dark;--bg:#f5f7fb;--card:#fff;--fg:#1b2230;--muted:#5b6577;--line:#e2e6ee;--accent:#3366ff}
@media (prefers-color-scheme:dark){:root{--bg:#0f131a;--card:#181e28;--fg:#e8ecf3;--muted:#9aa4b5;--line:#2a3342;--accent:#7c9cff}}
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;background:var(--bg);color:var(--fg);margin:0}
main{max-width:1100px;margin:24px auto;padding:0 16px}h1{font-size:22px}h2{font-size:16px;margin-top:24px}
table{width:100%;border-collapse:collapse;background:var(--card);font-size:13px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line)}th{color:var(--muted);font-weight:600}
code{font-family:ui-monospace,monospace}.muted{color:var(--muted)}
button{font:inherit;padding:8px 14px;border-radius:6px;border:1px solid var(--line);background:var(--card);color:var(--fg)}
"""


def render_page(title: str, body: str, *, script_src: str | None = None,
                inline_script: str | None = None) -> HTMLResponse:
    scripts = ""
    csp_script = "'none'"
    if script_src:
        scripts += f"<script src='{html.escape(script_src)}'></script>"
        csp_script = "'self'"
    if inline_script:
        digest = base64.b64encode(hashlib.sha256(inline_script.encode()).digest()).decode()
        scripts += f"<script>{inline_script}</script>"
        csp_script += f" 'sha256-{digest}'"
    doc = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
           f"<meta name='viewport' content='width=device-width,initial-scale=1'><style>{_STYLE}</style></head>"
           f"<body><main>{body}</main>{scripts}</body></html>")
    csp = (f"default-src 'none'; style-src 'unsafe-inline'; script-src {csp_script}; connect-src 'self'; "
           "img-src 'self' data:; frame-ancestors 'none'")
    return HTMLResponse(doc, headers={"Content-Security-Policy": csp, "Cache-Control": "no-store"})


def _rows(items: list[dict], cols: list[str]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td><code>{e(str(it.get(c)))}</code></td>" for c in cols) + "</tr>"
                   for it in items) or f"<tr><td colspan='{len(cols)}' class='muted'>None yet.</td></tr>"
    return f"<div style='overflow-x:auto'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


async def dashboard(request: Request) -> HTMLResponse:
    emu = emulator_of(request)
    snap = emu.snapshot()
    deliveries = emu.webhooks.summaries()[-50:]
    body = (
        "<h1>Razorpay emulator</h1>"
        f"<p class='muted'>Key id <code>{html.escape(emu.key_id)}</code> · webhooks to "
        f"<code>{html.escape(str(emu.webhooks.url))}</code> · checkout.js at <code>/v1/checkout.js</code></p>"
        "<h2>Orders</h2>" + _rows(list(reversed(snap["orders"]))[:50],
                                  ["id", "receipt", "amount", "amount_paid", "currency", "status", "attempts"])
        + "<h2>Payments</h2>" + _rows(list(reversed(snap["payments"]))[:50],
                                      ["id", "order_id", "amount", "status", "method", "amount_refunded",
                                       "error_reason"])
        + "<h2>Refunds</h2>" + _rows(list(reversed(snap["refunds"]))[:50],
                                     ["id", "payment_id", "amount", "status"])
        + "<h2>Webhook deliveries</h2>" + _rows(list(reversed(deliveries)),
                                                ["seq", "event", "event_id", "state", "status_codes"])
    )
    return render_page("Razorpay emulator", body)


async def favicon(request: Request) -> Response:
    return Response(status_code=204)
