"""The understanding's routing (bot/rasa_ext/understanding.py): which intent the dialogue's rules see when
the analysis and DIET disagree, through the real knowledge base."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.knowledge.analysis import analyse
from bot.rasa_ext.understanding import _route


def routed(kb, text: str, diet: list[tuple[str, float]]) -> str:
    """The intent the rules route on once the analysis had its say over DIET's `diet` ranking."""
    message = Message(data={TEXT: text, INTENT: {"name": diet[0][0], "confidence": diet[0][1]}})
    _route(message, analyse(kb, text, diet), diet)
    return message.get(INTENT)["name"]


@pytest.mark.parametrize("text,diet", [
    ("is it ok for someone her age?", [("handoff", 0.56), ("customer_service", 0.11)]),
    ("can my 13 yo use it", [("ask_capabilities", 0.6), ("greet", 0.2)]),
])
def test_a_question_about_it_that_diet_took_for_a_person_or_small_talk_is_answered(kb, text, diet):
    assert routed(kb, text, diet) not in ("handoff", "ask_capabilities", "greet")


@pytest.mark.parametrize("text", ["thanks! anything else i can do?", "thank you, what else helps?"])
def test_a_thank_you_that_asks_for_more_is_answered(kb, text):
    """"anything else?" in a thank-you asks a question of the conversation (action_answer), not small talk."""
    assert routed(kb, text, [("thank", 0.9), ("greet", 0.05)]) not in ("thank", "greet")
    assert routed(kb, "thanks a lot!", [("thank", 0.9), ("greet", 0.05)]) == "thank"


@pytest.mark.parametrize("text", ["can i talk to a real person please", "i want to speak to someone"])
def test_a_request_for_a_person_stays_a_handoff(kb, text):
    assert routed(kb, text, [("handoff", 0.9), ("ask_capabilities", 0.05)]) == "handoff"


def test_read_ahead_starts_the_encoding_the_analysis_takes(kb):
    """ReadAhead (first in the pipeline) starts encoding a message; its analysis takes that encoding and
    is the analysis made without it. A button's payload is not encoded."""
    from bot.knowledge.encoder import get_encoder
    from bot.rasa_ext.understanding import ReadAhead

    text = "why do spots leave red marks? and does the serum help"
    without = analyse(kb, text, [])
    started = get_encoder()._started
    started.clear()
    ReadAhead().process([Message(data={TEXT: text}), Message(data={TEXT: "/ask_serum"})])
    assert len(started) == 1
    assert analyse(kb, text, []) == without
    assert not started


def test_no_read_ahead_while_other_messages_are_in_hand(kb, monkeypatch):
    """With another conversation's message in hand (the lock store counts them), the message is read in
    turn, not handed to the encoder's thread; alone again, it is read ahead."""
    import asyncio

    from bot.knowledge.encoder import get_encoder
    from bot.rasa_ext import in_hand, lock_store
    from bot.rasa_ext.understanding import ReadAhead

    monkeypatch.delenv("REDIS_URL", raising=False)
    store, started = lock_store.EnvLockStore(), get_encoder()._started

    async def handled(*texts: str) -> int:
        started.clear()
        async with store.lock("a"), store.lock("b"):
            assert in_hand.messages_in_hand() == 2
            ReadAhead().process([Message(data={TEXT: t}) for t in texts])
        return len(started)

    assert asyncio.run(handled("does the serum help with red marks")) == 0
    assert in_hand.messages_in_hand() == 0
    ReadAhead().process([Message(data={TEXT: "does the serum help with red marks"})])
    assert len(started) == 1
    started.clear()


@pytest.mark.parametrize("text", ["do i need all three", "will the marks go away?"])
def test_a_question_diet_took_for_a_goodbye_is_answered(kb, text):
    """A question is no goodbye: "do i need all three" was told "bye for now"."""
    assert routed(kb, text, [("goodbye", 0.63), ("ask_serum", 0.07)]) != "goodbye"
    assert routed(kb, "ok bye!", [("goodbye", 0.9), ("thank", 0.05)]) == "goodbye"


def test_a_question_of_the_knowledge_bases_own_examples_goes_to_the_answer_as_a_fallback(kb):
    """"what do acne marks look like" is the knowledge base's own intent (bot/data/nearest.yml), which the
    domain doesn't have: the rules see `nlu_fallback` (-> action_answer), the analysis keeps `ask_marks`."""
    diet = [("ask_red_marks", 0.6), ("ask_causes", 0.2)]
    assert analyse(kb, "what does an acne mark look like, exactly", diet).intent == "ask_marks"
    assert routed(kb, "what does an acne mark look like, exactly", diet) == "nlu_fallback"


def test_training_encodes_each_example_once_and_fits_on_the_same_vectors(kb, tmp_path, monkeypatch):
    """`rasa train` fits the meaning classifier on the vectors the knowledge base caches for the same
    examples (the ones the nearest-example questions compare with): only a text it doesn't have is
    encoded, and the model is the one fitted on each text's own vector."""
    import numpy as np
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.knowledge.encoder import Encoder, get_encoder
    from bot.knowledge.semantic import MeaningModel, example_vectors, fit
    from bot.rasa_ext.understanding import WEIGHTS, MessageAnalysis

    example_vectors(kb.classified, get_encoder())  # cached (`make train` and the knowledge base do it)
    texts = [(e.text, e.intent) for e in kb.classified[::150]] + [("a sentence of none of the examples", "greet")]
    assert len({i for _, i in texts}) > 5
    expected = fit([i for _, i in texts], get_encoder().encode([t for t, _ in texts]))
    encoded: list[str] = []
    plain = Encoder.encode
    monkeypatch.setattr(Encoder, "encode", lambda self, some: encoded.extend(some) or plain(self, some))
    storage, resource = LocalModelStorage(tmp_path), Resource("analysis")
    MessageAnalysis.create({}, storage, resource, None).train(
        TrainingData([Message(data={TEXT: t, INTENT: i}) for t, i in texts]))
    assert encoded == ["a sentence of none of the examples"]
    with storage.read_from(resource) as directory:
        model = MeaningModel.load(directory / WEIGHTS)
    assert model.intents == expected.intents
    assert np.array_equal(model.coef, expected.coef) and np.array_equal(model.intercept, expected.intercept)


def test_a_message_is_read_from_its_arrival_once_the_model_is_loaded(kb, monkeypatch):
    """The channel starts the encoder on a message as it arrives (its cleaned text), once the model is loaded
    and no other message is in hand; ReadAhead then finds it started and starts nothing more."""
    import asyncio

    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from bot.channels.web import RestOutput, always_answer
    from bot.knowledge.encoder import get_encoder
    from bot.rasa_ext import in_hand, understanding
    from bot.rasa_ext.understanding import ReadAhead

    started, seen = get_encoder()._started, []

    async def rasa(message: UserMessage) -> None:  # what Rasa's handler finds when it gets the message
        seen.append(len(started))
        ReadAhead().process([Message(data={TEXT: message.text})])
        seen.append(len(started))
        await message.output_channel.send_text_message(message.sender_id, "ok")

    def arrive(text: str) -> None:
        asyncio.run(always_answer(rasa, output=RestOutput)(UserMessage(text, CollectingOutputChannel(), "u-1")))

    started.clear()
    monkeypatch.setattr(understanding, "_loaded", [])
    arrive("does the serum help with red marks")  # the model not loaded yet: read in the pipeline
    assert seen == [0, 1]
    started.clear(), seen.clear()
    monkeypatch.setattr(understanding, "_loaded", [True])
    arrive("does the serum help with red marks")
    assert seen == [1, 1]
    started.clear(), seen.clear()
    monkeypatch.setattr(in_hand, "_count", 2)  # others in hand (Rasa counts this one as it takes its lock)
    arrive("does the fluid help with red marks")
    assert seen == [0, 0]
    started.clear()


def test_small_talk_diet_split_between_two_is_the_one_the_classifiers_agree_on(kb):
    """"hi, what can you do": DIET splits greet 0.51 / capabilities 0.47 (under the fallback threshold); the
    averaged reading is the capabilities, which DIET ranks second: routed there, not to the fallback's answer.
    Small talk DIET ranks nowhere near the top is still never routed to."""
    assert routed(kb, "hi, what can you do", [("greet", 0.511), ("ask_capabilities", 0.466)]) == "ask_capabilities"
    assert routed(kb, "hi, what can you do", [("greet", 0.511), ("ask_routine", 0.3)]) == "greet"
