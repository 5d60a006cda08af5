"""Start and stop the real Rasa server (and an action server, where a test needs one) for end-to-end tests."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from bot.channels.widget.origins import cors_origins
from bot.cli import rasa_command
from bot.config import ROOT, endpoints_file

BIN = Path(sys.executable).parent


def free_port() -> int:
    """A free 127.0.0.1 port below Linux's ephemeral range (32768-60999), where outgoing connections
    take their local ports: a port picked there (bind to 0) could be taken by a client socket before
    the server binds it, which happened in CI ("address already in use")."""
    for _ in range(500):
        port = random.randint(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port between 20000 and 32000")


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Wait until `url` answers 200, failing early if `proc` dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before {url} answered")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def busy_threads(pid: int, ticks: int = 50) -> list[Path]:
    """The threads of a process that used more than `ticks` clock ticks of CPU (user + system)."""
    return [t for t in Path(f"/proc/{pid}/task").iterdir()
            if sum(map(int, (t / "stat").read_text().rsplit(")", 1)[1].split()[11:13])) > ticks]


class BotServers:
    """A Rasa server (the custom actions inside it, as `make run` serves) or, with `action_server`, a Rasa
    server calling an action server; each restartable, logging to files in `workdir`."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None,
                 rasa_port: int | None = None, actions_port: int | None = None, plain: bool = False,
                 base: dict[str, str] | None = None, action_server: bool = False) -> None:
        """`action_server`: the actions run in an action server of their own (ACTION_ENDPOINT_URL);
        `actions_port`: pass another instance's to share its action server (start only Rasa);
        `plain`: start them as a Rasa developer would, `rasa run actions` and `rasa run`; `base`: the
        environment to start from (default: this process's now)."""
        self.workdir, self.plain = workdir, plain
        self.action_server = action_server or actions_port is not None
        self.rasa_port, self.actions_port = rasa_port or free_port(), actions_port or free_port()
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.env = {k: v for k, v in (os.environ if base is None else base).items() if k != "ACTION_ENDPOINT_URL"}
        self.env.update({
            **({"ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.actions_port}/webhook"} if self.action_server else {}),
            "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}",
            **(env or {}),  # may override the two above
        })
        self.rasa: subprocess.Popen | None = None
        self.actions: subprocess.Popen | None = None

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def start_actions(self, wait: bool = True) -> None:
        assert self.action_server, "the actions run in Rasa's process: BotServers(action_server=True) for a server"
        command = [str(BIN / "rasa"), "run"] if self.plain else [sys.executable, "-m", "bot.cli"]
        self.actions = self._spawn("actions", [*command, "actions", "--port", str(self.actions_port)])
        if wait:
            self._wait_actions()

    def _wait_actions(self) -> None:
        wait_http(f"http://127.0.0.1:{self.actions_port}/health", 120, self.actions)

    def start_rasa(self) -> None:
        url = self.env.get("ACTION_ENDPOINT_URL", "")
        endpoints = str(endpoints_file(url)) if self.plain else "endpoints.yml"
        self.rasa = self._spawn(
            "rasa",
            [*([str(BIN / "rasa"), "run"] if self.plain else rasa_command("run")), "--model", "models",
             "--port", str(self.rasa_port), "--credentials", "credentials.yml", "--endpoints", endpoints,
             "--cors", *cors_origins(self.env)],
        )
        wait_http(self.url + "/webhooks/rest/", 240, self.rasa)

    def start(self) -> None:
        """Rasa, and its action server when it has one (starting side by side, one core each); back when
        both answer."""
        if self.action_server:
            self.start_actions(wait=False)
        self.start_rasa()
        if self.action_server:
            self._wait_actions()

    @staticmethod
    def _stop(proc: subprocess.Popen | None) -> None:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop_actions(self) -> None:
        self._stop(self.actions)

    def stop_rasa(self) -> None:
        self._stop(self.rasa)

    def stop(self) -> None:
        self.stop_rasa()
        self.stop_actions()

    def say(self, text: Any, sender: str | None = None) -> requests.Response:
        """POST one message to the REST channel; returns the raw response."""
        body = {"sender": sender or uuid.uuid4().hex, "message": text}
        return requests.post(self.url + "/webhooks/rest/webhook", json=body, timeout=60)

    def texts(self, text: str, sender: str | None = None) -> list[str]:
        """The bot's reply texts to one message (asserting HTTP 200)."""
        response = self.say(text, sender)
        assert response.status_code == 200, response.text
        return [m.get("text", "") for m in response.json()]
