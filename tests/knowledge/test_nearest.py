"""Intents learnt from their own examples alone, by nearest neighbour (bot/knowledge/semantic.py `Nearest`,
bot/data/nearest.yml): what they answer, what they leave to the classifiers, and that Rasa never sees them."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from bot.config import NEAREST_PATH, NLU_DIR, ROOT
from bot.knowledge import reply_to, semantic
from bot.knowledge.encoder import get_encoder
from bot.knowledge.examples import Example
from bot.knowledge.thresholds import NEAREST_SURE


def nearest_of(mine: dict[str, list[str]], others: list[str]) -> semantic.Nearest:
    examples = [Example(t, i, nearest_only=True) for i, texts in mine.items() for t in texts]
    return semantic.nearest(examples, get_encoder().encode(others), get_encoder())


def test_a_message_near_an_example_and_nearer_than_to_any_other_is_its_intent():
    found = nearest_of({"ask_age_of_page": ["when was this page written", "how old is this page"]},
                       ["how long until the serum works", "what causes red marks"])
    intent, similarity = found.first(get_encoder().encode(["how old is this web page?"])[0])
    assert intent == "ask_age_of_page" and similarity >= NEAREST_SURE
    assert found.first(get_encoder().encode(["how long does the serum take?"])[0]) is None


def test_a_message_nearer_to_another_example_keeps_the_classifiers_ranking():
    """Near one of the intent's examples, but nearer still to an example of the classifiers'."""
    found = nearest_of({"ask_page": ["what is this page about"]}, ["what is this page about, the serum?"])
    vector = get_encoder().encode(["what is this page about, the serum"])[0]
    ranking = [("ask_serum", 0.7), ("ask_routine", 0.2)]
    assert found.first(vector) is None and found.rank(vector, ranking) == ranking


def test_the_intent_comes_first_and_the_rest_shrinks():
    found = nearest_of({"ask_page": ["what is this page about"]}, ["how long until it works"])
    vector = get_encoder().encode(["what is this page about"])[0]
    ranked = found.rank(vector, [("ask_serum", 0.5), ("ask_routine", 0.3)])
    assert ranked[0] == ("ask_page", 1.0) and all(p < 0.05 for _, p in ranked[1:])


@pytest.mark.parametrize("text", ["what does an acne mark look like, exactly", "so what would an acne mark look like?",
                                  "how do i know if these are acne marks"])
def test_what_marks_are_is_answered_with_the_articles_description(kb, text):
    reply = reply_to(kb, text, [], {})
    assert reply.messages[0].text.startswith("From *Acne marks vs acne scars*:")
    assert kb.passages["marks-vs-scars.3"].text in reply.messages[0].text


def test_marks_of_one_colour_keep_their_own_description(kb):
    """"what are red acne marks" is near "what are acne marks" but nearer to the red marks' own examples."""
    reply = reply_to(kb, "what are the red acne marks, exactly?", [], {})
    assert kb.passages["causes.3"].text in reply.messages[0].text


def test_a_clause_or_a_question_read_again_keeps_the_classifiers_ranking(kb):
    """Only the message as sent is read by its nearest examples: a clause of it keeps the classifier's."""
    whole, clauses = kb.read(["what are acne marks"])
    assert whole[0] == ("ask_marks", 1.0)
    assert clauses[0][0][0] != "ask_marks" and kb.meaning(["what are acne marks"])[0][0][0] != "ask_marks"


def test_rasa_never_reads_the_nearest_examples(kb):
    """They live outside data/ (DIET's labels would move with a new intent of the domain), and the
    classifiers of the knowledge base don't learn them either."""
    nearest = {block["intent"] for block in yaml.safe_load(NEAREST_PATH.read_text())["nlu"]}
    assert nearest and nearest == set(kb.nearest.intents)
    assert not NEAREST_PATH.is_relative_to(ROOT / "data")
    nlu = {block.get("intent") for f in NLU_DIR.glob("*.yml") for block in yaml.safe_load(f.read_text())["nlu"]}
    domain = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    assert not nearest & (nlu | {i if isinstance(i, str) else next(iter(i)) for i in domain})
    assert not {e.intent for e in kb.classified} & nearest
    assert len(kb.nearest.others) == len(kb.classified) and np.allclose(np.linalg.norm(kb.nearest.vectors, axis=1), 1)


@pytest.mark.parametrize("text", ["is the information here still current?", "what year is the article from",
                                  "how up to date is this article"])
def test_when_the_article_was_written_is_answered_with_the_pages_dates(kb, text):
    """The page's dates stand under no heading: an untitled section of article.md, led by its own reply."""
    reply = reply_to(kb, text, [], {})
    assert reply.messages[0].kind == "answer" and reply.messages[0].topic == "article_date"
    assert reply.messages[0].text == (f"{kb.replies['dates']}\n• {kb.passages['dates.1'].text}\n"
                                      f"• {kb.passages['dates.2'].text}")
    assert kb.passages["dates.2"].text == "Last Reviewed: May 2025"
