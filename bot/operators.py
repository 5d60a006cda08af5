"""What the people who run the bot need from a conversation: votes on answers and a way to a person.

Free of Rasa: the action server passes the message text and the conversation's events (as dicts).

- A vote is the message `/feedback{"rating": "up"|"down"}`, optionally with `"answer"` (the `id` an
  answer carries in its custom payload; default: the latest answer) and `"comment"` (free text).
  It is stored in the conversation as the `feedback` slot: `{answer, rating, topic, comment}`.
- The handoff is what the operator configured (HANDOFF_URL and/or HANDOFF_TEXT); unset, the bot
  says it can't connect them and quotes the article's own advice (dermatologist, nearest pharmacy).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.knowledge import compose
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.compose import HANDOFF, Message

FEEDBACK = "feedback"  # reply kinds (custom payload), beside compose's
VOTES = (("👍", "up"), ("👎", "down"))
FEEDBACK_COMMAND = "/feedback"
MAX_COMMENT_CHARS = 1000
# after a 👎: one tap says what was missing (Slack shows them as buttons; the widget adds a text box)
MISSING = ("It didn't answer my question", "Too long or unclear", "Something seems wrong")
HANDOFF_TOPICS = ("dermatologist", "buy")  # the article's own advice when no person can be reached


@dataclass(frozen=True)
class Vote:
    answer: str
    rating: str
    topic: str | None
    comment: str | None

    def as_slot(self) -> dict[str, Any]:
        return {"answer": self.answer, "rating": self.rating, "topic": self.topic, "comment": self.comment}


def parse_vote(text: str) -> dict[str, Any] | None:
    """The JSON of `/feedback{...}` with a valid rating (and string answer/comment), else None."""
    body = text.strip()[len(FEEDBACK_COMMAND):].strip() if text.strip().startswith(FEEDBACK_COMMAND) else ""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("rating") not in ("up", "down"):
        return None
    if any(key in data and not isinstance(data[key], str) for key in ("answer", "comment")):
        return None
    return data


def answers(events: Iterable[Mapping[str, Any]]) -> dict[str, str | None]:
    """Answer id -> its topic, for every reply of the conversation that carries an id (oldest first)."""
    found: dict[str, str | None] = {}
    for event in events:
        custom = ((event.get("data") or {}).get("custom") or {}) if event.get("event") == "bot" else {}
        if isinstance(custom, dict) and custom.get("id"):
            found.setdefault(custom["id"], None)
            found[custom["id"]] = found[custom["id"]] or custom.get("topic")
    return found


def feedback(kb: KnowledgeBase, text: str, events: Iterable[Mapping[str, Any]]) -> tuple[list[Message], Vote | None]:
    """The reply to a vote and the vote to store (None when it can't be read or names no answer)."""
    rated = answers(events)
    if not text.strip().startswith(FEEDBACK_COMMAND):  # in words ("that didn't help"): how to rate, what was missing
        latest = next(reversed(rated), None)
        return ([Message(kb.replies["feedback_words"], FEEDBACK, buttons=_missing(latest))] if latest
                else [Message(kb.replies["feedback_nothing"], FEEDBACK)]), None
    data = parse_vote(text)
    if data is None:
        return [Message(kb.replies["feedback_unreadable"], FEEDBACK)], None
    answer = data.get("answer") or next(reversed(rated), None)
    if answer is None or answer not in rated:
        return [Message(kb.replies["feedback_unknown" if rated else "feedback_nothing"], FEEDBACK)], None
    comment = (data.get("comment") or "").strip()[:MAX_COMMENT_CHARS] or None
    vote = Vote(answer, data["rating"], rated[answer], comment)
    if comment:
        return [Message(kb.replies["feedback_comment"], FEEDBACK)], vote
    if vote.rating == "up":
        return [Message(kb.replies["feedback_up"], FEEDBACK)], vote
    offer = ({"title": "Talk to a person", "payload": "/handoff"},)
    return [Message(kb.replies["feedback_down"], FEEDBACK, buttons=_missing(answer)),
            Message(kb.replies["handoff_offer"], FEEDBACK, buttons=offer)], vote


def new_answer_id() -> str:
    """A fresh answer id: 12 hex characters, the first a letter. A vote sends its id back as visitor
    text, which is redacted before Rasa reads it (bot/privacy/redact.py): an all-digit id (1 in 250
    of uuid4's) read as a phone number, and the vote was lost."""
    return "a" + uuid.uuid4().hex[:11]


def vote_buttons(answer: str) -> tuple[dict[str, str], ...]:
    """👍 / 👎 for one answer (Slack posts them under it; the widget draws its own)."""
    return tuple({"title": title, "payload": FEEDBACK_COMMAND + json.dumps({"rating": rating, "answer": answer})}
                 for title, rating in VOTES)


def _missing(answer: str) -> tuple[dict[str, str], ...]:
    """One-tap answers to "what was missing?": each sends a 👎 with its text as the comment."""
    return tuple({"title": m, "payload": FEEDBACK_COMMAND + json.dumps(
        {"rating": "down", "answer": answer, "comment": m})} for m in MISSING)


def handoff(kb: KnowledgeBase, cfg: Settings) -> list[Message]:
    """The way to a person the operator configured, or the article's own advice when there is none."""
    if cfg.handoff_url or cfg.handoff_text:
        text = " ".join(t for t in (cfg.handoff_text or kb.replies["handoff"], cfg.handoff_url) if t)
        return [Message(text, HANDOFF)]
    advice = [m for topic in HANDOFF_TOPICS for m in compose.answer(kb, topic)]
    return [Message(kb.replies["handoff_unavailable"], HANDOFF), *advice]
