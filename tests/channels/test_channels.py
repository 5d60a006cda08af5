"""REST and socket.io output (bot/channels/web.py): one message per bot message, its text, buttons and
custom payload (`kind`, `section`) together. Unit tests call the output channels directly; the last
test talks socket.io to the running bot (the session-scoped `servers` fixture)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import socketio
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import QueueOutputChannel

from bot.channels.web import UNAVAILABLE, RestOutput, SocketIOOutput, always_answer

BUTTONS = [{"title": "What causes pimple marks?", "payload": "/ask_causes"},
           {"title": "How long until it works?", "payload": "/ask_results_time"}]
CUSTOM = {"kind": "answer", "section": "What causes pimple marks?", "id": "causes"}
EVENT_TIMEOUT = 30  # s: NLU + action server + socket.io round trip on a busy machine


def bot_message(**fields: Any) -> dict[str, Any]:
    """A bot message as Rasa's processor hands it to `send_response` (BotUttered.message())."""
    message = {"text": None, "elements": None, "quick_replies": None, "buttons": None, "attachment": None,
               "image": None, "custom": None, "timestamp": 1700000000.0, "utter_action": "action_answer"}
    return {**message, **fields}


async def rest_entries(channel: CollectingOutputChannel, *messages: dict[str, Any]) -> list[dict[str, Any]]:
    for message in messages:
        await channel.send_response("user-1", message)
    return channel.messages


def test_rest_output_sends_text_buttons_and_custom_as_one_entry():
    text = "From *What causes pimple marks?*:\nPost-inflammatory hyperpigmentation is caused by ..."
    entries = asyncio.run(rest_entries(RestOutput(), bot_message(text=text, buttons=BUTTONS, custom=CUSTOM)))
    assert entries == [{"recipient_id": "user-1", "text": text, "buttons": BUTTONS, "custom": CUSTOM}]
    # Rasa's collector: the custom payload as a second entry.
    rasa = asyncio.run(rest_entries(CollectingOutputChannel(), bot_message(text=text, buttons=BUTTONS, custom=CUSTOM)))
    assert [sorted(e) for e in rasa] == [["buttons", "recipient_id", "text"], ["custom", "recipient_id"]]


def test_rest_output_keeps_a_text_with_custom_whole_and_leaves_other_messages_as_rasa_sends_them():
    with_custom = bot_message(text="First paragraph.\n\nSecond paragraph.", custom={"kind": "abstain"})
    entries = asyncio.run(rest_entries(RestOutput(), with_custom))
    assert entries == [{"recipient_id": "user-1", "text": "First paragraph.\n\nSecond paragraph.",
                        "custom": {"kind": "abstain"}}]
    plain = [bot_message(text="One.\n\nTwo."), bot_message(text="Pick one", buttons=BUTTONS),
             bot_message(custom={"kind": "smalltalk"}), bot_message(text="See", image="https://example.org/a.png")]
    ours = asyncio.run(rest_entries(RestOutput(), *[dict(m) for m in plain]))
    assert ours == asyncio.run(rest_entries(CollectingOutputChannel(), *[dict(m) for m in plain]))


def test_rest_output_fills_rasas_collector_and_stream_queue():
    collector = CollectingOutputChannel()  # what Rasa's REST route answers with
    asyncio.run(RestOutput(collector).send_response("u", bot_message(text="Hi", buttons=BUTTONS, custom=CUSTOM)))
    assert collector.messages == [{"recipient_id": "u", "text": "Hi", "buttons": BUTTONS, "custom": CUSTOM}]

    async def streamed() -> list[dict[str, Any]]:
        queue: asyncio.Queue = asyncio.Queue()  # ?stream=true
        await RestOutput(QueueOutputChannel(queue)).send_response("u", bot_message(text="Hi", custom=CUSTOM))
        return [queue.get_nowait() for _ in range(queue.qsize())]

    assert asyncio.run(streamed()) == [{"recipient_id": "u", "text": "Hi", "custom": CUSTOM}]


def test_the_apology_is_one_message_of_kind_error():
    collector = CollectingOutputChannel()

    async def broken_bot(_: UserMessage) -> None:
        raise RuntimeError("action server down")

    handle = always_answer(broken_bot, output=RestOutput)
    asyncio.run(handle(UserMessage("hi", collector, "user-1")))
    asyncio.run(handle(UserMessage("hi again", collector, "user-1")))  # a fresh apology each time
    apology = {"recipient_id": "user-1", "text": UNAVAILABLE, "custom": {"kind": "error"}}
    assert collector.messages == [apology, apology]


def test_an_answer_whose_turn_was_not_stored_is_not_acknowledged():
    """The answer was sent, then saving the turn failed: REST returns the apology alone (and the
    route turns it into a 503), never an answer the conversation doesn't hold."""
    from bot.channels.web import OUTAGE
    from bot.rasa_ext.tracker_store import StoreUnavailable

    async def answer_then_fail_to_save(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, bot_message(text="An answer", custom=CUSTOM))
        raise StoreUnavailable("tracker store save failed: database is down")

    collector = CollectingOutputChannel()

    async def turn() -> str | None:
        await always_answer(answer_then_fail_to_save, output=RestOutput)(UserMessage("hi", collector, "user-1"))
        return OUTAGE.get()

    assert asyncio.run(turn()) == "tracker_store"
    assert collector.messages == [{"recipient_id": "user-1", "text": UNAVAILABLE, "custom": {"kind": "error"}}]


def test_what_failed_is_named_from_the_exception():
    from rasa.core.lock_store import LockError
    from redis.exceptions import ConnectionError as RedisDown

    from bot.channels.web import outage_kind
    from bot.rasa_ext.tracker_store import StoreUnavailable

    assert outage_kind(StoreUnavailable("down")) == "tracker_store"
    assert outage_kind(LockError("no lock")) == "lock_store"
    assert outage_kind(RedisDown("refused")) == "lock_store"
    assert outage_kind(RuntimeError("a bug")) == "internal"


class RecordingServer:
    """Stands in for python-socketio's AsyncServer: records what is emitted."""

    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any, str | None]] = []

    async def emit(self, event: str, data: Any = None, room: str | None = None, **_: Any) -> None:
        self.emitted.append((event, data, room))


def test_socketio_output_emits_one_event_per_message():
    sio = RecordingServer()
    output = SocketIOOutput(sio, "bot_uttered")  # type: ignore[arg-type]

    async def send() -> None:
        await output.send_response("room-1", bot_message(text="Hi\n\nthere", buttons=BUTTONS, custom=CUSTOM))
        await output.send_response("room-1", bot_message(custom={"kind": "smalltalk"}))  # no text
        await output.send_response("room-1", bot_message(text="Plain"))  # no custom: as Rasa sends it

    asyncio.run(send())
    quick_replies = [{"content_type": "text", **b} for b in BUTTONS]
    assert sio.emitted == [
        ("bot_uttered", {"text": "Hi\n\nthere", "quick_replies": quick_replies, "custom": CUSTOM}, "room-1"),
        ("bot_uttered", {"custom": {"kind": "smalltalk"}}, "room-1"),
        ("bot_uttered", {"text": "Plain"}, "room-1"),
    ]


@pytest.mark.server
def test_socketio_greeting_is_one_event_with_text_buttons_and_kind(servers, domain):
    # one conversation, handled in order, over one socket: the greeting's events come before the goodbye
    greeting, farewell = socketio_exchange(servers, [(["/greet", "/goodbye"], 2)])
    goodbye = domain["responses"]["utter_goodbye"][0]["text"]
    assert "virtual assistant" in greeting["text"]
    assert [b["payload"] for b in greeting["quick_replies"]] == [
        b["payload"] for b in domain["responses"]["utter_greet"][0]["buttons"]]
    assert greeting["custom"] == {"kind": "smalltalk"}
    assert farewell == {"text": goodbye, "custom": {"kind": "smalltalk"}}


def socketio_exchange(servers, rounds: list[tuple[list[str], int]]) -> list[dict[str, Any]]:
    """In one socket.io session (long-polling): for each round, send its messages, then collect its
    number of bot_uttered events. (Rounds stay under engine.io's 16 packets per polling payload.)"""

    async def run() -> list[dict[str, Any]]:
        client = socketio.AsyncClient(reconnection=False)
        events: asyncio.Queue = asyncio.Queue()
        confirmed: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", events.put_nowait)
        client.on("session_confirm", confirmed.put_nowait)
        await client.connect(servers.url, socketio_path="/socket.io", transports=["polling"])
        try:
            session_id = uuid.uuid4().hex
            await client.emit("session_request", {"session_id": session_id})
            assert await asyncio.wait_for(confirmed.get(), EVENT_TIMEOUT) == session_id
            received = []
            for messages, wanted in rounds:
                for message in messages:
                    await client.emit("user_uttered", {"message": message, "session_id": session_id})
                received += [await asyncio.wait_for(events.get(), EVENT_TIMEOUT) for _ in range(wanted)]
            return received
        finally:
            await client.disconnect()

    return asyncio.run(run())


@pytest.mark.server
def test_socketio_an_over_long_message_gets_the_polite_reply_not_a_closed_socket(servers):
    too_long, answer = socketio_exchange(servers, [(["what causes marks? " * 6000, "/greet"], 2)])
    assert too_long["custom"] == {"kind": "limit"} and "too long" in too_long["text"]
    assert "virtual assistant" in answer["text"]  # the same socket goes on


@pytest.mark.server
def test_socketio_a_burst_gets_one_slow_down_message(servers):
    rounds = [(["/greet"] * 10, 10)] * 3 + [(["/greet"] * 3, 1)]  # 33 in a few seconds; the limit is 30
    received = socketio_exchange(servers, rounds)
    kinds = [e["custom"]["kind"] for e in received]
    assert kinds == ["smalltalk"] * 30 + ["limit"] and "faster than I can answer" in received[-1]["text"]
