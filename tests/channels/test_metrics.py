"""GET /metrics on the real Rasa server: counters move with real messages, votes and replies."""

import re
import uuid

import pytest
import requests
import yaml

from bot.config import ROOT
from bot.observability import metrics


def scrape(servers) -> dict[str, float]:
    response = requests.get(servers.url + "/metrics", timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    values = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


@pytest.mark.server
def test_messages_replies_votes_and_latency_are_counted(servers):
    before = scrape(servers)
    sender = uuid.uuid4().hex
    servers.say("what is PIE?", sender)
    servers.say("how do I cook pasta", sender)
    servers.say('/feedback{"rating":"down"}', sender)
    after = scrape(servers)

    def moved(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    assert moved('faq_messages_total{channel="rest"}') == 3
    assert moved('faq_replies_total{kind="answer"}') >= 1 and moved('faq_replies_total{kind="declined"}') == 1
    assert moved('faq_replies_total{kind="feedback"}') == 2
    assert moved('faq_votes_total{rating="down"}') == 1
    assert moved('faq_reply_seconds_count{channel="rest"}') == 3
    assert moved('faq_errors_total{channel="rest"}') == 0


def test_the_alert_rules_use_metrics_that_exist():
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus-alerts.yml").read_text())
    exposed = {m.name for m in metrics.REGISTRY.collect()}
    for rule in rules["groups"][0]["rules"]:
        used = set(re.findall(r"\bfaq_[a-z_]+", rule["expr"]))
        assert used, rule
        for name in used:
            base = re.sub(r"_(total|bucket|count|sum)$", "", name)
            assert base in exposed, f"{rule['alert']} uses {name}, not exposed"
