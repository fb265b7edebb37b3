"""Reflex configuration, derived from TutorConnect's settings (tutorconnect/config.py)."""

import reflex as rx

from tutorconnect.config import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="tutorconnect",
    # Frontend and backend share one port in production mode; the browser reaches the
    # websocket on the page's own origin, so the HttpOnly session cookie goes with it.
    frontend_port=_settings.app_port,
    backend_port=_settings.app_port,
    # In production the browser reaches the websocket through the public URL (behind TLS);
    # locally "localhost" tells Reflex to use whatever host the page was loaded from.
    api_url=_settings.public_base_url
    if _settings.app_env == "production"
    else f"http://localhost:{_settings.app_port}",
    deploy_url=_settings.public_base_url,
    redis_url=_settings.redis_url or None,
    cors_allowed_origins=list(_settings.allowed_origins),
    trusted_proxy_hops=_settings.trusted_proxy_hops,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    default_color_mode="system",
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="large", scaling="100%")
        ),
    ],
)
