"""What a question names that the article's answer doesn't say: a time of use ("can i use the gel at
night?": the routine is for the morning), a place on the body ("does it work on back acne marks?": the
article speaks of the face) or where to buy ("on amazon?": the article names its pharmacies). The reply says
so before the quote (bot/knowledge/respond.py)."""

from __future__ import annotations

import functools
import re

from bot.knowledge import compose, context, wordnet
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.parts import Part
from bot.knowledge.plan import Plan
from bot.knowledge.search import lemma, lemmas
from bot.knowledge.steps import sure_topic

# a noun after a preposition or article: where a time is said ("at night", "in the evening", "a day")
AT_TIME = re.compile(r"\b(?:at|in|on|during|every|each|per|a|an|the|this|by)\s+(?:the\s+)?([a-z]+)\b", re.I)
# ...and a place where a product or marks go ("on my back", "for my chest"; not "with my fingers")
ON_PLACE = re.compile(r"\b(?:on|onto|over|to|for)\s+(?:(?:the|my|your)\s+)?([a-z]+)\b", re.I)
# ...and where something is sold ("on amazon", "at boots", "in canada", "from their website")
AT_SELLER = re.compile(r"\b(?:on|at|in|from)\s+(?:(?:the|a|an|their)\s+)?([a-z]+)\b", re.I)


def times_unsaid(kb: KnowledgeBase, plan: Plan, part: Part) -> tuple[str, ...]:
    """The times a question about using the products asks of (nouns of WordNet's time: "at night", "in
    summer") that the article's passages on their use don't name (the routine is for the morning): a topic
    on their use, or one whose own passages say when ("what about at night?" after the morning routine)."""
    top = sure_topic(kb, part)
    use = [t for t in (kb.topics.get(plan.topic or ""), top) if t and (t.aspect == "use" or _says_when(kb, t.passages))]
    if not use:
        return ()
    owner = kb.owner(plan.product) if plan.product else None
    passages = (*use[0].passages, *(kb.topics[owner.topic].passages if owner else ()))
    said = set(lemmas(" ".join(kb.passages[p].text for p in compose.with_footnotes(kb, passages))))
    # a time noun as typed, or its singular (the lemma may be a verb's: "left": "leave", "evening": "even"),
    # after a preposition or article ("at night", "twice a day"; not "while i'm on the pill")
    times = [m.group(1).lower() for m in AT_TIME.finditer(part.text)
             if any(wordnet.is_a(n, "time") for n in {m.group(1).lower(), m.group(1).lower().removesuffix("s")})]
    return tuple(dict.fromkeys(w for w in times if not {w, w.removesuffix("s"), lemma(w)} & said))


@functools.cache
def _says_when(kb: KnowledgeBase, passages: tuple[str, ...]) -> bool:
    """The passages name a time of day or year ("In the morning, start with...")."""
    texts = (kb.passages[p].text for p in passages)
    return any(wordnet.is_a(m.group(1).lower(), "time") for text in texts for m in AT_TIME.finditer(text))


def sellers_unsaid(kb: KnowledgeBase, plan: Plan, part: Part) -> tuple[str, ...]:
    """Where a question about buying asks of (a noun after a preposition: "on amazon", "in canada") that the
    article never names: it only points to its pharmacies."""
    from spacy.lang.en.stop_words import STOP_WORDS

    if plan.topic != "buy":
        return ()
    found = [m.group(1).lower() for m in AT_SELLER.finditer(part.text)]
    return tuple(dict.fromkeys(w for w in found if w not in STOP_WORDS and not {w, lemma(w)} & _article_words(kb)
                               and _noun_or_name(kb, w)))


def _noun_or_name(kb: KnowledgeBase, word: str) -> bool:
    """A noun of WordNet's, or a name it doesn't know ("amazon")."""
    kinds = kb.vocab.parts_of_speech(word, lemma(word))
    return not kinds or "noun" in kinds


@functools.cache
def _article_words(kb: KnowledgeBase) -> frozenset[str]:
    """The lemmas of the article's passages."""
    return frozenset(lemmas(" ".join(p.text for p in kb.passages.values())))


def places_unsaid(kb: KnowledgeBase, part: Part) -> tuple[str, ...]:
    """Parts of the body a question names outside the head (WordNet's parts of the head: cheek, chin,
    eyelid...) that the article never names: it speaks of the face ("does it work on my back?")."""
    found = [m.group(1).lower() for m in ON_PLACE.finditer(part.text)]
    return tuple(dict.fromkeys(w for w in found if not {w, lemma(w)} & _article_words(kb) and any(
        context.body_word(n) and wordnet.is_a(n, "body_part") and not wordnet.is_a(n, "head") for n in {w, lemma(w)})))
