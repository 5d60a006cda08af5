"""Read the tracker store's events (SQLAlchemy Core, streamed in id order) into the report's figures.

Only the rows the report needs are fetched: user and bot messages and `feedback` slot events (Rasa
stores a slot's name in the `action_name` column). Each user message is a question; the bot events
that follow it in the same conversation are its reply. Texts are redacted and cleaned only when they
are written out (unanswered and 👎 questions, comments).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from bot.privacy.redact import redact

EVENTS = sa.table("events", sa.column("id", sa.Integer), sa.column("sender_id", sa.String),
                  sa.column("type_name", sa.String), sa.column("timestamp", sa.Float),
                  sa.column("action_name", sa.String), sa.column("data", sa.Text))
CHUNK = 5000  # rows fetched at a time
MAX_TEXT = 500  # characters kept of a visitor's message or comment
# Outcome of a question from the kinds of its reply, first match wins.
PRIORITY = (("red_flag", 1), ("abstained", 2), ("declined", 4), ("clarified", 8), ("answered", 16))
OUTCOMES = ("answered", "abstained", "clarified", "declined", "red_flag")
UNANSWERED = ("abstained", "clarified", "declined")
KIND_BITS = {"red_flag": 1, "abstain": 2, "declined": 4, "clarify": 8, "answer": 16}  # anything else: 32
OUTCOME_OF = [next((name for name, bit in PRIORITY if kinds & bit), "other") for kinds in range(64)]
TOPIC_KINDS = ("answer", "abstain")
RATINGS = ("up", "down")
NO_TOPIC = "(no topic)"
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_loads = json.loads
_decode = json.JSONDecoder().raw_decode


class Question:
    """One user message (not a vote) and what became of it."""

    __slots__ = ("day", "sender", "text", "confidence", "kinds", "topic", "button", "down", "comment", "asked_as")
    topic: str | None  # the topic answered (set from the bot's reply)
    comment: str | None  # a down vote's comment

    def __init__(self, day: int, sender: str, text: str, confidence: Any) -> None:
        self.day, self.sender, self.text, self.confidence = day, sender, text, confidence
        self.kinds, self.topic, self.button = 0, None, text.startswith("/")
        self.down, self.comment = False, None
        self.asked_as: str | None = None  # a follow-up read with the conversation: the question it became

    @property
    def outcome(self) -> str:
        return OUTCOME_OF[self.kinds]


@dataclass
class Vote:
    """The last vote of a conversation on one answer (a later vote replaces it, a comment adds to it)."""

    rating: str
    topic: str | None
    comment: str | None
    question: Question | None


@dataclass
class Events:
    """What the report needs from the store, in event order."""

    questions: list[Question] = field(default_factory=list)
    votes: dict[tuple[str, str], Vote] = field(default_factory=dict)
    rows: int = 0


def clean(text: Any) -> str:
    """Visitor text fit for the report: redacted, one line, no control characters, capped."""
    if not isinstance(text, str):
        return ""
    text = " ".join(_CONTROL.sub(" ", redact(text)).split())
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


_PLACEHOLDER = re.compile(r"\[(?:email|phone)\]")


def _where(cutoff: float | None) -> Any:
    kinds = sa.or_(EVENTS.c.type_name.in_(("user", "bot")),
                   sa.and_(EVENTS.c.type_name == "slot", EVENTS.c.action_name.in_(("feedback", "conversation"))))
    return kinds if cutoff is None else sa.and_(kinds, EVENTS.c.timestamp >= cutoff)


def count_rows(conn: sa.engine.Connection, cutoff: float | None) -> int:
    """How many rows `read_events` will read (for the progress bar)."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(EVENTS).where(_where(cutoff))).scalar() or 0)


def _rows(conn: sa.engine.Connection, cutoff: float | None, progress: Callable[[int], None]) -> Iterator[Any]:
    stmt = sa.select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.action_name, EVENTS.c.timestamp, EVENTS.c.data) \
        .where(_where(cutoff)).order_by(EVENTS.c.id)
    result = conn.execution_options(stream_results=True, max_row_buffer=CHUNK).execute(stmt)
    for rows in result.partitions(CHUNK):
        yield from rows
        progress(len(rows))


def _event(data: str | None) -> dict[str, Any]:
    """A whole event's JSON ({} when it is not a JSON object: a damaged row is skipped, not fatal)."""
    try:
        event = _loads(data) if data else None
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def _custom(data: str) -> dict[str, Any]:
    """`data.custom` of a bot event. Fast path: Rasa writes `custom` last in `data`, itself last in the
    event, after `metadata` (BotUttered.as_dict): decode its value alone when exactly two objects close
    after it (a quote can't appear unescaped in a JSON string, so the key found is a key)."""
    at = data.rfind('"custom": ')
    if at > 0:
        try:
            value, end = _decode(data, at + 10)
        except ValueError:
            value, end = None, 0
        if isinstance(value, dict) and data.endswith("}}", end) and len(data) == end + 2:
            return value
    value = _event(data).get("data")
    custom = value.get("custom") if isinstance(value, dict) else None
    return custom if isinstance(custom, dict) else {}


def _user(data: str) -> tuple[Any, Any]:
    """(text, intent confidence) of a user event. Fast path: Rasa writes `"text": ..., "parse_data":
    {"intent": {...}, ...` (UserUttered.as_dict): decode those two values alone when laid out so."""
    at = data.find('"parse_data": {"intent": ')
    key = data.rfind('"text": ', 0, at) if at > 0 else -1
    if key > 0:
        try:
            text, end = _decode(data, key + 8)
            intent = _decode(data, at + 25)[0] if data.startswith(", ", end) and end + 2 == at else None
        except ValueError:
            intent = None
        if isinstance(text, str) and isinstance(intent, dict):
            return text, _sureness(data, intent.get("confidence"))
    event = _event(data)
    parse = event.get("parse_data")
    intent = parse.get("intent") if isinstance(parse, dict) else None
    return event.get("text"), _sureness(data, intent.get("confidence") if isinstance(intent, dict) else None)


def _sureness(data: str, default: Any) -> Any:
    """How sure the understanding was of the message's least sure question: the top averaged score of
    each part of the analysis the answer came from (bot/rasa_ext/understanding.py); else `default`,
    the intent confidence (events stored before the analysis was)."""
    at = data.find('"analysis": {')
    if at < 0:
        return default
    try:
        analysis = _decode(data, at + 12)[0]
        tops = [part["ranking"][0][1] for part in analysis["parts"] if part.get("ranking")]
    except (ValueError, KeyError, IndexError, TypeError):
        return default
    return min(tops) if tops and all(isinstance(t, (int, float)) for t in tops) else default


def read_events(conn: sa.engine.Connection, cutoff: float | None,
                progress: Callable[[int], None] = lambda n: None) -> Events:
    """Stream the store's events into questions (with reply kinds and topics) and votes."""
    events = Events()
    questions, votes = events.questions, events.votes
    pending: dict[str, Question | None] = {}  # the question each conversation's bot is replying to
    answers: dict[tuple[str, str], Question] = {}  # (conversation, answer id) -> question it answered

    def tick(n: int) -> None:
        events.rows += n
        progress(n)

    for sender, type_name, name, timestamp, data in _rows(conn, cutoff, tick):
        if type_name == "bot":
            question = pending.get(sender)
            if question is None or not data:
                continue
            custom = _custom(data)
            kind = custom.get("kind")
            question.kinds |= KIND_BITS.get(kind, 32) if isinstance(kind, str) else 32
            if kind in TOPIC_KINDS and question.topic is None and isinstance(custom.get("topic"), str):
                question.topic = custom["topic"]
            if custom.get("id") is not None:  # what a vote names (any rated reply: answer, abstain, clarify...)
                answers[(sender, str(custom["id"]))] = question
        elif type_name == "user":
            text, confidence = _user(data) if data else ("", None)
            if not isinstance(text, str):
                text = ""
            elif text.startswith("/feedback"):
                pending[sender] = None
                continue
            question = Question(int((timestamp or 0) // 86400), sender, text, confidence)
            questions.append(question)
            pending[sender] = question
        elif name == "conversation":
            _follow_up(pending.get(sender), _event(data))
        else:
            _vote(votes, answers, sender, _event(data))
    for vote in votes.values():
        if vote.rating == "down" and vote.question is not None:
            vote.question.down, vote.question.comment = True, vote.comment
    return events


def _follow_up(question: Question | None, event: dict[str, Any]) -> None:
    """A `conversation` slot event (bot/knowledge/conversation.py): when the question it records is not
    what was typed, the message was a follow-up read with the conversation ("and the fluid?")."""
    value = event.get("value")
    asked = value.get("question") if isinstance(value, dict) else None
    if question is not None and isinstance(asked, str) and asked.strip() and _plain(asked) != _plain(question.text):
        question.asked_as = asked


def _plain(text: str) -> str:
    """Text compared as words: case, spacing and redaction placeholders ([email]) aside."""
    return " ".join(_PLACEHOLDER.sub(" ", text).split()).lower()


def _vote(votes: dict[tuple[str, str], Vote], answers: dict[tuple[str, str], Question], sender: str,
          event: dict[str, Any]) -> None:
    """Record a feedback slot event: a later vote on the same answer replaces the earlier one."""
    value = event.get("value")
    if not isinstance(value, dict) or value.get("rating") not in RATINGS:
        return
    answer = value.get("answer")
    key = (sender, str(answer) if answer is not None else f"#{len(votes)}")
    topic = clean(value.get("topic")) or None  # sent by the visitor's client: untrusted
    comment = value.get("comment") if isinstance(value.get("comment"), str) and value["comment"].strip() else None
    old = votes.get(key)
    if old is not None:
        topic = topic or old.topic
        if old.rating == value["rating"]:
            comment = comment or old.comment
    question = answers.get(key) or (old.question if old else None)
    votes[key] = Vote(value["rating"], topic, comment, question)


def _day(day: int) -> str:
    return datetime.fromtimestamp(day * 86400, tz=timezone.utc).date().isoformat()


def figures(events: Events) -> dict[str, Any]:
    """The summary's counts (everything but the unanswered groups)."""
    import numpy as np

    questions = events.questions
    by_day = Counter((q.day, q.outcome) for q in questions)  # (counted in C: 350k questions in ~0.2 s)
    outcomes = Counter(q.outcome for q in questions)
    topics = Counter(q.topic for q in questions if q.topic is not None)
    senders_per_day = Counter(day for day, _ in {(q.day, q.sender) for q in questions})
    messages_per_day = Counter(q.day for q in questions)
    confidences = [q.confidence for q in questions if not q.button and isinstance(q.confidence, (int, float))]
    per_day = []
    if messages_per_day:
        for day in range(min(messages_per_day), max(messages_per_day) + 1):
            per_day.append({"date": _day(day), "messages": messages_per_day[day], "conversations": senders_per_day[day],
                            **{name: by_day[(day, name)] for name in OUTCOMES}})
    feedback: dict[str, dict[str, int]] = defaultdict(lambda: {"up": 0, "down": 0})
    for vote in events.votes.values():
        topic = vote.topic or (vote.question.topic if vote.question else None) or NO_TOPIC
        feedback[topic][vote.rating] += 1
    counts, edges = np.histogram(np.asarray(confidences, dtype=float), bins=20, range=(0.0, 1.0))
    return {
        "conversations": len({q.sender for q in questions}),
        "messages": len(questions),
        "button_clicks": sum(q.button for q in questions),
        "follow_ups": sum(q.asked_as is not None for q in questions),
        "outcomes": {name: outcomes[name] for name in OUTCOMES},
        "other_replies": outcomes["other"],
        "topics": dict(sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))),
        "feedback": dict(sorted(feedback.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))),
        "votes": {rating: sum(v.rating == rating for v in events.votes.values()) for rating in RATINGS},
        "per_day": per_day,
        "confidence_histogram": {"edges": [round(float(e), 2) for e in edges], "counts": counts.tolist(),
                                 "median": round(float(np.median(confidences)), 3) if confidences else None,
                                 "questions": len(confidences)},
    }


def unanswered_items(events: Events) -> Iterator[tuple[str, str, str | None]]:
    """(cleaned text, reason, cleaned 👎 comment) of each question the bot could not answer, and of
    each answered one voted 👎. Button clicks are left out (their text is a payload, not a question)."""
    for q in events.questions:
        if q.button:
            continue
        outcome = q.outcome
        if outcome in UNANSWERED or (outcome == "answered" and q.down):
            yield clean(q.text), outcome if outcome in UNANSWERED else "voted_down", clean(q.comment) or None



def least_sure_items(events: Events, limit: int) -> list[dict[str, Any]]:
    """The answered questions the understanding was least sure of ("answered" is not "right"), least
    sure first: for an editor to check. Button clicks are left out."""
    answered = [q for q in events.questions if not q.button and q.outcome == "answered"
                and isinstance(q.confidence, (int, float))]
    answered.sort(key=lambda q: q.confidence)
    return [{"text": clean(q.text), "topic": q.topic, "confidence": round(float(q.confidence), 3),
             **({"asked_as": clean(q.asked_as)} if q.asked_as else {})} for q in answered[:limit]]


def follow_up_items(events: Events, limit: int) -> list[dict[str, Any]]:
    """The latest follow-ups the bot read with the conversation, and the question each became: for an
    editor to check that "and the fluid?" was taken the right way."""
    return [{"text": clean(q.text), "asked_as": clean(q.asked_as), "topic": q.topic}
            for q in events.questions if q.asked_as][-limit:][::-1]
