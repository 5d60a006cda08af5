"""Which topic one question gets, and which product it is about: the classifiers' ranking, the
article's search and the conversation's subject weighed (bot/knowledge/respond.py then says it)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.config import settings
from bot.knowledge.analysis import COLOUR_TOPICS, no_words_of_its_own
from bot.knowledge.base import KnowledgeBase, names_subject
from bot.knowledge.conversation import has_pronoun
from bot.knowledge.ellipsis import swapped
from bot.knowledge.parts import CONTAINS, PRONOUN, Part, part_of, said_as_it, uncoloured
from bot.knowledge.scope import skin_words
from bot.knowledge.search import lemmas
from bot.knowledge.state import GENERIC_TOPICS
from bot.knowledge.steps import sure, word_count
from bot.knowledge.thresholds import (
    CLEAR_GUESS,
    MARGIN,
    MIN_INTENT_CONFIDENCE,
    REMEDY_SHARE,
    SHORT,
    SURE,
    WEAK_GUESS_CONFIDENCE,
)
from bot.knowledge.vocab import tokens

# ("which one has salicylic acid?", "the one with l-carnitine": "one" picks a product, it refers to none)
PICKS = r"\b(?:which|what) (?:product|one|cream|serum|thing|step)\b|\bthe one (?:with|that|which|containing)\b"
BESIDES = re.compile(r"\b(?:besides|apart from|aside from|other than|except(?: for)?)\s+(?:the\s+)?$", re.I)
WHICH_PRODUCTS = re.compile(r"\b(?:which|what) products?\b", re.I)  # asked of none in particular
NOT_THIS = re.compile(r"\b(?:not|n't|never|instead of|rather than|unlike)\W+(?:\w+\W+)?$", re.I)  # "red, not brown"


@dataclass(frozen=True)
class Plan:
    """What one question gets: a topic (or choices to offer), the product it is about, a lead-in."""

    topic: str | None
    product: str | None = None
    choices: tuple[str, ...] = ()
    from_context: bool = False  # the topic is what "it"/"them" refers to, not what the words say


def choose(kb: KnowledgeBase, part: Part) -> Plan:
    """The topic of one question from the classifiers' ranking and the article search.

    The classifiers' best topic is answered when it is sure and clearly ahead, or clearly sure;
    otherwise the search picks between their top two when it agrees with one, or the best guess
    stands. With no guess, a clear search result is answered; else the user is offered the candidates.
    """
    cfg = settings()
    weak = [(kb.by_intent[i].id, c) for i, c in part.ranking if i in kb.by_intent and c >= WEAK_GUESS_CONFIDENCE][:2]
    guess = weak[0][0] if weak and weak[0][1] >= MIN_INTENT_CONFIDENCE else None
    (top_intent, top), (_, second) = (list(part.ranking) + [("", 0.0), ("", 0.0)])[:2]
    if guess and top_intent in kb.by_intent and (top >= SURE and top - second >= MARGIN or top >= CLEAR_GUESS):
        return Plan(guess)
    found = [(t, s) for t, s in part.search if s >= cfg.min_score]
    if found and found[0][0] in {t for t, _ in weak}:
        return Plan(found[0][0])
    if guess:
        return Plan(guess)
    # alone, the search answers on the words that say what a question is about, not on everyday ones
    # ("who says it works tho": "work" is in one passage, about pigment-lightening ingredients)
    found = [(t, s) for t, s in kb.search(tuple(w for w in part.words if not kb.vocab.is_frequent(w)))
             if s >= cfg.min_score]
    if found and (len(found) == 1 or found[1][1] < cfg.ambiguity_ratio * found[0][1]):
        return Plan(found[0][0])
    choices = tuple(dict.fromkeys([t for t, _ in weak] + [t for t, _ in found[:2]]))[:3]
    return Plan(choices[0]) if len(choices) == 1 else Plan(None, choices=choices)


HELD_IN = re.compile(rf"in\W+{PRONOUN.pattern}", re.I)  # "is X in it?" (products said as "it")


def asks_held(kb: KnowledgeBase, part: Part) -> bool:
    """The question asks what a product holds: "does it have X?", "is X in the gel?" ("in" only next to
    its holder, a product or a pronoun: not "in the study did they use salicylic acid?")."""
    text = said_as_it(kb, part.text, part.products)
    return any(m.group(0).lower() != "in" or HELD_IN.match(text, m.start()) for m in CONTAINS.finditer(text))


def planned(kb: KnowledgeBase, part: Part, product: str | None, slots: dict[str, Any]) -> Plan:
    """The question's topic, and the product it is about (named, or "it": the one discussed last)."""
    if besides := _besides(kb, part):
        return besides
    plan = choose(kb, part)
    if WHICH_PRODUCTS.search(part.text) and not (part.products or sure(kb, part)):
        plan = Plan("routine")  # "so which product is for my kind?": the routine (for the marks said) names them
    last = slots.get("last_topic")
    has_guess = any(i in kb.by_intent and c >= MIN_INTENT_CONFIDENCE for i, c in part.ranking[:2])
    # "it", or nothing the article's search finds ("what goes on last?" after the routine), leans on
    # the subject discussed
    vague = not (part.search or part.foreign or part.marks)
    if (part.refers_back or vague) and not part.products and last in kb.topics and not (has_guess and plan.topic):
        plan = Plan(last)  # "who can do them?" right after chemical peels: no guess, so the subject
    elif no_words_of_its_own(kb, part) and last in kb.remedies and not sure(kb, part):
        plan = Plan(last)  # "so what should i do?" right after advice: that advice, not a guess from no words
    said = set(colours_said(kb, part))
    if part.marks and (plan.topic in COLOUR_TOPICS.values() or _of_another_colour(kb, plan.topic, part.marks)):
        plan = _asked_of_marks(kb, part, plan)
    if plan.topic in COLOUR_TOPICS.values() and len(said) == 1 and COLOUR_TOPICS[mark := said.pop()] != plan.topic:
        plan = Plan(COLOUR_TOPICS[mark])  # "why are mine red and not brown?": the one colour said
    named = part.products[0] if part.products else None
    # "it", or a product's aspect asked alone ("how long does it take?", "how long before i see results?"),
    # is about the product discussed last; not a question naming a subject of its own ("can I take
    # doxycycline for my marks?", "how can post-acne marks be prevented?") or saying more than an ellipsis
    # does ("how do i stop getting new marks?": a question of its own after the peels)
    aspect_alone = bool(plan.topic and kb.topics[plan.topic].aspect and not part.foreign
                        and word_count(part.text) <= SHORT and not skin_words(kb, part.text))
    about = named or (product if part.refers_back or aspect_alone else None)
    within = next((p.id for p in kb.products.values() if p.topic == plan.topic and p.within == named), None)
    ingredient = kb.products[named] if named else None
    if (ingredient and ingredient.within and product and not kb.products[product].within
            and ingredient.within != product and has_pronoun(part) and asks_held(kb, part)
            and not re.search(PICKS, part.text, re.I)):
        return Plan(kb.products[product].topic, product)  # "does it have salicylic acid?" about the cleanser
    if named and within:
        return Plan(plan.topic, within)  # "anything in the serum that calms redness?": that ingredient
    colour_topics = {t for _, topics in kb.contexts.values() for t in topics}  # ("is it any good for red marks?")
    # a colour the named product's own topic has a variant for
    own_colour = bool(named) and bool(set(part.marks) & set(kb.topics[kb.products[named].topic].variants))
    if named and len(part.products) == 1 and (plan.topic in kb.product_topics or plan.topic in GENERIC_TOPICS
                                               or plan.topic is None or plan.topic in colour_topics and own_colour):
        # "is the fluid ok?": the fluid, whatever the guess; "does the serum work on red marks?": its own
        # sentence on red marks, not the colour's description
        return Plan(kb.products[named].topic, named)
    described = product_of(kb, plan.topic or "")  # the product the guessed topic is about
    if about and not named and part.refers_back and (
            plan.topic in GENERIC_TOPICS or plan.topic is None or plan.topic in colour_topics
            or _overlaps(kb, plan.topic, kb.products[about].topic)  # ("do both of them need a dermatologist?")
            or described and about not in (described, kb.products[described].within)):  # (its ingredient: its own)
        return Plan(kb.products[about].topic, about)  # "what is in it?", "what does it do?" after the gel
    # marks named are a new subject: the product discussed is no longer "it" ("forget that, what causes red marks")
    return Plan(plan.topic, about if named or not part.marks else None, plan.choices)


def _of_another_colour(kb: KnowledgeBase, topic: str | None, marks: Sequence[str]) -> bool:
    """The topic is one colour's own and the question names a colour it isn't ("which products help red and
    brown marks?" read as whether lightening products work on red marks): it can't answer for that one."""
    colours = {colour for colour, (_, topics) in kb.contexts.items() if topic in topics}
    return bool(colours) and not set(marks) <= colours


def _asked_of_marks(kb: KnowledgeBase, part: Part, plan: Plan) -> Plan:
    """A question naming a colour of mark reads as that colour's description ("how do you treat
    hyperpigmentation?" is PIH's topic by its words): what it asks of the marks is read without their colour,
    and answered (for that colour) when that reading is sure of another topic."""
    text = uncoloured(kb, part.text)
    if not part.asks or text is None:
        return plan  # a statement ("my marks are brown"), or a question naming no colour: nothing to read apart
    # (read with the message when it read as a colour's description: parts.Part.uncoloured)
    ranking = part.uncoloured or kb.meaning([text])[0] or [("", 0.0)]
    (intent, confidence), *_ = ranking
    topic = kb.by_intent.get(intent)
    # (why the marks form is the colours' own section, "What causes pimple marks?": no other topic)
    if topic and topic.id not in (*COLOUR_TOPICS.values(), "causes") and confidence >= SURE:
        return Plan(topic.id)
    remedy = remedy_asked(kb, ranking)
    return Plan(remedy) if remedy else plan


def remedy_asked(kb: KnowledgeBase, ranking: Sequence[tuple[str, float]]) -> str | None:
    """What helps, asked in general ("what helps brown marks?", "anything for pih?"): a reading split between
    the article's remedies (the routine, home remedies, treatments...), none of them sure, together more likely
    than not: the first of its best three in the article's own order (`remedies` in topics.yml)."""
    read = {kb.by_intent[i].id: c for i, c in ranking if i in kb.by_intent and kb.by_intent[i].id in kb.remedies}
    if sum(read.values()) < REMEDY_SHARE:
        return None
    best = {kb.by_intent[i].id for i, _ in ranking[:3] if i in kb.by_intent}
    return next((r for r in kb.remedies if r in best and r in read), None)


def described_as_other(kb: KnowledgeBase, part: Part, topic: str | None) -> tuple[str, Part] | None:
    """A question about a subject the article tells apart from another (acne scars, from acne marks) that
    describes it by the other's colour only ("can laser lighten red or brown acne scars?": the article's
    marks are "flat, dark marks that may be red or brown", its scars "indented or raised"): the topic
    quoting the other's description, and the question asked of the other."""
    subject = kb.topics[topic].subject if topic else ""
    other = kb.counterpart(subject)
    if not (topic and other and _coloured(kb, part.text, subject)) or names_subject(part.text, other):
        return None
    section = kb.passages[kb.topics[topic].passages[0]].section_id
    own, theirs = (_description(kb, side, section) for side in (subject, other))
    if not (own and theirs) or set(part.words) & (
            set(lemmas(kb.passages[own].text)) - set(lemmas(kb.passages[theirs].text)) - set(lemmas(subject))):
        return None  # ("raised red scars": described as scars too)
    lead = next((t.id for t in kb.topics.values() if tuple(t.passages[:1]) == (theirs,)), None)
    question = swapped(part.text, subject, other)
    return (lead, part_of(kb, question)) if lead and question else None


def _coloured(kb: KnowledgeBase, text: str, subject: str) -> bool:
    """The subject named with a colour of marks ("red or brown acne scars", "dark acne scars"; not "dark
    spots and acne scars": the colour is the spots')."""
    patterns = [kb.contexts[name][0] for name in COLOUR_TOPICS]
    head, names = subject.split()[-1].rstrip("s"), subject.lower().split()[:-1]
    if any(head in m.group(0).lower() for p in patterns for m in p.finditer(text)):
        return True  # ("dark acne scars")
    words = tokens(text)
    colour = [any(p.fullmatch(w) for p in patterns) for w in words]
    for i in (i for i, c in enumerate(colour) if c):
        j = next((j for j in range(i + 1, len(words)) if not (colour[j] or words[j] in (*names, "or", "and"))), 0)
        if j and words[j].startswith(head):
            return True
    return False


def _description(kb: KnowledgeBase, subject: str, section: str) -> str | None:
    """The passage of a section that says what the subject is ("Acne scars, on the other hand, are...")."""
    return next((p.id for p in kb.passages.values()
                 if p.section_id == section and p.text.lower().startswith(subject.lower())), None)


def _besides(kb: KnowledgeBase, part: Part) -> Plan | None:
    """"what's in the serum besides thiamidol?": its first ingredient not named."""
    for named in part.products:
        ingredient = kb.products[named]
        at = ingredient.pattern.search(part.text)
        if ingredient.within and at and BESIDES.search(part.text[:at.start()]):
            others = [p for p in kb.products.values() if p.within == ingredient.within and p.id not in part.products]
            return Plan(others[0].topic, others[0].id) if others else None
    return None


def _overlaps(kb: KnowledgeBase, topic: str, own: str) -> bool:
    """Another topic quoting some of a product's own passages (the dermatologist's quotes the treatments'):
    asked of the product, its own topic says it."""
    quoted = set(kb.topics[topic].passages) & set(kb.topics[own].passages)
    return topic != own and not kb.topics[topic].aspect and bool(quoted)


def colours_said(kb: KnowledgeBase, part: Part) -> list[str]:
    """The mark colours a question says the marks are ("red, not brown": red)."""
    found = {m: kb.contexts[m][0].search(part.text) for m in part.marks}
    return [m for m, at in found.items() if not (at and NOT_THIS.search(part.text[:at.start()]))]


def product_of(kb: KnowledgeBase, topic_id: str) -> str | None:
    """The product a topic describes, if any (so "it" in the next question means that product)."""
    return next((p.id for p in kb.products.values() if p.topic == topic_id), None)
