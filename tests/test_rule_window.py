"""The trained RulePolicy predicts the same with bot/rasa_ext/dialogue_states.py's window (rules matched
on the latest states only) as Rasa's own over the whole conversation, at every turn of long random
conversations: rules that apply, turns no rule covers, fallbacks, rewinds and restarts."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import ROOT
from bot.rasa_ext import dialogue_states

pytestmark = pytest.mark.slow  # reads the trained model
MODEL = ROOT / "models" / "faq.tar.gz"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):
    if not MODEL.exists():
        pytest.skip("no trained model (make train)")
    storage, metadata = LocalModelStorage.from_model_archive(tmp_path_factory.mktemp("model"), MODEL)
    node = next(n for n in metadata.predict_schema.nodes.values() if issubclass(n.uses, RulePolicy))
    policy = node.uses.load({**node.uses.get_default_config(), **node.config}, storage, node.resource,
                            ExecutionContext(metadata.predict_schema, metadata.model_id))
    return policy, metadata.domain


def predict(policy: RulePolicy, tracker: DialogueStateTracker, domain, windowed: bool):
    (dialogue_states.install if windowed else dialogue_states.uninstall)()
    try:
        prediction = policy.predict_action_probabilities(tracker, domain)
    finally:
        dialogue_states.uninstall()
    return (np.round(prediction.probabilities, 6).tolist(), prediction.hide_rule_turn,
            [e.as_dict() for e in prediction.events], prediction.is_end_to_end_prediction)


@pytest.mark.parametrize("seed", range(3))
def test_windowed_rules_predict_as_rasa_on_long_conversations(trained, seed):
    policy, domain = trained
    assert dialogue_states.rule_window(policy) < 10  # short rules: far fewer states than 60 turns
    rng = random.Random(seed)
    intents = [*domain.intents, "nlu_fallback"]
    tracker = DialogueStateTracker("someone", domain.slots)
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
        tracker.update(event)
    compared = 0
    for _ in range(60):
        tracker.update(UserUttered("text", {"name": rng.choice(intents), "confidence": 0.9}))
        for _step in range(2):  # the answer, then what follows it
            expected = predict(policy, tracker, domain, windowed=False)
            assert predict(policy, tracker, domain, windowed=True) == expected, len(tracker.events)
            compared += 1
            best = domain.action_names_or_texts[int(np.argmax(expected[0]))]
            action = best if rng.random() < 0.8 else rng.choice(domain.action_names_or_texts)
            tracker.update(ActionExecuted(action))
            if action == "action_listen":
                break
            tracker.update(BotUttered("an answer"))
            tracker.update(SlotSet("last_topic", rng.choice(["serum", None])))
        if tracker.latest_action_name != "action_listen":
            tracker.update(ActionExecuted("action_listen"))
        roll = rng.random()
        if roll < 0.05:
            tracker.update(UserUtteranceReverted())
        elif roll < 0.08:
            tracker.update(Restarted())
            tracker.update(ActionExecuted("action_listen"))
    assert compared >= 100


def test_indexed_rule_search_finds_what_rasas_finds(trained):
    """Every rule table, against the states of a long random conversation (with and without the
    user's text, with the conversation's start), keys found equal Rasa's `_get_possible_keys`."""
    from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH

    policy, domain = trained
    rng = random.Random(5)
    tracker = DialogueStateTracker("someone", domain.slots)
    tracker.update(ActionExecuted("action_listen"))
    checked = found = 0
    for _ in range(40):
        tracker.update(UserUttered("text", {"name": rng.choice([*domain.intents, "nlu_fallback"]), "confidence": 0.9}))
        for action in (rng.choice(domain.action_names_or_texts), "action_listen"):
            for use_text in (False, True):
                states = policy._prediction_states(tracker, domain, use_text)
                for table in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH):
                    lookup = policy.lookup.get(table, {})
                    for window in (states, states[-3:], states[:1], []):
                        keys = dialogue_states.get_possible_keys(policy, lookup, window)
                        assert keys == dialogue_states._original_get_possible_keys(policy, lookup, window)
                        checked, found = checked + 1, found + len(keys)
            tracker.update(ActionExecuted(action))
    assert checked > 1000 and found > 100


def test_indexed_rule_search_keeps_conversation_start_rules(trained):
    import json

    from rasa.shared.core.constants import SHOULD_NOT_BE_SET

    policy, _ = trained
    keys = [json.dumps(states) for states in (
        [{"user": {"intent": "greet"}}],  # a conversation start: no previous action
        [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}],
        [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": SHOULD_NOT_BE_SET}}],
        [{"prev_action": {"action_name": "action_listen"}, "user": {"entities": ["rating"]}}],
    )]
    lookup = {key: "utter_greet" for key in keys}
    for last in ({"user": {"intent": "greet"}}, {"user": {"intent": "thank"}},
                 {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}},
                 {"prev_action": {"action_name": "action_listen"}, "user": {"entities": ("rating",)}}):
        found = dialogue_states.get_possible_keys(policy, lookup, [last])
        assert found == dialogue_states._original_get_possible_keys(policy, lookup, [last])
    assert keys[0] in dialogue_states.get_possible_keys(policy, lookup, [{"user": {"intent": "thank"}}])
