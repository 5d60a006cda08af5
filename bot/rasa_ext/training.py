"""Examples only the sentence meaning learns from: NLU blocks whose intent metadata says `meaning_only`.

The red-flag reading is the sentence meaning's (bot/knowledge/safety.py), not DIET's. Examples added
for it (a child's fever and drowsiness, say) would also move DIET's count vectors and weights, and every
DIET retraining moves a few unrelated answers; so the featurizer and DIET train without them, and
`MessageAnalysis` (and the knowledge base's own fit) learn from every example.
"""

from __future__ import annotations

from rasa.shared.nlu.constants import METADATA, METADATA_INTENT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

MEANING_ONLY = "meaning_only"


def meaning_only(message: Message) -> bool:
    """The example is in an intent block marked `metadata: {meaning_only: true}`."""
    intent = (message.get(METADATA) or {}).get(METADATA_INTENT) or {}
    return isinstance(intent, dict) and bool(intent.get(MEANING_ONLY))


def for_diet(training_data: TrainingData) -> TrainingData:
    """The training data without the examples only the sentence meaning learns from."""
    if not any(meaning_only(m) for m in training_data.training_examples):
        return training_data
    return training_data.filter_training_examples(lambda m: not meaning_only(m))
