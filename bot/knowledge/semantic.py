"""Meaning-based intent ranking: a logistic regression over the training examples' MiniLM vectors.

Words a visitor uses that no training example has ("my tongue feels thick") still land near the
examples that mean the same ("my lips and tongue are swelling"). `rasa train` fits it in the pipeline
(bot/rasa_ext/understanding.py) and keeps its weights in the model; without a Rasa model (tests, the
action server's fallback) the knowledge base fits the same thing from the same examples, with the
examples' vectors kept in `models/semantic/` per version of the training data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ROOT
from bot.knowledge.encoder import BUILT_SHA256, Encoder
from bot.knowledge.thresholds import MIN_PROBABILITY, NEAREST_MARGIN, NEAREST_SURE

if TYPE_CHECKING:
    import numpy as np

    from bot.knowledge.examples import Example

CACHE_DIR = ROOT / "models" / "semantic"
C = 3.0  # inverse regularisation of the logistic regression (chosen on the development red-flag sets)


@dataclass(frozen=True)
class MeaningModel:
    """A fitted multinomial logistic regression as plain arrays (scikit-learn's predict_proba costs
    ~0.2 ms a call; this ~20 us)."""

    coef: np.ndarray  # (intents, 384)
    intercept: np.ndarray  # (intents,)
    intents: tuple[str, ...]

    def rank(self, vector: np.ndarray) -> list[tuple[str, float]]:
        """(intent, probability) best first."""
        import numpy as np

        logits = self.coef @ vector + self.intercept
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        order = probs.argsort()[::-1]
        return [(self.intents[i], float(probs[i])) for i in order if probs[i] >= MIN_PROBABILITY]

    def save(self, path: Path) -> None:
        import numpy as np

        np.savez(path, coef=self.coef, intercept=self.intercept, intents=np.array(self.intents))

    @classmethod
    def load(cls, path: Path) -> MeaningModel:
        import numpy as np

        with np.load(path) as data:
            return cls(data["coef"], data["intercept"], tuple(str(i) for i in data["intents"]))


def fit(intents: Sequence[str], vectors: np.ndarray) -> MeaningModel:
    """The logistic regression of these examples' intents on their vectors."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, max_iter=1000).fit(vectors, list(intents))
    return MeaningModel(model.coef_, model.intercept_, tuple(str(c) for c in model.classes_))


def encode_all(texts: Sequence[str], encoder: Encoder) -> np.ndarray:
    """Vectors of many texts."""
    return encoder.encode(list(texts))


def _key(lines: Iterable[str]) -> str:
    digest = hashlib.sha256(BUILT_SHA256.encode())
    for line in lines:
        digest.update(f"{line}\n".encode())
    return digest.hexdigest()[:16]


def cached_vectors(kind: str, texts: Sequence[str], encoder: Encoder, key: str = "",
                   cache_dir: Path = CACHE_DIR) -> np.ndarray:
    """Texts' sentence vectors, encoded once and kept in the cache (`kind`-`key`.npy; the key is the
    texts' and the encoder's digest unless given): a served process loads them instead of encoding."""
    import numpy as np

    path = cache_dir / f"{kind}-{key or _key(texts)}.npy"
    if path.exists():
        try:
            vectors = np.load(path)
            if len(vectors) == len(texts):
                return vectors
        except (OSError, ValueError):
            pass  # a damaged file: encoded again below
    vectors = encode_all(texts, encoder)
    _written(path, lambda tmp: np.save(tmp, vectors))
    return vectors


def example_vectors(examples: Sequence[Example], encoder: Encoder, cache_dir: Path = CACHE_DIR) -> np.ndarray:
    """The examples' sentence vectors, encoded once and kept in the cache."""
    return cached_vectors("examples", [e.text for e in examples], encoder, _examples_key(examples), cache_dir)


def _examples_key(examples: Sequence[Example]) -> str:
    return _key(f"{e.intent}\t{e.text}" for e in examples)


def load_or_fit(examples: Sequence[Example], encoder: Encoder, cache_dir: Path = CACHE_DIR) -> MeaningModel:
    """The model of these examples: fitted once and kept in the cache (a process that needs it, such as
    the action server reading a follow-up again, loads it in milliseconds instead of fitting for seconds)."""
    fitted = cache_dir / f"meaning-{_examples_key(examples)}.npz"
    if fitted.exists():
        try:
            return MeaningModel.load(fitted)
        except (OSError, ValueError, KeyError):
            pass  # a damaged file: fitted again below
    model = fit([e.intent for e in examples], example_vectors(examples, encoder, cache_dir))
    _written(fitted, model.save)
    return model


@dataclass(frozen=True)
class Nearest:
    """Intents learnt from their own examples only, by nearest neighbour: a message is one when its
    vector is near one of the intent's examples (`NEAREST_SURE`) and nearer, by `NEAREST_MARGIN`, than
    to any example of the classifiers'. A new question of this kind ("is this info up to date?") then
    moves no other answer: DIET and the meaning classifier never see its examples, and a new intent
    in their training moves their every ranking (docs/evaluation.md, stops 31 and 33)."""

    vectors: np.ndarray  # (examples, 384), unit vectors
    intents: tuple[str, ...]  # each example's intent
    others: np.ndarray  # the classifiers' examples' vectors

    def first(self, vector: np.ndarray) -> tuple[str, float] | None:
        """(intent, similarity) of the nearest example, when the vector is one of these intents."""
        if not self.intents:
            return None
        near = self.vectors @ vector
        best = int(near.argmax())
        if near[best] < NEAREST_SURE or near[best] - float((self.others @ vector).max()) < NEAREST_MARGIN:
            return None
        return self.intents[best], float(near[best])

    def rank(self, vector: np.ndarray, ranking: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """The classifier's ranking with the nearest-only intent first, when the vector is one."""
        found = self.first(vector)
        if found is None:
            return ranking
        intent, similarity = found
        return [(intent, 1.0)] + [(i, p * (1.0 - similarity)) for i, p in ranking if i != intent]


def nearest(examples: Sequence[Example], others: np.ndarray, encoder: Encoder) -> Nearest:
    """The nearest-only intents of these examples (`others`: the classifiers' examples' vectors)."""
    import numpy as np

    mine = [e for e in examples if e.nearest_only]
    vectors = cached_vectors("nearest", [e.text for e in mine], encoder) if mine else np.zeros((0, others.shape[1]))
    return Nearest(vectors, tuple(e.intent for e in mine), others)


def _written(path: Path, save: Callable[[Path], object]) -> None:
    """`save` writes beside `path`, then the file takes its place (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp" + path.suffix)
    save(tmp)
    tmp.replace(path)
