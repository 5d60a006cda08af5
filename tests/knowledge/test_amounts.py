"""bot/knowledge/amounts.py: a question asking for a number or a length of time that the quoted passages
don't give is told so first, then quoted the nearest guidance (issue 19: answerability by the property
asked). Invented questions; the real knowledge base."""

from __future__ import annotations

import pytest

from bot.knowledge import reply_to
from bot.knowledge.amounts import unsaid


@pytest.mark.parametrize("question, answer, expected", [
    ("how many peel appointments before my marks go?", "There are also more intense treatments", "how many"),
    ("how many people took part?", "*Product in use study with 100 volunteers", None),
    ("how many of them were there", "two products, then a third", None),  # a number word
    ("how long till the serum works", "With the first visible results in 2 weeks", None),
    ("how long till the serum works", "8 weeks of regular usage twice a day", None),
    ("how long do i leave it on", "twice a day", "how long"),  # a number, but of times, not of time
    ("how long do i leave it on", "Apply it in the morning", "how long"),
    ("what does the serum do", "There are also more intense treatments", None),  # no amount asked
    ("how often can i have a peel", "There are also more intense treatments", "how often"),
    ("how often do i put it on", "8 weeks of regular usage twice a day", None),
    ("how often do i put it on", "apply it every evening", None),
    ("how often do i put it on", "In the morning, start with the gel", "how often"),  # when, not how often
])
def test_the_amount_asked_is_unsaid_when_the_answer_gives_no_number_or_length_of_time(question, answer, expected):
    assert unsaid(question, [answer]) == expected


def test_a_list_answers_how_many_but_not_how_long():
    """The routine's three products answer "how many products?" without a numeral; not "how long?"."""
    assert unsaid("how many products do i need", ["the gel", "the serum"]) is None
    assert unsaid("how many products do i need", ["the gel and the serum"], lambda text: ("gel", "serum")) is None
    assert unsaid("how many sessions do i need", ["a peel"], lambda text: ("peel",)) == "how many"
    assert unsaid("how long do i need them", ["the gel", "the serum"]) == "how long"


@pytest.mark.parametrize("question", ["how many products does the routine have", "how many things are in the serum"])
def test_a_count_the_answer_lists_gets_no_gap(kb, question):
    texts = [m.text for m in reply_to(kb, question, [], {}).messages]
    assert not any("doesn't say" in t for t in texts), texts


def test_a_number_the_article_never_gives_is_said_to_be_unsaid_before_the_nearest_guidance(kb):
    reply = reply_to(kb, "how many peel appointments will it take before my red marks go", [], {})
    first, *rest = [m.text for m in reply.messages]
    assert first.startswith("The article doesn't say how many.")
    assert any("chemical peels and laser therapy" in text for text in rest)


def test_a_length_of_time_the_passage_gives_is_answered_without_a_gap(kb):
    reply = reply_to(kb, "how long till the triple action serum shows results", [], {})
    texts = [m.text for m in reply.messages]
    assert "2 weeks" in texts[0] or "2 weeks" in texts[1]
    assert not any("doesn't say" in t for t in texts)


def test_a_gap_whose_nearest_guidance_was_just_quoted_points_above_not_below(kb):
    """"Do peels hurt and how much do they cost": the peels' passage answers the first question and is the
    nearest guidance for the price; it is quoted once, and the price's gap says it is above."""
    texts = [m.text for m in reply_to(kb, "do peels hurt and how much do they cost", [], {}).messages]
    gap = next(t for t in texts if "doesn't say anything about prices" in t)
    assert gap.endswith("is above.") and texts.index(gap) == len(texts) - 1
    assert sum("chemical peels and laser therapy" in t for t in texts) == 1
    alone = [m.text for m in reply_to(kb, "how much do chemical peels cost", [], {}).messages]
    assert alone[0].endswith("is below.") and "chemical peels and laser therapy" in alone[1]
