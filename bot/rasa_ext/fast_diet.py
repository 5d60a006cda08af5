"""DIET that trains with TensorFlow and predicts intents with numpy: `FastDIETClassifier`.

Why: with no transformer layers DIET's intent prediction is a few small matrix products, yet
through TensorFlow it costs ~4.5 ms a message (tf.function dispatch, tensor conversion), and
loading it at server start ~9 s (a training step to build the Keras model, then tracing).
This class trains exactly as DIET (inherited), persists DIET's files plus the weights the intent
forward pass needs (`fast_diet.npz`, `fast_diet.json`), and when those files are there it loads
them alone (no Keras model, no tracing) and predicts the same numbers with numpy. Measured on this
project's model (2 cores, 300 featurized messages after warm-up): `process` 4.5 ms -> 0.16 ms a
message (median), `load` 9.1 s -> 0.007 s, resident memory added by loading 170 MB -> 4 MB; the
whole model: Agent.load 11.5 s -> 2.9 s, parse_message 8.6 ms -> 3.6 ms. Over the 2079 training
and case texts the confidences differ from DIET's by at most 5.4e-7 (tests/rasa_ext/test_fast_diet.py
holds every text to the same top intent and 1e-4).

The forward pass it reproduces (DIET with `number_of_transformer_layers: 0`, rasa_layers.py):
each feature type is `sparse @ W + b` (DenseForSparse) concatenated with the dense features; the
sentence vector is the last position of the combined sequence, i.e. the sentence-level features
(the token-level ones cannot reach it without a transformer); then the text Ffnn (gelu layers,
kernel times its connection mask), `embed.text`, the similarity (inner or cosine) with every
label embedding (label features summed over their tokens, label Ffnn, `embed.label`, computed
once at persist) and softmax (raw similarities if `model_confidence` isn't softmax). DIET's
diagnostic data (attention weights, transformed text) is not produced; Rasa 3.6 never asks for
it. Anything else (a transformer, entities, shared or dimension-unifying
layers, fine-tuning, a resource without the numpy files) falls back to DIET's own load.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse
import scipy.special
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import (
    COSINE,
    ENTITY_RECOGNITION,
    FEATURIZERS,
    HIDDEN_LAYERS_SIZES,
    INTENT_CLASSIFICATION,
    LABEL,
    MODEL_CONFIDENCE,
    NUM_TRANSFORMER_LAYERS,
    SENTENCE,
    SEQUENCE,
    SHARE_HIDDEN_LAYERS,
    SIMILARITY_TYPE,
    SOFTMAX,
)

from bot.rasa_ext.training import for_diet

logger = logging.getLogger(__name__)

WEIGHTS = "fast_diet.npz"
LAYOUT = "fast_diet.json"


def _gelu(x: np.ndarray) -> np.ndarray:
    """tf.nn.gelu(approximate=False), the Ffnn activation."""
    return 0.5 * x * (1.0 + scipy.special.erf(x / np.sqrt(2.0)))


def _l2_normalize(x: np.ndarray) -> np.ndarray:
    """tf.nn.l2_normalize on the last axis."""
    return x / np.sqrt(np.maximum(np.sum(x * x, axis=-1, keepdims=True), 1e-12))


class _Weights:
    """The trained Keras variables by layer name (rasa_layers.py names every layer it builds)."""

    def __init__(self, model: Any) -> None:
        self._by_name = {variable.name: variable.numpy() for variable in model.weights}

    def __call__(self, layer: str, variable: str) -> np.ndarray:
        found = [value for name, value in self._by_name.items() if f"/{name}".endswith(f"/{layer}/{variable}:0")]
        if len(found) != 1:
            raise KeyError(f"DIET weight {layer}/{variable}: {len(found)} variables match")
        return found[0]

    def has(self, layer_part: str) -> bool:
        return any(layer_part in name for name in self._by_name)

    def ffnn(self, attribute: str, sizes: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        """RandomlyConnectedDense layers: the kernel the layer uses is kernel * kernel_mask."""
        layers = []
        for i in range(len(sizes)):
            name = f"hidden_layer_{attribute}_{i}"
            kernel = self(name, "kernel")
            if self.has(f"{name}/kernel_mask:0"):
                kernel = kernel * self(name, "kernel_mask")
            layers.append((kernel, self(name, "bias")))
        return layers


def _unsupported(config: dict[str, Any], weights: _Weights) -> str | None:
    """Why numpy can't reproduce this DIET's intent prediction, or None when it can."""
    layers = config[NUM_TRANSFORMER_LAYERS]
    if (layers[TEXT] if isinstance(layers, dict) else layers) != 0:
        return "transformer layers"
    if config[ENTITY_RECOGNITION] or not config[INTENT_CLASSIFICATION]:
        return "entity recognition on or intent classification off"
    if config[SHARE_HIDDEN_LAYERS] or weights.has("unify_dims"):
        return "shared or dimension-unifying layers"
    return None


def _combine(
    sparse: scipy.sparse.spmatrix | None, dense: np.ndarray | None, kernel: np.ndarray | None, bias: np.ndarray | None
) -> np.ndarray:
    """ConcatenateSparseDenseFeatures at inference: rows of [sparse @ W + b, dense]."""
    parts = []
    if sparse is not None:
        parts.append(scipy.sparse.csr_matrix(sparse, dtype=np.float64) @ kernel + bias)
    if dense is not None:
        parts.append(np.asarray(dense, dtype=np.float64))
    return np.concatenate(parts, axis=-1)


def _label_embeddings(component: DIETClassifier, weights: _Weights) -> np.ndarray:
    """DIET's `_create_all_labels`: per label, its features summed over tokens, Ffnn, embed.label."""
    x: np.ndarray | float = 0.0  # an array once the first feature type's sums are added
    assert component._label_data is not None  # (set with the model, trained or loaded)
    for feature_type in (SEQUENCE, SENTENCE):
        arrays = component._label_data.get(LABEL, feature_type)
        if not arrays:
            continue
        sparse = next((a for a in arrays if a.is_sparse), None)
        dense = next((a for a in arrays if not a.is_sparse), None)
        layer = f"sparse_to_dense.{LABEL}_{feature_type}"
        kernel, bias = (weights(layer, "kernel"), weights(layer, "bias")) if sparse is not None else (None, None)
        x = x + np.stack([
            _combine(None if sparse is None else sparse[i], None if dense is None else dense[i], kernel, bias).sum(0)
            for i in range(len(component.index_label_id_mapping))
        ])
    for kernel, bias in weights.ffnn(LABEL, component.component_config[HIDDEN_LAYERS_SIZES][LABEL]):
        x = _gelu(x @ kernel + bias)
    return x @ weights("embed_layer_label", "kernel") + weights("embed_layer_label", "bias")


class _Forward:
    """Text features -> intent confidences, from the persisted numpy weights and layout."""

    def __init__(self, layout: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.feature_type: str = layout["feature_type"]
        self.sparse_units: int = layout["sparse_units"]
        self.kernel, self.bias = arrays.get("sparse_kernel"), arrays.get("sparse_bias")  # both or neither
        self.hidden = [(arrays[f"hidden_kernel_{i}"], arrays[f"hidden_bias_{i}"]) for i in range(layout["hidden"])]
        self.embed_kernel, self.embed_bias = arrays["embed_kernel"], arrays["embed_bias"]
        self.cosine = layout["similarity_type"] == COSINE
        self.softmax = layout["model_confidence"] == SOFTMAX
        labels = arrays["label_embed"].astype(np.float64)
        self.labels_t = (_l2_normalize(labels) if self.cosine else labels).T

    def _input(self, message: Message, featurizers: list[str]) -> np.ndarray:
        """The combined features at the sentence vector's position (Message.get_*_features' order).

        Sentence-level features are one row; of token-level ones DIET takes the last token.
        """
        hidden = np.zeros(0) if self.bias is None else self.bias.astype(np.float64)
        dense, offset = [], 0
        for feature in message.features:
            if feature.attribute != TEXT or feature.type != self.feature_type:
                continue
            if featurizers and feature.origin not in featurizers:
                continue
            values = feature.features
            if isinstance(values, scipy.sparse.spmatrix):  # feature.is_sparse(), in a form mypy narrows
                assert self.kernel is not None  # (saved when training had sparse features)
                values = values.tocoo()
                data, columns = values.data, values.col
                if self.feature_type == SEQUENCE:
                    last = values.row == values.shape[0] - 1
                    data, columns = data[last], columns[last]
                hidden = hidden + data @ self.kernel[columns + offset]
                offset += values.shape[1]
            else:
                dense.append(values[-1])
        if offset != self.sparse_units:
            raise ValueError(f"FastDIET expects {self.sparse_units} sparse {self.feature_type} feature columns "
                             f"for '{message.get(TEXT)}', found {offset}: featurizers differ from training")
        return np.concatenate([hidden, *dense])

    def confidences(self, message: Message, featurizers: list[str]) -> np.ndarray:
        x = self._input(message, featurizers)
        for kernel, bias in self.hidden:
            x = _gelu(x @ kernel + bias)
        x = x @ self.embed_kernel + self.embed_bias
        similarities = (_l2_normalize(x) if self.cosine else x) @ self.labels_t
        if not self.softmax:
            return similarities
        exp = np.exp(similarities - similarities.max())
        return exp / exp.sum()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class FastDIETClassifier(DIETClassifier):
    """DIETClassifier whose intent prediction runs in numpy when the model allows it (see module)."""

    _forward: _Forward | None = None

    def train(self, training_data: TrainingData) -> Resource:
        """DIET's training, without the examples only the sentence meaning learns from (training.py)."""
        return super().train(for_diet(training_data))

    def persist(self) -> None:
        """DIET's files, then the numpy weights and layout of the intent forward pass."""
        super().persist()
        if self.model is None:
            return
        weights = _Weights(self.model)
        reason = _unsupported(self.component_config, weights)
        if reason:
            logger.info(f"FastDIETClassifier predicts with TensorFlow: {reason} not reproduced in numpy.")
            return
        signature = self.model.data_signature[TEXT]
        feature_type = SENTENCE if signature.get(SENTENCE) else SEQUENCE
        sparse = [s for s in signature[feature_type] if s.is_sparse]
        arrays = {"label_embed": _label_embeddings(self, weights),
                  "embed_kernel": weights("embed_layer_text", "kernel"),
                  "embed_bias": weights("embed_layer_text", "bias")}
        if sparse:
            arrays["sparse_kernel"] = weights(f"sparse_to_dense.{TEXT}_{feature_type}", "kernel")
            arrays["sparse_bias"] = weights(f"sparse_to_dense.{TEXT}_{feature_type}", "bias")
        hidden = weights.ffnn(TEXT, self.component_config[HIDDEN_LAYERS_SIZES][TEXT])
        for i, (kernel, bias) in enumerate(hidden):
            arrays[f"hidden_kernel_{i}"], arrays[f"hidden_bias_{i}"] = kernel, bias
        layout = {
            "labels": [self.index_label_id_mapping[i] for i in range(len(self.index_label_id_mapping))],
            "feature_type": feature_type,
            "sparse_units": sparse[0].units if sparse else 0,
            "hidden": len(hidden),
            "similarity_type": self.component_config[SIMILARITY_TYPE],
            "model_confidence": self.component_config[MODEL_CONFIDENCE],
        }
        with self._model_storage.write_to(self._resource) as path:
            np.savez(path / WEIGHTS, **{k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()})
            (path / LAYOUT).write_text(json.dumps(layout, indent=1))

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FastDIETClassifier:
        """The numpy weights alone when persisted (and not fine-tuning), else DIET's load."""
        try:
            with model_storage.read_from(resource) as path:
                numpy_files = (path / WEIGHTS).exists()
        except ValueError:  # no such resource: DIET's load makes the untrained component
            numpy_files = False
        if execution_context.is_finetuning or not numpy_files:
            return super().load(config, model_storage, resource, execution_context, **kwargs)
        with model_storage.read_from(resource) as path:
            return cls._load_numpy(path, config, model_storage, resource, execution_context)

    @classmethod
    def _load_numpy(
        cls,
        path: Path,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FastDIETClassifier:
        layout = json.loads((path / LAYOUT).read_text())
        with np.load(path / WEIGHTS) as stored:
            arrays = {name: stored[name] for name in stored.files}
        component = cls(config, model_storage, resource, execution_context,
                        index_label_id_mapping=dict(enumerate(layout["labels"])))
        component._forward = _Forward(layout, arrays)
        return component

    def _predict(self, message: Message) -> dict[str, Any] | None:
        """DIET's `_predict` output ({"i_scores": (1, labels)}) for `_predict_label` and `process`."""
        if self._forward is None:
            return super()._predict(message)
        featurizers = self.component_config[FEATURIZERS]
        if not message.features_present(TEXT, featurizers):
            return None
        scores = self._forward.confidences(message, featurizers)
        return {"i_scores": scores.astype(np.float32)[np.newaxis]}
