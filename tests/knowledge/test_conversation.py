"""Following the conversation (bot/knowledge/conversation.py): the state kept in the `conversation`
slot, and follow-ups resolved from it, through the real knowledge base and the replies it gives."""

from __future__ import annotations

import pytest

from bot.knowledge import KnowledgeBase, reply_to
from bot.knowledge.conversation import RECENT, Conversation


def talk(kb: KnowledgeBase, *turns: str) -> tuple[str, dict]:
    """Each turn answered with the slots the turns before it set; the last reply's text and the slots."""
    slots: dict = {}
    for turn in turns:
        reply = reply_to(kb, turn, [], slots)
        slots.update(reply.slots)
    return "\n".join(m.text for m in reply.messages), slots


@pytest.mark.parametrize("turns,expect,never", [
    # ellipsis: the last question asked again of the new subject
    (("how long does the serum take to work", "and the fluid?"),
     "doesn't say how long the Mattifying Fluid takes", "first visible results in 2 weeks"),
    (("what causes red marks", "and the other kind?"), "excess melanin", "blood vessels"),
    (("how much is the serum", "and the gel?"), "doesn't say anything about prices", "removes excess oil"),
    # "what's the difference?" after two subjects: both
    (("tell me about red marks", "and brown ones?", "what's the difference?"), "blood vessels", None),
    (("tell me about red marks", "and brown ones?", "what's the difference?"), "excess melanin", None),
    # ...the routine asked in between is no thing to compare
    (("I have red marks from old pimples", "how do I get rid of them?", "what about brown ones?",
      "whats the difference?"), "blood vessels", "In the morning, start with"),
    # "which is worse?": the article describes each and never ranks them
    (("what are acne marks", "and acne scars?", "which one is worse?"), "doesn't say which is worse", None),
    (("does thiamidol fade brown marks", "does it work on red marks too?"), "limited effect", None),
    # a new subject replaces the product: "it" is now the peels
    (("what is the serum", "what about chemical peels", "how long does it take to work"),
     "doesn't say how long the chemical peels or laser", "first visible results in 2 weeks"),
    # "it" with no clear topic of its own is the subject: the laser, not the serum before it
    (("whats the triple action serum", "what about laser", "does it hurt?"),
     "doesn't say anything about side effects", "Triple Action Serum"),
    # a thank-you and a greeting in between don't lose the subject
    (("what is the mattifying fluid", "thanks", "hi", "how do i use it"), "Mattifying Fluid", "Triple Action Serum"),
])
def test_follow_ups_are_resolved_from_the_conversation(kb, turns, expect, never):
    text, _ = talk(kb, *turns)
    assert expect.lower() in text.lower()
    assert never is None or never.lower() not in text.lower()


def test_a_follow_up_about_the_subject_is_never_declined(kb):
    alone, _ = talk(kb, "is it worth it?")  # nothing discussed: "it" is nothing the article covers
    assert "can't answer that" in alone
    text, _ = talk(kb, "what is the serum", "is it worth it?")
    assert "Triple Action Serum" in text and "can't answer" not in text and "can help with" not in text


def test_what_does_it_do_asks_the_product_in_context(kb):
    text, _ = talk(kb, "is the cleansing gel part of the routine", "what does it actually do")
    assert "removes excess oil and impurities" in text
    assert "Thiamidol" not in text


def test_the_state_records_subjects_and_keeps_only_recent_ones(kb):
    _, slots = talk(kb, "what is the serum", "whats the mattifying fluid", "what causes brown marks",
                    "what about chemical peels", "can i have marks and scars at the same time")
    state = Conversation.from_slot(slots["conversation"])
    assert state.question == "can i have marks and scars at the same time"
    assert len(state.topics) == RECENT and "serum" not in state.topics
    assert state.products[-1] == "treatments" and "brown" in state.marks
    assert state.subject == ""  # marks and scars: no product or colour that "it" could mean


@pytest.mark.parametrize("junk", [None, "serum", 3, {"topics": 5}, {"question": ["a"], "marks": [1, 2]}])
def test_a_slot_that_is_not_a_state_is_a_new_conversation(junk):
    state = Conversation.from_slot(junk)
    assert isinstance(state, Conversation)
    assert Conversation.from_slot(state.as_slot()) == state
