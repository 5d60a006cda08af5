"""Marks as visitors describe them: their colours (one named, or both) and when they came, through the real
knowledge base and the replies it gives."""

from __future__ import annotations

import pytest

from bot.knowledge import reply_to
from bot.knowledge.parts import part_of, uncoloured
from tests.knowledge.test_conversation import talk


def test_colours_described_after_marks_were_discussed_are_a_follow_up_not_off_topic(kb):
    """Unsure of it (out of scope first), but a colour of mark named and nothing else: in a conversation
    about marks it describes them, and is answered."""
    _, slots = talk(kb, "i have a mix of marks on my chin")
    ranking = [("out_of_scope", 0.45), ("ask_home_remedies", 0.29), ("ask_both", 0.26)]
    reply = reply_to(kb, "some are reddish-purple and some are more brown. what's the difference between the two?",
                     ranking, slots)
    text = "\n".join(m.text for m in reply.messages)
    assert "not something I can help with" not in text
    assert "red, pink, or purple flat marks" in text and "brown or dark spots" in text
    # ...but a thing of another kind with a colour is still no follow-up
    reply = reply_to(kb, "what's the difference between red and brown bread?", [("out_of_scope", 0.9)], slots)
    assert "not something I can help with" in reply.messages[0].text


@pytest.mark.parametrize("told", [
    "I have a mix of marks on my chin from last winter's breakout.",
    "got these marks last summer",
])
def test_when_the_marks_came_is_no_subject_of_a_message_that_asks_nothing(kb, told):
    text, _ = talk(kb, told)
    assert "doesn't say anything about" not in text


def test_a_time_asked_about_is_still_one(kb):
    assert part_of(kb, "is the serum ok to use in winter?").foreign == ("winter",)


@pytest.mark.parametrize("text,plain", [
    ("what causes red marks and what causes brown marks", "what causes marks and what causes marks"),
    ("do dark spots fade?", "do marks fade?"),
    ("how do you treat hyperpigmentation?", "how do you treat marks?"),
    # the article's full names of the two kinds are a colour's words whole
    ("can post-inflammatory erythema be prevented?", "can marks be prevented?"),
    ("does post inflammatory hyperpigmentation fade?", "does marks fade?"),
])
def test_a_question_without_its_colour_says_marks_once(kb, text, plain):
    assert uncoloured(kb, text) == plain


def test_a_topic_of_one_colour_does_not_answer_a_question_asked_of_both(kb):
    """"Which products help red and brown marks?" reads as whether lightening works on red marks: read without
    the colours, it asks what helps marks: the routine."""
    text, _ = talk(kb, "which products help red and brown marks?")
    assert "In the morning, start with" in text or "clinically tested skincare routine" in text
    text, _ = talk(kb, "do pigment-lightening products work on red marks?")  # one colour: its own topic
    assert "pigment-lightening ingredients may have limited effect" in text
