"""All settings in one place: paths relative to this package, knobs from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
DATA_DIR = PACKAGE_DIR / "data"
ARTICLE_PATH = DATA_DIR / "article.md"
TOPICS_PATH = DATA_DIR / "topics.yml"
SPACY_DIR = ROOT / "models" / "spacy-en-lookup"
NLU_DIR = ROOT / "data" / "nlu"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    """Runtime settings; read once with `settings()`."""

    rasa_port: int = field(default_factory=lambda: int(_env("RASA_PORT", "5005")))
    actions_port: int = field(default_factory=lambda: int(_env("ACTIONS_PORT", "5055")))
    # BM25 fallback: answer only above `min_score`; ask which one when the runner-up is this close.
    min_score: float = field(default_factory=lambda: float(_env("RETRIEVAL_MIN_SCORE", "3.0")))
    ambiguity_ratio: float = field(default_factory=lambda: float(_env("RETRIEVAL_AMBIGUITY", "0.85")))
    max_related: int = 3


def settings() -> Settings:
    """Current settings (cheap; re-reads the environment)."""
    return Settings()
