"""Rasa's REST and socket.io channels, made to always answer, one message per bot message.

If handling a message raises, or ends without a single bot message (the action server is down,
say), the user gets a short apology instead of silence (custom payload {"kind": "error"}). Rasa's
`SocketIOInput` calls python-socketio's `enter_room` without `await` (RasaHQ/rasa#13027);
requirements pin python-socketio<5.10 where that call is synchronous; tests/channels/test_widget_browser.py
checks that replies reach the browser.

Every bot message carries a custom payload (`dispatcher.utter_message(json_message=...)`, or
`custom:` in a domain response): `kind` (answer, abstain, red_flag, clarify, declined, smalltalk,
feedback, handoff; `limit` for a message over the size or rate limit, `error` for the apology)
and, for quotes of the article, `section`; an answer's messages carry its `id` (what a vote
names) and its last one `rate: true` (where the 👍 / 👎 go). Rasa's
`OutputChannel.send_response` sends a message's text (and buttons) and then its custom payload
as a second message; these channels send them as one: one REST reply entry, one socket.io
`bot_uttered` event, with `text`, buttons and `custom`.
Messages without a custom payload are sent exactly as Rasa sends them.
"""

from __future__ import annotations

import contextvars
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import rest, socketio
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from sanic import response
from sanic.exceptions import InvalidUsage as BadRequest  # 400; named BadRequest in later sanic
from sanic.exceptions import SanicException

from bot import rasa_ext
from bot.channels import limits
from bot.channels.widget import origins
from bot.observability import metrics
from bot.rasa_ext import patches

logger = logging.getLogger(__name__)

UNAVAILABLE = (
    "Sorry, I can't answer right now: part of me is not responding. "
    "Please try again in a moment."
)
Handler = Callable[[UserMessage], Awaitable[Any]]
RETRY_AFTER = 5  # seconds a REST client is told to wait when part of the bot is unavailable (503)
# What failed in the turn being handled (set by `always_answer`, read by the REST route's response
# middleware: a 503 with Retry-After instead of a 200). Reset as each request starts (the
# requests of one keep-alive connection run in one task).
OUTAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar("outage", default=None)
FORGET_ME = re.compile(r"^\s*(?:please\s+)?(?:forget me|delete (?:my data|this conversation|our conversation))\W*$",
                       re.I)
FORGOTTEN = "Done: I've deleted this conversation. Anything you send now starts a new one."
# Rasa's own commands, which it carries out without a message: what the user is told instead
COMMANDS = {"/restart": "Conversation restarted.", "/session_start": "New conversation started.",
            "/back": "OK, I've gone back one step."}


def always_answer(on_new_message: Handler, output: Callable[[Any], OutputChannel] | None = None,
                  rate_limited: bool = True) -> Handler:
    """Wrap Rasa's message handler so every user message gets at least one reply, within the limits
    (bot/channels/limits.py: size, rate, redaction) checked before Rasa sees it.

    `output`, if given, turns the output channel Rasa's route made for the message into the one to
    answer through (Rasa's REST and socket.io routes build theirs inline, not via a method).
    `rate_limited=False` when the route already applied the rate limit (REST answers 429 itself).
    """
    limit = limits.Limits.from_settings()

    async def handle(message: UserMessage) -> None:
        start = time.perf_counter()
        label = metrics.message_in(message)
        if output is not None:
            message.output_channel = output(message.output_channel)
        channel = message.output_channel
        send = channel.send_response
        sent = 0

        async def counting_send(recipient_id: str, msg: dict[str, Any]) -> None:
            nonlocal sent
            sent += 1
            metrics.reply_out(msg)
            await send(recipient_id, msg)

        # on purpose, on this message's channel alone (mypy compares it with the class's method)
        channel.send_response = counting_send  # type: ignore[method-assign, assignment]
        text = message.text or ""
        if rate_limited and limits.limiter().check(message.sender_id):
            if limits.limiter().first_refusal(message.sender_id):  # one "slow down" a minute; the rest dropped
                await counting_send(message.sender_id, {"text": limits.SLOW_DOWN, "custom": {"kind": limits.LIMIT}})
            return
        if polite := limit.too_long(text):  # neither processed nor stored
            await counting_send(message.sender_id, {"text": polite, "custom": {"kind": limits.LIMIT}})
            return
        if FORGET_ME.match(text):  # erasure asked in the conversation itself (Slack: that thread)
            await counting_send(message.sender_id, await _forget(message.sender_id))
            return
        message.text = limit.clean(text)
        from bot.rasa_ext.understanding import read_on_arrival  # (Rasa's pipeline has loaded it)

        read_on_arrival(message.text)  # the encoder on it while Rasa fetches the conversation
        outage = None
        try:
            await on_new_message(message)
        except Exception as error:  # noqa: BLE001 - the user must still get a reply
            logger.exception("Handling a message from %s failed", message.sender_id)
            outage = outage_kind(error)
            if sent and isinstance(channel, CollectingOutputChannel) and isinstance(channel.messages, list):
                channel.messages.clear()  # the turn was not stored: its answer is not acknowledged
                sent = 0
        if not sent and (done := COMMANDS.get(text.strip().split("{")[0])):
            await counting_send(message.sender_id, {"text": done, "custom": {"kind": "smalltalk"}})
        elif not sent:
            if not outage:  # the turn ran and was stored, but no action answered
                outage = "action_server"
                await _mark_unanswered(message.sender_id)
            logger.warning("No reply for %s (%s); sending the apology", message.sender_id, outage)
            metrics.ERRORS.labels(label).inc()
            await counting_send(message.sender_id, apology())
        if outage:
            metrics.OUTAGES.labels(outage).inc()
            OUTAGE.set(outage)
        metrics.LATENCY.labels(label).observe(time.perf_counter() - start)

    return handle


async def _mark_unanswered(sender_id: str) -> None:
    """A stored turn that got no answer (the action server was down) is rewound: Rasa's
    UserUtteranceReverted after it, under the conversation's lock, so the next turn reads the
    conversation as if the visitor had not sent it (they are told to send it again)."""
    from rasa.shared.core.events import BotUttered, UserUtteranceReverted, UserUttered
    from sanic import Sanic

    try:
        agent = Sanic.get_app().ctx.agent
        async with agent.lock_store.lock(sender_id):
            tracker = await agent.tracker_store.retrieve(sender_id)
            for event in reversed(tracker.events if tracker is not None else []):
                if isinstance(event, BotUttered):
                    return  # answered after all (or another message was, meanwhile)
                if isinstance(event, UserUttered):
                    tracker.update(UserUtteranceReverted())
                    await agent.tracker_store.save(tracker)
                    return
    except Exception:  # noqa: BLE001 - the apology goes out regardless
        logger.warning("Could not mark the unanswered turn of %s", sender_id, exc_info=True)


async def _forget(sender_id: str) -> dict[str, Any]:
    """Erase the conversation under Rasa's lock on it (bot/channels/widget/channel.py `erase`); the
    reply says what happened."""
    from sanic import Sanic

    from bot.channels.widget.channel import erase

    try:
        app = Sanic.get_app()  # the Rasa server's (its agent holds the lock store)
    except SanicException:
        app = None
    try:
        await erase(app, sender_id)
    except Exception:  # noqa: BLE001 - say so rather than pretend
        logger.exception("Erasing conversation %s failed", sender_id)
        return apology()
    return {"text": FORGOTTEN, "custom": {"kind": "smalltalk"}}


def outage_kind(error: BaseException) -> str:
    """What failed, from the exception a turn ended with: tracker_store, lock_store or internal."""
    from rasa.core.lock_store import LockError

    from bot.rasa_ext.tracker_store import StoreUnavailable

    for cause in (error, error.__cause__, error.__context__):
        if isinstance(cause, StoreUnavailable):
            return "tracker_store"
        if isinstance(cause, LockError) or type(cause).__module__.startswith("redis"):
            return "lock_store"
    return "internal"


def apology() -> dict[str, Any]:
    """The bot message sent instead of silence (a new dict each time: channels consume theirs)."""
    return {"text": UNAVAILABLE, "custom": {"kind": "error"}}


def with_custom(message: dict[str, Any]) -> tuple[str, list[dict[str, Any]], dict[str, Any], dict[str, Any]] | None:
    """(text, buttons, custom payload, the rest) of a bot message that has text and a custom
    payload, to be sent as one message; None for any other message (sent the way Rasa sends it).
    The rest (an image, an attachment...) still goes the way Rasa sends it, after."""
    text, custom = message.get("text"), message.get("custom")
    if not (isinstance(text, str) and text.strip() and isinstance(custom, dict) and custom):
        return None
    buttons = list(message.get("quick_replies") or message.get("buttons") or [])
    rest = {k: v for k, v in message.items() if k not in ("text", "buttons", "quick_replies", "custom")}
    return text.strip(), buttons, custom, rest


class OneMessageEach:
    """Mixin for an output channel: a message with text and a custom payload goes out as one
    (`send_merged`), the rest of it and any other message as Rasa sends them."""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        parts = with_custom(message)
        if parts is None:
            await super().send_response(recipient_id, message)  # type: ignore[misc]
            return
        text, buttons, custom, rest = parts
        await self.send_merged(recipient_id, text, buttons, custom)
        await super().send_response(recipient_id, rest)  # type: ignore[misc]

    async def send_merged(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                          custom: dict[str, Any]) -> None:
        raise NotImplementedError


class RestOutput(OneMessageEach, CollectingOutputChannel):
    """The REST reply: one entry per bot message, {"recipient_id", "text", "buttons", "custom"}.

    Rasa's collector puts a message's custom payload in an entry of its own, and cuts a text
    without buttons into one entry per paragraph; a message with a custom payload stays whole here.
    `into`: Rasa's own collector (a list, or the queue of `?stream=true`) to put the entries in.
    """

    def __init__(self, into: CollectingOutputChannel | None = None) -> None:
        super().__init__()
        self.into = into
        if into is not None:
            self.messages = into.messages  # what Rasa's route answers with (or streams)

    async def _persist_message(self, message: dict[str, Any]) -> None:
        if self.into is not None:
            await self.into._persist_message(message)
        else:
            await super()._persist_message(message)

    async def send_merged(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                          custom: dict[str, Any]) -> None:
        # Rasa's `_message` takes None for no buttons (its default) but annotates the parameter as a list
        message = self._message(recipient_id, text=text, buttons=buttons or None,  # type: ignore[arg-type]
                                custom=custom)
        await self._persist_message(message)


class SocketIOOutput(OneMessageEach, socketio.SocketIOOutput):
    """`bot_uttered` events, one per bot message: {"text", "quick_replies"?, "custom"} (Rasa's emits
    the custom payload as an event of its own, and a text in one event per paragraph)."""

    @classmethod
    def like(cls, rasa_output: OutputChannel) -> OutputChannel:
        """This channel in place of Rasa's `SocketIOOutput` (same server and event)."""
        if isinstance(rasa_output, socketio.SocketIOOutput) and not isinstance(rasa_output, cls):
            return cls(rasa_output.sio, rasa_output.bot_message_evt)
        return rasa_output

    async def send_merged(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                          custom: dict[str, Any]) -> None:
        event: dict[str, Any] = {"text": text, "custom": custom}
        if buttons:  # as Rasa sends them
            event["quick_replies"] = [
                {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]
        await self._send_message(recipient_id, event)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A custom payload without text: {"custom": ...} in a `bot_uttered` event. (Rasa's passes the
        payload's keys to `AsyncServer.emit` as arguments, which fails on {"kind": ...}.)"""
        await self._send_message(recipient_id, {"custom": json_message})


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

    def get_output_channel(self) -> OutputChannel:
        """For Rasa's HTTP API (e.g. trigger_intent with output_channel=rest or latest)."""
        return RestOutput()

    def blueprint(self, on_new_message: Handler) -> Any:
        rasa_ext.install()  # once; `rasa run` loads this channel before the model
        # Rasa's route makes a plain CollectingOutputChannel (QueueOutputChannel with ?stream=true)
        # inline in `receive`; the bot answers through a RestOutput that fills it.
        blueprint = super().blueprint(always_answer(on_new_message, output=RestOutput, rate_limited=False))

        @blueprint.middleware("request")
        async def rate_limit(request: Any) -> Any:
            """429 with Retry-After past RATE_LIMIT_PER_MINUTE messages a minute from one sender."""
            OUTAGE.set(None)  # a keep-alive connection's requests share one task: start each one clean
            if request.method != "POST" or not request.path.rstrip("/").endswith("/webhook"):
                return None
            try:
                sender = await self._extract_sender(request)
            except Exception:  # noqa: BLE001 - Rasa's handler answers the malformed request with a 400
                return None
            if wait := limits.limiter().check(sender):
                return response.json({"error": "too many messages", "message": limits.SLOW_DOWN},
                                     status=429, headers={"Retry-After": str(math.ceil(wait))})
            return None

        @blueprint.middleware("response")
        async def unavailable(request: Any, reply: Any) -> Any:
            """A turn answered with the apology because part of the bot is down: 503 + Retry-After
            (the apology stays the body, kind `error`), so clients and balancers can tell it from an answer."""
            if OUTAGE.get() and reply is not None and reply.status == 200:
                reply.status = 503
                reply.headers["Retry-After"] = str(RETRY_AFTER)
            return None

        blueprint.listener("after_server_start")(patches.freeze_startup_objects)
        blueprint.listener("after_server_stop")(patches.close_sessions)
        return blueprint


class SocketIOInput(socketio.SocketIOInput):
    """Socket.io channel (the website widget) that never answers with silence, and only accepts
    browsers on the origins allowed by ALLOWED_ORIGINS (bot/channels/widget/origins.py)."""

    def get_output_channel(self) -> OutputChannel | None:
        """For Rasa's HTTP API (e.g. trigger_intent with output_channel=socketio or latest)."""
        rasa_output = super().get_output_channel()
        return SocketIOOutput.like(rasa_output) if rasa_output is not None else None

    def blueprint(self, on_new_message: Handler) -> Any:
        # Rasa's `handle_message` makes its SocketIOOutput inline; the bot answers through ours.
        blueprint = super().blueprint(always_answer(on_new_message, output=SocketIOOutput.like))
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
