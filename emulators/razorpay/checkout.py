"""The hosted checkout: the replacement checkout.js (window.Razorpay), the
`POST /_emulator/checkout/pay` endpoint it calls (CORS open), and a demo page for trying
it (/_emulator/demo)."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from emulators.razorpay.api import emulator_of, read_body
from emulators.razorpay.pages import render_page
from emulators.razorpay.validation import ApiError, int_field

CHECKOUT_JS = Path(__file__).with_name("razorpay_checkout.js")

_CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
         "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"}


async def checkout_js(request: Request) -> Response:
    return Response(CHECKOUT_JS.read_text(encoding="utf-8"), media_type="application/javascript",
                    headers={"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"})


async def checkout_pay(request: Request) -> Response:
    """checkout.js: {key, order_id, amount?, outcome, method, email, contact} -> the handler's
    fields, or {error: ...} (HTTP 200 for a failed payment, like checkout's own calls)."""
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=_CORS)
    emu = emulator_of(request)
    try:
        body = await read_body(request)
        amount = int_field(body, "amount", required=False)
        if body.get("outcome", "success") == "pending":
            raise ApiError("Unknown outcome.", field_name="outcome")  # checkout always finishes
        result = emu.attempt(str(body.get("order_id", "")), str(body.get("outcome", "success")),
                             method=str(body.get("method", "card")), email=str(body.get("email") or ""),
                             contact=str(body.get("contact") or ""), amount=amount,
                             key_id=str(body.get("key", "")))
    except ApiError as err:
        return JSONResponse(err.body(), status_code=err.status, headers=_CORS)
    return JSONResponse(result, headers=_CORS)


DEMO_SCRIPT = """
document.getElementById('create').addEventListener('click', async () => {
  const out = document.getElementById('out');
  const params = new URLSearchParams(location.search);
  const cfg = JSON.parse(document.getElementById('cfg').textContent);
  const rzp = new Razorpay({key: cfg.key, order_id: params.get('order_id'), amount: Number(params.get('amount')),
    currency: 'INR', name: 'TutorConnect', description: 'Demo lesson',
    prefill: {name: 'Demo Student', email: 'student@example.com', contact: '+919876543210'},
    handler: (r) => { out.textContent = JSON.stringify({ok: r}); },
    modal: {ondismiss: () => { out.textContent = JSON.stringify({dismissed: true}); }},
    theme: {color: '#3366ff'}});
  rzp.on('payment.failed', (r) => { out.textContent = JSON.stringify({failed: r.error}); });
  rzp.open();
});
"""


async def demo(request: Request) -> HTMLResponse:
    """A page for trying checkout.js: /_emulator/demo?order_id=order_...&amount=50000"""
    cfg = json.dumps({"key": emulator_of(request).key_id}).replace("<", "\\u003c")
    body = ("<h1>Checkout demo</h1><p class='muted'>Open checkout for the order in the query string.</p>"
            f"<script type='application/json' id='cfg'>{cfg}</script>"
            "<button id='create' type='button'>Pay with Razorpay</button><pre id='out'></pre>")
    page = render_page("Checkout demo", body, script_src="/v1/checkout.js", inline_script=DEMO_SCRIPT)
    # The JSON config block is data, not script: allowed by the CSP because it is never executed.
    return page
