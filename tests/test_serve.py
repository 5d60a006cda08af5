"""`make run`'s supervisor (bot/serve.py): a dead child is named, restarted with back-off while the
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


def killed_action_server(workdir: Path) -> dict:
    """`python -m bot.cli serve` (what `make run` runs) until ready; its action server killed; what
    happened next: a question answered meanwhile, the supervisor's lines, which processes outlived it."""
    rasa_port, actions_port = free_port(), free_port()
    env = {**SESSION_ENV, "RASA_PORT": str(rasa_port), "ACTIONS_PORT": str(actions_port),
           "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}"}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    seen: dict = {"lines": []}
    lines = seen["lines"]
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("Ready."):
                break
        actions, rasa = _pid("[serve] the action server started", lines), _pid("[serve] Rasa started", lines)
        os.kill(actions, signal.SIGKILL)
        killed = time.monotonic()
        while time.monotonic() - killed < 30:
            reply = requests.post(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                                  json={"sender": "s", "message": "what is thiamidol?"}, timeout=30)
            if reply.status_code == 200:
                break
            time.sleep(0.2)
        seen.update(answered=time.monotonic() - killed, status=reply.status_code, text=reply.text)
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("[serve] the action server is back"):
                break
        seen["rasa_alive"] = _alive(rasa)
        restarted = _pid("[serve] the action server started (pid", lines[::-1])
        proc.send_signal(signal.SIGKILL)  # the supervisor dies as a process can: its children go too
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (_alive(rasa) or _alive(restarted)):
            time.sleep(0.2)
        seen["outlived"] = [p for p in (rasa, restarted) if _alive(p)]
        return seen
    finally:
        if proc.poll() is None:
            proc.kill()


# ~15 s, mostly waiting for Rasa to start: in the background late in the run, its test last
KILLED = Background(killed_action_server, with_tests=ROOT / "tests" / "rasa_ext")


@pytest.mark.slow
@pytest.mark.runs(KILLED)
def test_make_run_survives_a_killed_action_server_and_leaves_no_orphans():
    seen = KILLED.result()
    assert seen["status"] == 200 and "Thiamidol" in seen["text"] and seen["answered"] < 10, seen
    assert any(x.startswith("[serve] the action server was killed by SIGKILL; starting it again in 1 s")
               and "Rasa keeps running" in x for x in seen["lines"]), seen["lines"]
    assert seen["rasa_alive"] and not seen["outlived"], seen
