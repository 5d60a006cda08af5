"""The knowledge base: the parsed article plus the curated topic map, validated on load."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot.config import ARTICLE_PATH, NEAREST_PATH, NLU_DIR, TOPICS_PATH
from bot.knowledge import article, nlp, wordnet
from bot.knowledge.claims import Claims
from bot.knowledge.examples import OUT_OF_SCOPE, load_examples
from bot.knowledge.reading import Reading
from bot.knowledge.search import BM25, DOMAIN_STOP, lemma, lemmas
from bot.knowledge.vocab import Vocabulary, tokens

if TYPE_CHECKING:
    import numpy as np

ACRONYM = re.compile(r"\(([A-Z]{2,})\)")  # an abbreviation the article defines: "(PIE)"
CAPITALS = re.compile(r"\b[A-Z]{2,}\b")  # ...as a visitor types it
VERSUS = re.compile(r"\bvs\.?\s|\bversus\b", re.I)  # a heading telling two things apart ("Acne marks vs acne scars")

VARIANTS = ("red", "brown")
REPLIES = ("red_flag", "red_flag_urgent", "customer_service", "customer_service_elsewhere",
           "gap", "off_topic", "abstain", "clarify", "related", "declined", "other_language",
           "product_gap", "amount_gap", "closing", "feedback_up", "feedback_down", "feedback_comment",
           "feedback_unreadable", "feedback_words", "feedback_nothing", "feedback_unknown", "handoff_offer", "handoff",
           "handoff_unavailable", "acknowledged")


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
    aspect: str = ""  # what a product-specific question asks (time, use, ...): see `Product.aspects`
    subject: str = ""  # what "it" / "they" means right after it, no product or marks named ("acne scars")


@dataclass(frozen=True)
class Product:
    """A product or ingredient the article names, and what it says about each aspect of it."""

    id: str
    name: str
    pattern: re.Pattern[str]
    topic: str
    aspects: dict[str, tuple[str, ...]] = field(default_factory=dict)
    within: str = ""  # an ingredient's product


@dataclass(frozen=True)
class Gap:
    """A question the article touches but doesn't settle: its subject and the nearest topic to quote."""

    pattern: re.Pattern[str] | None  # (None in an analysis read back from parse data)
    subject: str | None
    nearest: str | None
    skin: bool  # the subject is about skin ("retinol"), unlike "prices" or "diet"
    aspect: str = ""  # the property as a product's aspect: what the article may say of one product only
    of_product: bool = False  # asked only of a product (named or "it"): alone, the words mean something else
    product_nearest: str = ""  # the topic to quote instead when asked of a product ("how much is the serum?")


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.I)
    except re.error as exc:
        raise KnowledgeError(f"{where}: bad regular expression {pattern!r}: {exc}") from exc


class KnowledgeBase(Reading):
    """Sections, passages, topics, products, safety and gap patterns, and the words of this domain."""

    def __init__(self, sections: list[article.Section], data: dict[str, Any], source: str,
                 nlu_files: tuple[Path, ...] = (), nearest_files: tuple[Path, ...] = ()) -> None:
        self.sections = {s.id: s for s in sections}
        self.passages = {p.id: p for s in sections for p in s.passages}
        self.order = {pid: i for i, pid in enumerate(self.passages)}  # article order
        self.source = source
        try:
            self.topics = {tid: self._topic(tid, spec) for tid, spec in data["topics"].items()}
            self.products = {pid: self._product(pid, spec) for pid, spec in data["products"].items()}
            self.aspect_gaps: dict[str, str] = dict(data["aspect_gaps"])
            self.replies: dict[str, str] = dict(data["replies"])
            self.contexts = {
                name: (_compile(spec["pattern"], f"contexts.{name}"), tuple(spec["topics"]))
                for name, spec in data["contexts"].items()
            }
            self.gaps = [Gap(_compile(g["pattern"], "gaps"), g.get("subject"), g.get("nearest"), bool(g.get("skin")))
                         for g in data["gaps"]]
            self.unanswered = {intent: Gap(None, g["subject"], g.get("nearest") or "dermatologist", bool(g.get("skin")),
                                           g.get("aspect", ""), bool(g.get("of_product")), g.get("product_nearest", ""))
                               for intent, g in data["unanswered"].items()}
            # a key no one reads is a typo, or a YAML flow mapping cut at a comma ({subject: pain, or recovery})
            keys = {f.name for f in fields(Gap)}  # (a pattern is a gap's own: `unanswered` is found by meaning)
            self._stray = [f"{where}: unknown key {key!r}" for where, entries, known in (
                ("gaps", data["gaps"], keys), *((f"unanswered.{i}", [g], keys - {"pattern"})
                                               for i, g in data["unanswered"].items()))
                for entry in entries for key in entry if key not in known]
            self.off_topic = _compile(data["off_topic"], "off_topic")
            self.skin_phrases = _compile(data["skin_phrases"], "skin_phrases")
            self.ingredient_question = _compile(data["ingredient_question"], "ingredient_question")
            self.core_words = set(lemmas(" ".join(data["core_words"])))
            self.remedies = tuple(str(t) for t in data["remedies"])
            self.comparisons = {frozenset(c["topics"]): tuple(c["lead"]) for c in data.get("comparisons") or ()}
        except (KeyError, TypeError, AttributeError) as exc:
            raise KnowledgeError(f"{source}: missing or malformed entry: {exc!r}") from exc
        self.footnotes = self._footnotes()
        # the article's own abbreviations ("(PIE)", "(PIH)"): typed in capitals, they name its subjects
        # ("How to manage PIE?" is no question about pastry)
        self.acronyms = frozenset(ACRONYM.findall(" ".join(p.text for p in self.passages.values())))
        self._check()
        self.by_intent = {t.intent: t for t in self.topics.values()}
        docs = {t.id: self._doc(t) for t in self.topics.values()}
        self.index = BM25(docs)
        examples = load_examples(nlu_files) + load_examples(nearest_files, nearest_only=True)
        in_scope = " ".join(e.text for e in examples if e.intent not in OUT_OF_SCOPE)
        domain_text = " ".join([*(p.text for p in self.passages.values()),
                                *(t.question for t in self.topics.values()),
                                *(p.name for p in self.products.values())])
        domain = set(tokens(domain_text)) | set(lemmas(domain_text)) | DOMAIN_STOP | self.core_words
        self.vocab = Vocabulary(domain, set(tokens(in_scope)) | set(lemmas(in_scope)), nlp.word_log_probs(),
                                lemma, nlp.word_classes(), self.kept_vectors)
        self.examples = examples
        self._vectors: dict[str, np.ndarray] = {}  # texts read alone, recently
        self._here = threading.local()  # `pooled`: the clauses of the message this thread read last

    def _topic(self, tid: str, spec: dict[str, Any]) -> Topic:
        return Topic(
            id=tid,
            intent=spec["intent"],
            question=spec["question"],
            passages=tuple(spec["passages"]),
            related=tuple(spec.get("related", ())),
            variants={k: tuple(spec[k]) for k in VARIANTS if k in spec},
            note=spec.get("note", ""),
            aspect=spec.get("aspect", ""),
            subject=spec.get("subject", ""),
        )

    def _product(self, pid: str, spec: dict[str, Any]) -> Product:
        return Product(
            id=pid,
            name=spec["name"],
            pattern=_compile(spec["pattern"], f"products.{pid}"),
            topic=spec["topic"],
            aspects={k: tuple(v) for k, v in (spec.get("aspects") or {}).items()},
            within=spec.get("in", ""),
        )

    def _footnotes(self) -> dict[str, str]:
        """Each starred claim's passage id -> its footnote's ("...over time*" -> "*Product in use study...")."""
        links = {}
        for section in self.sections.values():
            for i, passage in enumerate(section.passages):
                if "*" in passage.text and not passage.text.startswith("*"):
                    note = next((p for p in section.passages[i + 1:] if p.text.startswith("*")), None)
                    if note is None:
                        raise KnowledgeError(f"{self.source}: passage {passage.id} has a '*' but no footnote follows")
                    links[passage.id] = note.id
        return links

    def _check(self) -> None:
        """Every reference must resolve: passages, related topics, products, aspects, gap targets, replies."""
        problems = []
        for t in self.topics.values():
            for pid in t.passages + tuple(p for v in t.variants.values() for p in v):
                if pid not in self.passages:
                    problems.append(f"topic {t.id}: unknown passage {pid!r}")
            if not t.passages:
                problems.append(f"topic {t.id}: no passages")
            problems += [f"topic {t.id}: unknown related topic {r!r}" for r in t.related if r not in self.topics]
            if t.aspect and t.aspect not in self.aspect_gaps:
                problems.append(f"topic {t.id}: aspect {t.aspect!r} has no wording in aspect_gaps")
        problems += [f"remedies: unknown topic {r!r}" for r in self.remedies if r not in self.topics]
        for compared, lead in self.comparisons.items():
            problems += [f"comparisons: unknown topic {t!r}" for t in compared if t not in self.topics]
            problems += [f"comparisons: unknown passage {x!r}" for x in lead if x not in self.passages]
        for p in self.products.values():
            if p.topic not in self.topics:
                problems.append(f"products.{p.id}: unknown topic {p.topic!r}")
            if p.within and p.within not in self.products:
                problems.append(f"products.{p.id}: unknown product {p.within!r}")
            for aspect, pids in p.aspects.items():
                if aspect not in self.aspect_gaps:
                    problems.append(f"products.{p.id}: aspect {aspect!r} has no wording in aspect_gaps")
                problems += [f"products.{p.id}.{aspect}: unknown passage {x!r}" for x in pids if x not in self.passages]
        for name, (_, topics) in self.contexts.items():
            problems += [f"contexts.{name}: unknown topic {t!r}" for t in topics if t not in self.topics]
        problems += [f"gaps: unknown topic {t!r}" for g in self.gaps + list(self.unanswered.values())
                     for t in (g.nearest, g.product_nearest) if t and t not in self.topics]
        problems += self._stray
        problems += [f"unanswered: aspect {g.aspect!r} has no wording in aspect_gaps" for g in self.unanswered.values()
                     if g.aspect and g.aspect not in self.aspect_gaps]
        intents = [t.intent for t in self.topics.values()]
        problems += [f"intent {i!r} is used by two topics" for i in set(intents) if intents.count(i) > 1]
        problems += [f"replies: missing {key!r}" for key in REPLIES if key not in self.replies]
        if problems:
            raise KnowledgeError(f"{self.source}: " + "; ".join(problems))

    def _doc(self, topic: Topic) -> tuple[str, ...]:
        text = " ".join([topic.question] + [self.passages[p].text for p in topic.passages])
        return lemmas(text)

    def subject_named(self, question: str, answered: Sequence[str] = ()) -> str:
        """The subject of a topic ("acne scars") the question names alone (not with its counterpart:
        "marks or scars?"), else of a topic answered."""
        named = [t.subject for t in self.topics.values() if t.subject and names_subject(question, t.subject)
                 and not names_subject(question, self.counterpart(t.subject))]
        return next(iter(named), next((self.topics[t].subject for t in answered if self.topics[t].subject), ""))

    def subject_topic(self, subject: str) -> Topic | None:
        """The topic whose subject this is ("acne scars": scars' removal), if any."""
        return next((t for t in self.topics.values() if subject and t.subject == subject), None)

    @functools.cached_property
    def product_topics(self) -> frozenset[str]:
        """The topics describing the article's products, ingredients and procedures."""
        return frozenset(p.topic for p in self.products.values())

    def counterpart(self, subject: str) -> str:
        """What the article tells a topic's subject apart from ("acne marks" for "acne scars"), by the
        heading of the section its topic quotes ("Acne marks vs acne scars")."""
        topic = self.subject_topic(subject)
        if topic is None:
            return ""
        title = self.sections[self.passages[topic.passages[0]].section_id].title
        sides = [side.strip() for side in VERSUS.split(title)]
        return next((side.lower() for side in sides if len(sides) == 2 and side.lower() != subject.lower()), "")

    def gap(self, text: str) -> Gap | None:
        """The known gap (with its subject as named in the text) when the text asks what the article doesn't settle."""
        for gap in self.gaps:
            match = gap.pattern.search(text) if gap.pattern else None  # (always compiled here)
            if match:
                return Gap(gap.pattern, gap.subject or match.group(0), gap.nearest, gap.skin)
        return None

    def says_acronym(self, text: str) -> bool:
        """The text names one of the article's abbreviations in capitals, as typed ("manage PIE?")."""
        return bool(self.acronyms & set(CAPITALS.findall(text)))

    @functools.cached_property
    def brand_words(self) -> frozenset[str]:
        """The words the article names each of its products by beyond their own names ("Eucerin DERMOPURE
        CLINICAL"): the capitalised words right before every product's name."""
        before = [{word.lower() for passage in self.passages.values()
                   for found in re.finditer(rf"((?:[A-Z]\w+ )+){re.escape(product.name)}", passage.text)
                   for word in found.group(1).split()} for product in self.products.values() if product.name]
        return frozenset.intersection(*map(frozenset, [b for b in before if b])) if any(before) else frozenset()

    def unbranded(self, text: str) -> str:
        """The text without the article's product names and their brand's words ("is the dermopure serum back
        in stock?": "is the back in stock?")."""
        for product in self.products.values():
            text = product.pattern.sub(" ", text)
        return " ".join(w for w in text.split() if w.lower().strip(".,!?") not in self.brand_words)

    def off_topic_subject(self, text: str) -> str | None:
        """The uncovered skin condition the text asks about, if any."""
        match = self.off_topic.search(text)
        return match.group(0) if match else None

    def ailments(self, text: str) -> tuple[str, ...]:
        """The words of the text that name an ailment (a symptom or ill health, by WordNet: "welts", "fever",
        "bleeding") as typed, where the article doesn't use them (its own are acne's: "pimple", "scar")."""
        return self._foreign_of(text, ("ailment",))

    def health_words(self, text: str) -> tuple[str, ...]:
        """The words of the text, where the article doesn't use them, that name a medicine or medical treatment
        ("warfarin", "chemotherapy") or ill health ("lupus", "diabetes"), by WordNet: what the visitor may be on
        or have when asking whether the care suits them."""
        return self._foreign_of(text, ("treatment", "ailment"))

    def _foreign_of(self, text: str, kinds: tuple[str, ...]) -> tuple[str, ...]:
        """The words of the text (as typed) the article doesn't use whose lemma is a noun of one of these
        WordNet kinds."""
        return tuple(w for w in tokens(text) if (found := lemma(w)) not in self.vocab.domain
                     and any(wordnet.is_a(found, kind) for kind in kinds))

    def owner(self, product_id: str) -> Product:
        """The product itself, or the product an ingredient is in (what the article's claims are of)."""
        product = self.products[product_id]
        return self.products[product.within] if product.within else product

    def claimed_of_others(self, text: str, product_id: str) -> tuple[str, ...]:
        """The words of `text` that name a claim the article makes of other products only ("is the gel
        fragrance free?": "fragrance" is said of the fluid; bot/knowledge/claims.py)."""
        return self._claims.of_others(text, self.owner(product_id).id)

    def ready(self) -> int:
        """Load what answering needs (encoder, meaning model, WordNet kinds, the kept vectors: written by
        `rasa train`), as the servers start: no visitor waits for it. How many vectors."""
        wordnet.kinds()
        return len(self.semantic.intents) + len(self.nearest.intents) + len(self._claims.word_vectors) + len(
            self.vocab.unsaid_nouns)

    @functools.cached_property
    def _claims(self) -> Claims:
        said: dict[str, list[str]] = {}
        for p in self.products.values():  # a product's passages, and its ingredients'
            said.setdefault(self.owner(p.id).id, []).extend(
                self.passages[pid].text for pid in (*self.topics[p.topic].passages, *(
                    x for v in p.aspects.values() for x in v)))
        of_products = set().union(*said.values())
        return Claims(said, [p.text for p in self.passages.values() if p.text not in of_products],
                      {w for p in self.products.values() for w in lemmas(p.name.replace("-", " "))},
                      self.vocab.domain, self.vectors, self.kept_vectors)

    def search(self, words: tuple[str, ...]) -> list[tuple[str, float]]:
        """Topics ranked by BM25 score for these lemmas."""
        return self.index.scores(words)


def load(article_path: Path = ARTICLE_PATH, topics_path: Path = TOPICS_PATH, nlu_dir: Path = NLU_DIR,
         nearest_path: Path = NEAREST_PATH) -> KnowledgeBase:
    """Load and validate the article, the topic map and the training examples; raises KnowledgeError/ArticleError."""
    try:
        data = yaml.safe_load(topics_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeError(f"cannot read topic map {topics_path}: {exc}") from exc
    if not isinstance(data, dict):
        raise KnowledgeError(f"{topics_path}: expected a mapping at the top level")
    return KnowledgeBase(article.load(article_path), data, str(topics_path), tuple(sorted(nlu_dir.glob("*.yml"))),
                         (nearest_path,) if nearest_path.exists() else ())


@functools.lru_cache(maxsize=1)
def get_kb() -> KnowledgeBase:
    """The shared knowledge base, loaded on first use."""
    return load()


def names_subject(text: str, subject: str) -> bool:
    """The text names the subject by its last word, in any form ("scar", "scarring" for "acne scars")."""
    return bool(subject) and re.search(rf"\b{re.escape(subject.split()[-1].rstrip('s'))}", text, re.I) is not None
