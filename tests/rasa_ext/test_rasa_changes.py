"""bot/tools/rasa_changes.py: Rasa names replaced at run time are found and named as expected.

Each measurement runs in a subprocess: the changes it makes to Rasa must not leak into other tests,
and the script measures only in a process where the project's code was not imported yet.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from bot.config import ROOT
from bot.tools import rasa_changes
from tests.background import command

NAME = re.compile(r"^rasa(\.[A-Za-z_][A-Za-z0-9_]*)+$")

FAKE = """
import json
from bot.tools import rasa_changes as rc

owners = rc.Owners.of(rc.import_tree(["rasa.shared.core.trackers"]).modules)
before = rc.snapshot(owners)
from rasa.shared.core import trackers
original_copy = trackers.DialogueStateTracker.copy
trackers.DialogueStateTracker.copy = lambda self: self                # replaced
trackers.DialogueStateTracker._fake_hook = staticmethod(lambda: None)  # added to a class
trackers.FAKE_GLOBAL = 1                                              # added to a module
trackers.DialogueStateTracker.__annotations__                         # Python's own: not counted
same = trackers.DialogueStateTracker.current_state
trackers.DialogueStateTracker.current_state = same                    # the same object again: not counted
replaced, removed = rc.diff(before, rc.snapshot(owners))
trackers.DialogueStateTracker.copy = original_copy
print(json.dumps({"replaced": replaced, "removed": removed}))
"""


ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false"}
# the script run once, in a clean interpreter, allowed no replacement (`--max 0`)
LISTED = command([sys.executable, "-m", "bot.tools.rasa_changes", "--json", "{workdir}/changes.json", "--max", "0"],
                 env=ENV, timeout=300)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=ENV)


def test_a_fake_replacement_is_found_and_named() -> None:
    result = _run("-c", FAKE)
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {
        "replaced": [
            "rasa.shared.core.trackers.DialogueStateTracker._fake_hook",
            "rasa.shared.core.trackers.DialogueStateTracker.copy",
            "rasa.shared.core.trackers.FAKE_GLOBAL",
        ],
        "removed": [],
    }


@pytest.fixture(scope="module")
def listed() -> tuple[subprocess.CompletedProcess[str], dict]:
    """LISTED's output and the names it wrote."""
    result, workdir = LISTED.result()
    assert result.returncode in (0, 1), result.stdout[-2000:] + result.stderr[-2000:]
    return result, json.loads((workdir / "changes.json").read_text())


@pytest.mark.slow  # the script loads Rasa in a clean interpreter (~6 s)
@pytest.mark.runs(LISTED)
def test_the_script_lists_replaced_names(listed: tuple[subprocess.CompletedProcess[str], dict]) -> None:
    result, found = listed
    assert found["count"] == len(found["replaced"]) == len(set(found["replaced"]))
    assert result.returncode == (1 if found["count"] > 0 else 0)  # --max 0
    for name in found["replaced"]:
        assert NAME.match(name), name  # module.attr or module.Class.attr
        assert f"  {name}" in result.stdout
    assert f"{found['count']} replaced" in result.stdout
    for entry in found["overridden_private"]:
        base, _, sub = entry.partition(" <- ")
        assert NAME.match(base) and base.rsplit(".", 1)[-1].startswith("_"), entry
        assert sub.startswith(("bot.", "actions.")), entry


def test_it_refuses_a_process_where_our_code_is_imported() -> None:
    # this test process imported bot.config (conftest): a measurement here would be wrong
    assert rasa_changes.main([]) == 2


@pytest.mark.slow
@pytest.mark.runs(LISTED)
def test_at_most_six_of_rasas_names_are_replaced_and_they_are_the_fingerprinted_ones(
        listed: tuple[subprocess.CompletedProcess[str], dict]) -> None:
    from bot.rasa_ext import FINGERPRINTS, MAX_REPLACEMENTS

    _, found = listed
    assert found["count"] <= MAX_REPLACEMENTS, found["replaced"]
    assert set(found["replaced"]) == set(FINGERPRINTS)
