"""Scaled out for real: two Rasa replicas on two ports sharing one PostgreSQL tracker store, one
Redis lock store and one (stateless) action server; then faults: action server, PostgreSQL and a
replica killed or restarted.

Everything is started once for the module (a Rasa server takes ~30 s and ~1 GB); the tests run in
file order and the destructive ones come last. PostgreSQL is a throwaway cluster in a temp dir and
Redis runs without persistence, both on free 127.0.0.1 ports (tests/services.py). Without their
binaries the module is skipped, unless REQUIRE_SCALE_SERVICES is set (.ci/run sets it): then it fails.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.cli import rasa_command
from tests.background import command
from tests.servers import BotServers, busy_threads, free_port
from tests.services import Postgres, Redis, missing_binaries, two_replicas

pytestmark = pytest.mark.server
APOLOGY = "try again"  # bot.channels.web.UNAVAILABLE


@dataclass
class Cluster:
    pg: Postgres
    redis: Redis
    a: BotServers  # replica A, and the shared action server
    b: BotServers  # replica B (Rasa only)
    env: dict[str, str]
    workdir: Path

    def events(self, sender: str) -> list[dict[str, Any]]:
        """Every stored event of `sender`, in store order."""
        return [json.loads(d) for (d,) in
                self.pg.query("SELECT data FROM events WHERE sender_id = %s ORDER BY id", sender)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    missing = missing_binaries()
    if missing:
        message = f"scale tests need {missing}: apt-get install -y postgresql redis-server"
        if os.environ.get("REQUIRE_SCALE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)
    workdir = Path(tmp_path_factory.mktemp("scale"))
    pg, redis = Postgres(), Redis()
    a = b = None
    try:
        pg.setup()
        redis.start()
        env = {"TRACKER_STORE_URL": pg.url, "REDIS_URL": redis.url, "STORE_CONNECT_WAIT": "5"}
        a, b = two_replicas(workdir, env)
        yield Cluster(pg, redis, a, b, env, workdir)
    finally:
        for servers in (b, a):
            if servers is not None:
                servers.stop()
        redis.stop()
        pg.destroy()


def test_one_conversation_alternating_replicas_keeps_its_context(cluster):
    sender = uuid.uuid4().hex
    cluster.a.texts("tell me about the serum", sender)
    assert "2 weeks" in " ".join(cluster.b.texts("how long until it works?", sender))

    sender = uuid.uuid4().hex
    cluster.b.texts("I've got brown marks after my spots", sender)
    joined = " ".join(cluster.a.texts("what causes them?", sender))
    assert "excess melanin" in joined and "blood vessels" not in joined
    assert [e["text"] for e in cluster.events(sender) if e["event"] == "user"] == [
        "I've got brown marks after my spots", "what causes them?"]


def test_concurrent_messages_for_one_sender_on_both_replicas_are_serialised_none_lost(cluster):
    """Ten different questions for one sender at once, alternately to A and B: every one is
    answered, stored once, and handled whole before the next starts (no interleaved events),
    and each HTTP reply is the one stored right after its own question."""
    sender = uuid.uuid4().hex
    questions = ["what is thiamidol?", "which face wash do you recommend", "is it bad to pop pimples",
                 "what does licochalcone a do", "what is l-carnitine for", "decandiol?",
                 "how do I unclog my pores", "is there any proof it works", "where can I buy the serum",
                 "when do I need a dermatologist"]
    replicas = [cluster.a, cluster.b]
    with ThreadPoolExecutor(len(questions)) as pool:
        replies = list(pool.map(lambda iq: replicas[iq[0] % 2].texts(iq[1], sender), enumerate(questions)))
    for question, reply in zip(questions, replies, strict=True):
        assert reply and APOLOGY not in " ".join(reply), (question, reply)

    events = cluster.events(sender)
    turns: list[tuple[str, list[str], list[dict]]] = []  # (question, bot texts, events) per turn
    for event in events:
        if event["event"] == "user":
            turns.append((event["text"], [], []))
        elif turns:
            turns[-1][2].append(event)
            if event["event"] == "bot":
                turns[-1][1].append(event.get("text") or "")
    assert sorted(t[0] for t in turns) == sorted(questions)  # each stored exactly once
    for question, bot_texts, turn_events in turns:
        # a whole turn: the actions, then action_listen, and no other user event inside
        assert turn_events[-1]["event"] == "action" and turn_events[-1]["name"] == "action_listen", question
        assert bot_texts == replies[questions.index(question)], question
    user_times = [e["timestamp"] for e in events if e["event"] == "user"]
    assert user_times == sorted(user_times)  # stored in the order they were handled


def test_the_action_server_runs_without_tensorflow(cluster):
    """bot.cli keeps spaCy's backend from loading TensorFlow into the action server (~0.3 GB)."""
    assert cluster.a.texts("what causes pimple marks?", uuid.uuid4().hex)[0].startswith("From *")
    assert "tensorflow" not in Path(f"/proc/{cluster.a.actions.pid}/maps").read_text()
    assert "tensorflow" in Path(f"/proc/{cluster.a.rasa.pid}/maps").read_text()  # Rasa's own: the check sees it


def test_the_action_server_runs_one_blas_thread(cluster):
    """OpenBLAS helper threads spin after each matrix product: `bot.cli actions` keeps one."""
    for _ in range(20):
        cluster.a.say("how long does the serum take to work?")
    busy = busy_threads(cluster.a.actions.pid)
    assert len(busy) <= 1, f"{len(busy)} threads of the action server used CPU"


def test_action_server_killed_polite_reply_then_recovers(cluster):
    ready = requests.get(cluster.a.url + "/ready", timeout=10).json()
    assert ready["checks"]["action_server"] == "ok", ready  # the replicas call it (ACTION_ENDPOINT_URL)
    cluster.a.actions.kill()
    cluster.a.actions.wait()
    try:
        ready = requests.get(cluster.a.url + "/ready", timeout=10)  # readiness fails, liveness doesn't
        assert ready.status_code == 503 and ready.headers["Retry-After"] == "5"
        checks = ready.json()["checks"]
        assert checks["action_server"] != "ok" and checks["tracker_store"] == "ok", checks
        assert requests.get(cluster.a.url + "/", timeout=10).status_code == 200
        senders = []
        for replica in (cluster.a, cluster.b):
            senders.append(uuid.uuid4().hex)
            response = replica.say("what is thiamidol?", senders[-1])
            assert response.status_code == 503 and response.headers["Retry-After"] == "5"  # a client can tell
            replies = response.json()
            assert len(replies) == 1 and APOLOGY in replies[0]["text"], replies
            assert replies[0]["custom"] == {"kind": "error"}
        metrics = requests.get(cluster.a.url + "/metrics", timeout=10).text
        assert 'faq_outages_total{kind="action_server"}' in metrics
        # the unanswered turn is stored rewound (Rasa's UserUtteranceReverted): the next turn ignores it
        for sender in senders:
            kinds = [row[0] for row in cluster.pg.query(
                "SELECT type_name FROM events WHERE sender_id = %s ORDER BY id", sender)]
            assert "user" in kinds and kinds[-1] == "rewind" and "bot" not in kinds, kinds
    finally:
        cluster.a.start_actions()  # same port: both replicas' ACTION_ENDPOINT_URL
    for replica in (cluster.a, cluster.b):
        assert "Thiamidol" in " ".join(replica.texts("what is thiamidol?", uuid.uuid4().hex))


def test_postgres_restart_fails_cleanly_loses_nothing_then_recovers(cluster):
    sender = uuid.uuid4().hex
    cluster.a.texts("I've got brown marks after my spots", sender)
    before = cluster.pg.query("SELECT id, sender_id, data FROM events ORDER BY id")
    assert before

    cluster.pg.stop("immediate")  # a crash: recovery from the WAL at the next start
    try:
        for replica in (cluster.a, cluster.b):
            response = replica.say("what causes them?", sender)
            # the apology alone, as a 503 with Retry-After: never an answer that was not stored
            assert response.status_code == 503 and response.headers["Retry-After"], response.text
            assert [m["custom"]["kind"] for m in response.json()] == ["error"]
            assert APOLOGY in response.json()[0]["text"]
    finally:
        cluster.pg.start()

    after = cluster.pg.query("SELECT id, sender_id, data FROM events ORDER BY id")
    assert after[:len(before)] == before  # nothing stored before the crash is lost
    # the first requests after the restart succeed on both replicas, with the stored context
    joined = " ".join(cluster.b.texts("what causes them?", sender))
    assert "excess melanin" in joined and "blood vessels" not in joined
    assert "Thiamidol" in " ".join(cluster.a.texts("what is thiamidol?", uuid.uuid4().hex))
    # the turns refused during the outage left nothing behind (not even in a replica's memory)
    assert [e["text"] for e in cluster.events(sender) if e["event"] == "user"] == [
        "I've got brown marks after my spots", "what causes them?"]


UNREACHABLE = free_port()  # no database listens here
# Rasa loading only to stop (~8 s, its imports): in the background, while other tests run
REFUSED = command([*rasa_command("run"), "--model", "models", "--port", str(free_port()), "--credentials",
                   "credentials.yml", "--endpoints", "endpoints.yml"], timeout=180,
                  env={**os.environ, "TRACKER_STORE_URL": f"postgresql://postgres@127.0.0.1:{UNREACHABLE}/rasa",
                       "STORE_CONNECT_WAIT": "0"})


@pytest.mark.runs(REFUSED)
def test_rasa_refuses_to_start_when_a_configured_store_is_unreachable():
    result, _ = REFUSED.result()
    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert f"TRACKER_STORE_URL: cannot connect to postgresql at 127.0.0.1:{UNREACHABLE}" in said, said[-3000:]


def test_replica_killed_mid_conversation_the_other_continues_and_a_restart_resumes(cluster):
    serum, brown = uuid.uuid4().hex, uuid.uuid4().hex
    cluster.a.texts("tell me about the serum", serum)
    cluster.b.texts("I've got brown marks after my spots", brown)
    cluster.a.rasa.kill()  # SIGKILL: no clean shutdown
    cluster.a.rasa.wait()
    with pytest.raises(requests.ConnectionError):
        cluster.a.say("hello", serum)

    assert "2 weeks" in " ".join(cluster.b.texts("how long until it works?", serum))

    cluster.a.start_rasa()  # a fresh process: the conversation comes from PostgreSQL
    joined = " ".join(cluster.a.texts("what causes them?", brown))
    assert "excess melanin" in joined and "blood vessels" not in joined
    for sender in (serum, brown):
        assert sum(e["event"] == "user" for e in cluster.events(sender)) == 2


def test_forget_on_postgres_leaves_no_row_and_neither_replica_remembers(cluster):
    from bot.privacy import erasure

    sender, other = uuid.uuid4().hex, uuid.uuid4().hex
    cluster.a.texts("tell me about the serum", sender)
    cluster.b.texts("what is PIE?", sender)  # both replicas have it cached now
    cluster.a.texts("what is PIH?", other)
    assert erasure.forget(sender, cluster.pg.url) > 0
    assert cluster.events(sender) == [] and cluster.events(other)
    for replica in (cluster.a, cluster.b):  # each replica starts the conversation afresh from the store
        replica.texts("how long until it works?", sender)
        stored = cluster.events(sender)
        assert [e["text"] for e in stored if e["event"] == "user"] == ["how long until it works?"]
        assert not any(e["event"] == "slot" and e.get("value") == "serum" for e in stored)
        assert erasure.forget(sender, cluster.pg.url) > 0
