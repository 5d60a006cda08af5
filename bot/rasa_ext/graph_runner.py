"""`DaskGraphRunner.run` without dask, for the loaded model (a replacement: bot/rasa_ext/patches.py).

Rasa 3.6 runs the trained graph three times per message (parse, then two dialogue predictions),
each time by pruning the schema to the targets, building a dask graph and running it through
dask's synchronous scheduler: ~10 % of the server's CPU per message went to that bookkeeping for
graphs of a dozen nodes. Here the pruned schema is kept per target list and the nodes are called
directly, each once, dependencies first: the same nodes with the same inputs (Rasa's GraphNode
calls, hooks included), the same result, the same errors (RuntimeError -> GraphRunError, an input
named like a node refused by Rasa's own check).
tests/rasa_ext/test_graph_runner.py runs small graphs (outputs, node calls, errors) and the trained
model's parse graph both ways and compares.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

_SCHEMAS = "_faq_minimal_schemas"


def run(self: DaskGraphRunner, inputs: dict[str, Any] | None = None,
        targets: list[str] | None = None) -> dict[str, Any]:
    """Runs the graph (as DaskGraphRunner.run): {target: output}."""
    run_targets = targets if targets else self._graph_schema.target_names
    schemas = self.__dict__.setdefault(_SCHEMAS, {})
    schema = schemas.get(tuple(run_targets))
    if schema is None:
        schema = schemas[tuple(run_targets)] = self._graph_schema.minimal_graph_schema(run_targets)
    self._add_inputs_to_graph(inputs, {name: None for name in schema.nodes})  # Rasa's check of names
    done: dict[str, Any] = {name: (name, value) for name, value in (inputs or {}).items()}

    def output(name: str) -> Any:
        if name not in done:
            needs = [output(dependency) for dependency in schema.nodes[name].needs.values()]
            done[name] = self._instantiated_nodes[name](*needs)
        return done[name]

    try:
        return dict(output(target) for target in run_targets)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e

