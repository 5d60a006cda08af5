"""A Rasa developer's plain commands work from the project root after `make setup train`: `rasa run`
with `rasa run actions` answers from the article, `rasa shell nlu` shows the whole analysis, `rasa
shell` talks, `rasa train` finds the model up to date (`rasa data validate` and `rasa test`:
tests/test_rasa_data.py)."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import ROOT
from tests.background import SESSION_ENV, Background, Ran, command
from tests.conftest import norm
from tests.servers import BIN, BotServers, free_port

pytestmark = pytest.mark.slow  # Rasa's own CLI, a Rasa server of its own
QUIET = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}


def rasa(*args: str, stdin: str = "") -> Background[Ran]:
    """`rasa ARGS` in the project root (conversations in a SQLite file of its own, no action server
    named), started with the session's tests."""
    env = {**os.environ, **QUIET, "TRACKER_STORE_URL": "sqlite:///{workdir}/shell.db"}
    env.pop("ACTION_ENDPOINT_URL", None)
    return command([str(BIN / "rasa"), *args], env=env, stdin=stdin)


SHELL_NLU = rasa("shell", "nlu", "--model", "models", stdin="how long until the serum works?\n")
TRAIN = rasa("train", "--dry-run", "--fixed-model-name", "faq", "--out", "models")


def started(workdir: Path) -> BotServers:
    """`rasa run` and `rasa run actions` as a Rasa developer starts them, answering."""
    servers = BotServers(workdir, env=QUIET, plain=True, base=SESSION_ENV, action_server=True)
    try:
        servers.start()
    except BaseException:
        servers.stop()
        raise
    return servers


PLAIN = Background(started, close=BotServers.stop)


@pytest.fixture(scope="module")
def plain() -> Iterator[BotServers]:
    servers = PLAIN.result()
    try:
        yield servers
    finally:
        servers.stop()


@pytest.mark.runs(PLAIN)
def test_rasa_run_calling_rasa_run_actions_answers_from_the_article(plain, source_text):
    replies = plain.say("what causes the red marks after spots?").json()
    quoted = [r for r in replies if (r.get("custom") or {}).get("kind") == "answer"]
    assert quoted, replies
    heading, *lines = quoted[0]["text"].split("\n")
    assert heading == "From *What causes pimple marks?*:" and lines  # under its section's name
    assert all(norm(line) in source_text for line in lines if line)  # verbatim
    assert "red" in quoted[0]["text"].lower()


@pytest.mark.runs(PLAIN)
def test_rasa_run_follows_the_conversation_and_the_safety_rules(plain):
    sender = "plain-rasa-run"
    plain.say("how long until the serum works?", sender)
    follow_up = plain.say("and the fluid?", sender).json()
    assert follow_up and all(r.get("custom", {}).get("kind") != "declined" for r in follow_up), follow_up
    warned = plain.say("the spot on my chin is hot, swollen and full of pus", sender).json()
    assert warned[0]["custom"]["kind"].startswith("red_flag"), warned


@pytest.mark.runs(SHELL_NLU)
def test_rasa_shell_nlu_shows_the_analysis():
    done, _ = SHELL_NLU.result()
    assert done.returncode == 0, done.stderr[-3000:]
    parsed = json.loads(done.stdout[done.stdout.index("{"):done.stdout.rindex("}") + 1])
    assert parsed["intent"]["name"] == "ask_results_time"
    assert parsed["analysis"]["parts"] and "serum" in json.dumps(parsed["analysis"])


def talk_in_the_shell(workdir: Path) -> str:
    """`rasa shell` reads a terminal: run on a pseudo-terminal of its own (no `script`, no $SHELL), in a
    session of its own killed whole at the end; every read has a deadline, so a stuck shell fails the
    test instead of hanging the run. A greeting once it is loaded, a question (the custom action, run in
    Rasa's process: endpoints.yml's `actions_module`, no action server), then /stop."""
    argv = [str(BIN / "rasa"), "shell", "--model", "models", "--port", str(free_port()), "--endpoints", "endpoints.yml"]
    env = {**SESSION_ENV, **QUIET, "TRACKER_STORE_URL": f"sqlite:///{workdir / 's.db'}", "TERM": "dumb"}
    env.pop("ACTION_ENDPOINT_URL", None)
    return read_terminal(argv, env, {"Type a message": "hello\n", "acne can leave": "what is thiamidol?\n",
                                     "melanin production": "/stop\n"}, until="melanin production", seconds=240)


SHELL = Background(talk_in_the_shell)


@pytest.mark.runs(SHELL)
def test_rasa_shell_talks():
    seen = SHELL.result()
    assert "acne can leave on your skin" in seen, seen[-3000:]
    answer = seen.split("From *", 1)[-1]  # quoted under its section, from the action run inside Rasa
    assert "Thiamidol" in answer and "melanin production" in answer, seen[-3000:]


def read_terminal(command: list[str], env: dict[str, str], answers: dict[str, str], until: str,
                  seconds: float) -> str:
    """Run `command` on a new pseudo-terminal; type answers[k] once k is seen; return what it printed
    once `until` is seen (or the deadline passed). The whole process group is killed on the way out."""
    main, child = pty.openpty()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=child, stdout=child, stderr=child,
                               start_new_session=True)
    os.close(child)
    seen, typed, deadline = "", set(), time.monotonic() + seconds
    try:
        while until not in seen and time.monotonic() < deadline and process.poll() is None:
            if select.select([main], [], [], 1.0)[0]:
                try:
                    seen += os.read(main, 65536).decode(errors="replace")
                except OSError:  # the terminal closed: the program ended
                    break
            for prompt, text in answers.items():
                if prompt in seen and prompt not in typed:
                    typed.add(prompt)
                    os.write(main, text.encode())
        return seen
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        os.close(main)


@pytest.mark.runs(TRAIN)
def test_rasa_train_finds_the_model_up_to_date():
    done, _ = TRAIN.result()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "No training of components required" in done.stdout + done.stderr
