"""What a conversation has been about: the state kept in the tracker's `conversation` slot (free of Rasa).

It holds the last few subjects only (the products, mark colours and topics discussed, the things
named, the last question as resolved) and what the visitor said of themselves; bot/knowledge/
conversation.py resolves the follow-ups that lean on it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.knowledge import wordnet
from bot.knowledge.analysis import COLOUR_TOPICS
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.parts import ASKS, LEADING_FILLER, split
from bot.knowledge.search import lemma
from bot.knowledge.vocab import WH_WORD

RECENT = 4  # subjects remembered
GENERIC_TOPICS = ("routine", "usage")  # topics of how to do something, about no one thing
WH = re.compile(rf"\b{WH_WORD}", re.I)
# what the visitor says of themselves ("I'm 5 months pregnant", "my son is 12")
AND = re.compile(r"\s+(?:and|but)\s+", re.I)  # "I'm pregnant and my marks are brown": its first part
# (a word may come first: "hi, I'm...", "so my son is 12"; a child is any noun WordNet files as one)
ABOUT_ME = re.compile(r"^\W*(?:\w+\W+)?(?:i'?m|i am|i have|i'?ve|my (\w+))\b", re.I)


@dataclass(frozen=True)
class Conversation:
    """The recent subjects: the last question answered (as resolved), and the products, mark colours
    and topics discussed, latest last."""

    question: str = ""
    topics: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()  # topics of the things named or answered, for "what's the difference?"
    subject: str = ""  # what "it" / "them" means now: the product or the marks discussed last, in words
    asked: str = ""  # the intent the last question was answered as ("ask_price"): what an ellipsis asks again
    about: tuple[str, ...] = ()  # what the visitor said of themselves, latest last ("i'm 5 months pregnant")
    warned: str = ""  # the last message's red flag ("urgent", "symptom"): what "should I put the serum on it?" is about

    @classmethod
    def from_slot(cls, value: Any) -> Conversation:
        """The state a slot holds (anything else: a new conversation)."""
        if not isinstance(value, dict):
            return cls()
        try:
            return cls(question=str(value.get("question") or ""), subject=str(value.get("subject") or ""),
                       asked=str(value.get("asked") or ""), warned=str(value.get("warned") or ""),
                       **{k: tuple(str(v) for v in value.get(k) or ())
                          for k in ("topics", "products", "marks", "subjects", "about")})
        except TypeError:
            return cls()

    def as_slot(self) -> dict[str, Any]:
        return {"question": self.question, "subject": self.subject, "asked": self.asked, "topics": list(self.topics),
                "products": list(self.products), "marks": list(self.marks), "subjects": list(self.subjects),
                "about": list(self.about), "warned": self.warned}

    def after(self, kb: KnowledgeBase, question: str, answered: list[str], products: list[str],
              marks: list[str], asked: str = "", said: Sequence[str] = (), warned: str = "",
              uncovered: str = "") -> Conversation:
        """The state once `question` (asked as the intent `asked`) was answered with `answered` topics
        about these products, naming these marks and the products `said`, and naming a skin subject the
        article doesn't cover (`uncovered`: "retinol")."""
        # the things that can be compared: those named (by the visitor or the answer), else the topics
        # answered that are things (a product's aspect or the routine is no thing: "what's the
        # difference?" after red marks, the routine and brown marks compares the marks)
        things = list(dict.fromkeys([*said, *products]))
        named = [kb.products[p].topic for p in things] + [COLOUR_TOPICS[m] for m in marks] or [
            t for t in answered if not kb.topics[t].aspect and t not in GENERIC_TOPICS]
        # the subject "it" stands for: a skin subject the article doesn't cover, named with no product ("i
        # use a retinol at night": "can i use it with the serum?"), else the product answered about, else
        # the marks named, else a topic's subject named or answered (scars); a new subject without any of
        # those (causes...) leaves none
        subject = (uncovered if uncovered and not said else _named_as(kb, products[-1], question) if products
                   else f"{marks[0]} marks" if marks else kb.subject_named(question, answered))
        return Conversation(question=question, subject=subject, asked=asked, topics=_recent(self.topics, answered),
                            products=_recent(self.products, products), marks=_recent(self.marks, marks),
                            subjects=_recent(self.subjects, named), about=self.noted(question).about,
                            warned=warned)

    def noted(self, message: str) -> Conversation:
        """The state once the visitor said `message`, answered or not: what they said of themselves kept."""
        said = [AND.split(c)[0] for c in split(message) if _about_me(c) and not asks(c)][:1]
        return replace(self, about=_recent(self.about, said)[-2:]) if said else self


def _about_me(clause: str) -> bool:
    """The clause tells of the visitor, or of their child ("my son is 12", not "my marks are brown")."""
    said = ABOUT_ME.match(clause)
    return said is not None and (not said.group(1) or wordnet.is_a(lemma(said.group(1).lower()), "child"))


def _named_as(kb: KnowledgeBase, product: str, question: str) -> str:
    """A product in the visitor's last word for it ("the gel"), else in the bot's ("the Cleansing Gel")."""
    said = [m.group(0) for m in kb.products[product].pattern.finditer(question)]
    return f"the {said[-1].lower() if said else kb.products[product].name}"


def _recent(old: tuple[str, ...], new: list[str]) -> tuple[str, ...]:
    kept = [x for x in old if x not in new] + list(dict.fromkeys(x for x in new if x))
    return tuple(kept[-RECENT:])


def asks(text: str) -> bool:
    """The text asks something of its own: a question mark, a question word opening it, or a wh-word
    anywhere ("licochalcone (sp?) what is it")."""
    return text.rstrip().endswith("?") or bool(ASKS.search(LEADING_FILLER.sub("", text.lower())) or WH.search(text))
