"""Rasa's REST and socket.io channels, made to always answer.

If handling a message raises, or ends without a single bot message (the action server is down,
say), the user gets a short apology instead of silence. Rasa's `SocketIOInput` calls
python-socketio's `enter_room` without `await` (RasaHQ/rasa#13027); requirements pin
python-socketio<5.10 where that call is synchronous; tests/test_widget_browser.py checks that
replies reach the browser.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import rest, socketio
from rasa.core.channels.channel import UserMessage
from sanic.exceptions import InvalidUsage as BadRequest  # 400; named BadRequest in later sanic

from bot import patches
from bot.web import origins

logger = logging.getLogger(__name__)
patches.apply()  # Rasa imports this module at start-up (credentials.yml)

UNAVAILABLE = (
    "Sorry, I can't answer right now: part of me is not responding. "
    "Please try again in a moment."
)
Handler = Callable[[UserMessage], Awaitable[Any]]


def always_answer(on_new_message: Handler) -> Handler:
    """Wrap Rasa's message handler so every user message gets at least one reply."""

    async def handle(message: UserMessage) -> None:
        channel = message.output_channel
        send = channel.send_response
        sent = 0

        async def counting_send(recipient_id: str, msg: dict[str, Any]) -> None:
            nonlocal sent
            sent += 1
            await send(recipient_id, msg)

        channel.send_response = counting_send  # type: ignore[method-assign]
        try:
            await on_new_message(message)
        except Exception:  # noqa: BLE001 - the user must still get a reply
            logger.exception("Handling a message from %s failed", message.sender_id)
        if not sent:
            logger.warning("No reply for %s; sending the apology", message.sender_id)
            await send(message.sender_id, {"text": UNAVAILABLE})

    return handle


class RestInput(rest.RestInput):
    """REST channel (POST /webhooks/rest/webhook) that never answers with silence, and answers a
    malformed request with a 400 saying what is wrong (Rasa's own raises a 500 on some)."""

    @staticmethod
    def _field(req: Any, name: str) -> str:
        body = req.json  # sanic answers invalid JSON with a 400 itself
        if not isinstance(body, dict):
            raise BadRequest('expected a JSON object like {"sender": "...", "message": "..."}')
        value = body.get(name)
        if value is None or isinstance(value, (dict, list, bool)):
            raise BadRequest(f'"{name}" is required and must be a string')
        return str(value)

    async def _extract_sender(self, req: Any) -> str:
        return self._field(req, "sender")

    def _extract_message(self, req: Any) -> str:
        return self._field(req, "message")

    def blueprint(self, on_new_message: Handler) -> Any:
        blueprint = super().blueprint(always_answer(on_new_message))
        blueprint.listener("after_server_start")(patches.freeze_startup_objects)
        return blueprint


class SocketIOInput(socketio.SocketIOInput):
    """Socket.io channel (the website widget) that never answers with silence, and only accepts
    browsers on the origins allowed by ALLOWED_ORIGINS (bot/web/origins.py)."""

    def blueprint(self, on_new_message: Handler) -> Any:
        blueprint = super().blueprint(always_answer(on_new_message))
        # Rasa builds its AsyncServer with cors_allowed_origins=[]: no origin check at all, and no
        # CORS headers from python-engineio. Keep the headers off (Sanic-CORS adds them for the same
        # ALLOWED_ORIGINS through `rasa run --cors`; both would duplicate them) and check the origin
        # when the socket connects, which also covers websockets, where CORS does not apply.
        sio = blueprint.ctx.sio
        namespace = self.namespace or "/"
        rasa_connect = sio.handlers[namespace]["connect"]

        async def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any] | None = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if not origins.check_wsgi(origin, environ):
                logger.warning("Refused a socket.io connection from %s (not in ALLOWED_ORIGINS)", origin)
                return False
            return await rasa_connect(sid, environ, auth)

        sio.on("connect", connect, namespace=namespace)
        return blueprint
