"""Serves the chat widget from the bot itself: a Rasa input channel with no messages of its own.

credentials.yml lists `bot.channels.widget.channel.WidgetChannel`, so `rasa run` mounts this blueprint at
/chat/ (`url_prefix` below; other channels live under /webhooks/):

- GET /chat/           a plain demo host page with the widget and the snippet to embed it;
- GET /chat/widget.js  the widget: one file, socket.io-client and CSS bundled in (`make setup`
                       builds it from bot/channels/widget/src with esbuild; nothing comes from a CDN);
- GET /chat/config     what the widget shows and enforces: {"retention_days", "privacy_url",
                       "consent_required", "max_message_chars"} (settings.py checks the values);
- POST /chat/forget    {"session_id": "..."}: erase that conversation from the tracker store
                       (bot.privacy.erasure.forget), for the widget's "Delete this conversation". A page
                       on an origin ALLOWED_ORIGINS does not allow gets a 403, as on the socket.

The widget itself talks to the socket.io channel (bot.channels.web.SocketIOInput) at /socket.io.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.widget import origins
from bot.channels.widget.settings import session_id, widget_config

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
WIDGET_JS = WEB_DIR / "dist" / "widget.js"
DEMO_HTML = WEB_DIR / "demo.html"
NOT_BUILT = "/* The chat widget is not built: run `make setup` (npm ci + build in bot/channels/widget). */\n"
NO_STORE = {"Cache-Control": "no-store"}


async def erase(app: Any, sender_id: str) -> int:
    """Delete one conversation from the tracker store; returns how many events went.

    Holds Rasa's lock on the conversation meanwhile (the agent's lock store, Redis or in memory), so
    a message still being handled is saved first and then deleted with the rest, rather than its
    tracker being written back after the deletion.
    """
    from bot.privacy import erasure  # SQLAlchemy Core; imported when first needed

    loop = asyncio.get_running_loop()
    lock_store = getattr(getattr(getattr(app, "ctx", None), "agent", None), "lock_store", None)
    if lock_store is None:
        return await loop.run_in_executor(None, erasure.forget, sender_id)
    async with lock_store.lock(sender_id, wait_time_in_seconds=0.1):
        return await loop.run_in_executor(None, erasure.forget, sender_id)


def _origin(request: Request) -> str:
    """The origin the visitor used to reach the bot (honours a proxy's X-Forwarded-* headers)."""
    scheme = request.headers.get("x-forwarded-proto", request.scheme).split(",")[0].strip()
    host = request.headers.get("x-forwarded-host", request.host).split(",")[0].strip()
    return f"{scheme}://{host}"


class WidgetChannel(InputChannel):
    """Static files of the website widget (the conversation itself goes over socket.io)."""

    @classmethod
    def name(cls) -> str:
        return "chat"

    def url_prefix(self) -> str:
        # Rasa mounts channels at urljoin("/webhooks/", url_prefix()): an absolute path escapes it.
        return "/chat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        chat = Blueprint("chat_widget", __name__)

        @chat.route("/", methods=["GET"], strict_slashes=False)
        async def demo(request: Request) -> HTTPResponse:
            page = DEMO_HTML.read_text(encoding="utf-8").replace("{{ORIGIN}}", html.escape(_origin(request)))
            return response.html(page, headers={"Cache-Control": "no-cache"})

        @chat.route("/widget.js", methods=["GET"])
        async def widget(_: Request) -> HTTPResponse:
            if not WIDGET_JS.exists():
                logger.error("%s is missing: run `make setup`", WIDGET_JS)
                return response.text(NOT_BUILT, status=503, content_type="text/javascript; charset=utf-8")
            return await response.file(
                WIDGET_JS,
                mime_type="text/javascript; charset=utf-8",
                # Short cache: a new build reaches visitors within five minutes.
                headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
            )

        @chat.route("/config", methods=["GET"])
        async def config(_: Request) -> HTTPResponse:
            return response.json(widget_config(), headers=NO_STORE)

        @chat.route("/forget", methods=["POST", "OPTIONS"])
        async def forget(request: Request) -> HTTPResponse:
            if request.method == "OPTIONS":  # CORS preflight: Sanic-CORS (`rasa run --cors`) adds the headers
                return response.empty()
            origin = request.headers.get("origin")
            if not origins.is_allowed(origin, request.headers.get("host")):
                logger.warning("Refused to forget a conversation for %s (not in ALLOWED_ORIGINS)", origin)
                return response.json({"error": "this origin may not use the bot"}, status=403, headers=NO_STORE)
            try:
                body = json.loads(request.body or b"null")
            except ValueError:
                body = None
            sender_id = session_id(body)
            if sender_id is None:
                return response.json(
                    {"error": 'expected {"session_id": "<1-128 characters of A-Z a-z 0-9 _ . : ->"}'},
                    status=400, headers=NO_STORE)
            try:
                deleted = await erase(request.app, sender_id)
            except Exception:  # noqa: BLE001 - the store is down, the lock timed out...: say so, don't 500
                logger.exception("Forgetting conversation %s failed", sender_id)
                return response.json({"error": "the conversation could not be deleted now; try again later"},
                                     status=503, headers=NO_STORE)
            logger.info("Forgot conversation %s at the visitor's request (%d events)", sender_id, deleted)
            return response.json({"deleted": deleted}, headers=NO_STORE)

        return chat
