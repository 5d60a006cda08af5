"""The understanding in Rasa's pipeline: `MessageAnalysis`, a registered NLU component.

Training (`rasa train`): it encodes every training example with the pretrained sentence encoder
(bot/knowledge/encoder.py), fits the meaning classifier (bot/knowledge/semantic.py) and keeps its
weights in the model. Serving: it reads each message once into the knowledge base's `Analysis`
(typos, parts, products, red-flag finding, customer service, DIET's ranking averaged with the
meaning classifier's) and puts it in the parse data as `analysis`,
so `/model/parse` and `rasa shell nlu` show it, the stored user event keeps it, and the action only
composes the reply. A thin wrapper: the work is in bot/knowledge, which knows nothing of Rasa.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.knowledge.conversation import IT
from bot.knowledge.safety import SYMPTOM_INTENTS
from bot.knowledge.semantic import MeaningModel
from bot.knowledge.steps import ELSE

if TYPE_CHECKING:
    from bot.knowledge.analysis import Analysis

logger = logging.getLogger(__name__)

ANALYSIS = "analysis"  # the parse data key
# intents the dialogue answers with a response or an operator action (data/rules/): a message is
# never routed to small talk by the understanding, and votes and handoffs stay what DIET found
SMALL_TALK = ("greet", "goodbye", "thank", "bot_challenge", "ask_capabilities")
HANDOFF = "handoff"
OPERATORS = ("feedback", HANDOFF)
ASKED_OF_US = ("greet", "ask_capabilities")  # "can you...?": unless it asks about "it", a subject discussed
NLU_FALLBACK = "nlu_fallback"
GOODBYE = "goodbye"  # a question is no goodbye ("do i need all three?"; a thank-you may end with one)
WEIGHTS = "meaning.npz"


_loaded: list[bool] = []  # the model's knowledge base is loaded (`MessageAnalysis.ready`)


def read_on_arrival(text: str) -> None:
    """Start the sentence encoder on a message as the channel receives it, before Rasa takes its
    conversation's lock and reads its tracker (~0.7 ms sooner than `ReadAhead`, which then finds it started:
    `Encoder.start` runs the same pieces once); only when the model is loaded and no other message is in
    hand (at saturation a thread hand-off costs more than it saves)."""
    if _loaded:
        _read_ahead([text], in_hand=0)


def _read_ahead(texts: list[str], in_hand: int) -> None:
    """Start the encoder on these texts, unless more than `in_hand` messages are in hand."""
    from bot.knowledge import get_kb
    from bot.knowledge.analysis import read_ahead
    from bot.rasa_ext.in_hand import messages_in_hand

    if messages_in_hand() > in_hand:  # others in hand: no core to spare, and handing the run to a thread
        return  # then costs more than it saves (2-3 ms of CPU a message at saturation)
    for text in texts:
        read_ahead(get_kb(), text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ReadAhead(GraphComponent):
    """First in the pipeline: starts the sentence encoder on each message in the background, so it runs
    while the tokenizer, the count vectors and DIET do; `MessageAnalysis` takes its result. Training
    data passes through untouched."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> ReadAhead:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        _read_ahead([message.get(TEXT) or "" for message in messages], in_hand=1)  # (this one counted)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class MessageAnalysis(GraphComponent):
    """Puts the knowledge base's analysis of each message in its parse data (after DIET)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The encoder build is part of the config, so a new build retrains this (Rasa's cache keys on it)."""
        from bot.knowledge.encoder import BUILT_SHA256

        return {"encoder": BUILT_SHA256}

    def __init__(self, model_storage: ModelStorage, resource: Resource, meaning: MeaningModel | None = None) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.meaning = meaning

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> MessageAnalysis:
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the meaning classifier on the training examples' sentence vectors, and keep it."""
        import numpy as np

        from bot.knowledge import get_kb
        from bot.knowledge.encoder import get_encoder
        from bot.knowledge.semantic import encode_all, example_vectors, fit

        examples = [(m.get(TEXT), m.get(INTENT)) for m in training_data.intent_examples if m.get(TEXT)]
        # the knowledge base's examples are these (data/nlu/): their vectors, encoded once and cached, are
        # what the nearest-example questions compare with (semantic.Nearest) and what the model is fitted on
        get_kb().ready()  # ...and what the served processes would encode at their first messages
        classified = get_kb().classified
        known = dict(zip((e.text for e in classified), example_vectors(classified, get_encoder()), strict=True))
        missing = list(dict.fromkeys(t for t, _ in examples if t not in known))
        known.update(zip(missing, encode_all(missing, get_encoder()) if missing else [], strict=True))
        model = fit([i for _, i in examples], np.array([known[t] for t, _ in examples]))
        with self._model_storage.write_to(self._resource) as directory:
            model.save(directory / WEIGHTS)
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> MessageAnalysis:
        from bot import rasa_ext

        rasa_ext.install()  # a trained model is loaded (`rasa run`, `rasa shell nlu`, `rasa test`...): once
        try:
            with model_storage.read_from(resource) as directory:
                meaning = MeaningModel.load(directory / WEIGHTS)
        except (ValueError, FileNotFoundError, OSError):
            logger.warning("The model has no meaning classifier: the knowledge base fits its own.")
            meaning = None
        analysis = cls(model_storage, resource, meaning)
        analysis.ready()
        return analysis

    def ready(self) -> None:
        """The knowledge base loaded, with this model's meaning classifier, before the first message."""
        from bot.knowledge import get_kb

        if self.meaning is not None:
            get_kb().use_meaning_model(self.meaning)
        get_kb().ready()
        _loaded[:] = [True]

    def process(self, messages: list[Message]) -> list[Message]:
        """Analyse each message (the knowledge base is loaded with the model: `ready`)."""
        from bot.knowledge import get_kb
        from bot.knowledge.analysis import analyse

        kb = get_kb()
        if self.meaning is not None:
            kb.use_meaning_model(self.meaning)
        for message in messages:
            text = message.get(TEXT) or ""
            ranking = [(r["name"], r.get("confidence") or 0.0) for r in message.get(INTENT_RANKING_KEY) or []
                       if r.get("name")]
            analysis = analyse(kb, text, ranking)
            message.set(ANALYSIS, analysis.as_dict(), add_to_output=True)
            _route(message, analysis, ranking)
        return messages


def _route(message: Message, analysis: Analysis, ranking: list[tuple[str, float]]) -> None:
    """The understanding's intent becomes the message's, when it differs from DIET's (the dialogue's
    rules route on it): a symptom report in a thank-you is answered with the warning, a question DIET
    took for small talk is answered, and so is a question about "it" ("can my 13 yo use it?": small talk
    never asks about a subject of the conversation)."""
    from bot.knowledge import get_kb

    diet = ranking[0][0] if ranking else ""
    intent = analysis.intent
    asks_of_it = any(p.asks and IT.search(p.text) for p in analysis.parts)
    asks_more = diet in SMALL_TALK and any(p.asks and ELSE.search(p.text) for p in analysis.parts)
    asks = diet == GOODBYE and bool(analysis.parts) and all(p.asks for p in analysis.parts)
    if diet in ASKED_OF_US + (HANDOFF,) and asks_of_it or asks_more or asks:  # ("thanks! anything else i can do?")
        intent = next((i for i, _ in analysis.intents if i not in SMALL_TALK + OPERATORS), NLU_FALLBACK)
    if intent in get_kb().nearest.intents:  # the knowledge base's own question (bot/data/nearest.yml): no
        intent = NLU_FALLBACK  # intent of the domain's; it goes to action_answer like any question
    warning = intent in SYMPTOM_INTENTS  # a symptom is warned of first, whatever else is asked
    kept = diet in OPERATORS and not warning and not (diet == HANDOFF and asks_of_it)
    # small talk only where DIET read small talk too, split between two ("hi, what can you do": greet 0.51,
    # capabilities 0.47, under the fallback threshold): the one the two classifiers agree on
    between = diet in SMALL_TALK and intent in [name for name, _ in ranking[:2]]
    if not intent or intent == diet or intent in OPERATORS or intent in SMALL_TALK and not between or kept:
        return
    confidence = max(dict(analysis.intents).get(intent, 0.0), dict(ranking).get(intent, 0.0))
    if warning:
        confidence = 1.0  # ...and never left to a confidence threshold
    message.set(INTENT, {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence}]
                + [{"name": n, "confidence": c} for n, c in ranking if n != intent], add_to_output=True)
