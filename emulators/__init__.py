"""Local stand-ins for the outside services TutorConnect talks to, for development, the
demo and the tests: the Razorpay API, Checkout and webhooks (razorpay), Google OAuth and
Calendar v3 (google), and an SMTP capture server with a web inbox (smtp_capture), each
servable from a background thread (serving); `python -m emulators` runs them all in one
process. They use tutorconnect.config for the app's settings and nothing else of the app,
and the app never imports them: it reaches them over HTTP and SMTP only, and `cli.py up`
and the live test app start them as a child process. The subpackages are imported on
demand (the Google one reads the Calendar discovery document at import).
"""

__all__ = ["google", "razorpay", "serving", "smtp_capture"]
