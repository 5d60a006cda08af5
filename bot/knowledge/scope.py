"""Whether a message is for this assistant at all: about skin (not "brake fluid" or "a stain on my
shirt"), an order or delivery to hand off, in English. Part of reading a message once
(bot/knowledge/analysis.py); free of Rasa."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.knowledge import safety, wordnet
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.examples import OUT_OF_SCOPE
from bot.knowledge.search import lemma, lemmas
from bot.knowledge.thresholds import (
    CUSTOMER_SERVICE_MEANT,
    CUSTOMER_SERVICE_SURE,
    IN_SCOPE_GUESS,
    IN_SCOPE_SURE,
    MEANING_SURE,
    MIN_ENGLISH_SHARE,
    OUT_OF_SCOPE_CONFIDENCE,
    OUT_OF_SCOPE_DOUBT,
)
from bot.knowledge.vocab import tokens


class Question(Protocol):
    """What the scope reads of each question of a message (bot.knowledge.analysis.Part)."""

    @property
    def foreign(self) -> tuple[str, ...]: ...

    @property
    def products(self) -> tuple[str, ...]: ...

    @property
    def search(self) -> tuple[tuple[str, float], ...]: ...

    @property
    def text(self) -> str: ...


CUSTOMER_SERVICE = "customer_service"  # the intent of orders, deliveries, returns...


def skin_words(kb: KnowledgeBase, text: str) -> bool:
    """Words that make a message about skin whatever else it says ("acne", "my marks"; someone else's as
    the speaker's own: "her spots", as the red-flag reading tells them)."""
    return any(w in kb.core_words for w in lemmas(text) + tuple(tokens(text))) or bool(
        kb.skin_phrases.search(safety.first_person(text)))


def about_skin(kb: KnowledgeBase, text: str, words: tuple[str, ...], ranking: Sequence[tuple[str, float]],
                parts: Sequence[Question], meaning: Sequence[tuple[str, float]]) -> bool:
    """Whether the message is about skin at all (not "a stain on my shirt" or "brake fluid").

    Skin words settle it; otherwise the classifier must not find it out of scope, and every word must
    be this domain's, or the classifier sure it is in scope and no question naming a subject foreign
    to this domain ("im changing my routine this winter, what should the first step be?" names none).
    """
    if skin_words(kb, text):
        return True
    intent, confidence = ranking[0] if ranking else ("", 0.0)
    if intent in OUT_OF_SCOPE and confidence >= OUT_OF_SCOPE_CONFIDENCE:
        return False
    if any(i in OUT_OF_SCOPE and c >= OUT_OF_SCOPE_DOUBT for i, c in ranking[:2]):
        return False  # no skin word, and the classifier itself considers it out of scope
    compound = any(_compound(kb, p) for p in parts)
    # a product the article names, asked how it acts on the skin: a reaction to it is about skin too
    # ("does the serum cause purging or tingling at first")
    reaction = safety.symptom_vote(meaning) if any(p.products for p in parts) else 0.0
    if sum(p for i, p in meaning if i in kb.by_intent or i in kb.unanswered) + reaction >= MEANING_SURE \
            and not compound:
        return True  # in words no example has, it means questions the article's topics answer or don't
    if intent in kb.by_intent and not compound and kb.by_intent[intent].id in {
            kb.products[pid].topic for p in parts for pid in p.products}:
        return True  # a product the article names, asked about as itself ("step 1 is the gel right")
    if any(_by_full_name(kb, p) for p in parts) and not compound:
        return True  # "just bought the correcting cleansing gel and the triple action serum yay"
    unknown = [w for w in words if w not in kb.vocab.known and not w.endswith("ly") and not w[0].isdigit()]
    if not unknown:  # every word is this domain's: a follow-up like "does it sting?"
        return True
    if intent not in kb.by_intent or confidence < IN_SCOPE_GUESS:
        return False
    # the article's own words agree: its search ranks the classifiers' topic among its first two
    topic = kb.by_intent[intent].id
    agreed = all(topic in [t for t, _ in p.search[:2]] for p in parts)
    if confidence < IN_SCOPE_SURE and not agreed:
        return False
    # a subject foreign to this domain is no skin question, unless the article's search ranks the same
    # topic first: then it is a detail of one ("natural remedies ok alongside the routine?", "the
    # cleanser with a clarisonic brush?"), said to be missing before the answer; never a thing made, eaten
    # or grown named with no skin word ("the dough is swelling nicely, how long before i punch it down?")
    return all(not p.foreign or (p.search and p.search[0][0] == topic) and not any(
        wordnet.is_a(lemma(w), "thing") for f in p.foreign for w in f.split()) for p in parts)


def _by_full_name(kb: KnowledgeBase, part: Question) -> bool:
    """A product named by two words of its name together ("cleansing gel", "action serum", "chemical
    peels"): the article's product, not a word shared with everyday English ("laser printer")."""
    typed = " " + " ".join(tokens(part.text)) + " "
    named = [tokens(kb.products[pid].name) for pid in part.products]
    return any(f" {a} {b} " in typed for name in named for a, b in zip(name, name[1:], strict=False))


def _compound(kb: KnowledgeBase, part: Question) -> bool:
    """A foreign word names a product word's kind: another thing ("brake fluid", "antivenom serum")."""
    text = part.text.lower()
    for run in part.foreign:
        at = text.find(run.lower())
        after = text[at + len(run):].lstrip() if at >= 0 else ""
        if any(p.pattern.match(after) for p in kb.products.values()):
            return True
    return False


def customer_service(kb: KnowledgeBase, text: str, ranking: Sequence[tuple[str, float]],
                      meaning: Sequence[tuple[str, float]]) -> bool:
    """An order, delivery, account... message: the classifiers sure of it, or the sentence meaning reads
    it as one, or as not about skin with an order likely ("I need an invoice for my last purchase");
    and, when it talks about skin ("...dark spots from acne... will hydroquinone help?"), the sentence
    meaning reads it as an order first."""
    sure = bool(ranking) and ranking[0][0] == CUSTOMER_SERVICE and ranking[0][1] >= CUSTOMER_SERVICE_SURE
    meant = bool(meaning) and meaning[0][0] in (CUSTOMER_SERVICE, "out_of_scope") and \
        dict(meaning).get(CUSTOMER_SERVICE, 0.0) >= CUSTOMER_SERVICE_MEANT
    if not (sure or meant):
        return False
    # (the article's product names are no talk of skin here: "is the dermopure serum back in stock?")
    return not skin_words(kb, kb.unbranded(text)) or bool(meaning) and meaning[0][0] == CUSTOMER_SERVICE


def english(kb: KnowledgeBase, text: str, ranking: Sequence[tuple[str, float]]) -> bool:
    """Whether the message is English: most of its words are this domain's or everyday English."""
    words = tokens(text)
    known = sum(1 for w in words if w in kb.vocab.known or kb.vocab.is_everyday(w))
    if ranking and ranking[0][0] == "other_language":
        return known > 0.8 * len(words)
    return len(words) < 3 or known >= MIN_ENGLISH_SHARE * len(words)
