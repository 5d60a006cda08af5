"""Rasa's own checks: the training data validates cleanly and the test stories pass."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ROOT

pytestmark = pytest.mark.slow  # Rasa's own CLI: data validation and the test stories (trained model)

RASA = str(Path(sys.executable).parent / "rasa")


def rasa(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, ACTION_ENDPOINT_URL="http://127.0.0.1:1/webhook", RASA_TELEMETRY_ENABLED="false")
    return subprocess.run([RASA, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def test_data_validates_without_warnings():
    result = rasa("data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_conversation_stories_pass(tmp_path):
    out = tmp_path / "results"
    result = rasa("test", "core", "--model", "models", "--stories", "tests/stories",
                  "--fail-on-prediction-errors", "--out", str(out))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert (out / "story_report.json").exists()
