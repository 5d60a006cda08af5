"""Rasa's own checks: the training data validates cleanly and the test stories pass."""

import os

import pytest

from tests.background import Background, Ran, command
from tests.servers import BIN

pytestmark = pytest.mark.slow  # Rasa's own CLI: data validation and the test stories (trained model)


def rasa(*args: str) -> Background[Ran]:
    """`rasa ARGS` in the project root, started with the session's tests."""
    env = dict(os.environ, ACTION_ENDPOINT_URL="http://127.0.0.1:1/webhook", RASA_TELEMETRY_ENABLED="false")
    return command([str(BIN / "rasa"), *args], env=env)


VALIDATE = rasa("data", "validate", "--fail-on-warnings")
STORIES = rasa("test", "core", "--model", "models", "--stories", "tests/stories", "--fail-on-prediction-errors",
               "--out", "{workdir}/results")


@pytest.mark.runs(VALIDATE)
def test_data_validates_without_warnings():
    result, _ = VALIDATE.result()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


@pytest.mark.runs(STORIES)
def test_conversation_stories_pass():
    result, workdir = STORIES.result()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert (workdir / "results" / "story_report.json").exists()
