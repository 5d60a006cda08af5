"""The project's spaCy pipeline: blank English + sentencizer + lookup lemmatizer, built to disk.

No pretrained model is downloaded: the lemma tables come from the `spacy-lookups-data` package.
Rasa's SpacyNLP component loads the same directory (see config.yml).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import SPACY_DIR

if TYPE_CHECKING:  # spaCy is heavy: import it only when a pipeline is needed
    from spacy.language import Language


def build(path: Path = SPACY_DIR) -> Path:
    """Build the pipeline and save it to `path` (idempotent)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data
    path.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(path)
    return path


@functools.lru_cache(maxsize=1)
def load(path: Path = SPACY_DIR) -> Language:
    """Load the pipeline from disk, building it first if it is missing."""
    import spacy

    if not (path / "meta.json").exists():
        build(path)
    return spacy.load(path)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SPACY_DIR
    print(f"spaCy pipeline written to {build(target)}")
