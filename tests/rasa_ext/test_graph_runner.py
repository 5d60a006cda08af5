"""bot/rasa_ext/graph_runner.py runs Rasa graphs as dask did: same outputs, same node calls, same errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.exceptions import GraphComponentException, GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage

from bot.rasa_ext import graph_runner, patches

CALLS: list[str] = []


class Step(GraphComponent):
    """Adds its config's `add` to what it needs, and logs the call."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> Step:
        return cls(config)

    def run(self, **given: Any) -> Any:
        CALLS.append(self.config["name"])
        if self.config.get("fail"):
            raise RuntimeError("a node failed")
        return sum(given.values()) + self.config["add"]


def node(name: str, add: int, needs: dict[str, str], **extra: Any) -> SchemaNode:
    return SchemaNode(needs=needs, uses=Step, constructor_name="create", fn="run",
                      config={"name": name, "add": add, **extra}, **({"is_target": True} if name == "end" else {}))


def schema(**extra: Any) -> GraphSchema:
    """A diamond with an unused branch: x -> a, b -> end; c (not needed by end)."""
    return GraphSchema({
        "a": node("a", 1, {"i": "x"}), "b": node("b", 10, {"i": "x"}, **extra),
        "end": node("end", 100, {"i": "a", "j": "b"}), "c": node("c", 1000, {"i": "a"}),
    })


def runner(tmp_path: Path, **extra: Any) -> DaskGraphRunner:
    return DaskGraphRunner(schema(**extra), LocalModelStorage(tmp_path), ExecutionContext(schema(), "model"))


@pytest.mark.parametrize("targets", [None, ["end"], ["c"], ["end", "c"], ["a"]])
def test_same_outputs_and_calls_as_dask(tmp_path, targets):
    results = []
    for run in (patches.ORIGINALS["rasa.engine.runner.dask.DaskGraphRunner.run"], graph_runner.run):
        CALLS.clear()
        output = run(runner(tmp_path), inputs={"x": 5}, targets=targets)
        results.append((output, sorted(CALLS)))
    assert results[0] == results[1]
    assert len(results[1][1]) == len(set(results[1][1]))  # each node once
    if targets == ["end"]:
        assert results[1][0] == {"end": 5 + 1 + 5 + 10 + 100}


def test_same_errors_as_dask(tmp_path):
    for run in (patches.ORIGINALS["rasa.engine.runner.dask.DaskGraphRunner.run"], graph_runner.run):
        with pytest.raises(GraphComponentException):
            run(runner(tmp_path, fail=True), inputs={"x": 1}, targets=["end"])
        with pytest.raises(GraphRunError, match="clashes with a node name"):
            run(runner(tmp_path), inputs={"x": "a"}, targets=["end"])


def test_installed_by_the_door(rasa_changes):
    assert DaskGraphRunner.run is graph_runner.run


@pytest.mark.slow
def test_the_trained_models_parse_graph_gives_dasks_results(tmp_path):
    """The model `make train` built: every node's output for real messages, both ways."""
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.shared.nlu.constants import TEXT

    from bot.config import ROOT

    model = ROOT / "models" / "faq.tar.gz"
    if not model.exists():
        pytest.skip("no trained model (make train)")
    storage, metadata = LocalModelStorage.from_model_archive(tmp_path, model)
    schema = metadata.predict_schema
    nlu = [name for name in schema.nodes if name == "run_RegexMessageHandler"]
    context = ExecutionContext(schema, metadata.model_id)
    graph = DaskGraphRunner.create(schema.minimal_graph_schema(nlu), storage, context)
    messages = ["what is the mattifying fluid?", "my spot is hot and swollen", "", "how much is the serum and the gel?"]
    outputs = []
    for run in (patches.ORIGINALS["rasa.engine.runner.dask.DaskGraphRunner.run"], graph_runner.run):
        (parsed,) = run(graph, inputs={"__message__": [UserMessage(text=t) for t in messages]},
                        targets=nlu).values()
        outputs.append([{key: m.get(key) for key in (TEXT, "intent", "intent_ranking", "entities", "analysis")}
                        for m in parsed])
    assert outputs[0] == outputs[1] and outputs[0][0]["intent"]["name"] == "ask_fluid"
