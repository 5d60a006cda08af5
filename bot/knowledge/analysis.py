"""Read a message once: one record of everything the reply is decided from.

`analyse` corrects typos against this domain's words, splits the message into up to three questions,
and records, for the message and each question, what it names (products, red or brown marks), the
words foreign to this domain, the classifier's and the search's rankings, and the safety finding.
`bot.knowledge.respond` then decides the reply from this record alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.knowledge import safety
from bot.knowledge.base import Gap, KnowledgeBase
from bot.knowledge.encoder import Pooler, get_encoder
from bot.knowledge.parts import (
    COLOUR_TOPICS,
    Part,
    asked_of_a_product,
    clauses_of,
    correct,
    kept,
    named,
    questions,
    reads_as_colour,
    suits_someone,
    unanswered,
    uncoloured,
    unnamed,
    word_count,
)
from bot.knowledge.scope import about_skin, customer_service, english, skin_words
from bot.knowledge.search import lemmas
from bot.knowledge.thresholds import ACKNOWLEDGED, DIET_SURE, PARTING_SHARE, SHORT
from bot.knowledge.vocab import QUESTION_WORD, tokens

if TYPE_CHECKING:
    import numpy as np

REDACTED = re.compile(r"\[(?:email|phone)\]")  # bot/privacy/redact.py's placeholders
COMPARE = re.compile(r"\b(?:vs\.?|versus|diff\w*|compare|compared|comparison"
                     r"|which is which|tell \w+ apart)\b", re.I)
# "is pie the same as pih?", "are red and brown marks alike?": a comparison too (`compares`)
SAME = re.compile(r"\b(?:same (?:thing|as)|alike)\b|\bthe same\W*$", re.I)
ASKING = re.compile(rf"\b{QUESTION_WORD}", re.I)
PARTING = ("thank", "goodbye")  # the intents (data/nlu/chitchat.yml) a conversation ends with
# a few words before a colon that open a message: a heading ("new question: ...", "quick q: ...")
HEADING = re.compile(r"^\W*(?:[a-z']+\s+){0,2}[a-z']+\s*:\s+(?=\S)", re.I)
# "serum or the fluid" compares; "the fluid on before or after the serum" does not
EITHER = re.compile(r"^\W*(?:\w+\W+)?or\W+(?:\w+\W+)?$", re.I)
BOTH_OF = re.compile(r"\bboth\W+(?:the\W+)?$", re.I)  # "i have both red and brown marks": the two named together


@dataclass(frozen=True)
class Analysis:
    """Everything the reply to one message is decided from."""

    text: str
    payload: str  # the intent of a button payload ("/ask_serum"), else ""
    english: bool
    red_flag: str | None  # a symptom reported now by the visitor: "urgent" or "symptom" (safety.py)
    customer_service: bool  # about an order, a delivery, a payment, a return: a person's job
    off_topic: str | None  # a skin condition the article doesn't cover (psoriasis...)
    gap: Gap | None  # a known question the article doesn't settle
    about_skin: bool
    compare: tuple[str, ...]  # topics a comparison asks for ("serum vs fluid")
    parts: tuple[Part, ...]
    intents: tuple[tuple[str, float], ...] = ()  # the whole message's intents: DIET averaged with meaning
    reaction: bool = False  # a reaction that asks nothing ("ok cool"): `reacts`

    @property
    def intent(self) -> str:
        """What the message is, as the dialogue should route it: a symptom report whatever else it says
        ("thanks! oh and my eye is swollen shut"), else the classifiers' averaged best."""
        if self.red_flag:
            return safety.URGENT_INTENT if self.red_flag == "urgent" else safety.SYMPTOM_INTENT
        return self.intents[0][0] if self.intents else ""

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON data (Rasa's parse data carries it to the action and into the stored event)."""
        data = dict(vars(self))  # the fields (tuples are shared: immutable); asdict's deep copy took 0.1 ms
        data["parts"] = [dict(vars(part)) for part in self.parts]
        data["gap"] = self.gap and {"subject": self.gap.subject, "nearest": self.gap.nearest, "skin": self.gap.skin,
                                    "product_nearest": self.gap.product_nearest}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        """The analysis `as_dict` wrote; raises KeyError/TypeError on anything else."""
        gap = data["gap"]
        parts = tuple(Part(**{k: _tuples(v) for k, v in p.items()}) for p in data["parts"])
        gap = gap and Gap(None, gap["subject"], gap["nearest"], gap["skin"],
                          product_nearest=gap.get("product_nearest", ""))  # (not in events stored before stop 48)
        return cls(**{**data, "gap": gap,
                      "compare": tuple(data["compare"]), "parts": parts,
                      "intents": _tuples(data.get("intents") or [])})


def _tuples(value: Any) -> Any:
    """JSON lists back to the tuples the dataclasses hold."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def combine(*rankings: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """The average of several classifiers' intent rankings, best first."""
    total: dict[str, float] = {}
    for ranking in rankings:
        for intent, score in ranking:
            total[intent] = total.get(intent, 0.0) + score / len(rankings)
    return sorted(total.items(), key=lambda kv: -kv[1])


def _compare(kb: KnowledgeBase, text: str, parts: tuple[Part, ...]) -> tuple[str, ...]:
    """The topics of the things compared, when the message compares two things of one kind: products (or
    the procedures' alternatives), or mark colours ("for brown marks, peels or the serum?": the two products)."""
    if len(parts) != 1:
        return ()
    products = sorted((m.start(), m.end(), kb.products[pid].topic, _alternative(kb.products[pid].name, m.group(0)))
                      for pid in parts[0].products for m in kb.products[pid].pattern.finditer(text))
    colours = sorted((m.start(), m.end(), COLOUR_TOPICS[name], name) for name in parts[0].marks
                     for m in [kb.contexts[name][0].search(text)] if m)
    # colours named with a product qualify it ("can laser lighten red or brown marks?"): no comparison
    for spans in (products, [] if products else colours):
        if len({thing for *_, thing in spans}) < 2:
            continue
        first, second = spans[0], next(s for s in spans if s[3] != spans[0][3])
        if compares(text) or EITHER.match(text[first[1]:second[0]] + " ") or BOTH_OF.search(text[:first[0]]):
            return tuple(dict.fromkeys(topic for _, _, topic, _ in spans))
    return ()


def compares(text: str) -> bool:
    """The text asks two things compared: "difference", "vs"..., or whether they are the same."""
    return bool(COMPARE.search(text) or SAME.search(text))


def _alternative(name: str, said: str) -> str:
    """Which of the things a name offers as alternatives ("chemical peels or laser") the words said name
    ("peels"); the name itself when it names one thing."""
    words = set(lemmas(said))
    return next((a for a in name.split(" or ") if words & set(lemmas(a))), name)


def _names_a_thing(kb: KnowledgeBase, part: Part) -> bool:
    """The question names a thing made, eaten or grown that is none of this domain's ("roses", "battery")."""
    return any(kb.vocab.foreign_thing(w) for w in part.words)


def no_words_of_its_own(kb: KnowledgeBase, part: Part) -> bool:
    """The part names nothing: its words are everyday English ("ok so what should i do now?")."""
    return not (part.marks or part.products) and all(kb.vocab.is_everyday(w) for w in part.words)


def reacts(kb: KnowledgeBase, text: str, parts: Sequence[Part]) -> bool:
    """A reaction that asks nothing ("ok cool", "i know i know", "fair enough"): short, everyday words only,
    no question mark or question word, no symptom in its meaning, and its meaning no topic of the article's
    (read here, where the message's meaning is at hand: after an answer, it acknowledges it)."""
    if len(parts) != 1 or "?" in text:
        return False
    part = parts[0]
    if part.asks or word_count(part.text) > SHORT or ASKING.search(part.text) or COMPARE.search(part.text) \
            or part.marks or part.products:  # ("difference": a question in one word)
        return False
    meaning = kb.meaning([part.text])[0]
    # its words everyday English, or its meaning mostly a thank-you or a goodbye ("thanks bye", "ok thanks, cya")
    said = no_words_of_its_own(kb, part) or sum(c for i, c in meaning if i in PARTING) >= PARTING_SHARE
    return said and safety.symptom_vote(meaning) < ACKNOWLEDGED and not (meaning and meaning[0][0] in kb.by_intent)


def _readable(text: str | None) -> str:
    """The text analysed: redaction placeholders out."""
    return REDACTED.sub(" ", text or "").strip()


def _heading(kb: KnowledgeBase, text: str) -> str:
    """The heading a message opens with, naming nothing of skin ("new question: what order...?", "quick q: ...";
    not "PIE: what is it?" nor "my skin: ...", which name their subject), else ""."""
    found = HEADING.match(text)
    heading = found.group(0) if found else ""
    return heading if heading and not (any(named(kb, heading)) or skin_words(kb, heading)) else ""


def _asks_of_the_care(kb: KnowledgeBase, parts: Sequence[Part], meant: Sequence[tuple[str, float]]) -> bool:
    """A question of the message asks of one of the article's products, or the message means a property such
    questions ask (`meant`, by meaning alone: a topic with an aspect, "is the routine ok for sensitive skin?";
    DIET learnt conditions as out of scope), not something of the condition itself."""
    topic = kb.by_intent.get(meant[0][0]) if meant else None
    return any(p.asks for p in parts) and (bool(topic and topic.aspect) or any(p.asks and p.products for p in parts))


def read_ahead(kb: KnowledgeBase, text: str) -> None:
    """Start encoding what `analyse(kb, text)` reads, in the background (encoder.Encoder.start): the
    message's clauses; then, told by what they mean, the clauses its safety check reads alone, the
    question without its colour when it reads as a colour's description, and without a product's name
    when a property the article doesn't give is a close guess ("how much is the serum")."""
    text = _readable(text)
    text = text[len(_heading(kb, text)):]
    if text and not text.startswith("/"):
        clauses = clauses_of(kb, text)

        def later(whole: np.ndarray, each: np.ndarray, within: Pooler) -> list[str]:
            in_context, ranking = kb.in_context(whole, each), kb.semantic.rank(whole)
            meant = functools.partial(kb.meaning_within, pool=within)  # (this run's, on the encoder's thread)
            plain = uncoloured(kb, correct(kb, text)) if reads_as_colour(kb, ranking) else None
            without_name = unnamed(kb, *asked_of_a_product(kb, text), ranking)
            return kb.unread([t for t in [*(safety.read_alone(clauses, in_context) or ()), plain, without_name,
                                          *safety.pieces_ahead(clauses, in_context, meant)] if t])

        get_encoder().start(clauses, later)


def analyse(kb: KnowledgeBase, text: str, ranking: Sequence[tuple[str, float]] = ()) -> Analysis:
    """The analysis of `text`, given the classifier's intent `ranking` for the whole message."""
    # what was redacted before storage says nothing about skin; Rasa's ranking, made with the
    # placeholders in the text ("[email]" reads as out of scope to it), is then left to the examples
    redacted = bool(REDACTED.search(text or ""))
    text = _readable(text)
    # ...and a message longer than any example DIET learnt from (a story: "...the doctor gave me a
    # lotion... please help me?" read as where to buy) is left to the sentence meaning too, and so is one
    # that opens with a heading (DIET read "new question: what order do i put the products on in?" as out
    # of scope), read without it
    heading = _heading(kb, text)
    text = text[len(heading):]
    ranking = () if redacted or heading or len(text.split()) > kb.longest_example else ranking
    if text.startswith("/"):
        payload = text[1:].split("{")[0].strip()
        return Analysis(text, payload, True, None, False, None, None, True, (), ())
    corrected = correct(kb, text)
    # Rasa's ranking of the whole message, averaged with the training examples' nearest neighbours:
    # DIET alone splits its confidence between close intents (docs/evaluation.md has the figures),
    # and is sometimes sure of a skin topic for a message that is not about skin. Sure of a topic
    # for a message with a skin word, it stands alone (the average would not change the answer).
    # what each clause means, each piece and the whole message: encoded together, once
    said = clauses_of(kb, text)
    whole, in_context = kb.read(said)
    ranking = rasa = [(i, c) for i, c in ranking if i != "nlu_fallback"]
    if not (rasa and rasa[0][0] in kb.by_intent and rasa[0][1] >= DIET_SURE and skin_words(kb, corrected)):
        ranking = combine(rasa, whole) if rasa else whole
    elif (gap := unanswered(kb, whole)) and (suits_someone(gap) or gap.product_nearest):
        # ...but whether something suits someone, or a product's property the article doesn't give, is heard
        # by meaning whatever DIET is sure of (it knows the products' names: "breastfeeding mama here, safe to
        # use thiamidol?", "what are the side effects of thiamidol?")
        ranking = whole
    if whole and whole[0][0] in kb.nearest.intents:  # learnt from its examples alone: they decide
        ranking = whole
    parts = questions(kb, text, ranking) if tokens(text) else ()
    found = safety.finding(said, in_context, kb.meaning, kb.off_topic_subject, kb.meaning_within, kb.ailments)
    # a property of the products or treatments the article doesn't give: about skin, never declined
    # ("a scary face mask for halloween" is no detail of a product, nor is "it" of a thing the message names:
    # "rust is spreading on my roses, how do i stop it?")
    asked = any((gap := unanswered(kb, part.ranking, part.products)) and (
        not gap.of_product or part.products or part.refers_back and not _names_a_thing(kb, part)) for part in parts)
    gap = kb.gap(corrected)
    off_topic = kb.off_topic_subject(corrected)
    if off_topic and not gap and _asks_of_the_care(kb, parts, whole):
        # "does thiamidol work for melasma?", "is the routine ok for eczema prone skin?": the condition is
        # the visitor's, the question is of the article's care: the article doesn't say; see a dermatologist
        gap, off_topic = Gap(None, off_topic, "dermatologist", False), None
    # "can i use the serum while i'm on doxycycline?", "i have lupus, is the routine ok?": a medicine, a
    # treatment or an illness of the visitor's, asked of the article's care (so in scope): whether it suits
    # them is the dermatologist's to say (not "hay fever season again, where can i buy it?")
    health = () if gap or off_topic else kb.health_words(corrected)
    for_them = bool(health) and safety.the_visitors(said, health) and _asks_of_the_care(kb, parts, whole)
    if for_them:
        gap = Gap(None, health[0], "dermatologist", False)
    return Analysis(
        text=text,
        payload="",
        english=english(kb, text, ranking),
        red_flag=found.kind if found else None,
        customer_service=customer_service(kb, corrected, ranking, whole) and not found,
        off_topic=off_topic,
        gap=gap,
        about_skin=(bool(gap and gap.skin) or bool(asked) or for_them or kb.says_acronym(text)
                    or about_skin(kb, corrected, lemmas(corrected), ranking, parts, whole)),
        compare=_compare(kb, corrected, parts),
        parts=parts,
        intents=kept(ranking, 0.01),
        reaction=not gap and reacts(kb, text, parts),
    )
