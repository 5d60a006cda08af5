"""The two builds `scripts/bench.py` compares, and their servers, started and stopped here.

- the baseline: a git commit checked out as a worktree (/tmp/bench-baseline) sharing the project's
  .venv, with its own spaCy pipeline (built by its own code) and its own model, trained once per
  commit and cached in /tmp/bench-models/<sha>/;
- the new build: the working tree (/work/main) with its models/ (`make train`).

Each `Servers` is one build served as its `make run` serves it (Rasa with the custom actions inside it;
before stop 55, Rasa + an action server) on free ports, in their own process groups, with a fresh
SQLite tracker store, the in-memory lock store and the rate limit off (RATE_LIMIT_PER_MINUTE=0).
"""

from __future__ import annotations

import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BASELINE_DIR = Path("/tmp/bench-baseline")
MODEL_CACHE = Path("/tmp/bench-models")
APOLOGY = "try again"  # bot.channels.web.UNAVAILABLE: the action server did not answer
QUIET = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
         "PYTHONWARNINGS": "ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning"}


def git(*args: str, cwd: Path = ROOT) -> str:
    """Output of a git command (read-only ones, and `worktree add/remove` under /tmp)."""
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@dataclass
class Build:
    """One build of the bot: a directory with code, models/ and the shared .venv."""

    name: str  # "baseline" or "new"
    root: Path
    commit: str
    dirty: bool = False  # uncommitted changes in the working tree

    @property
    def label(self) -> str:
        return f"{self.name} ({self.commit[:7]}{' + working tree' if self.dirty else ''})"


def working_tree() -> Build:
    """The new build: this checkout as it is on disk (HEAD plus any uncommitted change)."""
    return Build("new", ROOT, git("rev-parse", "HEAD"), dirty=bool(git("status", "--porcelain")))


def baseline(commit: str, path: Path = BASELINE_DIR) -> Build:
    """`commit` checked out at `path`, set up to serve: .venv and widget linked, spaCy built, model trained."""
    sha = git("rev-parse", "--verify", f"{commit}^{{commit}}")
    if path.exists():
        registered = f"worktree {path}" in git("worktree", "list", "--porcelain").splitlines()
        if not registered:
            raise SystemExit(f"{path} exists and is not a git worktree of {ROOT}: move it away")
        if git("rev-parse", "HEAD", cwd=path) != sha:
            print(f"{path} is at another commit: recreating it at {sha[:7]}", flush=True)
            git("worktree", "remove", "--force", str(path))
    if not path.exists():
        git("worktree", "add", "--force", "--detach", str(path), sha)
    for link, target in ((path / ".venv", ROOT / ".venv"),
                         (path / "bot/channels/widget/dist", ROOT / "bot/channels/widget/dist")):
        if not link.exists() and target.exists():
            link.symlink_to(target)
    spacy_dir = path / "models" / "spacy-en-lookup"
    if not (spacy_dir / "meta.json").exists():
        spacy_dir.parent.mkdir(parents=True, exist_ok=True)
        built = subprocess.run([str(path / ".venv/bin/python"), "-m", "bot.knowledge.nlp"], cwd=path,
                               capture_output=True)
        if built.returncode != 0:  # a commit without the builder: the working tree's pipeline
            shutil.copytree(ROOT / "models" / "spacy-en-lookup", spacy_dir, dirs_exist_ok=True)
    encoder = path / "models" / "encoder" / "model.onnx"
    builder = "encoder_build" if (path / "bot/knowledge/encoder_build.py").exists() else "encoder"
    if (path / "bot/knowledge/encoder.py").exists() and not encoder.exists():  # a commit that builds one
        subprocess.run([str(path / ".venv/bin/python"), "-m", f"bot.knowledge.{builder}"], cwd=path,
                       capture_output=True)
    cached = MODEL_CACHE / sha / "faq.tar.gz"
    if not cached.exists():
        print(f"training the baseline's model ({sha[:7]}, once per commit: ~1.5 min)...", flush=True)
        log = MODEL_CACHE / sha / "train.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            subprocess.run([str(path / ".venv/bin/rasa"), "train", "--quiet", "--fixed-model-name", "faq",
                            "--out", str(cached.parent)], cwd=path, env={**os.environ, **QUIET},
                           stdout=out, stderr=subprocess.STDOUT, check=True)
    model = path / "models" / "faq.tar.gz"
    if model.is_symlink() or model.exists():
        model.unlink()
    model.symlink_to(cached)
    return Build("baseline", path, sha)


def free_port() -> int:
    """A free port below the ephemeral range (tests/servers.py says why)."""
    sys.path.insert(0, str(ROOT))
    from tests.servers import free_port as below_ephemeral

    return below_ephemeral()


def answered(response: requests.Response) -> bool:
    """A real answer: HTTP 200, at least one message, not the apology for an unreachable action server."""
    if response.status_code != 200:
        return False
    body = response.json()
    return isinstance(body, list) and bool(body) and not any(APOLOGY in (m.get("text") or "") for m in body)


def send(http: requests.Session, url: str, sender: str, text: str) -> tuple[float, bool]:
    """Milliseconds for one REST message and whether it got a real answer."""
    begin = time.perf_counter()
    try:
        ok = answered(http.post(url + "/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60))
    except (requests.RequestException, ValueError):
        ok = False
    return (time.perf_counter() - begin) * 1000, ok


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of a process and all its descendants, in MB."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total_kb, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            pass
    return total_kb / 1024


def actions_in_process(build: Build) -> bool:
    """Whether the build's endpoints.yml runs the custom actions in Rasa's process (`actions_module`,
    as its `make run` serves them since stop 55); older builds call an action server."""
    import yaml

    endpoints = yaml.safe_load((build.root / "endpoints.yml").read_text(encoding="utf-8"))
    return bool((endpoints.get("action_endpoint") or {}).get("actions_module"))


class Servers:
    """One build served as its `make run` serves it: Rasa, and its action server when the build has
    one, each in its own process group, logging to `workdir`."""

    def __init__(self, build: Build, workdir: Path, model: Path | None = None) -> None:
        """`model`: a folder of models to serve other than the build's models/ (scripts/seed_spread.py)."""
        self.build, self.workdir, self.model = build, workdir, model or Path("models")
        workdir.mkdir(parents=True, exist_ok=True)
        self.rasa_port, self.actions_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.in_process = actions_in_process(build)
        drop = {"PYTHONPATH", "REDIS_URL", "TRACKER_STORE_URL", "TRACKER_CACHE_SIZE", "LOG_FORMAT",
                "ACTION_ENDPOINT_URL"}
        self.env = {**{k: v for k, v in os.environ.items() if k not in drop}, **QUIET,
                    **({} if self.in_process else {"ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.actions_port}/webhook"}),
                    "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.db'}", "RATE_LIMIT_PER_MINUTE": "0"}
        self.procs: dict[str, subprocess.Popen] = {}

    def _spawn(self, name: str, args: list[str]) -> None:
        with (self.workdir / f"{name}.log").open("wb") as log:
            self.procs[name] = subprocess.Popen([str(self.build.root / ".venv/bin/python"), "-m", "bot.cli", *args],
                                                cwd=self.build.root, env=self.env, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)

    def start(self, probe: str, timeout: float = 300) -> float:
        """Launch the servers; seconds from launch until Rasa answers `probe` over REST."""
        begin = time.perf_counter()
        up = {"rasa": self.url + "/"}
        if not self.in_process:
            self._spawn("actions", ["actions", "--port", str(self.actions_port)])
            up["actions"] = f"http://127.0.0.1:{self.actions_port}/health"
        self._spawn("rasa", ["rasa", "run", "--model", str(self.model), "--port", str(self.rasa_port),
                             "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"])
        with requests.Session() as http:
            while time.perf_counter() - begin < timeout:
                for name, proc in self.procs.items():
                    if proc.poll() is not None:
                        raise RuntimeError(f"{self.build.label} {name} exited ({proc.returncode}): see {self.workdir}")
                try:  # first both ports answer, then the question (the apology until actions is up)
                    if all(http.get(u, timeout=2).status_code == 200 for u in up.values()):
                        reply = http.post(self.url + "/webhooks/rest/webhook", timeout=60,
                                          json={"sender": "bench-start-" + uuid.uuid4().hex, "message": probe})
                        if answered(reply):
                            return time.perf_counter() - begin
                except requests.RequestException:
                    pass
                time.sleep(0.1)
        raise TimeoutError(f"{self.build.label} did not answer within {timeout} s: see {self.workdir}")

    def rss_mb(self) -> dict[str, float]:
        """Resident memory of each server (with its children), MB: actions 0 when they run in Rasa's."""
        return {"actions": 0, **{name: round(rss_mb(proc.pid)) for name, proc in self.procs.items()}}

    def stop(self) -> None:
        """SIGTERM to both process groups, SIGKILL after 20 s."""
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def time_training() -> float:
    """Seconds for a full `rasa train --force` of the working tree into a temporary folder."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "rasa"), "train", "--force", "--out", out], cwd=ROOT,
                       check=True, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start


def machine() -> dict[str, object]:
    """The machine the figures come from."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    ram_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {"cpus": os.cpu_count(), "cpu": cpu, "ram_gb": round(ram_kb / 1024 / 1024, 1),
            "system": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "load_average_at_start": round(os.getloadavg()[0], 2)}
