"""CountVectorsFeaturizer with its sentence features summed from its token features (a component
named in config.yml: `rasa train` and serving run the same code).

For every message Rasa 3.6's CountVectorsFeaturizer runs scikit-learn's `transform` twice per
analyzer: once on the tokens (one row per token: the sequence features) and once on the tokens
joined by spaces (the sentence features): ~15 % of the server's CPU per message with two
featurizers. When the vectorizer counts within words — `char_wb` n-grams, or single words — and no
token holds whitespace, the joined text's counts are exactly the sum of the tokens' rows, so the
sentence row is that sum; anything else runs Rasa's own code. tests/rasa_ext/test_count_vectors.py checks
the features are identical (values, order, dtype) on every training and case text.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_ext.training import for_diet

_ANALYZERS: dict[int, tuple[Any, Any]] = {}  # id(vectorizer) -> (vectorizer, its analyzer)


def _sums_are_sentences(vectorizer: Any) -> bool:
    """Whether the counts of a joined text are the sum of its tokens' counts for this vectorizer."""
    return not vectorizer.binary and (
        vectorizer.analyzer == "char_wb" or (vectorizer.analyzer == "word" and vectorizer.ngram_range == (1, 1)))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class FastCountVectorsFeaturizer(CountVectorsFeaturizer):
    """Rasa's CountVectorsFeaturizer, counting each message once per analyzer where that is exact; its
    vocabulary is DIET's, without the examples only the sentence meaning learns from (training.py)."""

    def train(self, training_data: TrainingData, model: Any = None) -> Resource:
        return super().train(for_diet(training_data), model)

    def _create_features(self, attribute: str, all_tokens: list[list[str]]) -> tuple[list, list]:
        """(sequence features, sentence features) per message, as Rasa's `_create_features`."""
        vectorizer = (self.vectorizers or {}).get(attribute)
        if (vectorizer is None or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES
                or not _sums_are_sentences(vectorizer)
                or any(not token or any(ch.isspace() for ch in token) for tokens in all_tokens for token in tokens)):
            return super()._create_features(attribute, all_tokens)
        sequences: list = []
        sentences: list = []
        for tokens in all_tokens:
            sequence, sentence = _count(vectorizer, tokens) if tokens else (None, None)
            sequences.append(sequence)
            sentences.append(sentence)
        return sequences, sentences


def _count(vectorizer: Any, tokens: list[str]) -> tuple[Any, Any]:
    """The tokens' rows and their sum, as COO matrices: the counts scikit-learn's `transform` makes
    (its analyzer, its vocabulary, unknown features skipped), without building, sorting and
    converting its CSR matrices (~0.1 ms each)."""
    analyzers = _ANALYZERS.get(id(vectorizer))
    if analyzers is None or analyzers[0] is not vectorizer:
        analyzers = _ANALYZERS[id(vectorizer)] = (vectorizer, vectorizer.build_analyzer())
    analyze, vocabulary = analyzers[1], vectorizer.vocabulary_
    rows: list[int] = []
    columns: list[int] = []
    counts: list[int] = []
    totals: dict[int, int] = {}
    for row, token in enumerate(tokens):
        found: dict[int, int] = {}
        for feature in analyze(token):
            column = vocabulary.get(feature)
            if column is not None:
                found[column] = found.get(column, 0) + 1
        for column in sorted(found):
            rows.append(row)
            columns.append(column)
            counts.append(found[column])
            totals[column] = totals.get(column, 0) + found[column]
    width, dtype = len(vocabulary), vectorizer.dtype
    sequence = scipy.sparse.coo_matrix(
        (np.asarray(counts, dtype=dtype), (np.asarray(rows, dtype=np.int32), np.asarray(columns, dtype=np.int32))),
        shape=(len(tokens), width))
    summed = sorted(totals)
    sentence = scipy.sparse.coo_matrix(
        (np.asarray([totals[c] for c in summed], dtype=dtype),
         (np.zeros(len(summed), dtype=np.int32), np.asarray(summed, dtype=np.int32))), shape=(1, width))
    return sequence, sentence

