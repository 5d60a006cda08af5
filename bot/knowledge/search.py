"""BM25 search over the knowledge base's topics, on spaCy lookup lemmas."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from bot.knowledge import nlp as nlp_module

if TYPE_CHECKING:
    from spacy.pipeline import Lemmatizer

WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
# Words that carry no topic: English function words plus this domain's ubiquitous ones.
DOMAIN_STOP = {"acne", "pimple", "spot", "skin", "mark", "article", "eucerin", "dermopure", "clinical"}


@functools.lru_cache(maxsize=1024)
def lemmas(text: str) -> tuple[str, ...]:
    """Lower-cased content lemmas of `text` (stop words and punctuation dropped), by look-up in the
    pipeline's lemma table: no pipeline run per message.

    Cached: one message is checked several ways (domain, core words, search) from the same lemmas.
    """
    from spacy.lang.en.stop_words import STOP_WORDS

    words = (w.split("'")[0] for w in WORD.findall(text.lower().replace("’", "'"))
             if not w.endswith("n't"))  # "aren't", "don't": function words; "sister's" -> "sister"
    return tuple(lemma(w) for w in words if w not in STOP_WORDS)


def lemma(word: str) -> str:
    """The lookup lemma of one lower-cased word (no pipeline run: a dictionary look-up)."""
    return _lemma_table().get(word, word)


@functools.lru_cache(maxsize=1)
def _lemma_table() -> Any:
    """spaCy's lookup table (keyed by string hashes; `get` takes the word)."""
    lemmatizer = cast("Lemmatizer", nlp_module.load().get_pipe("lemmatizer"))  # (get_pipe is typed as any pipe)
    return lemmatizer.lookups.get_table("lemma_lookup")


class BM25:
    """Okapi BM25 over a handful of documents (here: one per topic)."""

    def __init__(self, docs: Mapping[str, Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tf = {key: Counter(words) for key, words in docs.items()}
        self.len = {key: len(words) for key, words in docs.items()}
        self.avg = sum(self.len.values()) / max(len(docs), 1)
        df = Counter(w for words in docs.values() for w in set(words))
        n = len(docs)
        self.idf = {w: math.log(1 + (n - c + 0.5) / (c + 0.5)) for w, c in df.items()}

    def scores(self, query: Iterable[str]) -> list[tuple[str, float]]:
        """(document key, score) for documents sharing a query word, best first."""
        terms = [w for w in set(query) if w in self.idf and w not in DOMAIN_STOP]
        result = []
        for key, tf in self.tf.items():
            norm = self.k1 * (1 - self.b + self.b * self.len[key] / self.avg)
            score = sum(self.idf[w] * tf[w] * (self.k1 + 1) / (tf[w] + norm) for w in terms if tf[w])
            if score > 0:
                result.append((key, score))
        return sorted(result, key=lambda kv: -kv[1])
