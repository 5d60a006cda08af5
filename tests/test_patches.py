"""bot/rasa_ext/patches.py changes how Rasa does two things, never what it does."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot.rasa_ext import patches


def test_event_lookup_matches_rasa(rasa_changes):
    names = {cls.type_name for cls in all_subclasses(Event)}
    for name in names:
        assert patches.resolve_by_type(name) is patches._original_resolve_by_type(name)
    assert Event.resolve_by_type("slot") is patches._original_resolve_by_type("slot")
    assert patches.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        patches.resolve_by_type("no_such_event")


def test_action_results_are_still_validated(rasa_changes):
    action = RemoteAction("action_answer", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": [{"event": 5}]})


def test_cached_event_validation_still_rejects_a_bad_event_among_good_ones(rasa_changes):
    action = RemoteAction("action_answer", None)
    good = [{"event": "slot", "name": "last_topic", "value": "serum"}, {"event": "action", "name": "action_listen"}]
    for _ in range(3):  # second and third time from the cache
        assert action._validate_action_result({"events": good, "responses": [{"text": "hi"}]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": [*good, {"event": "slot"}]})  # no name
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": good, "responses": ["not an object"]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": {"event": "slot"}})


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
