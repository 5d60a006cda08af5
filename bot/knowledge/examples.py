"""The NLU training examples, read as plain YAML (no Rasa), for two jobs inside the knowledge base:
the words visitors use in scope (see vocab.py), and a nearest-neighbour classifier for the parts of a
multi-part message, which Rasa classifies only as a whole."""

from __future__ import annotations

import functools
import math
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


def char_ngrams(text: str) -> Counter[str]:
    """Character 3- and 4-grams of each word padded with spaces (like scikit-learn's "char_wb")."""
    return Counter(g for word in text.lower().split() for g in _word_ngrams(word))


@functools.lru_cache(maxsize=8192)
def _word_ngrams(word: str, low: int = 3, high: int = 4) -> tuple[str, ...]:
    padded = f" {word} "
    return tuple(padded[i:i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1))


class NearestExamples:
    """k-nearest-neighbour intent classifier over the training examples (character n-gram TF-IDF,
    cosine similarity), in plain Python and NumPy: an inverted index from n-gram to examples.

    Rasa's classifier sees a whole message; a message with two questions needs each part classified
    on its own, with the same training data. Its ranking is also averaged with Rasa's (analysis.py).
    """

    def __init__(self, examples: Sequence[Example], k: int = 5) -> None:
        import numpy as np

        self.k = k
        self.intents = [e.intent for e in examples]
        counts = [char_ngrams(e.text) for e in examples]
        df = Counter(g for c in counts for g in c)
        n = len(examples)
        self.idf = {g: math.log((1 + n) / (1 + d)) + 1 for g, d in df.items()}  # as TfidfVectorizer(smooth_idf)
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for row, c in enumerate(counts):
            weights = {g: (1 + math.log(tf)) * self.idf[g] for g, tf in c.items()}  # sublinear tf
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for g, w in weights.items():
                ids, values = postings.setdefault(g, ([], []))
                ids.append(row)
                values.append(w / norm)
        self.postings = {g: (np.array(ids), np.array(values)) for g, (ids, values) in postings.items()}

    def rank(self, text: str) -> list[tuple[str, float]]:
        """(intent, score in 0..1) best first: the similarity-weighted vote of the k nearest examples."""
        import numpy as np

        weights = {g: (1 + math.log(tf)) * self.idf[g] for g, tf in char_ngrams(text).items() if g in self.idf}
        if not weights:
            return []
        norm = math.sqrt(sum(w * w for w in weights.values()))
        hits = [self.postings[g] for g in weights]
        scale = np.repeat(np.fromiter(weights.values(), float, len(weights)) / norm, [len(h[0]) for h in hits])
        sims = np.bincount(np.concatenate([h[0] for h in hits]),
                           np.concatenate([h[1] for h in hits]) * scale, minlength=len(self.intents))
        nearest = np.argpartition(-sims, min(self.k, len(sims) - 1))[: self.k]
        nearest = nearest[np.argsort(-sims[nearest])]
        votes: Counter[str] = Counter()
        for i in nearest:
            votes[self.intents[i]] += float(sims[i])
        total = float(sims[nearest].sum()) or 1.0
        top = float(sims[nearest[0]])
        # scale the vote share by how close the nearest example is: a far neighbour is a weak guess
        return [(intent, top * v / total) for intent, v in votes.most_common()]
