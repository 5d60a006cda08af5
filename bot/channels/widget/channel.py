"""Serves the chat widget from the bot itself: a Rasa input channel with no messages of its own.

credentials.yml lists `bot.channels.widget.channel.WidgetChannel`, so `rasa run` mounts this blueprint at
/chat/ (`url_prefix` below; other channels live under /webhooks/):

- GET /chat/           a plain demo host page with the widget and the snippet to embed it;
- GET /chat/widget.js  the widget: one file, socket.io-client and CSS bundled in (`make setup`
                       builds it from bot/channels/widget/src with esbuild; nothing comes from a CDN).

The widget itself talks to the socket.io channel (bot.channels.web.SocketIOInput) at /socket.io.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
WIDGET_JS = WEB_DIR / "dist" / "widget.js"
DEMO_HTML = WEB_DIR / "demo.html"
NOT_BUILT = "/* The chat widget is not built: run `make setup` (npm ci + build in bot/channels/widget). */\n"


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

        return chat
