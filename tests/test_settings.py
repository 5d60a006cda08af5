"""One source of truth: settings read in bot/config.py only, and the data files agree."""

import re

import yaml

from bot.config import ENDPOINTS_KEPT_S, ROOT, endpoints_file, settings
from bot.knowledge.examples import load_examples

READS = re.compile(r"\bos\.(?:environ\.get|environ\[|getenv)")


def test_the_environment_is_read_in_bot_config_only():
    """(Passing the environment on to a child process, as `bot.cli serve` does, reads no setting.)"""
    modules = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")]
    readers = {str(p.relative_to(ROOT)) for p in modules if READS.search(p.read_text(encoding="utf-8"))}
    assert readers == {"bot/config.py"}


def test_every_setting_is_in_the_docs_table():
    table = (ROOT / "docs" / "development.md").read_text()
    names = ["RASA_PORT", "ACTIONS_PORT", "RETRIEVAL_MIN_SCORE", "RETRIEVAL_AMBIGUITY"] + [
        f.upper() for f in settings().__dataclass_fields__ if f not in ("rasa_port", "actions_port", "min_score",
                                                                       "ambiguity_ratio")]
    missing = [n for n in names if f"`{n}`" not in table]
    assert not missing


def test_topic_map_nlu_rules_and_domain_agree(kb):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    intents = set(domain["intents"])
    trained = {e.intent for e in load_examples(sorted((ROOT / "data" / "nlu").glob("*.yml")))}
    assert trained == intents, "every intent has examples and is in the domain"
    ruled = {step["intent"] for path in (ROOT / "data" / "rules").glob("*.yml")
             for rule in yaml.safe_load(path.read_text())["rules"] for step in rule["steps"] if "intent" in step}
    assert intents <= ruled | {"nlu_fallback"}, f"intents no rule answers: {sorted(intents - ruled)}"
    # every topic can be asked: by an intent of the domain, or of the knowledge base's own examples
    assert {t.intent for t in kb.topics.values()} <= intents | set(kb.nearest.intents), "every topic can be asked"
    for name in domain["responses"]:
        assert name.startswith("utter_")



def test_log_format_json_gives_one_json_object_per_line(monkeypatch):
    import json
    import logging

    from bot import cli
    from bot.observability.logging_json import CONFIG, JsonFormatter

    monkeypatch.setenv("LOG_FORMAT", "json")
    assert cli.with_log_format(["run", "--port", "5005"]) == ["run", "--port", "5005", "--logging-config-file",
                                                                str(CONFIG)]
    monkeypatch.setenv("LOG_FORMAT", "text")
    assert cli.with_log_format(["run"]) == ["run"]
    record = logging.LogRecord("bot.x", logging.WARNING, __file__, 1, "slow: %s ms", (42,), None)
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "WARNING" and line["message"] == "slow: 42 ms" and line["logger"] == "bot.x"
    formatter = yaml.safe_load(CONFIG.read_text())["formatters"]["json"]["()"]
    assert formatter == "bot.observability.logging_json.JsonFormatter"


def test_only_engineio_pings_pending_at_shutdown_are_dropped_from_the_log():
    import logging

    from bot.cli import EngineIOPingAtShutdown

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, message, (), None)

    ping = ("Task was destroyed but it is pending!\ntask: <Task pending name='Task-9' coro=<AsyncSocket._send_ping() "
            "running at /venv/lib/python3.10/site-packages/engineio/async_socket.py:137>>")
    ours = ("Task was destroyed but it is pending!\ntask: <Task pending coro=<handle() "
            "running at bot/channels/web.py:50>>")
    keep = EngineIOPingAtShutdown().filter
    assert not keep(record(ping)) and keep(record(ours)) and keep(record("Handling a message failed"))


def test_an_endpoints_copy_for_another_action_url_points_there_and_old_copies_go():
    """var/endpoints-<hash>.yml: one per action server URL (tests and benchmarks use many); a copy older
    than ENDPOINTS_KEPT_S is removed when another is written, a recent one (a server starting) stays."""
    import os
    import time

    old = endpoints_file("http://127.0.0.1:1/webhook")
    recent = endpoints_file("http://127.0.0.1:2/webhook")
    os.utime(old, (time.time() - ENDPOINTS_KEPT_S - 60,) * 2)
    path = endpoints_file("http://127.0.0.1:3/webhook")
    assert yaml.safe_load(path.read_text())["action_endpoint"]["url"] == "http://127.0.0.1:3/webhook"
    assert recent.exists() and not old.exists()
