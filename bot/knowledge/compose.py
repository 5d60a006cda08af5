"""Answer composition: verbatim passages grouped under the article's real headings.

Three rules hold for every quote: a citation names a real heading of the article (text under no
heading is introduced in the bot's own words), a starred claim always comes with its footnote, and
a product's claims are quoted only for that product (the topic map's `products` see to that).
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.knowledge.article import Passage
from bot.knowledge.base import KnowledgeBase

# What a reply message is (custom payload `kind`): channels, reports and tests rely on it.
ANSWER, ABSTAIN, RED_FLAG, CLARIFY, DECLINED = "answer", "abstain", "red_flag", "clarify", "declined"
SMALLTALK = "smalltalk"  # greetings and the like: domain.yml's responses carry it
HANDOFF = "handoff"  # the way to a person


@dataclass(frozen=True)
class Message:
    """A reply message: its text, what kind of reply it is and, for article quotes, the heading quoted."""

    text: str
    kind: str = ANSWER
    section: str = ""
    topic: str = ""
    buttons: tuple[dict[str, str], ...] = ()


@dataclass
class Reply:
    """Messages to send and slots to remember."""

    messages: list[Message] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)


def with_footnotes(kb: KnowledgeBase, passage_ids: tuple[str, ...]) -> tuple[str, ...]:
    """The passages, each starred claim followed by its footnote (once), in article order within a section."""
    out: list[str] = []
    for pid in passage_ids:
        for p in (pid, kb.footnotes.get(pid)):
            if p and p not in out:
                out.append(p)
    # keep the asked order of sections, but article order inside one section (a footnote after its claim)
    sections = list(dict.fromkeys(kb.passages[p].section_id for p in out))
    return tuple(p for s in sections
                 for p in sorted((x for x in out if kb.passages[x].section_id == s), key=kb.order.__getitem__))


def _join(passages: list[Passage]) -> str:
    """Sentences run on; list items go on their own lines as bullets, and a line with no final
    punctuation (an image's caption: "Pimple marks are caused by areas of hyperpigmentation") alone."""
    out, alone = "", False
    for p in passages:
        own_line = p.item or not _ended(p.text)
        sep = "" if not out else "\n" if (own_line or alone) else " "
        out += sep + ("• " if p.item else "") + p.text
        alone = own_line
    return out


def _ended(text: str) -> bool:
    """The text ends as a sentence does, with punctuation (a full stop, a star, a closing quote...)."""
    return unicodedata.category(text.rstrip()[-1:] or " ").startswith("P")


def quote(kb: KnowledgeBase, passage_ids: tuple[str, ...], topic: str = "") -> list[Message]:
    """One message per section, each naming its heading; footnotes travel with their claims."""
    groups: dict[str, list[Passage]] = {}
    for pid in with_footnotes(kb, passage_ids):
        groups.setdefault(kb.passages[pid].section_id, []).append(kb.passages[pid])
    messages = []
    for section_id, passages in groups.items():
        title = kb.sections[section_id].title
        # a section with no heading is led by the reply named after it ("dates"), or the closing line's
        lead = f"From *{title}*:" if title else kb.replies.get(section_id) or kb.replies["closing"]
        messages.append(Message(f"{lead}\n{_join(passages)}", ANSWER, title, topic))
    return messages


def buttons(kb: KnowledgeBase, topic_ids: tuple[str, ...], limit: int = 3) -> tuple[dict[str, str], ...]:
    """Quick-reply buttons asking the given topics."""
    return tuple({"title": kb.topics[t].question, "payload": f"/{kb.topics[t].intent}"} for t in topic_ids[:limit])


def passage_ids(kb: KnowledgeBase, topic_id: str, context: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The topic's passages, tailored to the first context (red, brown) it has a variant for."""
    topic = kb.topics[topic_id]
    return next((topic.variants[c] for c in context if c in topic.variants), topic.passages)


def answer(kb: KnowledgeBase, topic_id: str, context: tuple[str, ...] = (), passages: tuple[str, ...] = (),
           lead: str = "") -> list[Message]:
    """A topic's verbatim answer (or the given passages for it), after its note or `lead` in the bot's words."""
    topic = kb.topics[topic_id]
    note = lead or (topic.note if not passages else "")
    messages = [Message(note, ANSWER, topic=topic_id)] if note else []
    return messages + quote(kb, passages or passage_ids(kb, topic_id, context), topic_id)


def without_repeats(messages: list[Message]) -> list[Message]:
    """The messages without a quote whose every line an earlier message of the reply already quoted
    ("can i use the serum, and how often": the usage sentence is in the serum's answer)."""
    kept: list[Message] = []
    for message in messages:
        lines = [line for line in message.text.split("\n")[1:] if line] if message.section else []
        if lines and all(any(line in earlier.text for earlier in kept) for line in lines):
            continue
        kept.append(message)
    return kept


def kept(messages: list[Message], keep: Callable[[Message], bool]) -> list[Message]:
    """The messages `keep` keeps, less a lead in the bot's words to quotes none of which is kept ("What it
    says about the serum is this." before the serum's withheld sentence)."""
    out = []
    for at, message in enumerate(messages):
        quotes = list(itertools.takewhile(lambda m: m.section, messages[at + 1:]))
        if keep(message) and not (message.kind == ABSTAIN and quotes and not any(map(keep, quotes))):
            out.append(message)
    return out


def offer_related(kb: KnowledgeBase, messages: list[Message], topic_id: str) -> None:
    """Put the topic's related questions as buttons on the last message."""
    last = messages[-1]
    messages[-1] = Message(last.text, last.kind, last.section, last.topic, buttons(kb, kb.topics[topic_id].related))


def customer_service(kb: KnowledgeBase, handoff_text: str, handoff_url: str) -> list[Message]:
    """Orders, deliveries, returns: said plainly that this isn't the assistant's, and where a person is
    (HANDOFF_TEXT / HANDOFF_URL); no article quote."""
    way = " ".join(t for t in (handoff_text or (kb.replies["handoff"] if handoff_url else ""), handoff_url) if t)
    return [Message(" ".join((kb.replies["customer_service"], way or kb.replies["customer_service_elsewhere"])),
                    HANDOFF)]
