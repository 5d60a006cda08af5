"""Reading a message by its pretrained sentence meaning: the knowledge base's classifiers over the
training examples (the meaning classifier, and the questions learnt from their own examples by nearest
neighbour: bot/knowledge/semantic.py), with the vectors of texts read recently kept."""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.knowledge.encoder import Pooler, get_encoder
from bot.knowledge.examples import Example
from bot.knowledge.semantic import MeaningModel, Nearest, cached_vectors, example_vectors, load_or_fit, nearest

if TYPE_CHECKING:
    import numpy as np

MEANING_CACHE = 2048  # texts whose meaning is kept (a message is looked at whole, by part and by clause)


class Reading:
    """The sentence-meaning reading of the knowledge base (KnowledgeBase sets `examples`, `_vectors` and
    `_here`)."""

    examples: list[Example]
    _vectors: dict[str, np.ndarray]  # texts read alone, recently
    _here: threading.local  # `pooled`: the clauses of the message this thread read last, in its context

    @functools.cached_property
    def semantic(self) -> MeaningModel:
        """Intents by pretrained sentence meaning: the Rasa model's (`use_meaning_model`), or fitted here
        from the same examples (the encoder is loaded on first use)."""
        return load_or_fit(self.classified, get_encoder())

    @functools.cached_property
    def classified(self) -> list[Example]:
        """The examples the classifiers learn from (not the nearest-only ones)."""
        return [e for e in self.examples if not e.nearest_only]

    @functools.cached_property
    def longest_example(self) -> int:
        """The words of the longest example the classifiers learn from (DIET has seen nothing longer)."""
        return max((len(e.text.split()) for e in self.classified), default=0)

    @functools.cached_property
    def nearest(self) -> Nearest:
        """The intents learnt from their examples only (semantic.Nearest)."""
        encoder = get_encoder()
        return nearest(self.examples, example_vectors(self.classified, encoder), encoder)

    def _rank(self, vector: np.ndarray) -> list[tuple[str, float]]:
        """A whole message's intents: the meaning classifier's, a nearest-only intent first (only the
        message as sent: a clause, a part or a question read again keeps the classifier's)."""
        return self.nearest.rank(vector, self.semantic.rank(vector))

    def use_meaning_model(self, model: MeaningModel) -> None:
        """Rank by the model `rasa train` fitted (bot/rasa_ext/understanding.py)."""
        self.__dict__["semantic"] = model

    def vectors(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Each text's sentence vector; the texts not seen recently are encoded (each alone: encoder.py)."""
        known = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        for text, vector in zip(missing, get_encoder().encode(missing) if missing else [], strict=True):
            known[text] = vector  # (remembering may empty the cache: these are answered from here)
            self._remember(text, vector)
        return [known[t] for t in texts]

    def kept_vectors(self, texts: list[str]) -> np.ndarray:
        """Texts' sentence vectors kept on disk (models/semantic/): fixed texts of the article's."""
        return cached_vectors("words", texts, get_encoder())

    def unread(self, texts: Sequence[str]) -> list[str]:
        """The texts whose vectors `vectors` would have to encode (not read recently)."""
        return [t for t in texts if t not in self._vectors]

    def read(self, clauses: Sequence[str]) -> tuple[list[tuple[str, float]], list[list[tuple[str, float]]]]:
        """(the intents of a message made of these clauses, each clause's intents in the message's context):
        the model runs once over the whole message, a clause's vector pooled over its own tokens. In
        context a clause takes some of its neighbours' meaning: `meaning` reads one alone."""
        whole, each = get_encoder().encode_pieces(list(clauses))
        self._here.pooled = dict(zip(clauses, each, strict=True))  # (messages read at once: turns.py)
        if len(clauses) == 1:  # read alone, the same as `meaning` would
            self._remember(clauses[0], whole)
        return self._rank(whole), self.in_context(whole, each)

    def in_context(self, whole: np.ndarray, each: np.ndarray) -> list[list[tuple[str, float]]]:
        """Each clause's intents in the message's context, from one run's vectors (`read`, and the read-ahead
        naming what to read next): a message of one clause as it reads alone, over all its tokens as the
        examples were read (a piece's own tokens leave out [CLS] and [SEP])."""
        return [self.semantic.rank(v) for v in (whole[None] if len(each) == 1 else each)]

    def _remember(self, text: str, vector: np.ndarray) -> None:
        if len(self._vectors) > MEANING_CACHE:
            self._vectors.clear()
        self._vectors[text] = vector

    def meaning(self, texts: Sequence[str]) -> list[list[tuple[str, float]]]:
        """Each text's intents by pretrained sentence meaning."""
        return [self.semantic.rank(v) for v in self.vectors(texts)]

    def meaning_within(self, fragments: Sequence[str],
                       pool: Pooler | None = None) -> list[list[tuple[str, float]] | None]:
        """What fragments of the message read last mean in its context (its run's tokens pooled, by `pool`
        when given a run's `Run.within`: no run of their own); None for one it doesn't hold."""
        return [None if v is None else self.semantic.rank(v) for v in (pool or get_encoder().within)(fragments)]

    def meaning_of(self, clauses: Sequence[str]) -> list[tuple[str, float]]:
        """The intents of a text made of these clauses (a part of the message read last): their vectors in
        the message's context averaged by length, so a part of a message needs no other run of the model."""
        import numpy as np

        pooled: dict[str, np.ndarray] = getattr(self._here, "pooled", {})
        vectors = ([pooled[c] for c in clauses] if all(c in pooled for c in clauses)
                   else self.vectors(clauses))
        if len(vectors) == 1:
            return self.semantic.rank(vectors[0])
        mean = np.average(vectors, axis=0, weights=[len(c.split()) for c in clauses])
        return self.semantic.rank(mean / np.linalg.norm(mean))
