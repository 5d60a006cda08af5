"""bot/rasa_ext/count_vectors.py gives exactly the features of Rasa's CountVectorsFeaturizer: every
training and case text featurized by the trained model's pipeline with and without it."""

from __future__ import annotations

import numpy as np
import pytest

from bot.rasa_ext import count_vectors
from tests.test_fast_diet import Trained, all_texts, trained  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow  # unpacks the trained model
ODD = ["", " ", "???", "Ünïcödé façade", "ΟΔΟΣ ΑΣ", "tabs\tand\nnewlines", "x" * 2000, "🙂🙂 red marks", "/ask_picking"]


def features(trained: Trained, texts: list[str], patched: bool) -> list:  # noqa: F811
    (count_vectors.install if patched else count_vectors.uninstall)()
    try:
        messages = trained.messages(texts)
    finally:
        count_vectors.uninstall()
    found = []
    for message in messages:
        for f in message.features:
            matrix = f.features.tocoo()
            found.append((f.type, f.attribute, f.origin, matrix.shape, str(matrix.dtype),
                          matrix.row.tolist(), matrix.col.tolist(), np.asarray(matrix.data).tolist()))
    return found


def test_features_are_rasas(trained):  # noqa: F811
    texts = all_texts() + ODD
    ours, rasas = features(trained, texts, True), features(trained, texts, False)
    assert len(rasas) >= 4 * len(all_texts())  # word and char, sequence and sentence
    assert ours == rasas


def test_a_vectorizer_it_cannot_sum_runs_rasas_code(monkeypatch):
    called = []
    monkeypatch.setattr(count_vectors, "_original_create_features", lambda *a: called.append(a) or ([], []))

    class Bigrams:
        binary, analyzer, ngram_range = False, "word", (1, 2)

    class Featurizer:
        vectorizers = {"text": Bigrams()}

    assert count_vectors.create_features(Featurizer(), "text", [["red", "marks"]]) == ([], [])
    assert called
