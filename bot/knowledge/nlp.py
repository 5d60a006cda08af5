"""The project's spaCy pipeline: blank English + sentencizer + lookup lemmatizer, built to disk (with
the word tables the understanding reads: everyday words' frequencies, WordNet's kinds of nouns).

No pretrained model is downloaded: the lemma tables come from the `spacy-lookups-data` package.
Rasa's SpacyNLP component loads the same directory (see config.yml).
"""

from __future__ import annotations

import functools
import gzip
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import SPACY_DIR
from bot.knowledge import wordnet

WORDS_FILE = "word_log_probs.json"
COMMON_LOG_PROB = -14.0  # ~30k everyday English words

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
    _write_word_probs(path / WORDS_FILE)
    wordnet.build(path)
    return path


def _write_word_probs(file: Path) -> None:
    """Keep the common words of spacy-lookups-data's 1M-word `lexeme_prob` table (loading all of it
    takes seconds and ~100 MB)."""
    import spacy_lookups_data

    table = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(table, "rt", encoding="utf-8") as f:
        probs = json.load(f)
    common: dict[str, float] = {}
    for word, p in probs.items():
        if p >= COMMON_LOG_PROB and word.islower() and word.replace("'", "").isalpha():
            for form in (word, word.replace("'", "")):  # as typed without the apostrophe: "theyre", "dont"
                common[form] = max(common.get(form, p), round(p, 2))
    file.write_text(json.dumps(common, sort_keys=True), encoding="utf-8")


@functools.lru_cache(maxsize=1)
def load(path: Path = SPACY_DIR) -> Language:
    """Load the pipeline from disk, building it first if it is missing."""
    import spacy

    if not (path / "meta.json").exists():
        build(path)
    return spacy.load(path)


@functools.lru_cache(maxsize=1)
def word_log_probs(path: Path = SPACY_DIR) -> dict[str, float]:
    """Everyday English word -> log probability (the ~30k words above `COMMON_LOG_PROB`).

    Tells real words ("shirt", "night") from typos and rare subjects ("serm", "doxycycline").
    """
    file = path / WORDS_FILE
    if not file.exists():
        build(path)
    return json.loads(file.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def word_classes() -> dict[str, frozenset[str]]:
    """Part of speech ("noun", "verb", "adj", "adv") -> the English lemmas WordNet gives it: the
    `lemma_index` table of spacy-lookups-data (~80k lemmas; "besides" is only an adverb, "lemon" a noun)."""
    import spacy_lookups_data

    table = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_index.json.gz"
    with gzip.open(table, "rt", encoding="utf-8") as f:
        return {kind: frozenset(words) for kind, words in json.load(f).items()}


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SPACY_DIR
    print(f"spaCy pipeline written to {build(target)}")
