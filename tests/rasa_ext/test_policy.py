"""bot/rasa_ext/policy.py: the dialogue map learnt from the rules and stories, and what it predicts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import ROOT
from bot.rasa_ext.policy import DialogueMapError, IntentMapPolicy, learn
from tests.rasa_ext.test_fast_diet import Trained, trained  # noqa: F401 - the fixture


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def story(name: str, *turns: tuple[str, str]) -> DialogueStateTracker:
    tracker = DialogueStateTracker(name, [])
    tracker.update(ActionExecuted("action_listen"))
    for intent, action in turns:
        tracker.update(UserUttered("...", {"name": intent}))
        tracker.update(ActionExecuted(action))
        tracker.update(ActionExecuted("action_listen"))
    return tracker


def policy(tmp_path: Path, mapping: dict[str, str]) -> IntentMapPolicy:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    return IntentMapPolicy({**IntentMapPolicy.get_default_config()}, storage, Resource("policy"), context,
                           mapping=mapping)


def predicted(p: IntentMapPolicy, tracker: DialogueStateTracker, domain: Domain) -> str:
    prediction = p.predict_action_probabilities(tracker, domain)
    assert prediction.max_confidence == 1.0
    return domain.action_names_or_texts[prediction.max_confidence_index]


def test_the_map_is_learnt_from_rules_and_stories():
    assert learn([story("a", ("greet", "utter_greet"), ("ask_causes", "action_answer")),
                  story("b", ("ask_causes", "action_answer"), ("thank", "utter_thank"))]) == {
        "greet": "utter_greet", "ask_causes": "action_answer", "thank": "utter_thank"}


def test_one_intent_with_two_actions_fails_training_naming_both():
    with pytest.raises(DialogueMapError, match="'greet' goes to 'utter_greet' in a and to 'action_answer' in b"):
        learn([story("a", ("greet", "utter_greet")), story("b", ("greet", "action_answer"))])


def test_a_message_answered_by_two_actions_fails_training():
    tracker = story("two")
    tracker.update(UserUttered("hi", {"name": "greet"}))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(ActionExecuted("action_answer"))
    with pytest.raises(DialogueMapError, match="'greet' is answered by utter_greet then action_answer"):
        learn([tracker])


def test_predicts_the_mapped_action_then_listens(tmp_path, domain):
    p = policy(tmp_path, {"greet": "utter_greet", "ask_causes": "action_answer"})
    tracker = DialogueStateTracker("someone", domain.slots)
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
        tracker.update(event)
    assert predicted(p, tracker, domain) == "action_listen"  # nothing said yet
    tracker.update(UserUttered("what causes marks", {"name": "ask_causes", "confidence": 0.9}))
    assert predicted(p, tracker, domain) == "action_answer"
    tracker.update(ActionExecuted("action_answer"))
    tracker.update(BotUttered("An answer"))
    assert predicted(p, tracker, domain) == "action_listen"
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("/restart", {"name": "restart", "confidence": 1.0}))
    assert predicted(p, tracker, domain) == "action_restart"  # Rasa's default intents keep their actions
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("???", {"name": "ask_usage", "confidence": 0.9}))
    assert predicted(p, tracker, domain) == "action_default_fallback"  # an intent the data never answers


def test_persisted_and_loaded(tmp_path, domain):
    p = policy(tmp_path, {"greet": "utter_greet"})
    p.persist()
    loaded = IntentMapPolicy.load(IntentMapPolicy.get_default_config(), p._model_storage, p._resource,
                                  ExecutionContext(GraphSchema({}), "test"))
    assert loaded.mapping == {"greet": "utter_greet"}


@pytest.mark.slow
def test_the_trained_model_follows_every_rule(trained):  # noqa: F811
    """Every one-step rule of data/rules/ is in the trained model's map, and nothing else is."""
    node = next(n for n in trained.metadata.predict_schema.nodes.values() if issubclass(n.uses, IntentMapPolicy))
    loaded = IntentMapPolicy.load({**IntentMapPolicy.get_default_config(), **node.config}, trained.storage,
                                  node.resource, trained.context(None))
    rules = {}
    for path in sorted((ROOT / "data" / "rules").glob("*.yml")):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            (intent,), (action,) = ([s["intent"] for s in rule["steps"] if "intent" in s],
                                    [s["action"] for s in rule["steps"] if "action" in s])
            rules[intent] = action
    assert loaded.mapping == rules
