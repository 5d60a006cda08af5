"""FastDIETClassifier (bot/rasa_ext/fast_diet.py) predicts exactly what DIET predicts, without TF.

The trained model (models/faq.tar.gz, or FAST_DIET_MODEL) is unpacked the way Rasa loads it
(LocalModelStorage, the predict schema); messages are featurized by the model's own pipeline
(SpacyNLP, tokenizer, featurizers through Rasa's graph runner); the FastDIET node is loaded as Rasa
loads it (numpy), and its TF twin is the same persisted resource loaded by plain
`DIETClassifier.load`: DIET's persist names its files after the class, so the twin reads a copy of
the resource with `FastDIETClassifier.*` renamed `DIETClassifier.*`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelMetadata
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.common import override_defaults

from bot.config import ROOT
from bot.rasa_ext.fast_diet import WEIGHTS, FastDIETClassifier

pytestmark = pytest.mark.slow  # unpacks the trained model and loads DIET with TensorFlow
MODEL = Path(os.environ.get("FAST_DIET_MODEL", ROOT / "models" / "faq.tar.gz"))
TOLERANCE = 1e-4  # absolute, on every confidence


class Trained:
    """The unpacked model: featurize texts with its pipeline, load classifiers from resources."""

    def __init__(self, storage: LocalModelStorage, metadata: ModelMetadata, storage_path: Path) -> None:
        self.storage, self.metadata, self.storage_path = storage, metadata, storage_path
        schema = metadata.predict_schema
        names = [name for name, node in schema.nodes.items() if issubclass(node.uses, FastDIETClassifier)]
        if not names:
            used = sorted({node.uses.__name__ for node in schema.nodes.values()})
            pytest.skip(f"{MODEL} has no FastDIETClassifier node (its components: {used}); train it from a "
                        "config.yml naming bot.rasa_ext.fast_diet.FastDIETClassifier")
        self.node_name = names[0]
        self.node = schema.nodes[self.node_name]
        (self.featurized,) = self.node.needs.values()
        self.runner = DaskGraphRunner.create(schema.minimal_graph_schema([self.featurized]), storage,
                                             self.context(None))

    def context(self, node_name: str | None) -> ExecutionContext:
        return ExecutionContext(self.metadata.predict_schema, self.metadata.model_id, node_name=node_name)

    def messages(self, texts: list[str]) -> list[Message]:
        users = [UserMessage(text=text) for text in texts]
        return self.runner.run({PLACEHOLDER_MESSAGE: users}, [self.featurized])[self.featurized]

    def load(self, cls: type[GraphComponent], storage: LocalModelStorage | None = None,
             resource: Resource | None = None) -> Any:
        """As rasa.engine.graph.GraphNode does: defaults overridden by the node's config."""
        config = override_defaults(cls.get_default_config(), self.node.config)
        return cls.load(config, storage or self.storage, resource or self.node.resource,
                        self.context(self.node_name))

    def copy_resource(self, name: str, rename: Callable[[str], str] = str, drop: tuple[str, ...] = ()) -> Path:
        """The FastDIET resource copied into a new model storage directory, files renamed or dropped."""
        source = self.storage_path / self.node.resource.name
        target = self.storage_path.parent / name / self.node.resource.name
        target.mkdir(parents=True)
        for path in source.iterdir():
            if path.name not in drop:
                shutil.copy(path, target / rename(path.name))
        if (target / "checkpoint").exists():
            (target / "checkpoint").write_text(rename((target / "checkpoint").read_text()))
        return target.parent


def as_diet(name: str) -> str:
    return name.replace(FastDIETClassifier.__name__, DIETClassifier.__name__)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trained]:
    if not MODEL.exists():
        pytest.skip(f"no trained model at {MODEL} (make train)")
    storage_path = tmp_path_factory.mktemp("fast_diet") / "storage"
    storage_path.mkdir()
    storage, metadata = LocalModelStorage.from_model_archive(storage_path, MODEL)
    yield Trained(storage, metadata, storage_path)


@pytest.fixture(scope="module")
def fast(trained: Trained) -> FastDIETClassifier:
    return trained.load(FastDIETClassifier)


@pytest.fixture(scope="module")
def diet(trained: Trained) -> DIETClassifier:
    """The TF twin: DIET's own load of the same persisted files."""
    storage = LocalModelStorage(trained.copy_resource("as_diet", rename=as_diet))
    return trained.load(DIETClassifier, storage)


def all_texts() -> list[str]:
    """Every ninth training example (each intent's, in turn) and every case text: the same code runs for
    each text, so a ninth of the examples shows a difference as well as all of them, in a ninth of the time."""
    texts = [example.get(TEXT) for example in load_data(str(ROOT / "data" / "nlu")).intent_examples][::9]
    for name in ("cases.yml", "cases_wild.yml"):
        cases = yaml.safe_load((ROOT / "tests" / name).read_text())
        texts += [case["text"] for case in cases.get("single", [])] + list(cases.get("oos", []))
        texts += [turn for conversation in cases.get("conversations", []) for turn in conversation["turns"]]
    return list(dict.fromkeys(texts))


def predict(component: DIETClassifier, message: Message) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    component.process([message])
    return message.get("intent"), message.get("intent_ranking")


def differences(fast: DIETClassifier, diet: DIETClassifier, messages: list[Message]) -> tuple[list[str], float]:
    """Messages whose top intent or ranked intents differ, and the largest confidence difference."""
    wrong, largest = [], 0.0
    for message in messages:
        (intent, ranking), (twin_intent, twin_ranking) = predict(fast, message), predict(diet, message)
        confidences = {item["name"]: item["confidence"] for item in ranking}
        twin_confidences = {item["name"]: item["confidence"] for item in twin_ranking}
        # a name ranked on one side only counts as 0 on the other: which names fill the tail of a ranking
        # with confidences around 1e-30 is rounding, not a difference
        gaps = [abs(confidences.get(name, 0.0) - twin_confidences.get(name, 0.0))
                for name in confidences.keys() | twin_confidences.keys()]
        gaps.append(abs(intent["confidence"] - twin_intent["confidence"]))
        largest = max(largest, *gaps)
        if intent["name"] != twin_intent["name"] or max(gaps) > TOLERANCE:
            wrong.append(f"{message.get(TEXT)!r}: {intent} {ranking[:3]} vs DIET {twin_intent} {twin_ranking[:3]}")
    return wrong, largest


def test_fast_diet_loads_without_tensorflow_model(fast: FastDIETClassifier) -> None:
    assert fast.model is None and fast._forward is not None
    assert len(fast.index_label_id_mapping) == fast._forward.labels_t.shape[1]


def test_training_and_case_texts_get_diets_own_intent_ranking(trained: Trained, fast: FastDIETClassifier,
                                                  diet: DIETClassifier) -> None:
    texts = all_texts()
    assert len(texts) > 500
    wrong, largest = differences(fast, diet, trained.messages(texts))
    print(f"{len(texts)} texts, largest confidence difference {largest:.2e}")
    assert not wrong, "\n".join(wrong[:20])


def test_empty_and_odd_messages_behave_as_in_diet(trained: Trained, fast: FastDIETClassifier,
                                                  diet: DIETClassifier) -> None:
    odd = ["", " ", "???", "😩😩", "a", "x" * 2000, "pimple " * 300, "/ask_picking", "ça va? ñ 漢字"]
    messages = trained.messages(odd)
    wrong, _ = differences(fast, diet, messages)
    assert not wrong, "\n".join(wrong)
    empty = messages[0]
    assert predict(fast, empty) == predict(diet, empty)


def test_a_resource_without_numpy_weights_falls_back_to_diets_load(trained: Trained,
                                                                    diet: DIETClassifier) -> None:
    storage = LocalModelStorage(trained.copy_resource("without_numpy", drop=(WEIGHTS,)))
    fallback = trained.load(FastDIETClassifier, storage)
    assert fallback._forward is None and fallback.model is not None
    texts = ["how do i fade red marks", "what's the weather like", "can i pop my spots?", ""]
    wrong, _ = differences(fallback, diet, trained.messages(texts))
    assert not wrong, "\n".join(wrong)
