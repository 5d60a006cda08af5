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


def test_policies_copy_their_states_only_for_debug_lines_that_are_written(rasa_changes):
    import logging

    import rasa.core.policies.memoization as memoization
    import rasa.core.policies.rule_policy as rule_policy
    import rasa.core.processor as processor

    states = [{"user": {"intent": "greet"}}]
    logger = logging.getLogger("rasa.core.policies.rule_policy")
    level = logger.level
    try:
        logger.setLevel(logging.INFO)
        assert rule_policy.copy.deepcopy(states) is states
        assert memoization.copy.deepcopy(states) is states
        assert processor.copy.deepcopy(states) is states
        logger.setLevel(logging.DEBUG)
        copied = rule_policy.copy.deepcopy(states)
        assert copied == states and copied is not states and copied[0] is not states[0]
    finally:
        logger.setLevel(level)
    assert rule_policy.copy.copy is __import__("copy").copy


def test_the_spacy_pipeline_is_loaded_once_per_name(rasa_changes):
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    from bot.config import ROOT

    name = str(ROOT / "models" / "spacy-en-lookup")
    if not (ROOT / "models" / "spacy-en-lookup").exists():
        pytest.skip("no spaCy pipeline (make setup)")
    first, second = SpacyNLP.load_model(name), SpacyNLP.load_model(name)
    assert first is second and first.model("red marks")[1].lemma_ == "mark"
    with pytest.raises(Exception, match="available spaCy model"):
        SpacyNLP.load_model(str(ROOT / "no-such-model"))
