"""Size, rate, redaction and Rasa's commands (bot/channels/limits.py, bot/channels/web.py), and erasure,
access and retention (bot/privacy/): units, then the real servers and their SQLite store."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid

import pytest
import requests

from bot.channels.limits import Limits, RateLimiter
from bot.cli import rasa_command
from bot.privacy import erasure, retention
from tests.background import command


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_rate_limit_is_per_conversation_over_a_sliding_minute():
    clock = Clock()
    limiter = RateLimiter(3, clock)
    assert [limiter.check("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.check("a") == pytest.approx(60.0) and limiter.check("b") == 0
    assert limiter.first_refusal("a") and not limiter.first_refusal("a")  # one "slow down" a minute
    clock.now += 30
    assert limiter.check("a") == pytest.approx(30.0)
    clock.now += 30.5
    assert limiter.check("a") == 0  # the first three are a minute old
    assert RateLimiter(0, clock).check("a") == 0  # 0: off


def test_limits_from_the_environment(monkeypatch, caplog):
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "10")
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "lots")
    monkeypatch.setenv("REDACT", "off")
    limits = Limits.from_settings()
    assert limits == Limits(max_chars=10, per_minute=30, redact=False)
    assert "RATE_LIMIT_PER_MINUTE must be a whole number" in caplog.text
    assert limits.too_long("x" * 10) is None and "11 characters" in limits.too_long("x" * 11)
    assert limits.clean("mail ann@example.com") == "mail ann@example.com"
    monkeypatch.delenv("REDACT")
    assert Limits.from_settings().clean("mail ann@example.com or +44 20 7946 0958") == "mail [email] or [phone]"


def stored_texts(servers, sender: str) -> list[str]:
    with sqlite3.connect(servers.workdir / "tracker.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                          (sender,)).fetchall()
    return [json.loads(d)["text"] for (d,) in rows]


@pytest.mark.server
def test_an_over_long_message_gets_a_polite_reply_and_is_not_stored(servers):
    sender = uuid.uuid4().hex
    (reply,) = servers.say("what causes marks? " * 6000, sender).json()  # ~114,000 characters
    assert reply["custom"] == {"kind": "limit"} and "too long" in reply["text"] and "2,000" in reply["text"]
    assert stored_texts(servers, sender) == []
    assert servers.texts("what causes pimple marks?", sender)[0].startswith("From *")


@pytest.mark.server
def test_an_over_large_body_gets_413(servers):
    body = json.dumps({"sender": "big", "message": "x" * 300_000}).encode()
    response = requests.post(servers.url + "/webhooks/rest/webhook", data=body, timeout=30,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "size limit" in response.text


@pytest.mark.server
def test_a_burst_on_one_conversation_gets_429_past_the_limit_others_are_answered(servers):
    sender = uuid.uuid4().hex
    codes = [servers.say(f"what is pie {i}", sender) for i in range(40)]
    statuses = [r.status_code for r in codes]
    assert statuses[:30] == [200] * 30 and set(statuses[30:]) == {429}
    refused = codes[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60 and "faster than I can answer" in refused.json()["message"]
    assert servers.texts("what is PIH?")[0].startswith("From *")  # another conversation
    assert len(stored_texts(servers, sender)) == 30  # nothing of the excess is stored


@pytest.mark.server
def test_restart_says_so_and_unknown_payloads_get_the_plain_no(servers):
    sender = uuid.uuid4().hex
    servers.texts("what is PIE?", sender)
    assert servers.say("/restart", sender).json() == [
        {"recipient_id": sender, "text": "Conversation restarted.", "custom": {"kind": "smalltalk"}}]
    (reply, *_) = servers.say("/no_such_intent", sender).json()
    assert "can't answer that" in reply["text"] and reply["custom"]["kind"] != "error"


@pytest.mark.server
def test_emails_and_phone_numbers_are_redacted_before_storage(servers):
    sender = uuid.uuid4().hex
    texts = servers.texts("i'm ann.lee+skin@mail.example.co.uk, call 07700 900123: what is PIE?", sender)
    assert any("Post-inflammatory erythema" in t for t in texts)  # answered all the same
    (stored,) = stored_texts(servers, sender)
    assert stored == "i'm [email], call [phone]: what is PIE?"
    with sqlite3.connect(servers.workdir / "tracker.db") as db:
        everything = " ".join(d for (d,) in db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)))
    assert "example.co.uk" not in everything and "900123" not in everything


@pytest.mark.server
def test_forget_export_and_purge_on_the_store(servers):
    url = f"sqlite:///{servers.workdir / 'tracker.db'}"
    keep, gone = uuid.uuid4().hex, uuid.uuid4().hex
    servers.texts("what is PIE?", keep)
    answer = servers.say("what is PIH?", gone).json()
    servers.say("/feedback" + json.dumps({"rating": "up", "answer": answer[-1]["custom"]["id"]}), gone)
    deadline = time.monotonic() + 10  # the tracker is saved just after the reply is sent
    exported = erasure.export(gone, url)
    while not any(e.get("name") == "feedback" for e in exported):
        assert time.monotonic() < deadline, "the vote was never stored"
        time.sleep(0.05)
        exported = erasure.export(gone, url)
    assert [e["text"] for e in exported if e["event"] == "user"][0] == "what is PIH?"
    assert erasure.forget(gone, url) == len(exported) > 0
    assert erasure.export(gone, url) == [] and erasure.export(keep, url)
    # the conversation starts afresh: no context left in the replica's cache
    assert servers.texts("what is PIE?", gone)[0].startswith("From *")
    assert len([e for e in erasure.export(gone, url) if e["event"] == "user"]) == 1

    # purge: nothing is 90 days old; a year from now everything is, and only counts remain
    assert retention.purge(90, url) == (0, 0)
    conversations, rows = retention.purge(365, url, now=time.time() + 366 * 86400)
    assert conversations >= 2 and rows > 0 and erasure.export(keep, url) == []
    counts = retention.daily_counts(url)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert counts[today]["messages"] >= 3 and counts[today]["replies.answer"] >= 2
    assert not any(keep in json.dumps(c) or "PIE" in json.dumps(c) for c in counts.values())


def test_nginx_limits_each_address_with_429_and_the_body_size():
    from bot.config import ROOT

    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "limit_req_zone $binary_remote_addr zone=per_ip" in conf and "limit_req zone=per_ip burst=" in conf
    assert "limit_req_status 429;" in conf and "client_max_body_size 256k;" in conf


@pytest.mark.server
@pytest.mark.parametrize("words", ["forget me", "Please delete my data."])
def test_forget_me_in_the_conversation_erases_it(servers, words):
    url = f"sqlite:///{servers.workdir / 'tracker.db'}"
    sender = uuid.uuid4().hex
    servers.texts("what is PIE?", sender)
    (reply,) = servers.say(words, sender).json()
    assert reply["text"].startswith("Done: I've deleted this conversation")
    assert erasure.export(sender, url) == []


# even when asked for: a health bot never phones home
TELEMETRY = command(rasa_command("telemetry"), env={**os.environ, "RASA_TELEMETRY_ENABLED": "true"}, timeout=120)


@pytest.mark.slow  # runs Rasa's CLI (`rasa telemetry`)
@pytest.mark.runs(TELEMETRY)
def test_telemetry_is_off_in_every_way_the_project_starts_rasa():
    import re

    from bot.config import ROOT

    status, _ = TELEMETRY.result()
    assert "Telemetry reporting is currently disabled" in status.stdout, status.stdout + status.stderr
    makefile = (ROOT / "Makefile").read_text()
    runs = [line for line in makefile.splitlines() if re.search(r"\$\(RASA\)\s", line)]
    assert runs and all("RASA_TELEMETRY_ENABLED=false" in line for line in runs)
    assert "RASA_TELEMETRY_ENABLED=false" in (ROOT / "Dockerfile").read_text()
    from tests.deploy.test_helm import WORKLOADS, container, render  # deploy/helm, rendered by Helm's SDK

    objects = render()
    assert all({"name": "RASA_TELEMETRY_ENABLED", "value": "false"} in container(objects, *w)["env"]
               for w in WORKLOADS)
    assert "exec python -m bot.cli rasa run" in (ROOT / "deploy" / "entrypoint.sh").read_text()  # Docker, Compose, Helm



def test_the_report_keeps_the_counts_of_purged_conversations(tmp_path):
    """purge on a store of old conversations, then the report: the days' counts are still there."""
    from bot.tools import report
    from tests.tools.test_report import Store

    store, day = Store(), 1_700_000_000.0  # 2023-11-14 22:13 UTC
    store.start("old", day)
    store.ask("old", day + 1, "what is PIE?", ("answer", "pie", "a1"))
    store.vote("old", day + 2, "a1", "up", "pie")
    url = store.write(tmp_path / "tracker.db")
    assert retention.purge(30, url)[0] == 1 and erasure.export("old", url) == []
    assert report.main(["--out", str(tmp_path / "r"), "--url", url, "--quiet"]) == 0
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["messages"] == 0 and summary["purged_daily_counts"] == {"2023-11-14": {
        "messages": 1, "replies.smalltalk": 1, "replies.answer": 1, "replies.feedback": 1, "votes.pie.up": 1}}
    assert "Conversations past retention" in (tmp_path / "r" / "index.html").read_text()


def test_purge_removes_old_conversations_and_keeps_recent_ones(tmp_path):
    from tests.tools.test_report import Store

    store, now = Store(), time.time()
    store.start("old", now - 100 * 86400)
    store.ask("old", now - 100 * 86400 + 1, "what is PIE?", ("answer", "pie", "a1"))
    store.start("recent", now - 100 * 86400)  # started long ago, but spoke yesterday: kept whole
    store.ask("recent", now - 86400, "what is PIH?", ("answer", "pih", "a2"))
    url = store.write(tmp_path / "tracker.db")
    recent, old = erasure.export("recent", url), erasure.export("old", url)
    assert retention.purge(90, url) == (1, len(old))
    assert erasure.export("old", url) == [] and erasure.export("recent", url) == recent


@pytest.mark.server
def test_forget_me_in_a_slack_thread_erases_that_thread(servers, fake_slack):
    from tests.channels.test_slack import event_body, message, new_id, post

    url = f"sqlite:///{servers.workdir / 'tracker.db'}"
    dm = new_id("D")
    root = message(dm, "what is PIE?")
    post(servers, event_body(root))
    conversation = f"{dm}:{root['ts']}"
    assert fake_slack.wait_posts(1, channel=dm)  # answered (its turn may still be saving: the lock orders them)
    post(servers, event_body(message(dm, "forget me", thread_ts=root["ts"])))
    deadline = time.monotonic() + 20
    while not any(p["body"]["text"].startswith("Done: I've deleted") for p in fake_slack.posts(channel=dm)):
        assert time.monotonic() < deadline, "never confirmed"
        time.sleep(0.05)
    assert any("Post-inflammatory erythema" in p["body"]["text"] for p in fake_slack.posts(channel=dm))
    assert erasure.export(conversation, url) == []
