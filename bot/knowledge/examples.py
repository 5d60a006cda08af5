"""The NLU training examples, read as plain YAML (no Rasa), for two jobs inside the knowledge base:
the words visitors use in scope (see vocab.py), and a nearest-neighbour classifier for the parts of a
multi-part message, which Rasa classifies only as a whole."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

OUT_OF_SCOPE = ("out_of_scope", "other_language")  # intents whose words are not this domain's
ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


@dataclass(frozen=True)
class Example:
    """One training example: its text and intent."""

    text: str
    intent: str


def load_examples(paths: Iterable[Path]) -> list[Example]:
    """Every example of every intent in these Rasa NLU files (entity annotations dropped)."""
    examples = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text = ANNOTATION.sub(lambda m: m.group(1) or m.group(2) or "", line[2:]).strip()
                    examples.append(Example(text, block["intent"]))
    return examples


class NearestExamples:
    """k-nearest-neighbour intent classifier over the training examples (character n-gram TF-IDF).

    Rasa's classifier sees a whole message; a message with two questions needs each part classified
    on its own, with the same training data.
    """

    def __init__(self, examples: Sequence[Example], k: int = 5) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.k = k
        self.intents = [e.intent for e in examples]
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform([e.text.lower() for e in examples])

    def rank(self, text: str) -> list[tuple[str, float]]:
        """(intent, score in 0..1) best first: the similarity-weighted vote of the k nearest examples."""
        if not self.intents:
            return []
        sims = (self.matrix @ self.vectorizer.transform([text.lower()]).T).toarray().ravel()
        nearest = sims.argsort()[::-1][: self.k]
        votes: Counter[str] = Counter()
        for i in nearest:
            votes[self.intents[i]] += float(sims[i])
        total = sum(float(sims[i]) for i in nearest) or 1.0
        top = float(sims[nearest[0]])
        # scale the vote share by how close the nearest example is: a far neighbour is a weak guess
        return [(intent, top * v / total) for intent, v in votes.most_common()]
