"""What the article claims of each product, and whether a question asks one product for another's claim
("is the gel fragrance free?": "fragrance-free" is said of the fluid only)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from bot.knowledge import nlp
from bot.knowledge.search import lemmas
from bot.knowledge.thresholds import (
    CLAIM_LOG_PROB,
    FREQUENT_LOG_PROB,
    MIN_SUBJECT_CHARS,
    SAME_WORD,
    SAME_WORD_MARGIN,
    STEM,
)

if TYPE_CHECKING:
    import numpy as np


def _words(text: str) -> tuple[str, ...]:
    return lemmas(text.replace("-", " "))


class Claims:
    """The words of what the article says of each product (with its ingredients), by product."""

    def __init__(self, said: Mapping[str, Sequence[str]], elsewhere: Sequence[str], names: set[str],
                 domain: set[str], vectors: Callable[[list[str]], list[np.ndarray]],
                 kept: Callable[[list[str]], np.ndarray]) -> None:
        """`said`: each product's passages; `elsewhere`: the passages about no product (the article's own
        subject); `names`: the products' names' words; `domain`: every word of the article; `vectors`:
        texts' sentence vectors; `kept`: the same, kept on disk (for the article's words)."""
        self._said, self._elsewhere, self._names, self._domain = said, elsewhere, names, domain
        self._encode, self._kept = vectors, kept

    @functools.cached_property
    def word_vectors(self) -> dict[str, np.ndarray]:
        """The words of the product passages (what `meant` compares with), each read alone: encoded once
        and kept on disk (`rasa train` writes them: a served process loads them, ~0.2 s of encoding)."""
        words = sorted(set().union(*self.rare.values(), *self.said.values()))
        return dict(zip(words, self._kept(words) if words else [], strict=True))

    def of_others(self, text: str, owner: str) -> tuple[str, ...]:
        """The words of `text` that name a claim the article makes of other products only: rare words
        (or words meaning one: `meant`), not in any passage of this product or its ingredients, in a
        passage of another."""
        mine = self.rare.get(owner, set())
        others = set().union(*(words for family, words in self.rare.items() if family != owner))
        kin = {w[:STEM] for w in mine}  # "inflammation" is said of the fluid as "anti-inflammatory"
        said = self.said[owner]  # ...and "oily" as "oil" (a word of its own passage that starts the claim)
        words = [self.meant(w, others | said) for w in _words(text)]
        return tuple(dict.fromkeys(w for w in words if w in others - mine and w[:STEM] not in kin
                                   and not any(w.startswith(o) for o in said if len(o) >= MIN_SUBJECT_CHARS - 1)))

    def meant(self, word: str, known: set[str]) -> str:
        """The word of the article a rare word of a question means ("scented": "fragrance"), by pretrained
        word meaning: clearly nearest to one of `known` and near enough (`SAME_WORD`); else the word itself."""
        import numpy as np

        if word in known or word in self._domain or len(word) < MIN_SUBJECT_CHARS \
                or nlp.word_log_probs().get(word, -99.0) >= CLAIM_LOG_PROB:
            return word  # (a word the article uses is its own: "mattifying" names the fluid)
        ordered = sorted(known)
        near = np.array([self.word_vectors[w] for w in ordered]) @ self._encode([word])[0]  # (unit vectors)
        best, second = np.argsort(-near)[:2]
        return ordered[best] if near[best] >= SAME_WORD and near[best] - near[second] >= SAME_WORD_MARGIN else word

    @functools.cached_property
    def rare(self) -> dict[str, set[str]]:
        """The rare words (`CLAIM_LOG_PROB`, not a product's name) of each product's passages; not the
        article's own subject ("pimple", "acne": in passages about no product too)."""
        probs = nlp.word_log_probs()
        subject = {w for text in self._elsewhere for w in _words(text)}
        return {owner: {w for text in texts for w in _words(text)
                        if probs.get(w, -99.0) < CLAIM_LOG_PROB and w not in self._names and w not in subject}
                for owner, texts in self._said.items()}

    @functools.cached_property
    def said(self) -> dict[str, set[str]]:
        """The words (not the most frequent: "the", "start") of each product's passages ("gentle", "oil",
        "impurity" for the cleanser)."""
        probs = nlp.word_log_probs()
        return {owner: {w for text in texts for w in _words(text) if w.isalpha()
                        and probs.get(w, -99.0) < FREQUENT_LOG_PROB} for owner, texts in self._said.items()}
