"""Run the local emulators in one process: `python -m emulators`.

    SMTP capture   smtp://127.0.0.1:<SMTP_PORT>          (messages saved as .eml)
    Mail inbox     http://127.0.0.1:<MAIL_CAPTURE_HTTP_PORT>/
    Google OAuth   <GOOGLE_EMULATOR_URL>                 (default http://127.0.0.1:8090)
    Razorpay       <RAZORPAY_BASE_URL>                   (default http://127.0.0.1:8070; API, checkout.js,
                   webhooks to <PUBLIC_BASE_URL>/api/webhooks/razorpay)

Every server runs in a background thread; the main thread only waits for SIGINT/SIGTERM
and then stops them all, so Ctrl-C and `kill` both exit cleanly with status 0.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from emulators import google, razorpay
from emulators.smtp_capture import DEFAULT_FOLDER, SmtpCapture
from tutorconnect.config import get_settings

log = logging.getLogger("emulators")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    settings = get_settings()
    google_port = urlsplit(settings.google_emulator_url or "http://127.0.0.1:8090").port or 8090
    parser = argparse.ArgumentParser(prog="python -m emulators", description=__doc__.split("\n")[0])
    parser.add_argument("--smtp-port", type=int, default=settings.smtp_port)
    parser.add_argument("--inbox-port", type=int, default=settings.mail_capture_http_port)
    parser.add_argument("--google-port", type=int, default=google_port)
    parser.add_argument("--razorpay-port", type=int, default=urlsplit(settings.razorpay_base_url).port or 8070)
    parser.add_argument("--mail-dir", type=Path, default=Path(os.environ.get("MAIL_CAPTURE_DIR", DEFAULT_FOLDER)),
                        help="folder for captured .eml files (env MAIL_CAPTURE_DIR; default var/mail)")
    parser.add_argument("--no-smtp", action="store_true", help="do not start the mail capture")
    parser.add_argument("--no-google", action="store_true", help="do not start the Google emulator")
    parser.add_argument("--no-razorpay", action="store_true", help="do not start the Razorpay emulator")
    return parser.parse_args(argv)


def _start_razorpay(port: int) -> razorpay.RunningRazorpay:
    """The emulator with the keys the app will use: the configured test keys, or the fixed
    local ones when RAZORPAY_KEY_ID is empty."""
    settings = get_settings()
    local = not settings.razorpay_key_id
    return razorpay.start_in_thread(
        "127.0.0.1", port,
        key_id=razorpay.LOCAL_KEY_ID if local else settings.razorpay_key_id,
        key_secret=razorpay.LOCAL_KEY_SECRET if local else settings.razorpay_key_secret,
        webhook_url=settings.public_base_url.rstrip("/") + razorpay.WEBHOOK_PATH,
        webhook_secret=(razorpay.LOCAL_WEBHOOK_SECRET if local or not settings.razorpay_webhook_secret
                        else settings.razorpay_webhook_secret),
    )


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection
    args = _parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    stoppers = []
    try:
        if not args.no_smtp:
            capture = SmtpCapture("127.0.0.1", args.smtp_port, args.mail_dir, http_port=args.inbox_port).start()
            stoppers.append(capture.stop)
            log.info("SMTP capture listening on smtp://127.0.0.1:%s (saving to %s)", capture.port, args.mail_dir)
            log.info("Mail inbox at %s/", capture.http_url)
        if not args.no_google:
            google_emulator = google.start_in_thread("127.0.0.1", args.google_port)
            stoppers.append(google_emulator.stop)
            log.info("Google OAuth emulator at %s/ (client_id %s)", google_emulator.url,
                     get_settings().google_client_id)
        if not args.no_razorpay:
            rzp = _start_razorpay(args.razorpay_port)
            stoppers.append(rzp.stop)
            log.info("Razorpay emulator at %s/ (key id %s, webhooks to %s)", rzp.url, rzp.emulator.key_id,
                     rzp.emulator.webhooks.url)
    except (OSError, RuntimeError) as err:  # usually "address already in use"
        log.error("could not start the emulators: %s", err)
        for stop_one in reversed(stoppers):
            stop_one()
        return 1

    # Wake up now and then: a signal delivered to a server thread only runs its Python
    # handler once the main thread gets back to the interpreter loop.
    while not stop.wait(timeout=0.5):
        pass
    log.info("stopping emulators")
    for stop_one in reversed(stoppers):
        stop_one()
    return 0


if __name__ == "__main__":
    sys.exit(main())
