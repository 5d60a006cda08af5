"""Decide the reply to one user message: safety first, then the article's words or an honest 'no'."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.config import settings
from bot.knowledge import KnowledgeBase, Message, Topic

MENU = ("causes", "routine", "marks_vs_scars")  # offered when nothing else fits
MIN_INTENT_CONFIDENCE = 0.3  # below this, a guess is not answered on its own
WEAK_GUESS_CONFIDENCE = 0.15  # a weaker guess still counts when the search's best topic agrees


@dataclass
class Reply:
    """Messages to send and slots to remember."""

    messages: list[Message] = field(default_factory=list)
    slots: dict[str, str | None] = field(default_factory=dict)


def _choose(kb: KnowledgeBase, text: str, ranking: Sequence[tuple[str, float]]) -> tuple[str | None, tuple[str, ...]]:
    """For a low-confidence message: (topic to answer, or None) and topics to offer when unsure.

    The classifier's best in-scope guesses and the article search each get a say: answer when they
    agree (the search's best topic is one of the classifier's top two, however weak each signal is
    alone) or one of them is clear; offer both when they disagree; nothing when neither has anything.
    """
    cfg = settings()
    weak = [(kb.by_intent[i].id, c) for i, c in ranking if i in kb.by_intent and c >= WEAK_GUESS_CONFIDENCE][:2]
    guess = weak[0][0] if weak and weak[0][1] >= MIN_INTENT_CONFIDENCE else None
    found = kb.search(text)
    if found and found[0][0] in {t for t, _ in weak}:
        return found[0][0], ()
    ranked = [(t, s) for t, s in found if s >= cfg.min_score]
    top = [t for t, _ in ranked[:2]]
    if guess and (not ranked or guess in top):
        return guess, ()
    if not guess and ranked and (len(ranked) == 1 or ranked[1][1] < cfg.ambiguity_ratio * ranked[0][1]):
        return ranked[0][0], ()
    choices = tuple(dict.fromkeys([t for t in (guess, *top) if t]))
    if len(choices) == 1:
        return choices[0], ()
    return None, choices


def _context(kb: KnowledgeBase, text: str, topic: Topic, slots: dict[str, str | None]) -> tuple[str | None, bool]:
    """(mark type: red/brown/None, whether the conversation is about the fluid)."""
    mark = next((m for m in ("red", "brown") if kb.context(m, text, (topic.id,))), None) or slots.get("mark_type")
    fluid = kb.context("fluid", text, (topic.id,)) or (
        kb.context("fluid", "", (slots.get("last_topic"),)) and "serum" not in text.lower())
    return mark, fluid


def respond(
    kb: KnowledgeBase,
    text: str,
    intent: str | None,
    slots: dict[str, str | None],
    ranking: Sequence[tuple[str, float]] = (),
) -> Reply:
    """The reply to `text`, classified as `intent` (with the classifier's `ranking`), given the slots."""
    text = text or ""
    reply = Reply()
    is_payload = text.startswith("/")
    red_flag = intent == "report_red_flag" or kb.is_red_flag(text)
    if red_flag:
        reply.messages.append(Message(kb.replies["red_flag"]))
    topic = kb.by_intent.get(intent or "")
    subject = kb.off_topic_subject(text)
    gap = kb.gap(text) if intent != "out_of_scope" or kb.about_skin(text) else None
    if subject and not red_flag:
        reply.messages.append(Message(kb.replies["off_topic"].format(subject=subject), buttons=kb.buttons(MENU)))
        return reply
    if gap:
        reply.messages.append(Message(kb.replies["gap"].format(subject=gap[0])))
        topic = kb.topics[gap[1]] if gap[1] else topic or kb.topics["dermatologist"]
    elif red_flag and topic is None:
        topic = kb.topics["dermatologist"]
    elif not is_payload and not kb.in_domain(text):
        topic = None  # a guess, however confident, about words that are not about skin at all
    elif intent == "nlu_fallback":
        found, choices = _choose(kb, text, ranking)
        if choices:
            reply.messages.append(Message(kb.replies["clarify"], buttons=kb.buttons(choices)))
            return reply
        topic = kb.topics[found] if found else None
    if topic is None:
        reply.messages.append(Message(kb.replies["abstain"], buttons=kb.buttons(MENU)))
        return reply

    mark, fluid = _context(kb, text, topic, slots)
    reply.messages += kb.answer(topic.id, tuple(c for c in (mark, "fluid" if fluid else None) if c))
    reply.slots = {"mark_type": mark, "last_topic": topic.id}
    return reply
