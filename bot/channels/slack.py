"""Slack channel: Rasa's own `SlackInput`/`SlackBot`, made signed, retry-safe and thread-aware.

Enabled when `SLACK_BOT_TOKEN` and `SLACK_SIGNING_SECRET` are set (credentials.yml only names the
class; secrets come from the environment). `SLACK_CHANNEL` (a channel ID) is a channel where every
message is answered; elsewhere the bot answers DMs and @mentions. `SLACK_API_URL` is the Web API
base (default Slack's own; GovSlack or a test fake otherwise). Events and button clicks both go
to POST /webhooks/slack/webhook.

- Every reply goes into the thread of the message; one conversation per thread ("channel:thread").
- Each event is handled once: deduplicated on `event_id` (Slack retries for any reason) and on
  channel + message ts (the `message` + `app_mention` pair for one post); ids are kept in a
  bounded in-memory table, or in Redis (SET NX EX) when `REDIS_URL` is set, so replicas share them.
- Requests with a missing, wrong or stale (> 5 min) signature get 401 and no reply; Slack's
  certificate checks (`ssl_check=1`, unsigned) get an empty 200.
- Edits (subtype `message_changed`, or an `edited` field) are never answered, remembered or not.
- A message with files (an image...) first gets NO_FILES ("I can't see images..."), then its text
  is answered, if it has any; a bare @mention is answered as `/greet`.
- Slack gets its HTTP answer at once; the bot's answer is posted from a background task.
- Answers are sent as Slack mrkdwn with `&`, `<`, `>` escaped; buttons become Block Kit buttons; the
  last message of an answer gets 👍 / 👎 buttons (a vote, bot/operators.py); a handoff mentions
  SLACK_HANDOFF_GROUP when set.
- A message's custom payload (`kind`, `section`: bot/channels/web.py) is never posted: Rasa would post
  it as a message of its own. Text and buttons get it as `custom` in their keyword arguments.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import OrderedDict
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels import slack
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot import operators
from bot.channels.web import Handler, always_answer
from bot.config import settings

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
OFF_MESSAGE = "Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to enable it"
NO_RETRY = {"X-Slack-No-Retry": "1"}
SECTION_LIMIT = 3000  # characters in one Block Kit section
BUTTON_TITLE_LIMIT = 75
NO_FILES = "I can't see images or files: I can only read text."
GREET = "/greet"  # what an empty message (a bare @mention) means
USER_SUBTYPES = (None, "file_share", "thread_broadcast", "me_message")  # message subtypes people write


def escape(text: str) -> str:
    """Text as Slack mrkdwn: only `&`, `<` and `>` are special (formatting like *bold* is kept)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """`text` cut into pieces of at most `limit` characters, at paragraph breaks where possible."""
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        while len(paragraph) > limit:
            pieces.append(paragraph[:limit])
            paragraph = paragraph[limit:]
        if pieces and len(pieces[-1]) + 2 + len(paragraph) <= limit:
            pieces[-1] += "\n\n" + paragraph
        else:
            pieces.append(paragraph)
    return [p for p in pieces if p.strip()] or [" "]


def _body(request: Request) -> dict[str, Any]:
    """The Slack event (JSON body) or interactivity payload (form field) of a checked request."""
    if (request.headers.get("content-type") or "").startswith("application/x-www-form-urlencoded"):
        return json.loads(request.form.get("payload") or "{}")
    return request.json or {}


def _event(request: Request) -> dict[str, Any]:
    """The Events API event of a checked request; {} for a button click."""
    event = _body(request).get("event")
    return event if isinstance(event, dict) else {}


def _is_ssl_check(request: Request, content_type: str) -> bool:
    """Slack checking the certificate: `ssl_check=1` in the query or the form body."""
    form = request.body.decode("utf-8", "replace") if content_type == "application/x-www-form-urlencoded" else ""
    return "1" in (request.args.get("ssl_check"), *parse_qs(form).get("ssl_check", []))


def _has_files(event: dict[str, Any]) -> bool:
    files = event.get("files")
    return isinstance(files, list) and bool(files)


class EventDeduper:
    """Remembers recent Slack event keys: `first_time(key)` is True once per key.

    In memory: at most `max_ids` keys (oldest dropped first), each forgotten after `ttl` s. With a Redis
    URL: `SET key 1 NX EX ttl`, shared by every replica; if Redis fails, memory is used instead.
    """

    def __init__(self, redis_url: str | None = None, max_ids: int = 10_000, ttl: float = 3600.0) -> None:
        self.redis_url, self.max_ids, self.ttl = redis_url, max_ids, ttl
        self._seen: OrderedDict[str, float] = OrderedDict()  # key -> expiry, oldest first
        self._redis: Any = None

    async def first_time(self, key: str) -> bool:
        if self.redis_url:
            try:
                if self._redis is None:
                    from redis import asyncio as aioredis

                    self._redis = aioredis.from_url(self.redis_url)
                return bool(await self._redis.set(f"slack:event:{key}", 1, nx=True, ex=max(1, int(self.ttl))))
            except Exception as error:  # noqa: BLE001 - never lose a message because Redis is down
                logger.warning("Slack dedupe: Redis failed (%s); using memory", error)
        return self._first_time_in_memory(key)

    def _first_time_in_memory(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) <= now:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now + self.ttl
        while len(self._seen) > self.max_ids:
            self._seen.popitem(last=False)
        return True


def _mention(custom: dict[str, Any]) -> str:
    """A handoff mentions the operator's Slack user group (SLACK_HANDOFF_GROUP), if any."""
    group = settings().slack_handoff_group if custom.get("kind") == operators.HANDOFF else ""
    return f"<!subteam^{group}> " if group else ""


class SlackBot(slack.SlackBot):
    """Rasa's Slack output with a configurable API URL, one post per message and mrkdwn buttons."""

    def __init__(self, token: str, slack_channel: str | None = None, thread_id: str | None = None,
                 proxy: str | None = None, api_url: str = DEFAULT_API_URL) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, base_url=api_url, proxy=proxy)

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        kwargs.pop("as_user", None)  # legacy; granular bot tokens always post as the bot
        kwargs.pop("type", None)  # not a chat.postMessage argument
        await super()._post_message(channel, **kwargs)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        custom = kwargs.get("custom") or {}
        if custom.get("rate") and custom.get("id"):  # the last message of an answer: 👍 / 👎 under it
            await self.send_text_with_buttons(recipient_id, text, [], **kwargs)
            return
        text = _mention(custom) + escape(text.strip())
        await self._post_message(channel=self.slack_channel or recipient_id, text=text)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        custom = kwargs.get("custom") or {}
        if custom.get("rate") and custom.get("id"):
            buttons = [*buttons, *operators.vote_buttons(custom["id"])]
        text = _mention(custom) + escape(text.strip())
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in _chunks(text)]
        elements = [{
            "type": "button",
            "action_id": f"rasa_button_{i}",
            "text": {"type": "plain_text", "text": str(b["title"])[:BUTTON_TITLE_LIMIT], "emoji": True},
            "value": str(b["payload"]),
        } for i, b in enumerate(buttons[:25]) if b.get("payload")]
        if elements:
            blocks.append({"type": "actions", "elements": elements})
        await self._post_message(channel=self.slack_channel or recipient_id, text=text, blocks=blocks)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Not posted: the custom payload describes the message (its `kind`...) for the web channels;
        Rasa's would post it to Slack as a message."""
        logger.debug("Slack: not posting the custom payload %s", json_message)


async def _post_no_files(channel: OutputChannel, recipient_id: str) -> None:
    try:
        await channel.send_text_message(recipient_id, NO_FILES)
    except Exception as error:  # noqa: BLE001 - the text is still answered
        logger.warning("Slack: could not post the no-files notice (%s)", error)


def _files_first(on_new_message: Handler, answer_text: bool) -> Handler:
    """`on_new_message` for a message with files: NO_FILES is posted in its thread first (the bot
    reads only text); then the text, if any, is answered. With text, NO_FILES goes just before the
    first reply, so that it keeps its place among the thread's other messages (answered in order)."""

    async def handle(message: UserMessage) -> None:
        channel = message.output_channel
        if not answer_text:
            await _post_no_files(channel, message.sender_id or "")
            return
        send, noticed = channel.send_response, False

        async def notice_first(recipient_id: str, reply: dict[str, Any]) -> None:
            nonlocal noticed
            if not noticed:
                noticed = True
                await _post_no_files(channel, recipient_id)
            await send(recipient_id, reply)

        # on purpose, on this message's channel alone (mypy compares it with the class's method)
        channel.send_response = notice_first  # type: ignore[method-assign, assignment]
        await on_new_message(message)

    return handle


class SlackOff(InputChannel):
    """Stands in for the Slack channel when it is not configured: answers 503 with the reason."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        off = Blueprint("slack_webhook", __name__)

        @off.route("/", methods=["GET"])
        @off.route("/webhook", methods=["GET", "POST"])
        async def disabled(_: Request) -> HTTPResponse:
            return response.json({"status": "off", "message": OFF_MESSAGE}, status=503)

        return off


class SlackInput(slack.SlackInput):
    """Rasa's Slack input, configured from the environment, with per-thread conversations,
    event dedupe, 401 for bad signatures and no reply to bots (including itself)."""

    def __init__(self, *args: Any, api_url: str = DEFAULT_API_URL, deduper: EventDeduper | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.api_url = api_url
        self.deduper = deduper or EventDeduper()
        self.errors_ignore_retry = []  # retries of every reason go to the deduper, not dropped blindly

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        cfg = settings()
        env = {"SLACK_BOT_TOKEN": cfg.slack_bot_token, "SLACK_SIGNING_SECRET": cfg.slack_signing_secret,
               "SLACK_CHANNEL": cfg.slack_channel, "SLACK_API_URL": cfg.slack_api_url, "REDIS_URL": cfg.redis_url}
        if not (env["SLACK_BOT_TOKEN"] and env["SLACK_SIGNING_SECRET"]):
            logger.info(OFF_MESSAGE)
            return SlackOff()
        api_url = (env["SLACK_API_URL"] or DEFAULT_API_URL).rstrip("/") + "/"
        logger.info("Slack is on: events and clicks at /webhooks/slack/webhook; Web API %s; "
                    "answering DMs, @mentions%s; dedupe in %s", api_url,
                    f" and every message in {env['SLACK_CHANNEL']}" if env["SLACK_CHANNEL"] else "",
                    "Redis" if env["REDIS_URL"] else "memory")
        return cls(env["SLACK_BOT_TOKEN"], env["SLACK_CHANNEL"] or None, None,
                   slack_retry_reason_header="x-slack-retry-reason", slack_retry_number_header="x-slack-retry-num",
                   slack_signing_secret=env["SLACK_SIGNING_SECRET"], use_threads=True,
                   conversation_granularity="thread", api_url=api_url,
                   deduper=EventDeduper(env["REDIS_URL"] or None))

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        bp = super().blueprint(always_answer(on_new_message))

        @bp.middleware("request")
        async def guard(request: Request) -> HTTPResponse | None:
            """Runs before Rasa's handler: ssl_check, signature, body shape, url_verification,
            unsupported interactivity (Rasa would answer those with 400 or 500)."""
            if not request.path.rstrip("/").endswith("/webhook"):
                return None
            content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
            if _is_ssl_check(request, content_type):
                return response.text("")  # Slack checking the certificate: unsigned, nothing to do
            if request.method != "POST":
                return None
            if not self.is_request_from_slack_authentic(request):
                logger.warning("Slack: rejected a request with a missing, wrong or stale signature")
                return response.json({"error": "invalid or stale Slack signature"}, status=401)
            if content_type:  # Rasa compares it exactly: "application/json; charset=utf-8" would be dropped
                request.headers["content-type"] = content_type
            try:
                if content_type == "application/json":
                    body = json.loads(request.body or b"null")
                    event = body.get("event", {}) if isinstance(body, dict) else None
                    if not isinstance(event, dict) or not isinstance(event.get("text", ""), str):
                        raise ValueError("not a Slack event")
                    if body.get("type") == "url_verification":
                        return response.json({"challenge": body.get("challenge", "")})
                elif content_type == "application/x-www-form-urlencoded":
                    payload = json.loads(request.form.get("payload") or "null")
                    if not isinstance(payload, dict):
                        raise ValueError("no interactivity payload")
                    actions = payload.get("actions") or [{}]
                    if not (isinstance(actions[0], dict) and self._is_interactive_message(payload)
                            and self._get_interactive_response(actions[0]) is not None):
                        return response.text("ignored")  # e.g. a link button or an unsupported widget
            except (ValueError, TypeError, AttributeError) as error:
                return response.json({"error": f"malformed Slack request: {error}"}, status=400)
            return None

        return bp

    def _is_user_message(self, slack_event: dict[str, Any]) -> bool:  # type: ignore[override]
        """A message from a person, with text or files: not a bot, not this app, not a join or a
        deletion, and not an edit (answered when first posted: the dedupe may have forgotten it)."""
        event = slack_event.get("event")
        if not isinstance(event, dict) or event.get("type") not in ("message", "app_mention"):
            return False
        if event.get("subtype") not in USER_SUBTYPES or event.get("edited") or event.get("bot_id"):
            return False
        own = [a.get("user_id") for a in slack_event.get("authorizations") or []
               if isinstance(a, dict) and a.get("is_bot", True)]
        user = event.get("user")
        return (isinstance(user, str) and bool(user) and user not in own and not event.get("bot_profile")
                and bool(event.get("text") or _has_files(event)))

    @staticmethod
    def _sanitize_user_message(text: str, uids_to_remove: list[str] | None) -> str:
        """Slack markup to plain text: the bot's own mention removed, other mentions, channel
        links and URLs reduced to their labels, `&amp;`, `&lt;`, `&gt;` decoded."""
        for uid in uids_to_remove or []:  # Rasa's removes `<@BOT>` but not the labelled `<@BOT|name>`
            text = re.sub(rf"<@({re.escape(str(uid))})\|[^<>]*>", r"<@\1>", text)
        text = slack.SlackInput._sanitize_user_message(text, uids_to_remove)
        text = re.sub(r"<@[A-Z0-9]+(?:\|([^<>]*))?>", lambda m: m.group(1) or "", text)
        text = re.sub(r"<#[A-Z0-9]+(?:\|([^<>]*))?>", lambda m: "#" + (m.group(1) or "channel"), text)
        text = re.sub(r"<!(\w+)[^<>]*>", r"@\1", text)
        text = re.sub(r"<([^<>|]+)\|([^<>]+)>", r"\2", text)
        text = re.sub(r"<([^<>]+)>", r"\1", text)
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        return re.sub(r"\s+", " ", text).strip()

    def get_metadata(self, request: Request) -> dict[str, Any]:
        """Rasa's metadata (out_channel, thread_id, users) plus the Slack user who wrote or clicked."""
        metadata = super().get_metadata(request)
        if "thread_id" in metadata:
            body = _body(request)
            user = (body.get("event") or {}).get("user") or (body.get("user") or {}).get("id")
            container = body.get("container") or {}
            metadata.update(slack_user=user, thread_id=container.get("thread_ts") or metadata["thread_id"])
        return metadata

    def _get_conversation_id(self, sender_id: str | None, channel_id: str | None,
                             thread_id: str | None) -> str | None:
        """One conversation per thread, whoever writes in it."""
        return f"{channel_id}:{thread_id}" if channel_id and thread_id else sender_id

    @staticmethod
    def _dedupe_keys(request: Request) -> list[str]:
        body = _body(request)
        if body.get("actions"):
            click = body.get("trigger_id") or body["actions"][0].get("action_ts")
            return [f"click:{click}"] if click else []
        event = body.get("event") or {}
        keys = [f"event:{body['event_id']}"] if body.get("event_id") else []
        if event.get("channel") and event.get("ts"):
            keys.append(f"post:{event['channel']}:{event['ts']}")
        return keys

    async def process_message(self, request: Request, on_new_message: Handler, text: str,
                              sender_id: str | None, metadata: dict[str, Any] | None) -> Any:
        """Handle the event once (see EventDeduper); Rasa's method answers Slack at once and
        runs the bot in a background task. Files get NO_FILES first; no text at all means GREET."""
        for key in self._dedupe_keys(request):
            if not await self.deduper.first_time(key):
                logger.info("Slack: skipping %s, already handled (retry #%s)", key,
                            request.headers.get("x-slack-retry-num", "0"))
                return response.text("", headers=NO_RETRY)
        event = _event(request)
        if _has_files(event):
            on_new_message = _files_first(on_new_message, answer_text=bool(text))
        elif event and not text:
            text = GREET
        return await super().process_message(request, on_new_message, text, sender_id, metadata)

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> OutputChannel:
        return SlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.proxy, self.api_url)
