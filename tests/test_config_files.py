"""Every class named in credentials.yml and endpoints.yml imports.

Rasa swallows an ImportError in a channel module and reports only "Failed to find input channel
class", so this checks the modules directly, with their real error.
"""

import importlib

import pytest
import yaml

from bot.config import ROOT


def _class_paths() -> list[str]:
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    paths = [name for name in credentials if "." in name]
    paths += [v["type"] for v in endpoints.values() if isinstance(v, dict) and "." in str(v.get("type", ""))]
    return paths


@pytest.mark.parametrize("path", _class_paths())
def test_configured_class_imports(path):
    module, _, name = path.rpartition(".")
    assert isinstance(getattr(importlib.import_module(module), name), type)


def test_make_trains_again_when_a_data_file_is_removed(tmp_path):
    """`make run` trains when the data changed: a file edited, added, or removed (its name list is kept)."""
    import os
    import shutil
    import subprocess

    makefile = tmp_path / "Makefile"
    shutil.copy(ROOT / "Makefile", makefile)
    deps = subprocess.run(["make", "-pn", "train"], cwd=ROOT, capture_output=True, text=True).stdout
    prerequisites = [line.split(":=", 1)[1].split() for line in deps.splitlines()
                     if line.startswith(("TRAINING_DATA :=", "WIDGET_SRC :="))]
    files = {p for ps in prerequisites for p in ps if not p.startswith("$")} | {
        "requirements.txt", "constraints.txt", "requirements-models.txt", "scripts/find-python310.sh",
        "bot/knowledge/nlp.py", "bot/knowledge/wordnet.py", "bot/knowledge/encoder.py",
        "bot/knowledge/encoder_build.py", ".venv/.installed",
        "models/spacy-en-lookup/meta.json", "models/encoder/model.onnx", "data/nlu/extra.yml"}
    for name in sorted(files - {"models/.data-files"}):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).touch()

    def up_to_date() -> bool:
        return subprocess.run(["make", "-q", "train"], cwd=tmp_path, capture_output=True).returncode == 0

    up_to_date()  # (writes the list of data files)
    trained = tmp_path / "models" / ".trained"
    trained.touch()
    for path in tmp_path.rglob("*"):  # everything made before the model was trained
        os.utime(path, (0, 0) if path != trained else None)
    assert up_to_date()
    (tmp_path / "data" / "nlu" / "extra.yml").unlink()
    assert not up_to_date()
