"""deploy/helm, the project's own chart, rendered by Helm's Go SDK (helm-python-sdk: no helm binary, no
cluster, no network): the objects it makes, the values its schema refuses, and the endpoints.yml it
renders, loaded by Rasa's own loader and factories. What a cluster does with them is not run here
(docs/deploy-kubernetes.md)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml

from bot.config import ROOT

CHART = ROOT / "deploy" / "helm"
RELEASE, NAMESPACE = "faq", "faq"
NAME = f"{RELEASE}-faq-bot"  # the chart's fullname for this release
WORKLOADS = [("Deployment", f"{NAME}-rasa"), ("Deployment", f"{NAME}-actions"), ("CronJob", f"{NAME}-retention")]
SECRET_KEYS = ["TRACKER_STORE_URL", "REDIS_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]


class StrictLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys without a word; Rasa (ruamel) refuses the file."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        duplicates = sorted({str(key) for key in keys if keys.count(key) > 1})
        if duplicates:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key(s) {duplicates}", node.start_mark)
        return super().construct_mapping(node, deep=deep)


def render(values: dict[str, Any] | None = None, chart: Path = CHART) -> dict[tuple[str, str], dict[str, Any]]:
    """The chart rendered as Helm installs it (values coalesced, schema checked): (kind, name) -> object."""
    with helm.Chart.load(chart) as loaded:
        manifests = loaded.render(values, name=RELEASE, namespace=NAMESPACE)
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for path, text in sorted(manifests.items()):
        for doc in yaml.load_all(text, Loader=StrictLoader):
            if doc:
                key = (doc["kind"], doc["metadata"]["name"])
                assert key not in objects, f"{path}: {key} twice"
                objects[key] = doc
    return objects


def container(objects: dict, kind: str, name: str) -> dict[str, Any]:
    spec = objects[kind, name]["spec"]
    pod = spec["jobTemplate"]["spec"]["template"]["spec"] if kind == "CronJob" else spec["template"]["spec"]
    (only,) = pod["containers"]
    return only


def secret_env(ctr: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e["valueFrom"]["secretKeyRef"] for e in ctr["env"] if "valueFrom" in e}


def endpoints_text(objects: dict) -> str:
    return objects["ConfigMap", f"{NAME}-endpoints"]["data"]["endpoints.yml"]


@pytest.fixture(scope="module")
def objects() -> dict[tuple[str, str], dict[str, Any]]:
    return render()


@pytest.fixture(scope="module")
def defaults() -> dict[str, Any]:
    return yaml.safe_load((CHART / "values.yaml").read_text())


def test_the_sdk_is_the_pinned_helm():
    assert helm.__version__ == "0.2.2" and helm.helm_sdk_version() == "v4.2.3"


@pytest.mark.parametrize("kube_version", ["v1.23.0", "v1.34.0"])  # Chart.yaml's minimum, and a recent one
def test_helm_lint_finds_nothing_to_fix(kube_version):
    report = helm.lint(CHART, strict=True, kube_version=kube_version)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []  # only "icon is recommended" (info)


def test_the_chart_makes_rasa_the_action_server_their_services_ingress_hpa_and_retention_job(objects):
    assert sorted(objects) == sorted([
        ("ConfigMap", f"{NAME}-endpoints"), ("ConfigMap", f"{NAME}-settings"),
        ("Deployment", f"{NAME}-rasa"), ("Service", f"{NAME}-rasa"),
        ("HorizontalPodAutoscaler", f"{NAME}-rasa"),
        ("Deployment", f"{NAME}-actions"), ("Service", f"{NAME}-actions"),
        ("Ingress", NAME), ("CronJob", f"{NAME}-retention"),
    ])  # no Secret (referenced, not created), no database: PostgreSQL and Redis are external
    for (kind, name), obj in objects.items():
        assert obj["metadata"]["labels"]["app.kubernetes.io/instance"] == RELEASE, (kind, name)
    for kind, name in WORKLOADS:
        names = [e["name"] for e in container(objects, kind, name)["env"]]
        assert len(names) == len(set(names)), name


def test_every_image_is_the_one_versioned_image(objects, defaults):
    expected = f"{defaults['image']['repository']}:{defaults['image']['tag']}"
    images = [container(objects, kind, name)["image"] for kind, name in objects if kind in ("Deployment", "CronJob")]
    assert images == [expected] * len(WORKLOADS)
    assert not any(image.endswith(":latest") for image in images)
    other = render({"image": {"repository": "r.example/bot", "tag": "2.3.4"}})
    assert {container(other, kind, name)["image"] for kind, name in WORKLOADS} == {"r.example/bot:2.3.4"}


def test_rasa_runs_the_entrypoints_rasa_mode_with_args_rasa_accepts(objects, defaults):
    from rasa.cli.arguments.run import set_run_arguments

    rasa = container(objects, "Deployment", f"{NAME}-rasa")
    assert rasa["args"][0] == "rasa"  # deploy/entrypoint.sh's mode; the rest goes after its `rasa run ...`
    assert rasa["args"][1:] == defaults["rasa"]["extraArgs"]
    entry = (ROOT / "deploy" / "entrypoint.sh").read_text()
    assert "cd /app" in entry and "--endpoints endpoints.yml" in entry and '"$@"' in entry
    # the command line the entrypoint builds, parsed by `rasa run`'s own argument parser
    parser = argparse.ArgumentParser(exit_on_error=False)
    set_run_arguments(parser)
    args = parser.parse_args(["--model", "models/faq.tar.gz", "--port", "5005", "--credentials", "credentials.yml",
                              "--endpoints", "endpoints.yml", "--cors", "https://www.example.com", *rasa["args"][1:]])
    assert args.response_timeout == 60 and args.endpoints == "endpoints.yml"


def test_rasa_replicas_probes_secrets_and_endpoints_mount(objects, defaults):
    deployment = objects["Deployment", f"{NAME}-rasa"]
    assert "replicas" not in deployment["spec"]  # the autoscaler owns it (values: autoscaling.enabled)
    fixed = render({"autoscaling": {"enabled": False}, "rasa": {"replicas": 3}})
    assert fixed["Deployment", f"{NAME}-rasa"]["spec"]["replicas"] == 3
    assert ("HorizontalPodAutoscaler", f"{NAME}-rasa") not in fixed

    rasa = container(objects, "Deployment", f"{NAME}-rasa")
    assert rasa["ports"] == [{"name": "http", "containerPort": 5005}]
    for probe in ("startupProbe", "livenessProbe"):
        assert rasa[probe]["httpGet"] == {"path": "/", "port": "http"}, probe  # "Hello from Rasa: 3.6.21"
    # ready: its dependencies answer too (bot/channels/health.py, named in credentials.yml)
    assert rasa["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert "bot.channels.health.ReadinessChannel" in (ROOT / "credentials.yml").read_text()
    server = Path(importlib.util.find_spec("rasa.server").origin).read_text()  # read: importing it takes 6 s
    assert re.search(r'@app\.get\("/"\)\s+async def hello', server)
    assert rasa["resources"] == defaults["rasa"]["resources"]

    assert {"name": "RASA_TELEMETRY_ENABLED", "value": "false"} in rasa["env"]
    refs = secret_env(rasa)
    assert sorted(refs) == sorted(SECRET_KEYS)
    for key, ref in refs.items():
        assert ref["name"] == defaults["secret"]["name"] and ref["key"] == key
        assert ref.get("optional", False) is key.startswith("SLACK_")  # no store URL: the pod does not start
    assert rasa["envFrom"] == [{"configMapRef": {"name": f"{NAME}-settings"}}]

    # endpoints.yml over the image's (WORKDIR /app); credentials.yml stays the image's (= the repo's)
    mount = {"name": "endpoints", "mountPath": "/app/endpoints.yml", "subPath": "endpoints.yml"}
    assert rasa["volumeMounts"] == [mount]
    pod = deployment["spec"]["template"]
    assert pod["spec"]["volumes"] == [{"name": "endpoints", "configMap": {"name": f"{NAME}-endpoints"}}]
    assert re.search(r"^WORKDIR /app$", (ROOT / "Dockerfile").read_text(), re.M)
    assert "credentials.yml" in (ROOT / "Dockerfile").read_text()
    assert re.fullmatch(r"[0-9a-f]{64}", pod["metadata"]["annotations"]["checksum/config"])  # config change: new pods


def test_settings_reach_every_container_and_secrets_never_go_in_the_configmap(objects, defaults):
    settings = objects["ConfigMap", f"{NAME}-settings"]["data"]
    assert settings == {**defaults["settings"], "RETENTION_DAYS": "90"}
    assert not set(settings) & set(SECRET_KEYS)
    changed = render({"settings": {"ALLOWED_ORIGINS": "https://shop.example.org", "HANDOFF_URL": "https://help.example.org"},
                      "retention": {"days": 30}})
    data = changed["ConfigMap", f"{NAME}-settings"]["data"]
    assert data["ALLOWED_ORIGINS"] == "https://shop.example.org" and data["RETENTION_DAYS"] == "30"
    assert data["HANDOFF_URL"] == "https://help.example.org"
    for kind, name in WORKLOADS:
        ctr = container(objects, kind, name)
        assert {"configMapRef": {"name": f"{NAME}-settings"}} in ctr["envFrom"], name
        assert {"name": "RASA_TELEMETRY_ENABLED", "value": "false"} in ctr["env"], name


def test_the_schema_knows_every_non_secret_setting_of_bot_config():
    names = set(re.findall(r'_(?:var|env)\("([A-Z_]+)"', (ROOT / "bot" / "config.py").read_text()))
    schema = yaml.safe_load((CHART / "values.schema.json").read_text())
    allowed = set(schema["properties"]["settings"]["properties"])
    # ACTION_ENDPOINT_URL: in its endpoints.yml
    set_by_the_chart = {*SECRET_KEYS, "RETENTION_DAYS", "RASA_PORT", "ACTIONS_PORT", "ACTION_ENDPOINT_URL"}
    assert allowed == names - set_by_the_chart


def test_action_server_deployment_service_and_the_url_rasa_calls(objects):
    actions = container(objects, "Deployment", f"{NAME}-actions")
    assert actions["args"] == ["actions"]
    assert actions["ports"] == [{"name": "http", "containerPort": 5055}]
    for probe in ("readinessProbe", "livenessProbe"):
        assert actions[probe]["httpGet"] == {"path": "/health", "port": "http"}, probe
    from rasa_sdk.endpoint import create_app

    assert "health" in {route.path for route in create_app(None).router.routes}  # rasa-sdk's GET /health
    assert secret_env(actions) == {}  # it needs no store or Slack secret
    assert objects["Deployment", f"{NAME}-actions"]["spec"]["replicas"] == 1
    assert render({"actions": {"replicas": 4}})["Deployment", f"{NAME}-actions"]["spec"]["replicas"] == 4

    service = objects["Service", f"{NAME}-actions"]["spec"]
    pod_labels = objects["Deployment", f"{NAME}-actions"]["spec"]["template"]["metadata"]["labels"]
    assert service["selector"].items() <= pod_labels.items()
    assert service["ports"] == [{"name": "http", "port": 5055, "targetPort": "http"}]
    url = yaml.safe_load(endpoints_text(objects))["action_endpoint"]["url"]
    assert url == f"http://{NAME}-actions:5055/webhook"
    rasa_service = objects["Service", f"{NAME}-rasa"]["spec"]
    rasa_pod = objects["Deployment", f"{NAME}-rasa"]["spec"]["template"]["metadata"]["labels"]
    assert rasa_service["selector"].items() <= rasa_pod.items()
    assert not rasa_service["selector"].items() <= pod_labels.items()  # each Service selects its own pods only


def test_rasa_loads_the_rendered_endpoints_and_builds_our_stores_from_them(objects, tmp_path, monkeypatch,
                                                                          rasa_changes):
    from rasa.core.lock_store import LockStore
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import read_endpoints_from_path

    from bot.rasa_ext import stores
    from bot.rasa_ext.tracker_store import CachedSQLTrackerStore

    path = tmp_path / "endpoints.yml"
    path.write_text(endpoints_text(objects))
    rendered = yaml.load(path.read_text(), Loader=StrictLoader)
    ours = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    assert set(rendered) == set(ours)  # the same blocks as the repo's endpoints.yml, each once
    assert rendered["tracker_store"] == ours["tracker_store"] and rendered["lock_store"] == ours["lock_store"]
    # the chart runs the actions in a Deployment of their own: its pods call it, not actions_module
    remote = {k: v for k, v in ours["action_endpoint"].items() if k != "actions_module"}
    assert rendered["action_endpoint"] == {**remote, "url": f"http://{NAME}-actions:5055/webhook"}

    endpoints = read_endpoints_from_path(path)  # what `rasa run --endpoints` does
    assert endpoints.action.url == f"http://{NAME}-actions:5055/webhook"
    assert endpoints.action.kwargs == {"enable_selective_domain": True}
    assert endpoints.tracker_store.type == "bot.rasa_ext.stores.EnvTrackerStore"
    assert endpoints.lock_store.type == "bot.rasa_ext.lock_store.EnvLockStore"
    # Rasa's factories import the classes named there and build the stores from the env, as in a pod
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    assert isinstance(TrackerStore.create(endpoints.tracker_store), CachedSQLTrackerStore)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/1")  # nothing listens on port 9
    monkeypatch.setenv("STORE_CONNECT_WAIT", "0")
    with pytest.raises(stores.StoreUnreachable, match="REDIS_URL"):  # EnvLockStore itself, not a fallback
        LockStore.create(endpoints.lock_store)


def test_an_endpoints_file_with_a_duplicate_key_is_caught(tmp_path):
    """The upstream chart's failure (its own action_endpoint plus ours), rendered from a broken copy of the
    chart: both the strict loader and Rasa's own loader refuse it, so the test above would catch it."""
    from rasa.core.utils import read_endpoints_from_path
    from rasa.shared.exceptions import YamlSyntaxException

    broken = tmp_path / "chart"
    shutil.copytree(CHART, broken)
    template = broken / "templates" / "configmap.yaml"
    anchor = "    {{- toYaml $endpoints | nindent 4 }}\n"
    assert anchor in template.read_text()
    template.write_text(template.read_text().replace(
        anchor, anchor + "    action_endpoint:\n      url: http://faq-rasa-action-server/webhook\n"))
    text = endpoints_text(render(chart=broken))
    with pytest.raises(yaml.constructor.ConstructorError, match="action_endpoint"):
        yaml.load(text, Loader=StrictLoader)
    path = tmp_path / "endpoints.yml"
    path.write_text(text)
    with pytest.raises(YamlSyntaxException, match='found duplicate key "action_endpoint"'):
        read_endpoints_from_path(path)


def test_ingress_upgrades_websockets_and_keeps_socketio_sticky_by_cookie(objects, defaults):
    ingress = objects["Ingress", NAME]
    notes = ingress["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert notes[prefix + "affinity"] == "cookie"
    assert notes[prefix + "affinity-mode"] == "persistent"
    assert notes[prefix + "session-cookie-name"] == "faq-affinity"
    assert int(notes[prefix + "proxy-read-timeout"]) >= 3600 and int(notes[prefix + "proxy-send-timeout"]) >= 3600
    assert notes[prefix + "proxy-body-size"] == "256k"
    assert "timeout" not in notes[prefix + "proxy-next-upstream"]  # a slow request is not sent again
    assert all(isinstance(value, str) for value in notes.values())
    spec = ingress["spec"]
    assert spec["ingressClassName"] == "nginx" and "tls" not in spec
    (rule,) = spec["rules"]
    assert rule["host"] == defaults["ingress"]["host"]
    (path,) = rule["http"]["paths"]
    assert path["path"] == "/" and path["pathType"] == "Prefix"  # REST, /socket.io/, /chat/, Slack, /metrics
    assert path["backend"]["service"] == {"name": f"{NAME}-rasa", "port": {"name": "http"}}
    assert {"name": "http", "port": 5005, "targetPort": "http"} in objects["Service", f"{NAME}-rasa"]["spec"]["ports"]

    tls = render({"ingress": {"host": "bot.example.org", "tlsSecret": "bot-tls"}})["Ingress", NAME]["spec"]
    assert tls["tls"] == [{"hosts": ["bot.example.org"], "secretName": "bot-tls"}]
    assert ("Ingress", NAME) not in render({"ingress": {"enabled": False}})


def test_hpa_scales_the_rasa_deployment_on_cpu(objects, defaults):
    hpa = objects["HorizontalPodAutoscaler", f"{NAME}-rasa"]
    assert hpa["apiVersion"] == "autoscaling/v2"
    spec = hpa["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{NAME}-rasa"}
    assert spec["minReplicas"] == defaults["rasa"]["replicas"] == 2
    assert spec["maxReplicas"] == defaults["autoscaling"]["maxReplicas"]
    (metric,) = spec["metrics"]
    assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["averageUtilization"] == 70
    assert container(objects, "Deployment", f"{NAME}-rasa")["resources"]["requests"]["cpu"]  # utilization needs it
    with pytest.raises(helm.HelmRenderError, match="autoscaling.maxReplicas must be at least rasa.replicas"):
        render({"rasa": {"replicas": 4}, "autoscaling": {"maxReplicas": 3}})


def test_retention_cronjob_runs_purge_daily_and_the_command_works(objects, tmp_path):
    cron = objects["CronJob", f"{NAME}-retention"]
    assert cron["apiVersion"] == "batch/v1"
    assert cron["spec"]["schedule"] == "17 3 * * *" and cron["spec"]["concurrencyPolicy"] == "Forbid"
    purge = container(objects, "CronJob", f"{NAME}-retention")
    assert purge["args"] == ["python", "-m", "bot.cli", "purge"]  # the entrypoint runs other commands as is
    assert list(secret_env(purge)) == ["TRACKER_STORE_URL"]  # the store only
    assert render({"retention": {"schedule": "@daily"}})["CronJob", f"{NAME}-retention"]["spec"]["schedule"] == "@daily"
    # the job's command with its rendered environment (a SQLite store standing in for PostgreSQL)
    env = {**os.environ, **objects["ConfigMap", f"{NAME}-settings"]["data"],
           **{e["name"]: e["value"] for e in purge["env"] if "value" in e},
           "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}"}
    done = subprocess.run([sys.executable, *purge["args"][1:]], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "idle for more than 90 days" in done.stdout


def test_a_secret_is_rendered_only_when_asked_for_tests(objects):
    assert not any(kind == "Secret" for kind, _ in objects)
    data = {"TRACKER_STORE_URL": "postgresql://rasa:pw@db:5432/rasa", "REDIS_URL": "redis://:pw@redis:6379/1"}
    made = render({"secret": {"name": "faq-test", "create": True, "data": data}})
    secret = made["Secret", "faq-test"]
    assert secret["stringData"] == data
    assert {ref["name"] for ref in secret_env(container(made, "Deployment", f"{NAME}-rasa")).values()} == {"faq-test"}


@pytest.mark.parametrize(("values", "message"), [
    ({"image": {"tag": "latest"}}, "at '/image/tag': value must be 'an exact version, not latest'"),
    ({"image": {"tag": ""}}, "at '/image/tag': '' does not match pattern"),
    ({"image": {"tag": 1.0}}, "at '/image/tag': got number, want string"),
    ({"image": {"tag": None}}, "at '/image': missing property 'tag'"),
    ({"rasa": {"replicas": 0}}, "at '/rasa/replicas': minimum: got 0, want 1"),
    ({"actions": {"replicas": 0}}, "at '/actions/replicas': minimum: got 0, want 1"),
    ({"rasa": {"replicas": "2"}}, "at '/rasa/replicas': got string, want integer"),
    ({"autoscaling": {"maxReplicas": 0}}, "at '/autoscaling/maxReplicas': minimum: got 0, want 1"),
    ({"replicaCount": 3}, "additional properties 'replicaCount' not allowed"),  # the old chart's values
    ({"settings": {"REDIS_URL": "redis://x"}}, "at '/settings': additional properties 'REDIS_URL' not allowed"),
    ({"settings": {"ALLOWED_ORIGINS": ""}}, "at '/settings/ALLOWED_ORIGINS': minLength"),
    ({"settings": {"RATE_LIMIT_PER_MINUTE": "lots"}}, "at '/settings/RATE_LIMIT_PER_MINUTE': 'lots' does not match"),
    ({"rasa": {"extraArgs": ["--endpoints", "other.yml"]}}, "at '/rasa/extraArgs/0': value must be"),
    ({"retention": {"days": 0}}, "at '/retention/days': minimum: got 0, want 1"),
    ({"retention": {"schedule": "daily"}}, "at '/retention/schedule': 'daily' does not match pattern"),
    ({"ingress": {"annotations": {"nginx.ingress.kubernetes.io/proxy-read-timeout": 60}}},
     "got number, want string"),
    ({"secret": {"create": True}}, "at '/secret/data': missing properties 'TRACKER_STORE_URL', 'REDIS_URL'"),
])
def test_the_schema_refuses_bad_values_with_a_clear_message(values, message):
    with pytest.raises(helm.HelmValuesError) as refused:
        render(values)
    assert "values don't meet the specifications of the schema" in str(refused.value)
    assert message in str(refused.value)
