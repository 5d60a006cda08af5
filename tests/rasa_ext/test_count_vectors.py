"""bot/rasa_ext/count_vectors.py gives exactly the features of Rasa's CountVectorsFeaturizer: training
and case texts (`all_texts`) featurized by the trained model's pipeline with our component and with Rasa's
own code in its place."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

from bot.rasa_ext import count_vectors
from tests.rasa_ext.test_fast_diet import Trained, all_texts, trained  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow  # unpacks the trained model
ODD = ["", " ", "???", "Ünïcödé façade", "ΟΔΟΣ ΑΣ", "tabs\tand\nnewlines", "x" * 2000, "🙂🙂 red marks", "/ask_picking"]


def features(trained: Trained, texts: list[str], ours: bool, monkeypatch: pytest.MonkeyPatch) -> list:  # noqa: F811
    with monkeypatch.context() as patch:
        if not ours:
            patch.setattr(count_vectors.FastCountVectorsFeaturizer, "_create_features",
                          CountVectorsFeaturizer._create_features)
        messages = trained.messages(texts)
    found = []
    for message in messages:
        for f in message.features:
            matrix = f.features.tocoo()
            found.append((f.type, f.attribute, f.origin, matrix.shape, str(matrix.dtype),
                          matrix.row.tolist(), matrix.col.tolist(), np.asarray(matrix.data).tolist()))
    return found


def test_features_are_rasas(trained, monkeypatch):  # noqa: F811
    texts = all_texts() + ODD
    ours, rasas = features(trained, texts, True, monkeypatch), features(trained, texts, False, monkeypatch)
    assert len(rasas) >= 4 * len(all_texts())  # word and char, sequence and sentence
    assert ours == rasas


def test_a_vectorizer_it_cannot_sum_runs_rasas_code(monkeypatch):
    called = []
    monkeypatch.setattr(CountVectorsFeaturizer, "_create_features", lambda *a: called.append(a) or ([], []))

    class Bigrams:
        binary, analyzer, ngram_range = False, "word", (1, 2)

    featurizer = count_vectors.FastCountVectorsFeaturizer.__new__(count_vectors.FastCountVectorsFeaturizer)
    featurizer.vectorizers = {"text": Bigrams()}
    assert featurizer._create_features("text", [["red", "marks"]]) == ([], [])
    assert called
