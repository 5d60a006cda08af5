"""A new subject replaces the old one: pronouns resolved within their own message first
(bot/knowledge/reference.py), and questions of their own not read as follow-ups
(bot/knowledge/conversation.py, bot/knowledge/plan.py), through the real knowledge base."""

from __future__ import annotations

import pytest

from bot.knowledge import reply_to
from bot.knowledge.parts import PRONOUN
from bot.knowledge.reference import outside
from tests.knowledge.test_conversation import assert_last_reply, talk


@pytest.mark.parametrize("text", [
    "my marks are pinkish red, what are they",  # "they": the marks named before it
    "can i pick at the marks to make them go away faster",
    "are acne marks permanent or do they fade away by themselves",
    "wat is PIE?? saw it on reddit and got confused",  # a kind of mark by its term
    "whats PIH, is that the brown spots?",
    "is it possible to get rid of pimple marks completely",  # an expletive "it": an infinitive with its object
    "how long does it take for post acne marks to fade",
    "is it melanin that makes the marks or what",  # a cleft
    "its been a year and my marks are still here",  # "it's been" + a time
    "my marks got worse this week",  # a determiner before its noun
    "got these pinkish purple flat marks on my cheeks, what are they",  # ...before its plural noun
    "my car makes a weird noise when i brake, what could it be",  # a thing made, eaten or grown
    "what's the fastest way to peel an orange in one piece",
    "is it gonna rain this weekend in leeds",  # the weather's "it": a verb of the weather after it
    "will it snow tomorrow",
    "it's raining again, should i still wear sunscreen",
])
def test_a_pronoun_resolved_within_its_message_points_nowhere_else(kb, text):
    assert outside(kb, text, PRONOUN) == []


@pytest.mark.parametrize("text,pronoun", [
    ("how much is it", "it"),
    ("is it safe to use while pregnant", "it"),  # the infinitive's object is "it": the product
    ("how long does it take to work", "it"),
    ("can i use it to fade my marks", "it"),  # the object of "use", whatever follows
    ("she keeps picking at them", "them"),  # "keeps" is what she does, not a plural noun
    ("oh wait what causes them again", "them"),
    ("so what actually separates them, in plain terms?", "them"),
    ("do these work on red marks?", "these"),  # no plural noun after "these" before a word of grammar
    ("will it help with my shiny t zone, i look like a disco ball", "it"),  # the thing comes after "it"
    ("does that help", "that"),
    ("does this stuff work", "this"),
    ("will it flare up my skin", "it"),  # a verb of the weather by light, not the weather
    ("will it wind down the redness", "it"),  # "wind" is no verb of the weather
])
def test_a_pronoun_with_nothing_to_refer_to_in_its_message_points_outside(kb, text, pronoun):
    assert [m.group(0) for m in outside(kb, text, PRONOUN)][:1] == [pronoun]


@pytest.mark.parametrize("turns,expect,never", [
    # "they" is the marks the message names, not the serum discussed before
    (("what is the triple action serum for", "my marks are pinkish red, what are they"), "blood vessels",
     "Follow up with"),
    # a kind of mark by its term, with "it" after it: its definition, not the ingredient discussed
    (("what does decandiol do", "wat is PIE?? saw it on reddit and got confused"), "blood vessels",
     "decandiol"),
    # an expletive "it" is no product: the marks' own question, not the peels
    (("how much does a chemical peel cost", "is it possible to get rid of pimple marks completely"),
     "skincare routine", "doesn't say"),
    # ...but after a product, an "it" that may stand for nothing is the product ("it takes X to")
    (("what does the mattifying fluid do", "how long does it take for the marks to fade?"),
     "doesn't say how long the Mattifying Fluid", None),
    # a product's aspect asked with a subject of its own is no question about the product discussed
    (("is laser therapy an option", "how can post-acne marks be prevented?"), "essential step in preventing",
     "chemical peels or laser"),
    (("what are chemical peels", "how do i stop getting new marks"), "preventing", "chemical peels or laser prevents"),
    # ...but asked alone, in a few words, it is ("how long before i see results?" after the fluid)
    (("what does the mattifying fluid do", "how long before i see results?"),
     "doesn't say how long the Mattifying Fluid", "first visible results in 2 weeks"),
    # a question of its own with "too" is not the last question asked again
    (("when will i see results with the serum", "Is PIE caused by melanin too?"), "unrelated to melanin",
     "first visible results"),
    # ...but "too" with nothing of its own is ("would that same routine work for brown marks too?")
    (("i have red marks what routine should i do", "would that same routine work for brown marks too?"),
     "reduce hyperpigmentation by inhibiting melanin production", None),
    # "these" before its noun is no reference to the peels discussed
    (("what about chemical peels, do they help", "got these pinkish purple flat marks on my cheeks, what are they"),
     "blood vessels", "more intense treatments"),
    # a question of its own naming marks after scars is not the scars' question asked again of marks
    (("i have scars on my cheeks that look like holes, what can i do", "What do acne marks look like?"),
     "flat, dark marks", None),
    # two words that ask ("what's thiamidol") are a question, not an ellipsis of the last one
    (("how long was the product study", "what's thiamidol"), "Its key ingredient, Thiamidol", "2 weeks"),
    # a term asks the last question again only when the article answers it for that kind of mark
    (("decandiol what is it for", "pie??"), "blood vessels", "decandiol"),
    # the weather's "it" is no product discussed: out of scope, not what the article doesn't say of the fluid
    (("what's the point of the mattifying fluid", "is it gonna rain this weekend in leeds"),
     "not something I can help with", "doesn't say"),
])
def test_a_new_subject_replaces_the_old_one(kb, turns, expect, never):
    assert_last_reply(kb, turns, expect, never)


def test_it_after_products_named_is_no_ingredient_discussed_unless_asked_as_had(kb):
    """After salicylic acid, "does the gel have it too?" and "is it in the fluid?" ask whether the product has
    salicylic acid, but "do i let it dry first?" after naming the serum and the fluid asks of them, and "in the
    test did they use the serum...?" of the study: answered as they are alone."""
    question = "how long should i wait between the serum and the fluid, like do i let it dry first"
    after, _ = talk(kb, "why is there salicylic acid in the serum", question)
    alone, _ = talk(kb, question)
    assert after == alone
    held, _ = talk(kb, "why is there salicylic acid in the serum", "does the cleansing gel have it too?")
    assert "doesn't say that the Cleansing Gel contains salicylic acid" in held
    held, _ = talk(kb, "what is salicylic acid", "is it in the fluid as well?")
    assert "doesn't say that the Mattifying Fluid contains salicylic acid" in held
    # "in" that holds no pronoun: "they" are the people of the study, not Thiamidol discussed (DIET's reading)
    question, ranking = "in the test did they use the serum once or twice a day", [("ask_usage", 0.96)]
    state = {"question": "what is post-inflammatory erythema", "subject": "red marks", "asked": "ask_red_marks",
             "topics": ["thiamidol", "picking", "pie"], "products": ["thiamidol"], "marks": ["red"]}
    after = reply_to(kb, question, ranking, {"conversation": state}).messages
    assert [m.text for m in after] == [m.text for m in reply_to(kb, question, ranking, {}).messages]


@pytest.mark.parametrize("first", ["how do i use the cleansing gel", "tell me about the serum"])
def test_in_asks_what_a_product_holds_only_next_to_its_holder(kb, first):
    """"in" next to a pronoun or a product asks whether it holds an ingredient; "in the study..." does not:
    answered as alone, not "the article doesn't say that the product contains..."."""
    question = "in the study did they use salicylic acid"
    after, _ = talk(kb, first, question)
    assert "contains salicylic acid" not in after or "doesn't say" not in after
    held, _ = talk(kb, first, "is there salicylic acid in it?")
    assert ("doesn't say that the Cleansing Gel contains salicylic acid" in held) == ("gel" in first)
