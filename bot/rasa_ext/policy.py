"""The dialogue policy: each intent goes to the one action the rules and stories give it.

The dialogue of this assistant is a map: every message is answered by one action (`action_answer`
for questions, `utter_greet` for a greeting...), and what a follow-up means is decided by the
knowledge base from the conversation state, not by the dialogue's shape (docs/conversation.md).
Rasa's RulePolicy would find the same actions by featurising the whole conversation into dialogue
states and matching every rule against them at each prediction, which costs more the longer the
conversation. This policy, registered the documented way (`DefaultV1Recipe.register`) and named
in `config.yml`, learns the map from the rules and stories at `rasa train` and predicts from the
latest message alone:

- after a user message: the action its intent maps to (Rasa's defaults for `/restart`, `/back` and
  `/session_start`; `core_fallback_action_name` for an intent the data never answers);
- after an action: `action_listen`.

Training fails, naming the intent, when the data gives one intent two different actions or answers
a message with more than one action: the map could not reproduce that data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData, confidence_scores_for
from rasa.core.policies.rule_policy import DEFAULT_ACTION_MAPPINGS
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME, RULE_SNIPPET_ACTION_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

MAP_FILE = "intent_actions.json"
DEFAULT_FALLBACK = "action_default_fallback"


class DialogueMapError(RasaException):
    """The training data is not a map from intents to single actions."""


def _turns(events: Iterable[Event]) -> Iterable[tuple[str, list[str]]]:
    """(intent, the actions that answered it) for each user message of a training tracker."""
    intent: str | None = None
    actions: list[str] = []
    for event in events:
        if isinstance(event, UserUttered):
            if intent:
                yield intent, actions
            intent, actions = event.intent_name, []
        elif isinstance(event, ActionExecuted) and intent and event.action_name not in (
                ACTION_LISTEN_NAME, RULE_SNIPPET_ACTION_NAME, None):
            actions.append(event.action_name)
    if intent:
        yield intent, actions


def learn(trackers: Iterable[DialogueStateTracker]) -> dict[str, str]:
    """The intent -> action map the trackers follow; DialogueMapError when they follow none."""
    mapping: dict[str, str] = {}
    where: dict[str, str] = {}
    for tracker in trackers:
        for intent, actions in _turns(tracker.events):
            if not actions:
                continue  # a story or rule that ends on the user's message
            if len(actions) > 1:
                raise DialogueMapError(f"{tracker.sender_id}: '{intent}' is answered by {' then '.join(actions)}; "
                                       "this assistant answers each message with one action")
            known = mapping.setdefault(intent, actions[0])
            if known != actions[0]:
                raise DialogueMapError(f"intent '{intent}' goes to '{known}' in {where[intent]} and to "
                                       f"'{actions[0]}' in {tracker.sender_id}")
            where.setdefault(intent, tracker.sender_id)
    return mapping


def _awaits_answer(tracker: DialogueStateTracker) -> bool:
    """Whether the latest user message came after the latest action (it has not been answered)."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted):
            return False
    return False


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class IntentMapPolicy(Policy):
    """Predicts the action the training data maps the latest intent to, then `action_listen`."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 6, "core_fallback_action_name": DEFAULT_FALLBACK}

    @staticmethod
    def supported_data() -> SupportedData:
        return SupportedData.ML_AND_RULE_DATA

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 execution_context: ExecutionContext, mapping: dict[str, str] | None = None, **_: Any) -> None:
        super().__init__(config, model_storage, resource, execution_context)
        self.mapping: dict[str, str] = dict(mapping or {})

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **_: Any) -> Resource:
        self.mapping = learn(training_trackers)
        unknown = sorted(a for a in set(self.mapping.values()) if a not in domain.action_names_or_texts)
        if unknown:
            raise DialogueMapError(f"actions not in the domain: {', '.join(unknown)}")
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as path:
            (Path(path) / MAP_FILE).write_text(json.dumps(self.mapping, indent=1, sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> IntentMapPolicy:
        with model_storage.read_from(resource) as path:
            mapping = json.loads((Path(path) / MAP_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, execution_context, mapping=mapping)

    def action_for(self, intent: str | None) -> str:
        """The action that answers a message of this intent."""
        if intent in DEFAULT_ACTION_MAPPINGS:
            return DEFAULT_ACTION_MAPPINGS[intent]
        return self.mapping.get(intent or "", self.config["core_fallback_action_name"])

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: dict[str, Any] | None = None, **_: Any) -> PolicyPrediction:
        if _awaits_answer(tracker):
            action = self.action_for(tracker.latest_message.intent.get("name") if tracker.latest_message else None)
        else:
            action = ACTION_LISTEN_NAME
        return self._prediction(confidence_scores_for(action, 1.0, domain))
