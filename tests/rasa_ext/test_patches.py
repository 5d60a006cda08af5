"""bot/rasa_ext/patches.py changes how Rasa does some things, never what it does."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_ext import patches


def test_action_results_are_still_validated(rasa_changes):
    action = RemoteAction("action_answer", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": [{"event": 5}]})


def test_event_validation_by_kind_still_rejects_a_bad_event_among_good_ones(rasa_changes):
    action = RemoteAction("action_answer", None)
    good = [{"event": "slot", "name": "last_topic", "value": "serum"}, {"event": "action", "name": "action_listen"}]
    assert action._validate_action_result({"events": good, "responses": [{"text": "hi"}]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": [*good, {"event": "slot"}]})  # no name
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": [*good, {"event": "no_such_kind"}]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": good, "responses": ["not an object"]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": {"event": "slot"}})


def test_an_event_is_valid_by_its_kind_exactly_when_rasas_one_of_says_so(rasa_changes):
    """Rasa's own check (the oneOf over every event schema) and ours agree, event by event."""
    from jsonschema import validators

    schema = RemoteAction.action_response_format_spec()["properties"]["events"]["items"]
    rasas = validators.validator_for(schema)(schema)
    user = {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": 0.9},
                                                          "entities": [{"entity": "product", "value": "serum",
                                                                        "start": 0, "end": 5}]}}
    events = [
        {"event": "slot", "name": "conversation", "value": {"topics": ["serum"], "marks": ["red"]}},
        {"event": "slot", "name": "product", "value": None, "timestamp": 1.5},
        {"event": "slot", "name": 3, "value": "x"}, {"event": "slot", "value": "x"},
        {"event": "action", "name": "action_listen"}, {"event": "action", "name": 1},
        {"event": "bot", "text": "hello"}, {"event": "restart"}, {"event": "followup", "name": "x"},
        user, {**user, "parse_data": {"entities": [{"entity": "product"}]}},
        {"event": "user", "text": "hi", "parse_data": {"entities": "none"}},
        {"event": "entities", "entities": []}, {"event": "entities"},
        {"event": "session_started", "timestamp": "noon"}, {"event": "made_up"}, {"event": None}, {},
    ]
    mine = [patches._events_are_valid([event]) for event in events]
    assert mine == [rasas.is_valid(event) for event in events]
    assert True in mine and False in mine


def test_startup_objects_are_frozen_once_the_rest_channel_starts(rasa_changes):
    import asyncio
    import gc

    from bot.channels.web import RestInput

    async def on_message(_):
        return None

    blueprint = RestInput().blueprint(on_message)
    listeners = [f for f in blueprint._future_listeners if f.event == "after_server_start"]
    assert [f.listener for f in listeners] == [patches.freeze_startup_objects]
    try:
        asyncio.run(patches.freeze_startup_objects(None, None))
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()


def test_calls_to_the_action_server_reuse_one_connection(rasa_changes):
    """Rasa opens a new session (a new TCP connection) per call; the patch keeps one per endpoint."""
    import asyncio

    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    peers: list[int] = []

    async def webhook(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername")[1])  # the client's port
        return web.json_response({"events": [], "responses": []})

    async def scenario() -> list[dict]:
        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        try:
            return [await endpoint.request(json={"n": i}, method="post") for i in range(3)]
        finally:
            await patches.close_sessions()
            await runner.cleanup()

    assert asyncio.run(scenario()) == [{"events": [], "responses": []}] * 3
    assert len(peers) == 3 and len(set(peers)) == 1, peers  # one connection for the three calls
    assert not patches._sessions  # closed with the server


def test_answer_actions_get_the_events_since_the_users_message_the_vote_gets_them_all(rasa_changes, domain):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    rasa_domain = Domain.from_dict(domain)
    tracker = DialogueStateTracker("someone", rasa_domain.slots)
    turns = [[UserUttered(f"question {i}", {"name": "ask_serum", "confidence": 0.9}),
              ActionExecuted("action_answer"), BotUttered(f"answer {i}", {"custom": {"id": f"a{i}"}}),
              SlotSet("last_topic", "serum"), ActionExecuted("action_listen")] for i in range(3)]
    for event in [e for turn in turns for e in turn][:-2]:  # the last turn: the action is running
        tracker.update(event)
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")

    def sent(name: str) -> dict:
        return RemoteAction(name, endpoint)._action_call_format(tracker, rasa_domain)

    rasa_answer = patches._original_action_call_format(RemoteAction("action_answer", endpoint), tracker, rasa_domain)
    answer, vote = sent("action_answer"), sent("action_feedback")
    assert [e["event"] for e in answer["tracker"]["events"]] == ["user", "action", "bot"]
    assert answer["tracker"]["events"][0]["text"] == "question 2"
    assert {**answer["tracker"], "events": None} == {**rasa_answer["tracker"], "events": None}
    assert answer["tracker"]["slots"]["last_topic"] == "serum"
    rest = [{k: v for k, v in sent.items() if k != "tracker"} for sent in (answer, rasa_answer)]
    assert rest[0] == rest[1]
    assert len(vote["tracker"]["events"]) == len(tracker.events)


def test_a_store_error_fails_the_turn_through_failsafes_own_callback(rasa_changes):
    import asyncio

    from rasa.core.agent import Agent
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
    from rasa.shared.core.domain import Domain

    class Broken(InMemoryTrackerStore):
        async def retrieve(self, sender_id):
            raise ConnectionError("database down")

    store = Agent._create_tracker_store(Broken(Domain.empty()), Domain.empty())
    assert isinstance(store, FailSafeTrackerStore)
    with pytest.raises(ConnectionError, match="database down"):
        asyncio.run(store.retrieve("someone"))


@pytest.mark.slow  # waits out a restart (~4.5 s): left out of `make test-fast`
def test_a_call_to_an_action_server_that_is_restarting_waits_for_it(rasa_changes):
    """Nothing listens on the action server's port at first (it restarts): the call is tried again
    until it is up, 0.6 s later, and answered; a server that stays down still fails the call."""
    import asyncio
    import socket

    import aiohttp
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def webhook(request: web.Request) -> web.Response:
        return web.json_response({"events": [], "responses": [{"text": "up"}]})

    async def scenario() -> tuple[dict, float]:
        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()

        async def start_later() -> None:
            await asyncio.sleep(0.6)
            await web.TCPSite(runner, "127.0.0.1", port).start()

        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        starting = asyncio.create_task(start_later())
        began = asyncio.get_running_loop().time()
        try:
            reply = await endpoint.request(json={}, method="post")
            return reply, asyncio.get_running_loop().time() - began
        finally:
            await starting
            await patches.close_sessions()
            await runner.cleanup()

    reply, waited = asyncio.run(scenario())
    assert reply == {"events": [], "responses": [{"text": "up"}]} and 0.5 < waited < 2, waited

    async def down() -> None:
        try:
            await EndpointConfig(f"http://127.0.0.1:{port}/webhook").request(json={}, method="post")
        finally:
            await patches.close_sessions()

    with pytest.raises(aiohttp.ClientConnectorError):
        asyncio.run(down())


def test_a_kept_alive_connection_the_action_server_closes_mid_request_is_tried_again(rasa_changes):
    """The action server resets the kept-alive connection as the next request's body is written (its
    keep-alive timeout ran out as the call began; seen at saturation as the apology): the call is sent
    again on a new connection and answered, not failed."""
    import asyncio
    import json
    import socket
    import struct

    from rasa.utils.endpoints import EndpointConfig

    reply = json.dumps({"events": [], "responses": [{"text": "up"}]}).encode()
    seen: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for turn in range(2):
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:  # (the session closed at the end)
                return
            if turn:  # the second request on this connection: reset it, body unread
                seen.append("reset")
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")))
            await reader.readexactly(length)
            seen.append("answered")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(reply), reply))
            await writer.drain()

    async def scenario() -> list[dict]:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        body = {"tracker": {"events": ["x" * 1000] * 4000}}  # 4 MB: still being written when reset
        try:
            return [await endpoint.request(json=body, method="post") for _ in range(2)]
        finally:
            await patches.close_sessions()
            server.close()

    replies = asyncio.run(scenario())
    assert replies == [{"events": [], "responses": [{"text": "up"}]}] * 2
    assert seen == ["answered", "reset", "answered"]
