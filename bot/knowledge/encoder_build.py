"""The encoder's build (`make setup`): the pinned package's weights as a model that computes in int8.

Five steps, checked: onnxruntime folds the package's dequantized weights into float constants; each
layer's attention (its scaled dot products: ~24 operators of reshapes, transposes, a mask and a softmax,
as the model was exported) becomes one `MultiHeadAttention` operator of onnxruntime's, and each GELU
(five operators) one `Gelu`: the same arithmetic in one kernel each (a text is always run alone,
unpadded, so no mask is needed), the token states checked against the exported model's; then dynamic
quantization, per channel, int8 activations; and the int8 weights stored as uint8 (`_unsaturated`).
A text's run is ~10 % faster than without the fusions (docs/understanding.md). The result's sha256 is
pinned in encoder.py.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import ENCODER_MODEL
from bot.knowledge.encoder import BUILT_SHA256, Encoder, EncoderError, _digest, package_model

if TYPE_CHECKING:
    import onnx

HEADS = 12  # all-MiniLM-L6-v2: 12 heads of 32 dimensions (the model's own scale, 1/sqrt(32), is the kernel's)
LAYERS = 6
GELU_AS_EXPORTED = "Div Erf Add Mul Mul"  # x * 0.5 * (1 + erf(x / sqrt 2)), operator by operator
# texts whose token states the fused model must give as the exported one did (float, before quantizing)
CHECKED_TEXTS = ("hi", "my spots left red marks, how do i get rid of them and will they scar?")


def build(path: Path = ENCODER_MODEL) -> Path:
    """Build models/encoder/model.onnx (idempotent), or raise EncoderError saying what differs."""
    if path.exists() and _digest(path) == BUILT_SHA256:
        return path
    import onnx
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folded, fused, built = Path(tmp) / "folded.onnx", Path(tmp) / "fused.onnx", Path(tmp) / "model.onnx"
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        onnxruntime.InferenceSession(str(package_model()), options, providers=["CPUExecutionProvider"])
        model = onnx.load(str(folded))
        _attention_fused(model)
        _gelu_fused(model)
        onnx.save(model, str(fused))
        _same_states(folded, fused)
        quantize_dynamic(fused, built, weight_type=QuantType.QInt8, per_channel=True)
        _unsaturated(built)
        if _digest(built) != BUILT_SHA256:
            raise EncoderError(f"the built encoder has sha256 {_digest(built)}, expected {BUILT_SHA256}: "
                               "are onnx and onnxruntime the pinned versions (constraints.txt)?")
        built.replace(path)
    return path


def _attention_fused(model: onnx.ModelProto) -> None:
    """Each layer's attention as one MultiHeadAttention(query, key, value) node, in place: its inputs
    are the outputs of the layer's query, key and value bias additions, its output what the attention's
    output projection multiplies; the operators in between, no longer used, are dropped."""
    from onnx import helper

    graph = model.graph
    producer = {out: node for node in graph.node for out in node.output}

    def biased(name: str) -> dict[str, str]:
        """Layer -> the output of the Add of its `name` bias (an initializer's name)."""
        return {node.input[1].split(".attention.")[0]: node.output[0] for node in graph.node
                if node.op_type == "Add" and len(node.input) == 2 and node.input[1].endswith(name)}

    query, key, value = (biased(f"attention.self.{part}.bias") for part in ("query", "key", "value"))
    projected = biased("attention.output.dense.bias")
    if not len(query) == len(key) == len(value) == len(projected) == LAYERS:
        raise EncoderError("the package model's attention is not the one this build knows (layer names)")
    fused = {}
    for layer, out in projected.items():
        matmul = producer[producer[out].input[0]]
        if matmul.op_type != "MatMul":
            raise EncoderError(f"{layer}: the attention's output projection is a {matmul.op_type}")
        fused[matmul.input[0]] = helper.make_node(
            "MultiHeadAttention", [query[layer], key[layer], value[layer]], [matmul.input[0]],
            name=f"{layer}.attention", domain="com.microsoft", num_heads=HEADS)
    nodes: list[Any] = []
    for node in graph.node:
        if node.output[0] in fused:
            continue
        nodes.extend(fused.pop(name) for name in list(fused) if name in node.input)
        nodes.append(node)
    _keep_used(graph, nodes)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))


def _gelu_fused(model: onnx.ModelProto) -> None:
    """Each GELU, exported as x * 0.5 * (1 + erf(x / sqrt 2)) in five operators, as one Gelu node (the
    same formula in one kernel), in place: the Erf's chain is followed to the Mul by its own input."""
    from onnx import helper

    graph = model.graph
    users: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)
    producer = {out: node for node in graph.node for out in node.output}
    gelus = {}
    for erf in (node for node in graph.node if node.op_type == "Erf"):
        chain = [producer[erf.input[0]], erf]
        while len(chain) < 5 and len(users.get(chain[-1].output[0], [])) == 1:
            chain.append(users[chain[-1].output[0]][0])
        x = chain[0].input[0]
        if " ".join(node.op_type for node in chain) != GELU_AS_EXPORTED or x not in chain[-1].input:
            raise EncoderError(f"a GELU this build doesn't know: {[node.op_type for node in chain]}")
        gelus[chain[-1].output[0]] = (chain, helper.make_node(
            "Gelu", [x], [chain[-1].output[0]], name=f"{erf.name}.gelu", domain="com.microsoft"))
    if len(gelus) != LAYERS:
        raise EncoderError(f"{len(gelus)} GELUs, expected {LAYERS}")
    dropped = {id(node) for chain, _ in gelus.values() for node in chain}
    nodes = [gelus[node.output[0]][1] if node.output[0] in gelus else node
             for node in graph.node if id(node) not in dropped or node.output[0] in gelus]
    _keep_used(graph, nodes)


def _keep_used(graph: Any, nodes: list[Any]) -> None:
    """The graph with those of `nodes` (in order) that its outputs need, and the weights they use."""
    needed = {out.name for out in graph.output}
    kept = []
    for node in reversed(nodes):
        if needed.intersection(node.output):
            kept.append(node)
            needed.update(node.input)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    weights = [weight for weight in graph.initializer if weight.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(weights)


def _same_states(exported: Path, fused: Path) -> None:
    """EncoderError unless the fused model gives the exported one's token states (float, to 1e-4)."""
    import numpy as np

    models = [Encoder(exported), Encoder(fused)]  # (each run as the served encoder runs a text)
    for text in CHECKED_TEXTS:
        ids = np.array([models[0].tokenizer.encode(text).ids], np.int64)
        before, after = (model._states(ids) for model in models)
        if not np.allclose(before, after, atol=1e-4):
            raise EncoderError(f"the fused attention and GELU change the model's states for {text!r} "
                               f"(by up to {float(np.abs(before - after).max()):.2g})")


def _unsaturated(path: Path) -> None:
    """The int8 weights of every integer matrix product as uint8 (and their zero points, +128 both: the
    same differences, so the same exact integer products). onnxruntime multiplies uint8 by int8 with an
    instruction that saturates on CPUs without AVX-512 VNNI (AVX2 only: vectors off by up to 0.04, and
    other replies); uint8 by uint8 it computes exactly everywhere (onnxruntime's quantization docs)."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    weights = {w.name: w for w in model.graph.initializer}
    signed = {name for node in model.graph.node if node.op_type == "MatMulInteger" for name in node.input[1::2]
              if name in weights and weights[name].data_type == onnx.TensorProto.INT8}
    for name in sorted(signed):
        shifted = numpy_helper.to_array(weights[name]).astype(np.int16) + 128
        weights[name].CopyFrom(numpy_helper.from_array(shifted.astype(np.uint8), name))
    onnx.save(model, str(path))


if __name__ == "__main__":
    print(f"Built {build()}")
