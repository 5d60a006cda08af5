"""Slack channel (bot/channels/slack.py), the odd cases: edits, files and images, bare and labelled
@mentions, Slack's ssl_check, JSON with a charset. Each payload is posted as Slack documents it, signed
(but ssl_check), to the running bot; answers are read from the fake Slack Web API (tests/fake_slack.py).
Also the handoff's mention of a Slack user group (SLACK_HANDOFF_GROUP), sent to the fake Slack directly."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from bot.channels import slack
from tests.channels.test_slack import (
    BARRIER,
    QUESTION,
    SECTION,
    event_body,
    message,
    new_id,
    new_ts,
    post,
    posts_before_barrier,
    signed,
    user_texts,
)
from tests.fake_slack import BOT_USER, CHANNEL, SIGNING_SECRET, TOKEN

server = pytest.mark.server
IMAGE_QUESTION = "is this a red mark or a brown mark?"


@pytest.fixture(autouse=True)
def no_tracebacks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Server tests: nothing they post makes Rasa (or an action server, where one runs) log a traceback."""
    if request.node.get_closest_marker("server") is None:
        yield
        return
    servers = request.getfixturevalue("servers")
    logs = [servers.workdir / name for name in ("rasa.log", "actions.log") if (servers.workdir / name).exists()]
    sizes = [log.stat().st_size if log.exists() else 0 for log in logs]
    yield
    for log, size in zip(logs, sizes, strict=True):
        with open(log, "rb") as f:
            f.seek(size)
            new = f.read().decode(errors="replace")
        assert "Traceback" not in new, f"{log.name}:\n{new[-3000:]}"


@pytest.fixture(scope="module")
def replies_per_answer(servers) -> int:
    """How many messages the bot sends for QUESTION (over REST): one Slack post each."""
    replies = servers.say(QUESTION).json()
    assert replies and replies[0]["text"].startswith(SECTION)
    return len(replies)


def png(name: str = "cheek.png") -> dict[str, Any]:
    """A file object as in a `file_share` message event (https://api.slack.com/types/file)."""
    file_id = new_id("F")
    stamp = int(time.time())
    return {
        "id": file_id, "created": stamp, "timestamp": stamp, "name": name, "title": name,
        "mimetype": "image/png", "filetype": "png", "pretty_type": "PNG", "user": "UHUMAN001",
        "user_team": "T0TEST", "editable": False, "size": 48213, "mode": "hosted", "is_external": False,
        "external_type": "", "is_public": False, "public_url_shared": False, "display_as_bot": False,
        "username": "", "url_private": f"https://files.slack.com/files-pri/T0TEST-{file_id}/{name}",
        "url_private_download": f"https://files.slack.com/files-pri/T0TEST-{file_id}/download/{name}",
        "original_w": 800, "original_h": 600,
        "permalink": f"https://test.slack.com/files/UHUMAN001/{file_id}/{name}",
        "has_rich_preview": False, "file_access": "visible",
    }


def file_share(channel: str, text: str, ts: str | None = None, kind: str = "message",
               channel_type: str = "im") -> dict[str, Any]:
    """An upload with an optional comment: `message` subtype `file_share` (or the `app_mention` of it)."""
    extra: dict[str, Any] = {"files": [png()], "upload": False, "display_as_bot": False}
    if kind == "message":
        extra["subtype"] = "file_share"
    return message(channel, text, ts=ts, kind=kind, channel_type=channel_type, **extra)


def texts(posts: list[dict[str, Any]]) -> list[str]:
    return [p["body"]["text"] for p in posts]


# --- Edits ----------------------------------------------------------------------------------------

@server
def test_edits_are_never_answered_even_when_the_original_is_forgotten(servers, fake_slack):
    """As after a restart, or on another replica without Redis: the edited post was never seen here."""
    edit_ts = new_ts()
    edited = {"user": "UHUMAN001", "ts": edit_ts}
    channel, dm = new_id("C"), new_id("D")
    mention = message(channel, f"<@{BOT_USER}> {QUESTION}", kind="app_mention", edited=edited)
    mention["event_ts"] = edit_ts
    in_dm = message(dm, QUESTION, edited=edited)
    changed = {  # https://api.slack.com/events/message/message_changed
        "type": "message", "subtype": "message_changed", "hidden": True, "channel": CHANNEL,
        "channel_type": "channel", "ts": edit_ts, "event_ts": edit_ts,
        "message": {"type": "message", "user": "UHUMAN001", "text": QUESTION, "ts": new_ts(), "edited": edited},
        "previous_message": {"type": "message", "user": "UHUMAN001", "text": "what causes marks", "ts": new_ts()},
    }
    for event in (mention, in_dm, changed):
        assert post(servers, event_body(event)).status_code == 200
    assert posts_before_barrier(servers, fake_slack, channel, mention["ts"], mention=True) == []
    assert posts_before_barrier(servers, fake_slack, dm, in_dm["ts"]) == []
    assert posts_before_barrier(servers, fake_slack, CHANNEL, changed["ts"]) == []
    assert user_texts(servers, f"{channel}:{mention['ts']}") == [BARRIER]
    assert user_texts(servers, f"{dm}:{in_dm['ts']}") == [BARRIER]


@server
def test_an_edit_of_an_answered_mention_is_not_answered_again(servers, fake_slack, replies_per_answer):
    channel = new_id("C")
    original = message(channel, f"<@{BOT_USER}> what causes marks", kind="app_mention")
    edit_ts = new_ts()
    edit = {**original, "text": f"<@{BOT_USER}> {QUESTION}", "event_ts": edit_ts,
            "edited": {"user": "UHUMAN001", "ts": edit_ts}}
    assert post(servers, event_body(original)).status_code == 200
    assert post(servers, event_body(edit)).status_code == 200
    posts = posts_before_barrier(servers, fake_slack, channel, original["ts"], mention=True)
    assert posts and user_texts(servers, f"{channel}:{original['ts']}", 2) == ["what causes marks", BARRIER]


# --- Files and images -----------------------------------------------------------------------------

@server
def test_an_image_with_a_question_gets_the_notice_then_the_answer(servers, fake_slack):
    dm = new_id("D")
    event = file_share(dm, IMAGE_QUESTION)
    assert post(servers, event_body(event)).status_code == 200
    posts = posts_before_barrier(servers, fake_slack, dm, event["ts"])
    assert {p["body"]["thread_ts"] for p in posts} == {event["ts"]}
    rest = [slack.escape(m["text"].strip()) for m in servers.say(IMAGE_QUESTION).json()]
    assert rest and texts(posts) == [slack.NO_FILES, *rest]
    assert user_texts(servers, f"{dm}:{event['ts']}", 2) == [IMAGE_QUESTION, BARRIER]


@server
def test_an_image_without_text_gets_the_notice_only(servers, fake_slack):
    dm = new_id("D")
    event = file_share(dm, "")
    assert post(servers, event_body(event)).status_code == 200
    posts = posts_before_barrier(servers, fake_slack, dm, event["ts"])
    assert texts(posts) == [slack.NO_FILES] and posts[0]["body"]["thread_ts"] == event["ts"]
    assert user_texts(servers, f"{dm}:{event['ts']}") == [BARRIER]  # nothing was handed to the bot


@server
@pytest.mark.parametrize("text", [f"<@{BOT_USER}> {QUESTION}", f"<@{BOT_USER}>"])
def test_an_image_mentioning_the_bot_in_a_channel_gets_one_notice(servers, fake_slack, replies_per_answer, text):
    """Slack sends both `message` (file_share) and `app_mention` for one upload in the channel."""
    ts = new_ts()
    for event in (file_share(CHANNEL, text, ts=ts, channel_type="channel"),
                  file_share(CHANNEL, text, ts=ts, kind="app_mention")):
        assert post(servers, event_body(event)).status_code == 200
    posts = posts_before_barrier(servers, fake_slack, CHANNEL, ts, mention=True)
    assert texts(posts)[0] == slack.NO_FILES and texts(posts).count(slack.NO_FILES) == 1
    if text.endswith(QUESTION):
        assert len(posts) == 1 + replies_per_answer and posts[1]["body"]["text"].startswith(SECTION)
        assert user_texts(servers, f"{CHANNEL}:{ts}", 2) == [QUESTION, BARRIER]
    else:
        assert len(posts) == 1 and user_texts(servers, f"{CHANNEL}:{ts}") == [BARRIER]


# --- Mentions -------------------------------------------------------------------------------------

@server
@pytest.mark.parametrize("text", [f"<@{BOT_USER}>", f"<@{BOT_USER}|marks-faq>", f"  <@{BOT_USER}>  "])
def test_a_bare_mention_gets_the_greeting(servers, fake_slack, text):
    channel = new_id("C")
    event = message(channel, text, kind="app_mention")
    assert post(servers, event_body(event)).status_code == 200
    posts = posts_before_barrier(servers, fake_slack, channel, event["ts"], mention=True)
    assert posts and "virtual assistant" in posts[0]["body"]["text"], texts(posts)
    assert any(b["type"] == "actions" for b in posts[0]["body"]["blocks"])
    assert "can't answer" not in " ".join(texts(posts))
    assert user_texts(servers, f"{channel}:{event['ts']}", 2) == [slack.GREET, BARRIER]


@server
def test_a_labelled_self_mention_is_removed(servers, fake_slack, replies_per_answer):
    channel = new_id("C")
    event = message(channel, f"<@{BOT_USER}|marks-faq> {QUESTION}", kind="app_mention")
    assert post(servers, event_body(event)).status_code == 200
    posts = posts_before_barrier(servers, fake_slack, channel, event["ts"], mention=True)
    assert len(posts) == replies_per_answer and posts[0]["body"]["text"].startswith(SECTION)
    assert user_texts(servers, f"{channel}:{event['ts']}", 2) == [QUESTION, BARRIER]


@pytest.mark.parametrize("raw,clean", [
    (f"<@{BOT_USER}|marks-faq> what causes pimple marks?", "what causes pimple marks?"),
    (f"what is PIE <@{BOT_USER}|marks-faq>", "what is PIE"),
    (f"what is <@{BOT_USER}|marks-faq> PIE", "what is PIE"),
    (f"<@{BOT_USER}|marks-faq>", ""),
    (f"<@{BOT_USER}|>", ""),
    ("cc <@U0OTHER1|ann>", "cc ann"),
    (f"<@{BOT_USER}|faq> is it PIE? cc <@U0OTHER1|ann> <@U0OTHER2>", "is it PIE? cc ann"),
])
def test_sanitize_removes_the_bots_labelled_mention_only(raw, clean):
    assert slack.SlackInput._sanitize_user_message(raw, [BOT_USER]) == clean


def test_which_events_are_user_messages():
    channel = slack.SlackInput(TOKEN, slack_signing_secret=SIGNING_SECRET)
    edited = {"user": "UHUMAN001", "ts": new_ts()}
    cases = [
        (message("D1", QUESTION), True),
        (file_share("D1", IMAGE_QUESTION), True),
        (file_share("D1", ""), True),
        (message("D1", "", files=[png()], kind="app_mention"), True),
        (message("D1", ""), False),
        (message("D1", "", subtype="file_share", files=[]), False),
        (message("D1", "", subtype="file_share", files="cheek.png"), False),
        (message("C1", QUESTION, kind="app_mention", edited=edited), False),
        (message("D1", QUESTION, edited=edited), False),
        (message("D1", QUESTION, subtype="message_changed"), False),
        (message("D1", QUESTION, user=BOT_USER), False),
        (message("D1", QUESTION, user={"id": "UHUMAN001"}), False),
        (message("D1", QUESTION, kind="reaction_added"), False),
    ]
    assert [channel._is_user_message(event_body(event)) for event, _ in cases] == [want for _, want in cases]
    assert channel._is_user_message({"event": "x"}) is False


def test_slack_handoff_mentions_the_configured_group(fake_slack, monkeypatch):
    monkeypatch.setenv("SLACK_HANDOFF_GROUP", "S0CARE123")
    bot = slack.SlackBot(TOKEN, "C0HAND001", "1700000000.000300", api_url=fake_slack.url)
    asyncio.run(bot.send_response("C0HAND001:x", {"text": "You can reach a person here: https://care.example.com",
                                                  "custom": {"kind": "handoff"}}))
    asyncio.run(bot.send_response("C0HAND001:x", {"text": "From *A*:\nquote", "custom": {"kind": "answer"}}))
    handoff, answer = fake_slack.posts(channel="C0HAND001")
    assert handoff["body"]["text"].startswith("<!subteam^S0CARE123> You can reach a person")
    assert "subteam" not in answer["body"]["text"]


# --- Requests: ssl_check, content types -----------------------------------------------------------

@server
@pytest.mark.parametrize("how", ["post_unsigned", "post_signed", "get"])
def test_ssl_check_gets_an_empty_200(servers, how):
    url = servers.url + "/webhooks/slack/webhook"
    form = urlencode({"ssl_check": "1", "token": "legacy-verification-token"})
    if how == "get":
        response = requests.get(f"{url}?{form}", timeout=30)
    else:
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   **(signed(form.encode()) if how == "post_signed" else {})}
        response = requests.post(url, data=form, headers=headers, timeout=30)
    assert response.status_code == 200 and response.text == ""


@server
def test_json_with_a_charset_is_answered(servers, fake_slack, replies_per_answer):
    utf8 = {"Content-Type": "application/json; charset=utf-8"}
    dm = new_id("D")
    event = message(dm, QUESTION)
    assert post(servers, event_body(event), headers=utf8).status_code == 200
    posts = posts_before_barrier(servers, fake_slack, dm, event["ts"])
    assert len(posts) == replies_per_answer and posts[0]["body"]["text"].startswith(SECTION)
    assert user_texts(servers, f"{dm}:{event['ts']}", 2) == [QUESTION, BARRIER]
    challenge = post(servers, {"token": "x", "challenge": "c-123", "type": "url_verification"}, headers=utf8)
    assert challenge.status_code == 200 and challenge.json() == {"challenge": "c-123"}


@server
def test_a_click_with_a_charset_is_answered(servers, fake_slack):
    dm, root = new_id("D"), new_ts()
    payload = {
        "type": "block_actions", "user": {"id": "UHUMAN001", "username": "someone"}, "api_app_id": "A0TEST",
        "trigger_id": new_id("TRIG"), "team": {"id": "T0TEST"},
        "container": {"type": "message", "message_ts": new_ts(), "channel_id": dm, "is_ephemeral": False,
                      "thread_ts": root},
        "channel": {"id": dm, "name": "directmessage"},
        "message": {"type": "message", "user": BOT_USER, "text": "Hi", "ts": new_ts(), "thread_ts": root},
        "actions": [{"type": "button", "action_id": "rasa_button_0", "block_id": "b1", "value": slack.GREET,
                     "text": {"type": "plain_text", "text": "Hello"}, "action_ts": new_ts()}],
    }
    raw = urlencode({"payload": json.dumps(payload)}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", **signed(raw)}
    response = requests.post(servers.url + "/webhooks/slack/webhook", data=raw, headers=headers, timeout=30)
    assert response.status_code == 200
    posts = posts_before_barrier(servers, fake_slack, dm, root)
    assert posts and "virtual assistant" in posts[0]["body"]["text"]
    assert user_texts(servers, f"{dm}:{root}", 2) == [slack.GREET, BARRIER]


@server
@pytest.mark.parametrize("event", [
    {"type": "message", "subtype": "file_share", "user": "UHUMAN001", "text": "", "files": "cheek.png"},
    {"type": "message", "subtype": "file_share", "user": "UHUMAN001", "text": "", "files": [1, None]},
    {"type": "app_mention", "user": "UHUMAN001", "text": f"<@{BOT_USER}|>", "edited": "yes"},
    {"type": "app_mention", "user": {"id": "UHUMAN001"}, "text": f"<@{BOT_USER}|x|y> hi"},
    {"type": "app_mention", "user": "UHUMAN001", "text": f"<@{BOT_USER}|<@{BOT_USER}|x>>"},
    {"type": "message", "subtype": ["file_share"], "user": "UHUMAN001", "text": "hi"},
])
def test_odd_events_never_500(servers, fake_slack, event):
    channel = new_id("D")
    event = {"channel": channel, "channel_type": "im", "ts": new_ts(), **event}
    for content_type in ("application/json", "application/json; charset=utf-8", "APPLICATION/JSON"):
        response = post(servers, event_body(dict(event)), headers={"Content-Type": content_type})
        assert response.status_code < 500, response.text
    posts_before_barrier(servers, fake_slack, channel, event["ts"])  # whatever was answered, was answered
