"""Slack channel (bot/channels/slack.py) end to end: signed Events API and interactivity requests posted to
the running bot, answers read from a fake Slack Web API on 127.0.0.1 (tests/fake_slack.py)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import logging
import shutil
import socket
import sqlite3
import subprocess
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
import redis
import requests
import yaml

from bot.channels import slack
from bot.config import ROOT
from tests.fake_slack import BOT_USER, CHANNEL, SIGNING_SECRET, TOKEN, FakeSlack

pytestmark = pytest.mark.server

QUESTION = "what causes pimple marks?"
SECTION = "From *What causes pimple marks?*:"
GROUNDED = "excess melanin production after inflammation"
# The barrier: a second question in the same conversation. Rasa answers one conversation's messages
# in order, and drops ignored or duplicate events before acknowledging them, so once the barrier's
# answer is posted, everything sent before it has been answered or dropped: no need to wait and see.
BARRIER = "what is thiamidol"
BARRIER_ANSWER = "Thiamidol, is an active ingredient"
_ts = itertools.count(1)


def new_ts() -> str:
    return f"{int(time.time())}.{next(_ts):06d}"


def new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:10].upper()


def signed(body: bytes, secret: str = SIGNING_SECRET, age: float = 0.0) -> dict[str, str]:
    stamp = str(int(time.time() - age))
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def event_body(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token", "team_id": "T0TEST", "api_app_id": "A0TEST",
        "type": "event_callback", "event_id": event_id or new_id("Ev"), "event_time": int(time.time()),
        "authorizations": [{"team_id": "T0TEST", "user_id": BOT_USER, "is_bot": True}],
        "event": event,
    }


def message(channel: str, text: str, ts: str | None = None, kind: str = "message",
            channel_type: str = "im", **extra: Any) -> dict[str, Any]:
    ts = ts or new_ts()
    event = {"type": kind, "user": "UHUMAN001", "text": text, "ts": ts, "channel": channel, "event_ts": ts, **extra}
    if kind == "message":
        event["channel_type"] = channel_type
    return event


def post(servers, body: Any, headers: dict[str, str] | None = None, sign: bool = True, **sign_args: Any):
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    all_headers = {"Content-Type": "application/json", **(signed(raw, **sign_args) if sign else {}), **(headers or {})}
    return requests.post(servers.url + "/webhooks/slack/webhook", data=raw, headers=all_headers, timeout=30)


def block_click(dm: str, thread_ts: str, bot_post: dict[str, Any], button: dict[str, Any]) -> dict[str, Any]:
    """The interactivity payload Slack sends when `button` of the bot's post `bot_post` in a DM thread is clicked."""
    return {
        "type": "block_actions", "user": {"id": "UHUMAN001", "username": "someone"}, "api_app_id": "A0TEST",
        "trigger_id": new_id("TRIG"), "team": {"id": "T0TEST"},
        "container": {"type": "message", "message_ts": bot_post["result"]["ts"], "channel_id": dm,
                      "is_ephemeral": False, "thread_ts": thread_ts},
        "channel": {"id": dm, "name": "directmessage"},
        "message": bot_post["result"]["message"],
        "actions": [{**button, "block_id": "b1", "action_ts": new_ts()}],
    }


def click(servers, payload: dict[str, Any]) -> requests.Response:
    raw = urlencode({"payload": json.dumps(payload)}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(raw)}
    return requests.post(servers.url + "/webhooks/slack/webhook", data=raw, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def replies_per_answer(servers) -> int:
    """How many messages the bot sends for QUESTION (over REST): one Slack post each."""
    replies = servers.say(QUESTION).json()
    assert replies and replies[0]["text"].startswith(SECTION)
    return len(replies)


def user_texts(servers, sender: str, count: int = 1) -> list[str]:
    """What the bot understood: the user messages stored in its tracker for `sender` (waiting up to
    10 s for `count` of them: the tracker is saved just after the answer is sent)."""
    deadline = time.monotonic() + 10
    while True:
        with sqlite3.connect(servers.workdir / "tracker.db") as db:
            rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                              (sender,)).fetchall()
        if len(rows) >= count or time.monotonic() > deadline:
            return [json.loads(data)["text"] for (data,) in rows]
        time.sleep(0.1)


def posts_before_barrier(servers, fake_slack, channel: str, thread_ts: str | None = None,
                         mention: bool = False) -> list[dict[str, Any]]:
    """Ask BARRIER in the conversation (channel, thread), wait for its answer, and return every post
    of that conversation but the barrier's."""
    text = f"<@{BOT_USER}> {BARRIER}" if mention else BARRIER
    extra = {"thread_ts": thread_ts} if thread_ts else {}
    event = message(channel, text, kind="app_mention" if mention else "message",
                    channel_type="im" if channel.startswith("D") else "channel", **extra)
    assert post(servers, event_body(event)).status_code == 200
    match = {"channel": channel, "thread_ts": thread_ts or event["ts"]}
    deadline = time.monotonic() + 30
    while not any(BARRIER_ANSWER in p["body"]["text"] for p in fake_slack.posts(**match)):
        assert time.monotonic() < deadline, "the barrier was never answered"
        time.sleep(0.05)
    return [p for p in fake_slack.posts(**match) if BARRIER_ANSWER not in p["body"]["text"]]


def assert_escaped(text: str) -> None:
    assert "<" not in text and ">" not in text
    assert text.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").count("&") == 0


# --- Events API: answers --------------------------------------------------------------------

def test_url_verification_is_answered(servers):
    response = post(servers, {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                              "type": "url_verification"})
    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_dm_gets_the_grounded_answer_in_its_thread(servers, fake_slack, replies_per_answer):
    dm = new_id("D")
    event = message(dm, QUESTION)
    fake_slack.open.clear()  # the answer can't be posted yet...
    try:
        response = post(servers, event_body(event))
        assert response.status_code == 200  # ...and the event is acknowledged all the same: at once
    finally:
        fake_slack.open.set()
    posts = posts_before_barrier(servers, fake_slack, dm, event["ts"])
    assert len(posts) == replies_per_answer
    first = posts[0]
    assert first["auth"] == f"Bearer {TOKEN}" and first["result"]["ok"]
    assert first["body"]["thread_ts"] == event["ts"]
    assert first["body"]["text"].startswith(SECTION)
    assert GROUNDED in " ".join(p["body"]["text"] for p in posts)
    for p in posts:
        assert_escaped(p["body"]["text"])
    assert user_texts(servers, f"{dm}:{event['ts']}", 2) == [QUESTION, BARRIER]


def test_mention_in_a_channel_is_answered_once_in_its_thread(servers, fake_slack, replies_per_answer):
    channel = new_id("C")
    event = message(channel, f"<@{BOT_USER}> {QUESTION}", kind="app_mention")
    assert post(servers, event_body(event)).status_code == 200
    posts = posts_before_barrier(servers, fake_slack, channel, event["ts"], mention=True)
    assert len(posts) == replies_per_answer
    assert {p["body"]["thread_ts"] for p in posts} == {event["ts"]}
    assert posts[0]["body"]["text"].startswith(SECTION)


def test_plain_messages_only_in_the_configured_channel(servers, fake_slack, replies_per_answer):
    other = new_id("C")
    ignored = message(other, QUESTION, channel_type="channel")
    answered = message(CHANNEL, QUESTION, channel_type="channel")
    assert post(servers, event_body(ignored)).status_code == 200
    assert post(servers, event_body(answered)).status_code == 200
    posts = posts_before_barrier(servers, fake_slack, CHANNEL, answered["ts"])
    assert len(posts) == replies_per_answer and GROUNDED in " ".join(p["body"]["text"] for p in posts)
    assert fake_slack.posts(channel=other) == []  # decided when acknowledged: before the barrier


def ask(servers, fake_slack, dm: str, text: str, thread_ts: str | None = None) -> tuple[str, list[str]]:
    """Send `text` in DM `dm` (in thread `thread_ts`, if given): (thread ts, texts of the answer)."""
    event = message(dm, text, **({"thread_ts": thread_ts} if thread_ts else {}))
    root = thread_ts or event["ts"]
    before = len(fake_slack.posts(channel=dm, thread_ts=root))
    assert post(servers, event_body(event)).status_code == 200
    posts = fake_slack.wait_posts(before + 1, channel=dm, thread_ts=root)
    return root, [p["body"]["text"] for p in posts[before:]]


def test_threads_do_not_mix_context(servers, fake_slack):
    dm = new_id("D")
    red, _ = ask(servers, fake_slack, dm, "I have red marks from old pimples")
    brown, _ = ask(servers, fake_slack, dm, "I've got brown marks after my spots")
    red_answer = " ".join(ask(servers, fake_slack, dm, "what causes them?", red)[1])
    brown_answer = " ".join(ask(servers, fake_slack, dm, "what causes them?", brown)[1])
    assert "blood vessels" in red_answer and "excess melanin" not in red_answer, red_answer
    assert "excess melanin" in brown_answer and "blood vessels" not in brown_answer, brown_answer
    assert user_texts(servers, f"{dm}:{red}", 2) == ["I have red marks from old pimples", "what causes them?"]


# --- Each event once --------------------------------------------------------------------------

def test_retries_of_one_event_give_one_reply(servers, fake_slack, replies_per_answer):
    channel = new_id("C")
    body = event_body(message(channel, f"<@{BOT_USER}> {QUESTION}", kind="app_mention"))
    statuses = [post(servers, body).status_code]
    for number, reason in ((1, "http_timeout"), (2, "http_error")):
        response = post(servers, body, headers={"X-Slack-Retry-Num": str(number), "X-Slack-Retry-Reason": reason})
        statuses.append(response.status_code)
        assert response.headers.get("X-Slack-No-Retry") == "1"
    assert statuses == [200, 200, 200]
    posts = posts_before_barrier(servers, fake_slack, channel, body["event"]["ts"], mention=True)
    assert len(posts) == replies_per_answer


def test_message_and_app_mention_for_one_post_give_one_reply(servers, fake_slack, replies_per_answer):
    text, ts = f"<@{BOT_USER}> {QUESTION}", new_ts()
    as_message = event_body(message(CHANNEL, text, ts=ts, channel_type="channel"))
    as_mention = event_body(message(CHANNEL, text, ts=ts, kind="app_mention"))
    assert post(servers, as_message).status_code == 200
    assert post(servers, as_mention).status_code == 200
    posts = posts_before_barrier(servers, fake_slack, CHANNEL, ts)
    assert len(posts) == replies_per_answer


def test_bots_and_edits_are_ignored(servers, fake_slack):
    dm = new_id("D")
    events = [
        message(dm, QUESTION, bot_id="BOTHER001"),  # another bot
        message(dm, QUESTION, user=BOT_USER),  # this bot itself
        message(dm, QUESTION, subtype="bot_message"),
        message(dm, QUESTION, subtype="message_changed"),
        message(dm, QUESTION, subtype="channel_join"),
    ]
    for event in events:
        assert post(servers, event_body(event)).status_code == 200
    assert posts_before_barrier(servers, fake_slack, dm) == []


# --- Signatures ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["forged", "unsigned", "ten_minutes_old", "tampered", "no_timestamp"])
def test_badly_signed_requests_are_rejected(servers, fake_slack, case):
    dm = new_id("D")
    body = json.dumps(event_body(message(dm, QUESTION))).encode()
    sign_args: dict[str, Any] = {"forged": {"secret": "not-the-secret"}, "ten_minutes_old": {"age": 600}}.get(case, {})
    headers = {"Content-Type": "application/json", **signed(body, **sign_args)}
    if case == "unsigned":
        headers = {"Content-Type": "application/json"}
    elif case == "no_timestamp":
        del headers["X-Slack-Request-Timestamp"]
    elif case == "tampered":
        body = body.replace(b"pimple", b"pimpel")
    response = requests.post(servers.url + "/webhooks/slack/webhook", data=body, headers=headers, timeout=30)
    assert response.status_code in (400, 401), response.text
    assert posts_before_barrier(servers, fake_slack, dm) == []


@pytest.mark.parametrize("raw,ctype", [
    (b"not json", "application/json"), (b"[1, 2]", "application/json"), (b'{"event": "x"}', "application/json"),
    (b'{"event": {"type": "message", "text": 5, "user": "U1", "channel_type": "im"}}', "application/json"),
    (b"payload=not+json", "application/x-www-form-urlencoded"), (b"nothing=here", "application/x-www-form-urlencoded"),
    (urlencode({"payload": json.dumps({"type": "view_submission", "user": {"id": "U1"}})}).encode(),
     "application/x-www-form-urlencoded"),
])
def test_odd_signed_requests_never_500(servers, raw, ctype):
    response = requests.post(servers.url + "/webhooks/slack/webhook", data=raw,
                             headers={"Content-Type": ctype, **signed(raw)}, timeout=30)
    assert response.status_code < 500, response.text


# --- Buttons ------------------------------------------------------------------------------------

def test_button_click_is_answered_in_the_same_thread(servers, fake_slack):
    dm = new_id("D")
    root = message(dm, "tell me about thiamidol")
    post(servers, event_body(root))

    def with_buttons() -> list[dict[str, Any]]:
        posts = fake_slack.posts(channel=dm)
        return [p for p in posts if any(b["type"] == "actions" for b in p["body"].get("blocks", []))]

    deadline = time.monotonic() + 10
    while not with_buttons() and time.monotonic() < deadline:
        time.sleep(0.05)
    bot_post = with_buttons()[-1]
    blocks = bot_post["body"]["blocks"]
    assert blocks[0]["type"] == "section" and blocks[0]["text"]["type"] == "mrkdwn"
    button = next(b for b in blocks if b["type"] == "actions")["elements"][0]
    assert button["type"] == "button" and button["value"].startswith("/ask_")
    before = len(fake_slack.posts(channel=dm))
    payload = block_click(dm, root["ts"], bot_post, button)
    fake_slack.open.clear()  # the answer can't be posted yet, and the click is acknowledged all the same
    try:
        response = click(servers, payload)
        assert response.status_code == 200
    finally:
        fake_slack.open.set()
    posts = fake_slack.wait_posts(before + 1, channel=dm)[before:]
    assert posts and posts[0]["body"]["text"].startswith("From *")
    assert {p["body"]["thread_ts"] for p in posts} == {root["ts"]}
    assert user_texts(servers, f"{dm}:{root['ts']}", 2)[-1] == button["value"]


# --- Text in and out ------------------------------------------------------------------------------

def test_markup_in_user_text_is_stripped(servers, fake_slack):
    dm = new_id("D")
    event = message(dm, f"<@{BOT_USER}> what causes pimple marks &amp; spots &lt;3 months old? cc <@U0OTHER1|ann>")
    post(servers, event_body(event))
    posts = fake_slack.wait_posts(1, channel=dm)
    assert posts and posts[0]["body"]["thread_ts"] == event["ts"]
    assert user_texts(servers, f"{dm}:{event['ts']}") == ["what causes pimple marks & spots <3 months old? cc ann"]


@pytest.mark.parametrize("raw,clean", [
    (f"<@{BOT_USER}> what is PIE?", "what is PIE?"),
    (f"what is PIE <@{BOT_USER}>", "what is PIE"),
    ("a &lt;b&gt; &amp;amp; c", "a <b> &amp; c"),
    ("see <https://example.org/a?b=1&amp;c=2|the page> and <https://example.org>", "see the page and https://example.org"),
    ("ask <#C0123|skin> <!here>", "ask #skin @here"),
])
def test_sanitize_user_message(raw, clean):
    assert slack.SlackInput._sanitize_user_message(raw, [BOT_USER]) == clean


def test_output_is_mrkdwn_escaped_in_the_thread_with_buttons(fake_slack):
    bot = slack.SlackBot(TOKEN, "C0OUT0001", "1700000000.000100", api_url=fake_slack.url)
    buttons = [{"title": "What is thiamidol? " * 10, "payload": "/ask_thiamidol"},
               {"title": "Serum", "payload": "/ask_serum"}]
    asyncio.run(bot.send_text_with_buttons("C0OUT0001:x", "From *A & B*:\n1 < 2 > 0", buttons))
    asyncio.run(bot.send_text_message("C0OUT0001:x", "Plain <b>&</b>"))
    first, second = fake_slack.posts(channel="C0OUT0001")
    assert first["body"]["thread_ts"] == second["body"]["thread_ts"] == "1700000000.000100"
    section, actions = first["body"]["blocks"]
    assert section["text"] == {"type": "mrkdwn", "text": "From *A &amp; B*:\n1 &lt; 2 &gt; 0"}
    assert [b["value"] for b in actions["elements"]] == ["/ask_thiamidol", "/ask_serum"]
    assert all(len(b["text"]["text"]) <= 75 for b in actions["elements"])
    assert second["body"]["text"] == "Plain &lt;b&gt;&amp;&lt;/b&gt;" and "as_user" not in second["body"]


def test_custom_payloads_are_never_posted(servers, fake_slack, domain):
    """utter_greet and utter_goodbye carry custom: {kind: smalltalk}; Rasa's SlackBot would post it."""
    dm = new_id("D")
    hello = message(dm, "/greet")
    assert post(servers, event_body(hello)).status_code == 200
    fake_slack.wait_posts(1, channel=dm, thread_ts=hello["ts"])
    goodbye = domain["responses"]["utter_goodbye"][0]["text"]
    assert post(servers, event_body(message(dm, "/goodbye", thread_ts=hello["ts"]))).status_code == 200
    # One conversation per thread, handled in order: once the goodbye is posted, all that the
    # greeting would post has been.
    assert fake_slack.wait_posts(1, channel=dm, thread_ts=hello["ts"], text=goodbye)
    greeting, farewell = fake_slack.posts(channel=dm)
    assert "virtual assistant" in greeting["body"]["text"]
    assert any(b["type"] == "actions" for b in greeting["body"]["blocks"])
    assert farewell["body"]["text"] == goodbye
    for p in (greeting, farewell):
        assert not {"kind", "custom"} & set(p["body"]) and "smalltalk" not in json.dumps(p["body"])


def test_output_sends_text_and_buttons_without_the_custom_payload(fake_slack):
    bot = slack.SlackBot(TOKEN, "C0CUSTOM1", "1700000000.000200", api_url=fake_slack.url)
    custom = {"kind": "answer", "section": "What causes pimple marks?", "id": "causes"}
    asyncio.run(bot.send_response("C0CUSTOM1:x", {
        "text": "From *What causes pimple marks?*:\nQuote", "buttons": [{"title": "Serum", "payload": "/ask_serum"}],
        "custom": custom, "quick_replies": None, "image": None, "attachment": None, "elements": None}))
    asyncio.run(bot.send_response("C0CUSTOM1:x", {"text": None, "custom": {"kind": "smalltalk"}}))
    (posted,) = fake_slack.posts(channel="C0CUSTOM1")
    assert posted["body"]["text"] == "From *What causes pimple marks?*:\nQuote"
    assert [b["type"] for b in posted["body"]["blocks"]] == ["section", "actions"]
    assert not {"kind", "section", "custom", "id"} & set(posted["body"])


# --- Configuration and dedupe units ------------------------------------------------------------

def test_without_secrets_slack_is_off(monkeypatch, caplog):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with caplog.at_level(logging.INFO, logger="bot.channels.slack"):
        channel = slack.SlackInput.from_credentials({})
    assert isinstance(channel, slack.SlackOff) and channel.name() == "slack"
    assert "Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in caplog.text
    route = next(r for r in channel.blueprint(None)._future_routes if r.uri == "/webhook")
    answer = asyncio.run(route.handler(None))
    assert answer.status == 503 and b"SLACK_BOT_TOKEN" in answer.body


def test_with_secrets_slack_is_on(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.delenv("SLACK_CHANNEL", raising=False)
    channel = slack.SlackInput.from_credentials({})
    assert isinstance(channel, slack.SlackInput) and channel.slack_channel is None
    output = channel.get_output_channel("C1", "1.2")
    assert output.client.base_url == "http://127.0.0.1:9/api/" and output.thread_id == "1.2"


def test_slow_answers_are_acknowledged_at_once(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    channel = slack.SlackInput.from_credentials({})

    class Request:  # what process_message reads of a Sanic request
        headers = {"content-type": "application/json"}
        json = event_body(message("D0SLOW001", QUESTION))

    async def scenario() -> tuple[int, bool, bool]:
        release, handled = asyncio.Event(), asyncio.Event()

        async def slow_bot(_: Any) -> None:  # answers only once the test lets it
            await release.wait()
            handled.set()

        # acknowledged while the bot is still busy (it would never return if it waited for the bot)
        answer = await asyncio.wait_for(channel.process_message(
            Request(), slow_bot, QUESTION, "D0SLOW001:1", {"out_channel": "D0SLOW001", "thread_id": "1"}), 10)
        answered_before_ack = handled.is_set()
        release.set()
        await asyncio.wait_for(handled.wait(), 10)
        return answer.status, answered_before_ack, handled.is_set()

    status, answered_before_ack, answered = asyncio.run(scenario())
    assert status == 200 and not answered_before_ack and answered


def test_in_memory_deduper_is_bounded_and_forgets(monkeypatch):
    deduper = slack.EventDeduper(max_ids=3, ttl=60)
    first = [asyncio.run(deduper.first_time(k)) for k in ("a", "b", "a", "c", "d", "a", "b")]
    assert first == [True, True, False, True, True, True, True]  # oldest first out: "a", then "b"
    assert len(deduper._seen) == 3
    now = time.monotonic()
    monkeypatch.setattr(slack.time, "monotonic", lambda: now + 61)
    assert asyncio.run(deduper.first_time("a")) is True  # expired


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server binary not installed")
def test_redis_deduper_is_shared_by_replicas():
    port = _free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--daemonize", "no"], stdout=subprocess.DEVNULL)
    try:
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:  # wait for the server: the deduper would quietly fall back to memory
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

        async def scenario() -> list[bool]:
            one, two = slack.EventDeduper(url), slack.EventDeduper(url)  # two replicas
            key = uuid.uuid4().hex
            results = [await one.first_time(key), await two.first_time(key), await one.first_time(key)]
            assert await two._redis.ttl(f"slack:event:{key}") > 3000
            return results

        assert asyncio.run(scenario()) == [True, False, False]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_fake_slack_checks_the_token():
    fake = FakeSlack().start()
    try:
        answer = requests.post(fake.url + "chat.postMessage", json={"channel": "C1"},
                               headers={"Authorization": "Bearer wrong"}, timeout=5).json()
        assert answer == {"ok": False, "error": "invalid_auth"}
    finally:
        fake.stop()


def test_manifest_subscribes_to_what_the_channel_handles():
    manifest = yaml.safe_load((ROOT / "slack" / "manifest.yml").read_text())
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"].endswith("/webhooks/slack/webhook")
    assert settings["interactivity"]["is_enabled"] and settings["interactivity"]["request_url"].endswith(
        "/webhooks/slack/webhook")
    assert {"app_mention", "message.im", "message.channels"} <= set(settings["event_subscriptions"]["bot_events"])
    assert {"app_mentions:read", "chat:write", "im:history", "channels:history"} <= set(
        manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
