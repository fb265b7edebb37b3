/*
 * Razorpay Checkout stand-in, served by the local Razorpay emulator at /v1/checkout.js.
 *
 *   const rzp = new Razorpay({key, order_id, amount, currency, name, description, prefill,
 *                             notes, handler, modal: {ondismiss, escape}, theme: {color}});
 *   rzp.on('payment.failed', (response) => response.error.{code, description, source, step,
 *                                           reason, metadata: {order_id, payment_id}});
 *   rzp.open();  rzp.close();
 *
 * The pay screen is an accessible modal dialog (focus kept inside, Escape or the close
 * button dismiss -> modal.ondismiss) in an open shadow root. The emulator's server makes
 * the payment and signs razorpay_signature = HMAC-SHA256(order_id + "|" + payment_id,
 * key_secret); this script never sees the secret.
 *
 * Stable hooks for browser tests (Playwright's CSS selectors pierce the shadow root):
 *   [data-testid=rzp-checkout]        the dialog
 *   [data-testid=rzp-method-card|upi|netbanking]   method radios
 *   [data-testid=rzp-pay]             pay successfully
 *   [data-testid=rzp-failure-reason]  <select> of failure reasons
 *   [data-testid=rzp-fail]            pay and fail with the chosen reason
 *   [data-testid=rzp-close]           dismiss
 *   [data-testid=rzp-status]          status / error text (role=status)
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var BASE = script && script.src ? new URL(script.src).origin : "";

  var FAILURES = [
    ["card_declined", "Card declined by bank"],
    ["insufficient_funds", "Insufficient funds"],
    ["authentication_failed", "Authentication (OTP / 3-D Secure) failed"],
    ["gateway_error", "Bank gateway error"],
    ["payment_cancelled", "Customer cancelled at the bank"],
  ];

  var CSS = [
    ":host{all:initial}",
    ".backdrop{position:fixed;inset:0;z-index:2147483647;background:rgba(10,14,22,.62);display:flex;",
    "align-items:center;justify-content:center;padding:16px;box-sizing:border-box;",
    "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;--accent:#3366ff;",
    "--bg:#ffffff;--fg:#18202e;--muted:#5b6577;--line:#dfe4ec;--soft:#f3f5f9;--danger:#c62828;--ok:#1b7f3b}",
    "@media (prefers-color-scheme:dark){.backdrop{--bg:#171c26;--fg:#e9edf4;--muted:#a2abbb;",
    "--line:#2c3545;--soft:#1f2633;--danger:#ff8a80;--ok:#7bd88f}}",
    ".dialog{background:var(--bg);color:var(--fg);width:100%;max-width:420px;max-height:100%;overflow:auto;",
    "border-radius:14px;box-shadow:0 20px 60px rgba(0,0,0,.35);box-sizing:border-box}",
    ".head{background:var(--accent);color:#fff;padding:18px 20px;border-radius:14px 14px 0 0;position:relative}",
    ".head h2{margin:0;font-size:18px;font-weight:600}.head p{margin:4px 0 0;font-size:13px;opacity:.9}",
    ".amount{font-size:26px;font-weight:700;margin-top:10px}",
    ".close{position:absolute;top:10px;right:10px;width:36px;height:36px;border-radius:50%;border:0;",
    "background:rgba(255,255,255,.18);color:#fff;font-size:20px;line-height:1;cursor:pointer}",
    ".body{padding:18px 20px 20px}.tag{display:inline-block;font-size:11px;letter-spacing:.04em;",
    "text-transform:uppercase;background:var(--soft);color:var(--muted);padding:3px 8px;border-radius:99px}",
    "fieldset{border:0;padding:0;margin:14px 0}legend{font-size:13px;color:var(--muted);margin-bottom:8px}",
    ".method{display:flex;align-items:center;gap:10px;padding:10px 12px;border:1px solid var(--line);",
    "border-radius:10px;margin-bottom:8px;cursor:pointer;font-size:15px}",
    ".method:has(input:checked){border-color:var(--accent);background:var(--soft)}",
    ".who{font-size:13px;color:var(--muted);margin:8px 0 4px}",
    "button.pay{width:100%;padding:13px;border:0;border-radius:10px;background:var(--accent);color:#fff;",
    "font-size:16px;font-weight:600;cursor:pointer;margin-top:4px}",
    "details{margin-top:14px;border-top:1px solid var(--line);padding-top:10px}",
    "summary{cursor:pointer;font-size:14px;color:var(--muted)}label.lbl{display:block;font-size:13px;margin:10px 0 6px}",
    "select{width:100%;padding:10px;border-radius:8px;border:1px solid var(--line);background:var(--bg);",
    "color:var(--fg);font-size:15px}",
    "button.fail{width:100%;margin-top:10px;padding:11px;border-radius:10px;border:1px solid var(--danger);",
    "background:transparent;color:var(--danger);font-size:15px;font-weight:600;cursor:pointer}",
    ".status{min-height:20px;font-size:14px;margin-top:12px}.status.error{color:var(--danger)}",
    ".status.ok{color:var(--ok)}",
    "button:focus-visible,select:focus-visible,input:focus-visible{outline:3px solid var(--accent);outline-offset:2px}",
    "button[disabled]{opacity:.6;cursor:progress}",
    ".foot{font-size:11px;color:var(--muted);text-align:center;padding:0 20px 14px}",
    "@media (max-width:480px){.backdrop{padding:0;align-items:flex-end}.dialog{max-width:none;",
    "border-radius:14px 14px 0 0}.head{border-radius:14px 14px 0 0}}",
  ].join("");

  function formatAmount(amount, currency) {
    try {
      return new Intl.NumberFormat(undefined, {style: "currency", currency: currency || "INR"})
        .format((amount || 0) / 100);
    } catch (e) {
      return (currency || "INR") + " " + ((amount || 0) / 100).toFixed(2);
    }
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  function Razorpay(options) {
    if (!(this instanceof Razorpay)) return new Razorpay(options);
    if (!options || !options.key) throw new Error("Razorpay: the key option is required");
    this.options = options;
    this._handlers = {};
    this._host = null;
    this._busy = false;
  }

  Razorpay.prototype.on = function (event, fn) {
    (this._handlers[event] = this._handlers[event] || []).push(fn);
    return this;
  };

  Razorpay.prototype._fire = function (event, payload) {
    (this._handlers[event] || []).forEach(function (fn) {
      try { fn(payload); } catch (e) { setTimeout(function () { throw e; }); }
    });
  };

  Razorpay.prototype.open = function () {
    if (this._host) return;
    var self = this, o = this.options, prefill = o.prefill || {};
    this._previousFocus = document.activeElement;
    var host = el("div", {id: "razorpay-emulator-checkout"});
    var root = host.attachShadow({mode: "open"});
    root.appendChild(el("style", {text: CSS}));

    var title = el("h2", {id: "rzp-title", text: o.name || "Payment"});
    var close = el("button", {type: "button", "class": "close", "aria-label": "Close checkout",
      "data-testid": "rzp-close", text: "\u00d7"});
    var head = el("div", {"class": "head"}, [
      title,
      el("p", {text: o.description || ""}),
      el("div", {"class": "amount", "data-testid": "rzp-amount", text: formatAmount(o.amount, o.currency)}),
      close,
    ]);
    if (o.theme && /^#[0-9a-fA-F]{3,8}$/.test(o.theme.color || "")) head.style.background = o.theme.color;

    var methods = el("fieldset", {}, [el("legend", {text: "Pay using"})]);
    [["card", "Card"], ["upi", "UPI"], ["netbanking", "Netbanking"]].forEach(function (m, i) {
      var input = el("input", {type: "radio", name: "method", value: m[0], "data-testid": "rzp-method-" + m[0]});
      if (i === 0) input.checked = true;
      methods.appendChild(el("label", {"class": "method"}, [input, document.createTextNode(m[1])]));
    });
    var pay = el("button", {type: "button", "class": "pay", "data-testid": "rzp-pay",
      text: "Pay " + formatAmount(o.amount, o.currency)});
    var select = el("select", {id: "rzp-failure-reason", "data-testid": "rzp-failure-reason"});
    FAILURES.forEach(function (f) { select.appendChild(el("option", {value: f[0], text: f[1]})); });
    var fail = el("button", {type: "button", "class": "fail", "data-testid": "rzp-fail", text: "Fail this payment"});
    var status = el("div", {"class": "status", role: "status", "aria-live": "polite", "data-testid": "rzp-status"});
    var who = prefill.email || prefill.contact
      ? el("p", {"class": "who", text: [prefill.name, prefill.email, prefill.contact].filter(Boolean).join(" \u00b7 ")})
      : el("span");
    var body = el("div", {"class": "body"}, [
      el("span", {"class": "tag", text: "Test mode \u00b7 local emulator"}),
      who, methods, pay,
      el("details", {}, [
        el("summary", {text: "Simulate a failed payment"}),
        el("label", {"class": "lbl", "for": "rzp-failure-reason", text: "Failure reason"}),
        select, fail,
      ]),
      status,
    ]);
    var dialog = el("div", {"class": "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "rzp-title",
      "data-testid": "rzp-checkout", tabindex: "-1"}, [head, body,
      el("div", {"class": "foot", text: "Secured by Razorpay (emulated; no money moves)"})]);
    var backdrop = el("div", {"class": "backdrop"}, [dialog]);
    root.appendChild(backdrop);

    function focusables() {
      return Array.prototype.filter.call(
        dialog.querySelectorAll("button, select, input, summary, [tabindex]:not([tabindex='-1'])"),
        function (n) {
          if (n.disabled || (n.type === "radio" && !n.checked)) return false;  // one tab stop per radio group
          // checkVisibility also sees through a closed <details> (content-visibility: hidden).
          return n.checkVisibility ? n.checkVisibility() : n.offsetParent !== null;
        });
    }
    function onKey(ev) {
      if (ev.key === "Escape" && !(o.modal && o.modal.escape === false)) {
        ev.preventDefault();
        self._dismiss();
      } else if (ev.key === "Tab") {
        var items = focusables();
        if (!items.length) return;
        var first = items[0], last = items[items.length - 1], active = root.activeElement;
        if (ev.shiftKey && (active === first || !active)) { ev.preventDefault(); last.focus(); }
        else if (!ev.shiftKey && (active === last || !active)) { ev.preventDefault(); first.focus(); }
      }
    }
    host.addEventListener("keydown", onKey);
    // Focus wandering out (a click on the page behind) comes back to the dialog.
    this._focusGuard = function (ev) {
      if (self._host && ev.target !== host) { var f = focusables(); if (f.length) f[0].focus(); }
    };
    document.addEventListener("focusin", this._focusGuard);
    backdrop.addEventListener("click", function (ev) {
      if (ev.target === backdrop && o.modal && o.modal.backdropclose) self._dismiss();
    });
    close.addEventListener("click", function () { self._dismiss(); });

    function method() {
      var checked = dialog.querySelector("input[name=method]:checked");
      return checked ? checked.value : "card";
    }
    function setBusy(busy, text) {
      self._busy = busy;
      pay.disabled = busy; fail.disabled = busy;
      status.className = "status";
      status.textContent = text || "";
    }
    function attempt(outcome) {
      if (self._busy) return;
      setBusy(true, "Processing payment\u2026");
      fetch(BASE + "/_emulator/checkout/pay", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({key: o.key, order_id: o.order_id, amount: o.amount, outcome: outcome,
          method: method(), email: prefill.email || "", contact: prefill.contact || ""}),
      }).then(function (r) { return r.json(); }).then(function (data) {
        setBusy(false);
        if (data && data.razorpay_payment_id) {
          status.className = "status ok";
          status.textContent = "Payment successful";
          self._teardown();
          if (typeof o.handler === "function") o.handler(data);
        } else if (data && data.error && data.error.metadata && data.error.metadata.payment_id) {
          status.className = "status error";
          status.textContent = "Payment failed: " + data.error.description;
          self._fire("payment.failed", {error: data.error});
        } else {
          status.className = "status error";
          status.textContent = (data && data.error && data.error.description) || "Something went wrong.";
        }
      }).catch(function () {
        setBusy(false);
        status.className = "status error";
        status.textContent = "Could not reach the payment server. Check your connection and try again.";
      });
    }
    pay.addEventListener("click", function () { attempt("success"); });
    fail.addEventListener("click", function () { attempt(select.value); });

    document.body.appendChild(host);
    this._host = host;
    this._overflow = document.body.style.overflow;
    document.body.style.overflow = "hidden";
    pay.focus();
  };

  Razorpay.prototype._teardown = function () {
    if (!this._host) return;
    document.removeEventListener("focusin", this._focusGuard);
    this._host.remove();
    this._host = null;
    document.body.style.overflow = this._overflow || "";
    var prev = this._previousFocus;
    if (prev && typeof prev.focus === "function" && document.contains(prev)) prev.focus();
  };

  Razorpay.prototype._dismiss = function () {
    if (!this._host || this._busy) return;
    this._teardown();
    var modal = this.options.modal || {};
    if (typeof modal.ondismiss === "function") modal.ondismiss();
  };

  Razorpay.prototype.close = function () { this._teardown(); };

  window.Razorpay = Razorpay;
})();
