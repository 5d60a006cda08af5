"""The encoder's build: each layer's attention and GELU in one kernel, the same arithmetic, checked."""

import collections

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import helper

from bot.knowledge import encoder_build
from bot.knowledge.encoder import Encoder, EncoderError, built_model, get_encoder


@pytest.fixture(scope="module")
def built_graph():
    return onnx.load(str(built_model())).graph


def test_the_built_model_runs_each_layers_attention_and_gelu_as_one_operator(built_graph):
    ops = collections.Counter(node.op_type for node in built_graph.node)
    assert ops["MultiHeadAttention"] == encoder_build.LAYERS
    assert ops["Gelu"] == encoder_build.LAYERS
    # the exported attention's reshapes, transposes, mask and NaN guard are gone, and its softmax
    assert not {"Transpose", "Softmax", "IsNaN", "Where", "Erf"} & set(ops)
    assert ops["MatMulInteger"] == 6 * encoder_build.LAYERS  # the weights' products, all in int8


def _states_of(path, text):
    return Encoder(path)._states(np.array([get_encoder().tokenizer.encode(text).ids], np.int64))


def _folded(tmp_path):
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(tmp_path / "folded.onnx")
    onnxruntime.InferenceSession(str(encoder_build.package_model()), options, providers=["CPUExecutionProvider"])
    return tmp_path / "folded.onnx"


def test_the_fused_float_model_gives_the_exported_models_states(tmp_path):
    folded = _folded(tmp_path)
    model = onnx.load(str(folded))
    encoder_build._attention_fused(model)
    encoder_build._gelu_fused(model)
    onnx.save(model, str(tmp_path / "fused.onnx"))
    text = "do i need sunscreen with the serum, and how long until the red marks fade?"
    before, after = _states_of(folded, text), _states_of(tmp_path / "fused.onnx", text)
    assert np.abs(before - after).max() < 1e-4
    assert len(model.graph.node) < len(onnx.load(str(folded)).graph.node) / 2


def test_a_model_whose_layers_it_does_not_know_is_refused(tmp_path):
    model = onnx.load(str(_folded(tmp_path)))
    for weight in model.graph.initializer:  # an export that names its layers otherwise
        weight.name = weight.name.replace("attention.self.query", "attn.q")
    for node in model.graph.node:
        node.input[:] = [name.replace("attention.self.query", "attn.q") for name in node.input]
    with pytest.raises(EncoderError, match="layer names"):
        encoder_build._attention_fused(model)


def test_a_gelu_written_another_way_is_refused():
    x, out = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1]), "y"
    nodes = [helper.make_node("Div", ["x", "c"], ["d"]), helper.make_node("Erf", ["d"], ["e"]),
             helper.make_node("Mul", ["e", "x"], [out])]  # no "+ 1", no "* 0.5"
    graph = helper.make_graph(nodes, "g", [x], [helper.make_tensor_value_info(out, onnx.TensorProto.FLOAT, [1])])
    with pytest.raises(EncoderError, match="GELU"):
        encoder_build._gelu_fused(helper.make_model(graph))
