"""bot/rasa_ext/in_process.py: endpoints.yml's `actions_module` runs the custom actions in Rasa's process,
through Rasa's own RemoteAction, with the replies and errors the action server would give."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.config import ENDPOINTS, endpoints_file
from bot.rasa_ext import in_process

SAMPLE = "tests.rasa_ext.sample_actions"


def run(name: str, module: str, text: str = "what is thiamidol?", domain: Domain | None = None) -> list[Any]:
    """Rasa's RemoteAction `name` run against an endpoint naming `module`, after one user message."""
    domain = domain or Domain.from_dict({"slots": {"held": {"type": "any", "mappings": [{"type": "custom"}]}},
                                          "actions": [name]})
    tracker = DialogueStateTracker.from_events("s", [ActionExecuted("action_listen"), UserUttered(
        text, {"name": "ask_ingredient", "confidence": 0.9})], domain.slots)
    endpoint = EndpointConfig(url="http://127.0.0.1:1/webhook", actions_module=module)
    action = RemoteAction(name, endpoint)
    return asyncio.run(action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, domain))


def test_endpoints_yml_runs_the_actions_in_rasas_process():
    endpoint = yaml.safe_load(ENDPOINTS.read_text())["action_endpoint"]
    assert endpoint["actions_module"] == "actions"
    assert in_process.module_of(EndpointConfig.from_dict(endpoint)) == "actions"
    assert in_process.module_of(EndpointConfig(url="http://x/webhook")) is None


def test_an_action_server_url_calls_that_server_instead():
    copy = yaml.safe_load(endpoints_file("http://actions.internal:5055/webhook").read_text())["action_endpoint"]
    assert copy["url"] == "http://actions.internal:5055/webhook" and "actions_module" not in copy


def test_the_answer_comes_through_rasas_remote_action(rasa_changes):
    events = run("action_answer", "actions", domain=Domain.load("domain.yml"))
    said = [e.text for e in events if isinstance(e, BotUttered)]
    assert said and said[0].startswith("From *") and "Thiamidol" in " ".join(said), said


def test_an_action_holds_the_readers_turn_and_its_events_are_rasas(rasa_changes):
    events = run("action_echo", SAMPLE)
    assert [e.text for e in events if isinstance(e, BotUttered)] == ["you said: what is thiamidol?"]
    assert [(e.key, e.value) for e in events if isinstance(e, SlotSet)] == [("held", True)]


def test_a_rejection_is_rasas_rejection_and_a_bug_fails_the_turn(rasa_changes, caplog):
    from rasa.core.actions.action import ActionExecutionRejection

    with pytest.raises(ActionExecutionRejection):
        run("action_rejects", SAMPLE)
    with pytest.raises(RasaException, match="Failed to execute custom action 'action_raises'"):
        run("action_raises", SAMPLE)
    assert "a bug in an action" in caplog.text  # logged with its traceback, as the action server would
    with pytest.raises(RasaException, match="action_nowhere"):
        run("action_nowhere", SAMPLE)  # the action server's 404


def test_the_turn_is_free_again_after_each_action(rasa_changes):
    from bot.knowledge import turns

    for name in ("action_echo", "action_raises"):
        try:
            run(name, SAMPLE)
        except RasaException:
            pass
        assert turns._turn.acquire(blocking=False)
        turns._turn.release()


def test_a_misspelt_actions_module_fails_the_turn_saying_why(rasa_changes, caplog):
    with pytest.raises(RasaException, match="Failed to execute custom action 'action_answer'"):
        run("action_answer", "no_such_actions")
    assert "No module named 'no_such_actions'" in caplog.text


def test_only_the_webhooks_post_is_answered():
    with pytest.raises(ValueError, match="POST with a JSON body"):
        in_process.ActionsSession("actions").request("get", "http://x/health")
