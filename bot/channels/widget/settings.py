"""What the widget is told about privacy (GET /chat/config), and which conversation ids it may erase.

The values come from bot.config `settings()` (RETENTION_DAYS, PRIVACY_URL, CONSENT_REQUIRED,
MAX_MESSAGE_CHARS), checked here: a bad value is logged once, clearly, and the default used, so a
typo in the environment never breaks the widget (the endpoint never answers 500 for it).
Kept free of Rasa imports, like origins.py.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from bot.config import Settings, settings

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "retention_days": 90,
    "privacy_url": None,
    "consent_required": False,
    "max_message_chars": 2000,
}
# Rasa sender ids the widget can hold: socket.io session ids (uuid4 hex), and nothing odd.
SESSION_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}

_reported: set[str] = set()


def _bad(variable: str, raw: str, why: str, default: Any, instead: str | None = None) -> Any:
    """Log (once per distinct problem) that `variable` is unusable, and return the default."""
    message = f"{variable}={raw!r} {why}; the chat widget {instead or f'uses {default!r}'} instead"
    if message not in _reported:
        _reported.add(message)
        logger.error(message)
    return default


def _positive_int(variable: str, raw: str, default: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        return _bad(variable, raw, "is not a whole number", default)
    if value < 1:
        return _bad(variable, raw, "must be at least 1", default)
    return value


def http_url(raw: str) -> str | None:
    """`raw` if it is an absolute http(s) URL with a host, else None."""
    url = raw.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(c.isspace() or ord(c) < 32 for c in url):
        return None
    return url


def widget_config(current: Settings | None = None) -> dict[str, Any]:
    """The JSON body of GET /chat/config: {retention_days, privacy_url, consent_required,
    max_message_chars}, each valid (the default where the setting is not)."""
    s = current or settings()
    privacy_url = None
    if s.privacy_url.strip():
        privacy_url = http_url(s.privacy_url) or _bad(
            "PRIVACY_URL", s.privacy_url, "is not an http(s) URL", DEFAULTS["privacy_url"], "shows no privacy link")
    consent = s.consent_required.strip().lower()
    if consent in TRUE:
        consent_required = True
    elif consent in FALSE:
        consent_required = False
    else:
        consent_required = _bad("CONSENT_REQUIRED", s.consent_required, 'is neither "true" nor "false"',
                                DEFAULTS["consent_required"], "does not ask for consent")
    return {
        "retention_days": _positive_int("RETENTION_DAYS", s.retention_days, DEFAULTS["retention_days"]),
        "privacy_url": privacy_url,
        "consent_required": consent_required,
        "max_message_chars": _positive_int("MAX_MESSAGE_CHARS", s.max_message_chars,
                                           DEFAULTS["max_message_chars"]),
    }


def session_id(body: Any) -> str | None:
    """The conversation id in a POST /chat/forget body ({"session_id": "..."}), or None when it is
    missing or malformed (not a string of 1-128 characters of [A-Za-z0-9_.:-])."""
    if not isinstance(body, dict):
        return None
    value = body.get("session_id")
    if not isinstance(value, str) or not SESSION_ID.fullmatch(value):
        return None
    return value
