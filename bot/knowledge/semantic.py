"""Meaning-based nearest examples: the training examples' MiniLM vectors, and a k-nearest-neighbour vote.

Words a visitor uses that no training example has ("my tongue feels thick") still land near the
examples that mean the same ("my lips and tongue are swelling"). The vectors of the examples are
computed once per version of the training data and kept in `models/semantic/` (or rebuilt).
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import ROOT
from bot.knowledge.encoder import MODEL_SHA256, Encoder

if TYPE_CHECKING:
    import numpy as np

    from bot.knowledge.examples import Example

CACHE_DIR = ROOT / "models" / "semantic"
K = 7
C = 3.0  # inverse regularisation of the logistic regression


class SemanticExamples:
    """k-nearest training examples by cosine of their sentence vectors."""

    def __init__(self, examples: Sequence[Example], vectors: np.ndarray, k: int = K) -> None:
        self.intents = [e.intent for e in examples]
        self.texts = [e.text for e in examples]
        self.vectors = vectors
        self.k = k

    def rank(self, vector: np.ndarray) -> list[tuple[str, float]]:
        """(intent, probability) best first, by a logistic regression over the examples' vectors."""
        import numpy as np

        coef, intercept, classes = self.weights
        logits = coef @ vector + intercept
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        order = probs.argsort()[::-1]
        return [(classes[i], float(probs[i])) for i in order if probs[i] >= 0.01]

    @functools.cached_property
    def weights(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """The fitted regression as plain arrays (scikit-learn's predict_proba costs ~0.2 ms a call)."""
        return self.model.coef_, self.model.intercept_, [str(c) for c in self.model.classes_]

    @functools.cached_property
    def model(self) -> Any:
        """Multinomial logistic regression on the sentence vectors (fitted on first use, ~1 s)."""
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=C, max_iter=500).fit(self.vectors, self.intents)

    def knn(self, vector: np.ndarray) -> list[tuple[str, float]]:
        """(intent, score in 0..1) best first: the similarity-weighted vote of the k nearest examples,
        scaled by the nearest one's similarity (a far neighbour is a weak guess)."""
        import numpy as np

        sims = self.vectors @ vector
        nearest = np.argpartition(-sims, self.k)[: self.k]
        nearest = nearest[np.argsort(-sims[nearest])]
        weights = np.clip(sims[nearest], 0.0, None)
        votes: Counter[str] = Counter()
        for i, w in zip(nearest, weights, strict=True):
            votes[self.intents[i]] += float(w)
        total = float(weights.sum()) or 1.0
        top = float(weights[0])
        return [(intent, top * v / total) for intent, v in votes.most_common()]


def _key(examples: Sequence[Example]) -> str:
    digest = hashlib.sha256(MODEL_SHA256.encode())
    for e in examples:
        digest.update(f"{e.intent}\t{e.text}\n".encode())
    return digest.hexdigest()[:16]


def load_or_build(examples: Sequence[Example], encoder: Encoder, cache_dir: Path = CACHE_DIR) -> SemanticExamples:
    """The index over `examples`, from the cache when these examples were encoded before."""
    import numpy as np

    path = cache_dir / f"examples-{_key(examples)}.npy"
    if path.exists():
        vectors = np.load(path)
    else:
        vectors = np.concatenate([encoder.encode([e.text for e in examples[i:i + 64]])
                                  for i in range(0, len(examples), 64)]) if examples else np.zeros((0, 384))
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, vectors)
        tmp.replace(path)
    return SemanticExamples(examples, vectors)
