"""`make run`'s supervisor (bot/serve.py): a dead child is named, restarted with back-off while any
other keeps running, the whole stops after repeated failures, and children die with their parent."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot import serve
from bot.config import ROOT
from tests.background import SESSION_ENV, Background
from tests.servers import free_port


def test_a_child_that_keeps_failing_is_restarted_with_back_off_then_everything_stops(monkeypatch, tmp_path):
    monkeypatch.setattr(serve, "FIRST_BACKOFF", 0.05)
    monkeypatch.setattr(serve, "MAX_RESTARTS", 3)
    said: list[str] = []
    failing = serve.Child("the failing one", [sys.executable, "-c", "import sys; sys.exit(3)"], "http://127.0.0.1:1/")
    steady = serve.Child("the steady one", [sys.executable, "-c", "import time; time.sleep(60)"], "http://127.0.0.1:1/")
    supervisor = serve.Supervisor([failing, steady], tmp_path, dict(os.environ), say=said.append)
    start = time.monotonic()
    assert supervisor.run(poll=0.02) == 1
    deaths = [s for s in said if s.startswith("the failing one exited with code 3")]
    assert len(deaths) == 4 and "starting it again in 0 s (restart 1 of 3" in deaths[0], said
    assert "the steady one keeps running" in deaths[0]
    assert deaths[-1].endswith("it failed 4 times within 60 s: stopping (see its messages above)")
    assert steady.proc is not None and steady.proc.returncode == -signal.SIGTERM  # stopped with the rest
    assert time.monotonic() - start < 10


def test_how_a_child_ended_in_words():
    assert serve.how(1) == "exited with code 1"
    assert serve.how(-signal.SIGKILL) == "was killed by SIGKILL"


def _pid(line_start: str, lines: list[str]) -> int:
    return int(re.search(r"pid (\d+)", next(x for x in lines if x.startswith(line_start))).group(1))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def killed_rasa(workdir: Path) -> dict:
    """`python -m bot.cli serve` (what `make run` runs) until ready: a question answered by the custom
    actions in Rasa's process; Rasa killed; what happened next: the supervisor's lines, the question
    answered again once it is back, and which processes outlived the supervisor."""
    rasa_port = free_port()
    env = {**SESSION_ENV, "RASA_PORT": str(rasa_port), "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}"}
    env.pop("ACTION_ENDPOINT_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
    seen: dict = {"lines": []}
    lines = seen["lines"]
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("Ready."):
                break
        seen["before"] = requests.post(url, json={"sender": "s", "message": "what is thiamidol?"}, timeout=30).text
        rasa = _pid("[serve] Rasa started", lines)
        seen["children"] = [line for line in lines if line.startswith("[serve]") and " started (pid " in line]
        os.kill(rasa, signal.SIGKILL)
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("[serve] Rasa is back"):
                break
        seen["after"] = requests.post(url, json={"sender": "s", "message": "what is thiamidol?"}, timeout=30).text
        restarted = _pid("[serve] Rasa started (pid", lines[::-1])
        proc.send_signal(signal.SIGKILL)  # the supervisor dies as a process can: its children go too
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _alive(restarted):
            time.sleep(0.2)
        seen["killed"], seen["outlived"] = rasa, [p for p in (rasa, restarted) if _alive(p)]
        return seen
    finally:
        if proc.poll() is None:
            proc.kill()


# ~30 s, mostly waiting for Rasa to start twice: in the background late in the run, its test last
KILLED = Background(killed_rasa, with_tests=ROOT / "tests" / "rasa_ext")


@pytest.mark.slow
@pytest.mark.runs(KILLED)
def test_make_run_answers_in_one_process_survives_a_killed_rasa_and_leaves_no_orphans():
    seen = KILLED.result()
    assert len(seen["children"]) == 1, seen["lines"]  # Rasa alone: the actions run inside it
    assert "Thiamidol" in seen["before"] and "Thiamidol" in seen["after"], seen
    assert any(x.startswith("[serve] Rasa was killed by SIGKILL; starting it again in 1 s (restart 1 of")
               for x in seen["lines"]), seen["lines"]
    assert not seen["outlived"], seen
