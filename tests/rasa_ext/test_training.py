"""Examples only the sentence meaning learns from (bot/rasa_ext/training.py): DIET and its count vectors
train without them, the meaning classifier with them."""

from rasa.shared.nlu.training_data.loading import load_data

from bot.config import ROOT
from bot.rasa_ext.training import for_diet, meaning_only

NLU = """version: "3.1"
nlu:
- intent: report_emergency
  examples: |
    - i can't breathe since i put the serum on
- intent: report_emergency
  metadata:
    meaning_only: true
  examples: |
    - my toddler is burning up and so drowsy i can barely wake her
- intent: greet
  examples: |
    - hi
"""


def test_diet_trains_without_the_meaning_only_examples(tmp_path):
    path = tmp_path / "nlu.yml"
    path.write_text(NLU, encoding="utf-8")
    data = load_data(str(path))
    kept = [m.get("text") for m in for_diet(data).training_examples]
    assert kept == ["i can't breathe since i put the serum on", "hi"]
    assert [m.get("text") for m in data.training_examples if meaning_only(m)] == [
        "my toddler is burning up and so drowsy i can barely wake her"]


def test_the_project_data_marks_its_meaning_only_examples():
    """The examples added for the sentence meaning alone (emergencies, side effects asked of a product by name)
    are in the NLU data, marked."""
    data = load_data(str(ROOT / "data" / "nlu"))
    marked = [m for m in data.training_examples if meaning_only(m)]
    assert {m.get("intent") for m in marked} == {"report_emergency", "ask_side_effects"}
    assert len(for_diet(data).training_examples) == len(data.training_examples) - len(marked)
