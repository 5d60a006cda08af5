"""The NLU training examples, read as plain YAML (no Rasa), for two jobs inside the knowledge base:
the words visitors use in scope (see vocab.py), and the meaning classifier (semantic.py) when no Rasa
model supplies it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

OUT_OF_SCOPE = ("out_of_scope", "other_language")  # intents whose words are not this domain's
ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


@dataclass(frozen=True)
class Example:
    """One training example: its text and intent."""

    text: str
    intent: str
    nearest_only: bool = False  # learnt from its own examples only, by nearest neighbour (semantic.Nearest)


def load_examples(paths: Iterable[Path], nearest_only: bool = False) -> list[Example]:
    """Every example of every intent in these Rasa NLU files (entity annotations dropped); `nearest_only`:
    the knowledge base's own examples (bot/data/nearest.yml), which Rasa never reads."""
    examples = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text = ANNOTATION.sub(lambda m: m.group(1) or m.group(2) or "", line[2:]).strip()
                    examples.append(Example(text, block["intent"], nearest_only))
    return examples
