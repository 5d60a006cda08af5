"""Which web origins may use the bot from a browser: one setting, the ALLOWED_ORIGINS variable.

It governs both the HTTP CORS headers (passed to `rasa run --cors` by `bot.cli serve` and the tests)
and the socket.io handshake (checked by `bot.channels.web.SocketIOInput`, websockets included, which
CORS does not cover).

- unset or empty (development): `http(s)://localhost`, `127.0.0.1` and `[::1]` on any port;
- `https://www.example.com,https://shop.example.com` (production): exactly these origins;
- `*`: any origin (a public demo only, never with private data).

The bot's own pages (the demo at /chat/) are same-origin and always allowed on the socket.
Kept free of Rasa imports: `bot.cli` reads it before starting Rasa.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from bot.config import settings

ENV = "ALLOWED_ORIGINS"
# Anchored at both ends: Sanic-CORS matches regex origins with re.match (start only).
DEV_PATTERN = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$"


def configured(environ: Mapping[str, str] | None = None) -> list[str]:
    """The origins listed in ALLOWED_ORIGINS (trailing slashes dropped); [] when unset."""
    raw = settings().allowed_origins if environ is None else environ.get(ENV, "")
    return [o.strip().rstrip("/") for o in raw.split(",") if o.strip()]


def cors_origins(environ: Mapping[str, str] | None = None) -> list[str]:
    """Arguments for `rasa run --cors`: the listed origins, or the localhost pattern by default."""
    return configured(environ) or [DEV_PATTERN]


def is_allowed(origin: str | None, host: str | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """May a browser page at `origin` open the socket? `host` is the request's Host header.

    Requests without an Origin header come from non-browser clients and are let through, as
    python-engineio itself does: an origin check only protects visitors' browsers.
    """
    if not origin:
        return True
    origin = origin.rstrip("/")
    if host and urlsplit(origin).netloc.lower() == host.lower():
        return True  # same origin: the bot's own demo page
    allowed = configured(environ)
    if not allowed:
        return re.match(DEV_PATTERN, origin, flags=re.IGNORECASE) is not None
    return "*" in allowed or origin.lower() in (o.lower() for o in allowed)


def check_wsgi(origin: str | None, wsgi_environ: Mapping[str, Any]) -> bool:
    """`is_allowed` for a python-engineio request environ."""
    return is_allowed(origin, wsgi_environ.get("HTTP_HOST"))
