"""The knowledge base: the parsed article plus the curated topic map, validated on load."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import article
from bot.config import ARTICLE_PATH, TOPICS_PATH
from bot.retrieval import BM25, DOMAIN_STOP, lemmas

VARIANTS = ("red", "brown", "fluid")


class KnowledgeError(ValueError):
    """A data file of the knowledge base is missing or malformed."""


@dataclass(frozen=True)
class Topic:
    """One thing the bot can answer, with the passages that answer it."""

    id: str
    intent: str
    question: str
    passages: tuple[str, ...]
    related: tuple[str, ...]
    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    note: str = ""
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Message:
    """A reply message: `text` and, for article quotes, the section it comes from."""

    text: str
    section: str = ""
    buttons: tuple[dict[str, str], ...] = ()


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.I)
    except re.error as exc:
        raise KnowledgeError(f"{where}: bad regular expression {pattern!r}: {exc}") from exc


class KnowledgeBase:
    """Sections, passages, topics, safety and gap patterns; answers compose verbatim passages."""

    def __init__(self, sections: list[article.Section], data: dict[str, Any], source: str) -> None:
        self.sections = {s.id: s for s in sections}
        self.passages = {p.id: p for s in sections for p in s.passages}
        self.source = source
        try:
            self.topics = {tid: self._topic(tid, spec) for tid, spec in data["topics"].items()}
            self.replies: dict[str, str] = dict(data["replies"])
            self.contexts = {
                name: (_compile(spec["pattern"], f"contexts.{name}"), tuple(spec["topics"]))
                for name, spec in data["contexts"].items()
            }
            self.red_flags = [_compile(p, "red_flags") for p in data["red_flags"]]
            self.gaps = [(_compile(g["pattern"], "gaps"), g.get("subject"), g.get("nearest")) for g in data["gaps"]]
            self.off_topic = _compile(data["off_topic"], "off_topic")
        except (KeyError, TypeError, AttributeError) as exc:
            raise KnowledgeError(f"{source}: missing or malformed entry: {exc!r}") from exc
        self._check()
        self.by_intent = {t.intent: t for t in self.topics.values()}
        docs = {t.id: self._doc(t) for t in self.topics.values()}
        self.index = BM25(docs)
        extra = lemmas(" ".join(data.get("vocabulary", [])))
        self.vocabulary = {w for words in docs.values() for w in words} | DOMAIN_STOP | set(extra)
        self.core_words = set(lemmas(" ".join(data.get("core_words", []))))

    def _topic(self, tid: str, spec: dict[str, Any]) -> Topic:
        variants = {k: tuple(spec[k]) for k in VARIANTS if k in spec}
        return Topic(
            id=tid,
            intent=spec["intent"],
            question=spec["question"],
            passages=tuple(spec["passages"]),
            related=tuple(spec.get("related", ())),
            variants=variants,
            note=spec.get("note", ""),
            keywords=tuple(spec.get("keywords", ())),
        )

    def _check(self) -> None:
        """Every reference must resolve: passages, related topics, gap targets, replies."""
        problems = []
        for t in self.topics.values():
            for pid in t.passages + tuple(p for v in t.variants.values() for p in v):
                if pid not in self.passages:
                    problems.append(f"topic {t.id}: unknown passage {pid!r}")
            if not t.passages:
                problems.append(f"topic {t.id}: no passages")
            for rel in t.related:
                if rel not in self.topics:
                    problems.append(f"topic {t.id}: unknown related topic {rel!r}")
        for name, (_, topics) in self.contexts.items():
            problems += [f"contexts.{name}: unknown topic {t!r}" for t in topics if t not in self.topics]
        for _, _, nearest in self.gaps:
            if nearest is not None and nearest not in self.topics:
                problems.append(f"gaps: unknown topic {nearest!r}")
        intents = [t.intent for t in self.topics.values()]
        problems += [f"intent {i!r} is used by two topics" for i in set(intents) if intents.count(i) > 1]
        for key in ("red_flag", "gap", "off_topic", "abstain", "clarify", "related"):
            if key not in self.replies:
                problems.append(f"replies: missing {key!r}")
        if problems:
            raise KnowledgeError(f"{self.source}: " + "; ".join(problems))

    def _doc(self, topic: Topic) -> tuple[str, ...]:
        text = " ".join([topic.question, *topic.keywords] + [self.passages[p].text for p in topic.passages])
        return lemmas(text)

    # --- classification helpers -------------------------------------------------------
    def context(self, name: str, text: str, topic_ids: tuple[str | None, ...] = ()) -> bool:
        """Whether context `name` (red, brown, fluid) holds for this text or these topics."""
        pattern, topics = self.contexts[name]
        return bool(pattern.search(text)) or any(t in topics for t in topic_ids)

    def is_red_flag(self, text: str) -> bool:
        """True when the text describes a symptom that needs a doctor."""
        return any(p.search(text) for p in self.red_flags)

    def gap(self, text: str) -> tuple[str, str | None] | None:
        """(subject, nearest topic or None) when the text asks something the article doesn't settle."""
        for pattern, subject, nearest in self.gaps:
            match = pattern.search(text)
            if match:
                return subject or match.group(0), nearest
        return None

    def off_topic_subject(self, text: str) -> str | None:
        """The uncovered subject the text asks about, if any."""
        match = self.off_topic.search(text)
        return match.group(0) if match else None

    def in_domain(self, text: str) -> bool:
        """False when the text has two or more content words and none of them belongs to this domain
        (a shorter text, like the follow-up "why do they happen?", leans on its context)."""
        words = lemmas(text)
        return len(words) < 2 or any(w in self.vocabulary for w in words)

    def about_skin(self, text: str) -> bool:
        """True when the text has one of the unmistakable `core_words`."""
        return any(w in self.core_words for w in lemmas(text))

    def search(self, text: str) -> list[tuple[str, float]]:
        """Topics ranked by BM25 score for the text."""
        return self.index.scores(lemmas(text))

    # --- answer composition -------------------------------------------------------------
    def passage_ids(self, topic_id: str, context: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The topic's passages, tailored to the first context (red, brown, fluid) it has a variant for."""
        topic = self.topics[topic_id]
        for name in context:
            if name in topic.variants:
                return topic.variants[name]
        return topic.passages

    def quote(self, passage_ids: tuple[str, ...]) -> list[Message]:
        """Group passages by section, one message per section, each naming it."""
        messages: list[Message] = []
        groups: list[tuple[str, list[str]]] = []
        for pid in passage_ids:
            passage = self.passages[pid]
            if groups and groups[-1][0] == passage.section_id:
                groups[-1][1].append(pid)
            else:
                groups.append((passage.section_id, [pid]))
        for section_id, pids in groups:
            title = self.sections[section_id].title
            body = self._join([self.passages[p] for p in pids])
            messages.append(Message(f"From *{title}*:\n{body}", section=title))
        return messages

    @staticmethod
    def _join(passages: list[article.Passage]) -> str:
        """Sentences run on; list items go on their own lines as bullets."""
        out, prev_item = "", False
        for p in passages:
            sep = "" if not out else "\n" if (p.item or prev_item) else " "
            out += sep + ("• " if p.item else "") + p.text
            prev_item = p.item
        return out

    def buttons(self, topic_ids: tuple[str, ...], limit: int = 3) -> tuple[dict[str, str], ...]:
        """Quick-reply buttons asking the given topics."""
        return tuple(
            {"title": self.topics[t].question, "payload": f"/{self.topics[t].intent}"} for t in topic_ids[:limit]
        )

    def answer(self, topic_id: str, context: tuple[str, ...] = ()) -> list[Message]:
        """The topic's verbatim answer, with related questions as buttons on the last message."""
        topic = self.topics[topic_id]
        messages = [Message(topic.note)] if topic.note else []
        messages += self.quote(self.passage_ids(topic_id, context))
        last = messages[-1]
        messages[-1] = Message(last.text, last.section, self.buttons(topic.related))
        return messages


def load(article_path: Path = ARTICLE_PATH, topics_path: Path = TOPICS_PATH) -> KnowledgeBase:
    """Load and validate the article and the topic map; raises KnowledgeError/ArticleError."""
    try:
        data = yaml.safe_load(topics_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"cannot read topic map {topics_path}: {exc}") from exc
    if not isinstance(data, dict):
        raise KnowledgeError(f"{topics_path}: expected a mapping at the top level")
    return KnowledgeBase(article.load(article_path), data, str(topics_path))


@functools.lru_cache(maxsize=1)
def get_kb() -> KnowledgeBase:
    """The shared knowledge base, loaded on first use."""
    return load()
