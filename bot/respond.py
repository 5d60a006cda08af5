"""Decide the reply to one user message: safety first, then the article's words or an honest 'no'."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import settings
from bot.knowledge import KnowledgeBase, Message

FALLBACK_INTENTS = {"nlu_fallback", "out_of_scope"}
MENU = ("causes", "routine", "marks_vs_scars")  # offered when nothing else fits


@dataclass
class Reply:
    """Messages to send and slots to remember."""

    messages: list[Message] = field(default_factory=list)
    slots: dict[str, str | None] = field(default_factory=dict)
    topic: str | None = None


def _with_buttons(kb: KnowledgeBase, text: str, topics: tuple[str, ...]) -> Message:
    return Message(text, buttons=kb.buttons(topics))


def _search(kb: KnowledgeBase, text: str) -> tuple[str | None, tuple[str, ...]]:
    """(topic to answer, or None) and topics to ask about when the top two are too close."""
    cfg = settings()
    ranked = [(t, s) for t, s in kb.search(text) if s >= cfg.min_score]
    if not ranked:
        return None, ()
    if len(ranked) > 1 and ranked[1][1] >= cfg.ambiguity_ratio * ranked[0][1]:
        return None, tuple(t for t, _ in ranked[:3])
    return ranked[0][0], ()


def respond(kb: KnowledgeBase, text: str, intent: str | None, slots: dict[str, str | None]) -> Reply:
    """The reply to `text`, classified as `intent`, given the conversation's slots."""
    text = text or ""
    reply = Reply()
    red_flag = intent == "report_red_flag" or kb.is_red_flag(text)
    if red_flag:
        reply.messages.append(Message(kb.replies["red_flag"]))
    topic = kb.by_intent.get(intent or "")
    subject = kb.off_topic_subject(text)
    if subject and not red_flag:
        reply.messages.append(_with_buttons(kb, kb.replies["off_topic"].format(subject=subject), MENU))
        return reply
    gap = kb.gap(text)
    if gap:
        reply.messages.append(Message(kb.replies["gap"].format(subject=gap[0])))
        topic = kb.topics[gap[1]]
    elif topic is None and red_flag:
        topic = kb.topics["dermatologist"]
    elif topic is None and intent == "nlu_fallback":
        found, choices = _search(kb, text)
        if choices:
            reply.messages.append(_with_buttons(kb, kb.replies["clarify"], choices))
            return reply
        topic = kb.topics[found] if found else None
    if topic is None:
        reply.messages.append(_with_buttons(kb, kb.replies["abstain"], MENU))
        return reply

    mark = next((m for m in ("red", "brown") if kb.context(m, text, (topic.id,))), None)
    mark = mark or slots.get("mark_type")
    last = slots.get("last_topic")
    fluid = kb.context("fluid", text, (topic.id,)) or (kb.context("fluid", "", (last,)) and "serum" not in text.lower())
    context = tuple(c for c in (mark, "fluid" if fluid else None) if c)
    reply.messages += kb.answer(topic.id, context)
    reply.topic = topic.id
    reply.slots = {"mark_type": mark, "last_topic": topic.id}
    return reply
