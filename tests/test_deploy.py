"""Deployment files (no Docker engine needed): docker-compose.yml, deploy/nginx.conf,
deploy/helm/values.yml, Dockerfile and its entrypoint are wired to each other and to the code.
`docker compose config` runs too when the compose plugin is installed."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from bot.config import ROOT

COMPOSE = ROOT / "docker-compose.yml"
NGINX = ROOT / "deploy" / "nginx.conf"
VALUES = ROOT / "deploy" / "helm" / "values.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load(VALUES.read_text())


def rasa_services(compose: dict) -> dict[str, dict]:
    return {name: s for name, s in compose["services"].items() if s.get("command") == ["rasa"]}


def test_compose_has_replicas_actions_stores_and_nginx(compose):
    services = compose["services"]
    assert {"actions", "postgres", "redis", "nginx"} <= set(services)
    replicas = rasa_services(compose)
    assert len(replicas) >= 2
    for name, service in replicas.items():
        env = service["environment"]
        assert env["ACTION_ENDPOINT_URL"] == "http://actions:5055/webhook", name
        assert env["TRACKER_STORE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["TRACKER_STORE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
        assert {"postgres", "redis", "actions"} <= set(service["depends_on"])
        assert service["image"] == services["actions"]["image"]  # one image, model baked in
    assert services["actions"]["command"] == ["actions"]
    assert services["redis"]["command"][:1] == ["redis-server"]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]
    assert any("build" in s for s in replicas.values())


def test_nginx_upstream_is_sticky_lists_every_replica_and_upgrades_websockets(compose):
    conf = NGINX.read_text()
    upstream = re.search(r"upstream\s+rasa\s*\{(.*?)\}", conf, re.S).group(1)
    assert re.search(r"^\s*ip_hash;", upstream, re.M)
    servers = set(re.findall(r"^\s*server\s+([\w.-]+):5005", upstream, re.M))
    assert servers == set(rasa_services(compose))
    socketio = re.search(r"location /socket.io/\s*\{(.*?)\}", conf, re.S).group(1)
    assert "proxy_set_header Upgrade $http_upgrade" in socketio
    assert "proxy_set_header Connection $connection_upgrade" in socketio
    assert "proxy_http_version 1.1" in socketio


def test_helm_values_bake_the_model_and_configure_stores_by_env(values):
    app = values["applicationSettings"]
    assert app["initialModel"] == "" and app["trainInitialModel"] is False  # no download at start
    assert values["replicaCount"] >= 2
    endpoints = app["endpoints"]
    assert endpoints["trackerStore"]["enabled"] is False and endpoints["lockStore"]["enabled"] is False
    extra = endpoints["additionalEndpoints"]
    assert extra["tracker_store"]["type"] == "bot.rasa_ext.stores.EnvTrackerStore"
    assert extra["lock_store"]["type"] == "bot.rasa_ext.lock_store.EnvLockStore"
    assert extra["action_endpoint"]["url"] == "${ACTION_ENDPOINT_URL}"
    env = {e["name"] for e in values["extraEnv"]}
    assert {"TRACKER_STORE_URL", "REDIS_URL", "ACTION_ENDPOINT_URL"} <= env
    assert values["args"] and values["args"][0] != "run"  # appended to the entrypoint's `rasa run`
    # the channels are the project's own (same as credentials.yml)
    ours = yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert set(app["credentials"]["additionalChannelCredentials"]) == set(ours)
    actions = values["rasa-action-server"]
    assert actions["install"] is True and actions["args"] == ["actions"]
    assert actions["image"]["repository"] == values["image"]["repository"]
    assert values["postgresql"]["install"] is False and values["redis"]["install"] is False


def test_endpoints_yml_uses_the_env_configured_stores():
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    assert endpoints["tracker_store"]["type"] == "bot.rasa_ext.stores.EnvTrackerStore"
    assert endpoints["lock_store"]["type"] == "bot.rasa_ext.lock_store.EnvLockStore"


def test_dockerfile_bakes_the_model_and_builds_the_spacy_pipeline():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.10-slim", text, re.M)
    assert "-c constraints.txt" in text
    assert "python -m bot.knowledge.nlp" in text
    assert re.search(r"^COPY models/faq\.tar\.gz ", text, re.M)
    assert "deploy/entrypoint.sh" in text
    ignore = (ROOT / ".dockerignore").read_text().split()
    assert "!models/faq.tar.gz" in ignore  # the model stays in the build context
    entry = ENTRYPOINT.read_text()
    assert "--model models/faq.tar.gz" in entry and "bot.cli actions" in entry
    assert subprocess.run(["sh", "-n", str(ENTRYPOINT)]).returncode == 0


def compose_plugin() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not compose_plugin(), reason="docker compose plugin not installed here")
def test_docker_compose_config_parses():
    result = subprocess.run(["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
