"""Messages read at once on the parse threads (bot/rasa_ext/parsing.py) are read as one at a time."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.rasa_ext import parsing

# several clauses, a colour, a product's property, a symptom, a follow-up, small talk: the readings
# that keep a message's own vectors across encoder runs (reading.py) and read pieces alone (safety.py)
TEXTS = [
    "what is the mattifying fluid?",
    "my spot is hot and swollen and i feel feverish, also what does the serum do",
    "how much is the serum and the gel?",
    "why are my red marks red? is it blood or pigment",
    "i have brown marks on my cheeks, what helps",
    "thanks!",
    "can i use it while pregnant",
    "what does the serum do and my lips swelled up after the cleanser",
    "ive tried like 5 different serums and nothing has shifted my marks, do peels work",
    "hello",
    "is the fluid ok for oily skin? and how long till the serum works",
    "what is PIE and what is PIH",
]


@pytest.mark.slow  # loads the trained model (~10 s): left out of `make test-fast`
def test_messages_read_at_once_on_the_parse_threads_get_the_parse_they_get_alone(rasa_changes, monkeypatch):
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

    from bot.config import ROOT

    model = ROOT / "models" / "faq.tar.gz"
    if not model.exists():
        pytest.skip("no trained model (make train)")
    processor = Agent.load(str(model)).processor

    def message(i: int, text: str) -> UserMessage:
        return UserMessage(text, message_id=str(i), sender_id=f"s{i}")

    async def alone() -> list[dict]:
        return [await processor.parse_message(message(i, t)) for i, t in enumerate(TEXTS)]

    async def at_once() -> list[dict]:
        return list(await asyncio.gather(*(processor.parse_message(message(i, t)) for i, t in enumerate(TEXTS))))

    one_at_a_time = asyncio.run(alone())
    threads: list[str] = []
    read = parsing._read

    def recorded(*args: object) -> dict:
        threads.append(threading.current_thread().name)
        return read(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(parsing, "_read", recorded)
    monkeypatch.setattr(parsing, "messages_in_hand", lambda: len(TEXTS))  # as at saturation
    together = [asyncio.run(at_once()) for _ in range(3)]
    assert len(threads) == 3 * len(TEXTS) and {t.rsplit("_", 1)[0] for t in threads} == {"parse"}
    assert len(set(threads)) == parsing.PARSE_THREADS
    for parsed in together:
        assert parsed == one_at_a_time
    assert one_at_a_time[0]["intent"]["name"] == "ask_fluid"


@pytest.mark.parametrize("intent, entities", [
    ("ask_fluid", []), (None, []), ("nlu_fallback", []), ("ask_for_a_refund_in_bitcoin", []),
    ("ask_fluid", [{"entity": "rating"}]), ("ask_fluid", [{"entity": "colour_of_the_moon"}])])
def test_rasas_unseen_feature_check_runs_exactly_when_it_could_warn(intent, entities):
    """`_may_be_unseen` skips Rasa's check (and the empty Domain it builds) only where it stays silent."""
    import warnings
    from types import SimpleNamespace

    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.domain import Domain

    from bot.config import ROOT

    processor = SimpleNamespace(domain=Domain.load(ROOT / "domain.yml"))
    parse_data = {"intent": {"name": intent, "confidence": 1.0}, "entities": entities}
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        MessageProcessor._check_for_unseen_features(processor, parse_data)  # type: ignore[arg-type]
    warned_of = [str(w.message) for w in warned if "not defined in the domain" in str(w.message)]
    unknown = intent == "ask_for_a_refund_in_bitcoin" or entities == [{"entity": "colour_of_the_moon"}]
    assert bool(warned_of) is unknown
    assert parsing._may_be_unseen(processor, parse_data) is (bool(warned_of) or bool(entities))
