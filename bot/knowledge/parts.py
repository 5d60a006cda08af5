"""The questions of a message (free of Rasa): where one ends and the next starts, and for each what it
names (products, mark colours, foreign words), the classifiers' and the search's rankings, whether it
asks and whether it leans on what was said before. `bot.knowledge.analysis` reads a message into them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.knowledge import safety
from bot.knowledge.base import Gap, KnowledgeBase
from bot.knowledge.examples import OUT_OF_SCOPE
from bot.knowledge.reference import outside
from bot.knowledge.search import lemmas
from bot.knowledge.subjects import foreign, subjects
from bot.knowledge.thresholds import (
    MARGIN,
    MAX_PARTS,
    MIN_INTENT_CONFIDENCE,
    PART_EVIDENCE,
    PROPERTY_GUESS,
    UNANSWERED_SURE,
    WEAK_GUESS_CONFIDENCE,
)
from bot.knowledge.vocab import QUESTION_WORD, tokens

KEPT = 8  # scores a part keeps of its intent ranking and its search (the replies use the first two)
COLOUR_TOPICS = {"red": "pie", "brown": "pih"}  # the topic that describes each mark colour


# Where one question ends and another starts: sentence ends, "+", and "and/also/plus/," before a question word.
SPLIT = re.compile(rf"(?<=[?!.;:])\s+|\n+|\s+\+\s+|,?\s+(?:and|also|plus|&)\s+(?={QUESTION_WORD})"
                   rf"|,\s*(?={QUESTION_WORD})")


FILLER = r"(?:and|also|plus|oh|ok|okay|so|but|btw|anyway)\b[\s,]*"  # a word that starts a message, saying nothing
# a question: a question word first, after any fillers ("ok and how do i treat it"), or a request


# a question: a question word first, after any fillers ("ok and how do i treat it"), or a request
ASKS = re.compile(rf"^(?:{FILLER})*{QUESTION_WORD}"
                  r"|\b(?:tell me|explain|wondering|recommend|any (?:tips|advice|ideas))\b")


LEADING_FILLER = re.compile(rf"^{FILLER}", re.I)


IT_WORD = r"(?:it's|it’s|its|it|them|they)"  # what a subject is referred back to by


PRONOUN = re.compile(rf"\b(?:{IT_WORD}|that|this|those|these|ones?|both|either|neither)\b", re.I)
CONTAINS = re.compile(r"\b(?:ha(?:ve|s)|got|contain\w*|includ\w*|in)\b", re.I)  # "does it have X?"


@dataclass(frozen=True)
class Part:
    """One question of a message."""

    text: str  # as typed, typos corrected
    words: tuple[str, ...]  # content lemmas
    products: tuple[str, ...]  # products and ingredients named, in order
    marks: tuple[str, ...]  # "red" / "brown" named, in order of mention
    foreign: tuple[str, ...]  # words this domain never uses that name something (possible subjects)
    ranking: tuple[tuple[str, float], ...]  # intents, best first: Rasa's for a whole message, examples' for a part
    search: tuple[tuple[str, float], ...]  # topics by BM25
    refers_back: bool  # "it", "that", "them": leans on what was discussed
    asks: bool  # reads as a question (not a statement giving context)
    # a question read as a colour's description: its intents read without the colour (`uncoloured`),
    # for plan.py; none for other questions (or for one stored before it was kept)
    uncoloured: tuple[tuple[str, float], ...] = ()


def correct(kb: KnowledgeBase, text: str) -> str:
    """The words of a text, typos corrected; numbers kept as typed ("can my 13 yo use it" asks an age)."""
    return " ".join(t if t[0].isdigit() else kb.vocab.correct(t) for t in tokens(text, numbers=True))


def named(kb: KnowledgeBase, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(products named in order of appearance, mark colours named)."""
    found = sorted((m.start(), pid) for pid, p in kb.products.items() for m in [p.pattern.search(text)] if m)
    colours = sorted((m.start(), name) for name in ("red", "brown") for m in [kb.contexts[name][0].search(text)] if m)
    marks = tuple(name for _, name in colours)  # in order of mention: "more red than brown" is red
    return tuple(dict.fromkeys(pid for _, pid in found)), marks


def _part(kb: KnowledgeBase, text: str, ranking: Sequence[tuple[str, float]] | None, question: str = "",
          clauses: Sequence[str] = ()) -> Part:
    """One question (`question`: the piece that asks it, when `text` has context before it; `clauses`:
    what it is made of, for its meaning without another run of the encoder)."""
    corrected = correct(kb, text)
    question = question or asking_sentence(text)
    asking = _asking(kb, text, corrected, question)
    products, marks = named(kb, corrected)
    words = lemmas(corrected)
    # the subject is in the piece that asks; the context before it counts only when that piece leans on
    # it ("i've been using retinol. is it good?"), not when it asks on its own ("...by lunch, what helps")
    leans_back = bool(PRONOUN.search(asking)) and not named(kb, asking)[0]
    asks = question.rstrip().endswith("?") or bool(ASKS.search(asking))
    return Part(
        text=corrected,
        words=words,
        products=products,
        marks=marks,
        # ...and one that asks nothing tells: when or where it happened is no subject ("marks from last winter")
        foreign=subjects(kb, corrected, asking) if leans_back else foreign(kb, asking, settings=asks),
        ranking=kept(_property_first(kb, asking, products, ranking if ranking is not None
                                      else kb.meaning_of(clauses or clauses_of(kb, text))), 0.01),
        search=kept(kb.search(words)[:KEPT], 0.0),
        refers_back=bool(outside(kb, corrected, PRONOUN, expletives=False)) and not products,
        asks=asks,
    )


def part_of(kb: KnowledgeBase, text: str) -> Part:
    """One question read alone (one run of the encoder)."""
    return _with_uncoloured(kb, _part(kb, text, None))


SAID_TWICE = re.compile(r"\bmarks marks\b", re.I)


def uncoloured(kb: KnowledgeBase, text: str) -> str | None:
    """What a question asks of the marks, without their colour: its asking sentence with each colour's
    words said as "marks" ("how do you treat hyperpigmentation?": "how do you treat marks?"); None when
    it names no colour."""
    asked = asking_sentence(text)
    plain = asked
    for pattern, _ in kb.contexts.values():
        plain = pattern.sub("marks", plain)
    plain = SAID_TWICE.sub("marks", plain)  # "red marks": "marks", not "marks marks"
    return plain if plain != asked else None


def reads_as_colour(kb: KnowledgeBase, ranking: Sequence[tuple[str, float]]) -> bool:
    """One of the two best intents is a colour's description."""
    return any(kb.by_intent.get(intent) and kb.by_intent[intent].id in COLOUR_TOPICS.values()
               for intent, _ in ranking[:2])


def _with_uncoloured(kb: KnowledgeBase, part: Part) -> Part:
    """A question naming a colour that reads as the colour's description, with its reading without the
    colour (plan.py weighs it): read by the server that reads the message, its encoder started on it
    (analysis.read_ahead), rather than in a run of its own after."""
    plain = uncoloured(kb, part.text) if part.asks and reads_as_colour(kb, part.ranking) else None
    if not plain:
        return part
    return replace(part, uncoloured=kept(kb.meaning([plain])[0], 0.01))


def said_as_it(kb: KnowledgeBase, text: str, products: Sequence[str]) -> str:
    """The text with these products said as "it" ("the triple action serum" -> "it")."""
    for pid in products:
        text = kb.products[pid].pattern.sub("it", text)
    return re.sub(r"\b(?:the |this |that |my |your )?it(?: it)+\b|\b(?:the|this|that|my|your) it\b", "it", text)


def unnamed(kb: KnowledgeBase, text: str, products: Sequence[str],
            ranking: Sequence[tuple[str, float]]) -> str | None:
    """The question said with "it" for the products it names, when a property the article doesn't give
    is a close guess for it (`_property_first` reads it; the read-ahead starts it: analysis.read_ahead)."""
    if not products or not any(i in kb.unanswered and c >= PROPERTY_GUESS for i, c in ranking[:3]):
        return None
    return said_as_it(kb, text, products)


def asked_of_a_product(kb: KnowledgeBase, text: str) -> tuple[str, tuple[str, ...]]:
    """(the asking sentence of a one-question message, corrected; the products the message names), as
    `_part` reads them."""
    corrected = correct(kb, text)
    return _asking(kb, text, corrected), named(kb, corrected)[0]


def _asking(kb: KnowledgeBase, text: str, corrected: str, question: str = "") -> str:
    """The piece of `text` that asks (`question`, or its asking sentence), corrected."""
    question = question or asking_sentence(text)
    return corrected if question is text else correct(kb, question)


def _property_first(kb: KnowledgeBase, text: str, products: tuple[str, ...],
                    ranking: Sequence[tuple[str, float]]) -> Sequence[tuple[str, float]]:
    """A property the article doesn't give, asked of a named product ("how much is the serum"): the
    product's name pulls both classifiers to the product's topic, so when such a property is a close
    guess the question is read again with "it" for the name; if it then asks that property, that comes
    first."""
    if (plain := unnamed(kb, text, products, ranking)) is None:
        return ranking
    again = kb.meaning([plain])[0]
    if unanswered(kb, again):
        return [again[0], *((i, c) for i, c in ranking if i != again[0][0])]
    return ranking


def kept(scores: Sequence[tuple[str, float]], floor: float) -> tuple[tuple[str, float], ...]:
    """The best KEPT scores (the first always, the others above `floor`), rounded: what a reply can use,
    and what every stored user event and every call of the action server carries."""
    return tuple((name, round(float(score), 4)) for i, (name, score) in enumerate(scores[:KEPT])
                 if i == 0 or score >= floor)


def asking_sentence(text: str) -> str:
    """The clauses of a text that ask, when others only tell ("my dad's knee swelled up after football,
    anyway what's thiamidol": the subject is in the asking clause); else the whole text."""
    clauses = safety.clauses(text)
    asking = [c for c in clauses if c.rstrip().endswith("?") or ASKS.search(LEADING_FILLER.sub("", c.lower()))]
    return " ".join(asking) if asking and len(asking) < len(clauses) else text


def clauses_of(kb: KnowledgeBase, text: str) -> list[str]:
    """The clauses of a text, typos corrected (the units its meaning is encoded in)."""
    said = [correct(kb, LEADING_FILLER.sub("", c)) for c in safety.clauses(text)]
    return [c for c in said if c] or [correct(kb, text)]


def _has_evidence(part: Part) -> bool:
    """A part that can stand as a question: it asks, and names something or looks like a training example."""
    looks_like_one = bool(part.ranking) and part.ranking[0][1] >= PART_EVIDENCE
    return part.asks and (bool(part.products or part.marks) or looks_like_one)


def split(text: str) -> list[str]:
    """The message's questions as typed (before merging the ones that can't stand alone)."""
    pieces = [LEADING_FILLER.sub("", p.strip(" ,")) for p in SPLIT.split(text)]
    return [p for p in pieces if tokens(p)]


def questions(kb: KnowledgeBase, text: str, ranking: Sequence[tuple[str, float]]) -> tuple[Part, ...]:
    """Up to MAX_PARTS questions; a piece with no evidence of its own is context for the next one."""
    return tuple(_with_uncoloured(kb, part) for part in _questions(kb, text, ranking))


def _questions(kb: KnowledgeBase, text: str, ranking: Sequence[tuple[str, float]]) -> tuple[Part, ...]:
    pieces = split(text)
    if len(pieces) > 1:
        parts: list[Part] = []
        said: list[list[str]] = []  # the clauses of each part (their vectors are the message's)
        context = asking = ""
        before: list[str] = []
        for piece in pieces:
            clauses = before + clauses_of(kb, piece)
            part = _part(kb, f"{context} {piece}".strip() if context else piece, None, piece, clauses)
            if not _has_evidence(part):
                context, before = part.text, clauses
                continue
            asking = piece
            if not (parts and part.ranking[0][0] == parts[-1].ranking[0][0]
                    and part.products == parts[-1].products):  # (the same question again is skipped)
                parts.append(part)
                said.append(clauses)
                context, before = "", []
        last = parts[-1] if parts else None
        if context and last and last.products and ASKS.search(LEADING_FILLER.sub("", context.lower())):
            # a question of its own about the product just named ("how long does the serum take and
            # whats the main ingredient"): asked of that product
            of = f"{context} of the {kb.products[last.products[0]].name}"
            parts.append(_part(kb, of, None, of, clauses_of(kb, of)))
        elif context and last:  # a trailing piece with no evidence ("what are these?") belongs to the last one
            parts[-1] = _part(kb, f"{last.text} {context}", None, clauses=said[-1] + before)
        if len(parts) > 1:
            return tuple(parts[:MAX_PARTS])
        if parts and ranking:
            ranking = _tie_break(ranking, parts[-1].ranking)
        if parts and not context:  # one question after context: that piece asks it
            return (_part(kb, text, ranking, asking),)
    return (_part(kb, text, ranking),)


def _tie_break(ranking: Sequence[tuple[str, float]], question: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """The classifier's ranking of a whole message, its guess for the asking sentence first when the
    classifier is unsure and has that guess among its top two ("...my marks are still here. how do they
    come about?" asks for causes, not the routine its story suggests). A sentence with nothing of its own
    ("...flat brown ones. what would help mine?": out of scope alone) leans on the story."""
    ranking = list(ranking)
    if question and ranking and ranking[0][1] < PART_EVIDENCE + 0.2 and question[0][0] in dict(ranking[:2]) \
            and question[0][0] not in OUT_OF_SCOPE:
        ranking.sort(key=lambda r: r[0] != question[0][0])
    return ranking


def unanswered(kb: KnowledgeBase, ranking: Sequence[tuple[str, float]], products: Sequence[str] = ()) -> Gap | None:
    """A property the article doesn't give (price, pregnancy, age...), when the classifiers rank it first
    for a question (each question of a message is judged on its own: respond.py); `products`: those the
    question names."""
    (intent, confidence), (second, close) = (list(ranking) + [("", 0.0), ("", 0.0)])[:2]
    first, gap = kb.unanswered.get(intent), kb.unanswered.get(second)
    close_enough = close >= WEAK_GUESS_CONFIDENCE and confidence - close <= MARGIN
    # whether it suits someone, ranked a close second: the article's answer may not hold for them ("how to
    # get rid of acne marks during pregnancy?"), so that comes first, before a topic or a detail of a
    # product named ("i'm breastfeeding, is the fluid safe": not answered with the fluid's claims; a detail
    # of nothing named is no question of the products: "puzzles for kids")
    for_them = bool(gap and suits_someone(gap) and close_enough)
    if first and (confidence >= UNANSWERED_SURE or suits_someone(first) and confidence >= MIN_INTENT_CONFIDENCE) \
            and not (for_them and first.of_product and products):
        return first  # (whether it suits someone: a first guess stands as a topic's would)
    # ...and so does what a product named costs or does to one ("do the peels hurt?": "hurt" reads as
    # picking first)
    return gap if gap and (for_them or gap.product_nearest and products and close_enough) else None


def suits_someone(gap: Gap) -> bool:
    """The gap is whether something suits someone (pregnancy, age): the dermatologist's to answer."""
    return not gap.skin and gap.nearest == "dermatologist"


def word_count(text: str) -> int:
    """The words of a message, a leading filler ("ok", "so") aside."""
    return len(tokens(LEADING_FILLER.sub("", text)))
