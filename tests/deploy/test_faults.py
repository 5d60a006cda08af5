"""The fault suite's short version (scripts/faults.py --short, `make faults` runs it all): the
scale-out stack behind nginx under load, a replica killed mid-load and PostgreSQL stopped and
restarted, then simultaneous messages on both replicas; nothing lost, duplicated, out of order,
half-stored or stuck, and the database outage answered with 503 apologies."""

from __future__ import annotations

import json
import os
import sys

import pytest

from bot.config import ROOT
from tests.background import command
from tests.services import missing_binaries

pytestmark = pytest.mark.slow  # PostgreSQL, Redis, nginx and three bot processes of its own

# ~45 s, mostly waiting for restarts and holds: in the background late in the run (from the first test
# of tests/rasa_ext/, where a core is mostly idle), its test last (tests/background.py)
FAULTS = command([sys.executable, "scripts/faults.py", "--short", "--json", "{workdir}/faults.json"],
                 with_tests=ROOT / "tests" / "rasa_ext")


@pytest.mark.runs(FAULTS)
def test_short_fault_suite_leaves_nothing_behind():
    missing = missing_binaries()
    if missing:
        message = f"the fault suite needs {missing}: apt-get install -y postgresql redis-server nginx-light"
        if os.environ.get("REQUIRE_SCALE_SERVICES") or os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    done, workdir = FAULTS.result()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = {r["fault"]: r for r in json.loads((workdir / "faults.json").read_text())["results"]}
    for fault in ("replica killed mid-turn (behind nginx)", "PostgreSQL stopped and restarted"):
        result = results[fault]
        assert all(result[k] == 0 for k in ("lost", "duplicated", "out_of_order", "half_turns", "stuck")), result
        assert result["success_after_restore_s"] is not None and result["success_after_restore_s"] < 2, result
    assert results["PostgreSQL stopped and restarted"]["during_fault"].get("apology 503", 0) > 0  # 503s, said plainly
    pair = results["simultaneous messages on both replicas"]
    assert pair["both_answered"] == pair["stored_once_each"] == pair["times"]
