"""The topic map and answer composition: verbatim, sectioned, tailored, validated."""

from pathlib import Path

import pytest
import yaml

from bot import knowledge
from bot.config import ARTICLE_PATH, TOPICS_PATH
from bot.knowledge import KnowledgeError
from tests.conftest import norm


def test_every_mapped_passage_exists_and_is_verbatim(kb, source_text):
    for topic in kb.topics.values():
        for pid in topic.passages + tuple(p for v in topic.variants.values() for p in v):
            assert norm(kb.passages[pid].text) in source_text, (topic.id, pid)


def test_every_answer_names_its_section_and_quotes_the_article(kb, source_text):
    for topic in kb.topics:
        messages = [m for m in kb.answer(topic) if m.section]
        assert messages, topic
        for msg in messages:
            head, body = msg.text.split("\n", 1)
            assert head == f"From *{msg.section}*:"
            # the body is verbatim passages and nothing else but spaces, newlines and bullets
            for passage in kb.passages.values():
                if passage.text in body:
                    assert norm(passage.text) in source_text
                    body = body.replace(passage.text, "", 1)
            assert body.replace("•", "").strip() == "", (topic, body)


def test_answer_offers_related_questions_as_buttons(kb):
    buttons = kb.answer("serum")[-1].buttons
    assert [b["payload"] for b in buttons] == ["/ask_results_time", "/ask_thiamidol", "/ask_fluid"]
    assert all(b["title"] for b in buttons)


def test_answers_are_tailored_to_context(kb):
    red = " ".join(m.text for m in kb.answer("causes", ("red",)))
    brown = " ".join(m.text for m in kb.answer("causes", ("brown",)))
    assert "blood vessels" in red and "excess melanin" not in red
    assert "excess melanin" in brown and "blood vessels" not in brown
    fluid = " ".join(m.text for m in kb.answer("results_time", ("fluid",)))
    assert "Serum and Fluid SPF 30" in fluid


@pytest.mark.parametrize("text, expected", [
    ("I have a fever and the spot is swollen", True),
    ("the redness is spreading", True),
    ("my mark is bleeding", True),
    ("this mark keeps changing shape", True),
    ("what causes red marks", False),
    ("does salicylic acid help with blood vessels", False),
])
def test_red_flags(kb, text, expected):
    assert kb.is_red_flag(text) is expected


def test_gaps_and_off_topic(kb):
    assert kb.gap("does lemon juice fade marks")[1] == "home_remedies"
    assert kb.gap("how much does laser cost")[1] == "treatments"
    assert kb.gap("what causes pimple marks") is None
    assert kb.off_topic_subject("best cream for psoriasis") == "psoriasis"
    assert kb.off_topic_subject("what is PIE") is None


@pytest.mark.parametrize("text, topic", [
    ("thiamidol", "thiamidol"),
    ("chemical peel laser", "treatments"),
    ("volunteers study", "study"),
    ("squeeze", "picking"),
])
def test_search_finds_the_topic(kb, text, topic):
    assert kb.search(text)[0][0] == topic


def test_search_finds_nothing_for_unrelated_text(kb):
    assert kb.search("how do I cook pasta") == []


def _write(tmp_path: Path, data) -> Path:
    path = tmp_path / "topics.yml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def _topics() -> dict:
    return yaml.safe_load(TOPICS_PATH.read_text())


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["topics"]["serum"].update(passages=["routine.99"]), "unknown passage 'routine.99'"),
    (lambda d: d["topics"]["serum"].update(related=["nope"]), "unknown related topic 'nope'"),
    (lambda d: d["topics"]["pie"].update(intent="ask_causes"), "intent 'ask_causes' is used by two topics"),
    (lambda d: d["red_flags"].append("(unclosed"), "bad regular expression"),
    (lambda d: d.pop("replies"), "missing or malformed entry"),
    (lambda d: d["gaps"].append({"pattern": "x", "nearest": "nowhere"}), "gaps: unknown topic 'nowhere'"),
])
def test_broken_topic_map_fails_clearly(tmp_path, mutate, message):
    data = _topics()
    mutate(data)
    with pytest.raises(KnowledgeError, match=message):
        knowledge.load(ARTICLE_PATH, _write(tmp_path, data))


def test_unparseable_topic_map_fails_clearly(tmp_path):
    with pytest.raises(KnowledgeError, match="cannot read topic map"):
        knowledge.load(ARTICLE_PATH, _write(tmp_path, "topics: [unclosed"))
    with pytest.raises(KnowledgeError, match="expected a mapping"):
        knowledge.load(ARTICLE_PATH, _write(tmp_path, "- a list\n"))
