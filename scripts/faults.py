"""Fault suite (`make faults`): the scale-out stack on free 127.0.0.1 ports, a bounded closed-loop load,
one fault at a time, and what each left behind.

Stack: a throwaway PostgreSQL (tracker store) and Redis (lock store), one action server, two Rasa
replicas, nginx with deploy/nginx.conf in front (tests/services.py, tests/servers.py,
tests/deploy/test_nginx.py's `adapt`). Users talk through nginx, each from its own 127.0.0.x address
(nginx routes by client address), each with new conversations for every fault.

For each fault: the load runs, the fault is injected and held, then restored; the load goes on until
every user has been answered again, then stops. Recorded: replies by kind during the fault (answer,
apology 503, nginx's, other), seconds from the restore to the first answer, the longest wait of a
request sent after the fault began, and from the database afterwards, per conversation:
- lost: acknowledged (HTTP 200, an answer) but not stored;
- duplicated: stored more than once;
- out of order: stored in another order than acknowledged;
- half turns: a stored user message with no bot reply after it that is not rewound;
- stuck: a conversation that doesn't answer a new message within 15 s after the fault.

usage: python scripts/faults.py [--short] [--hold S] [--users N] [--json OUT]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import free_port  # noqa: E402 - after the path
from tests.services import Postgres, Redis, missing_binaries, two_replicas  # noqa: E402

QUESTIONS = ["what causes red marks?", "what is thiamidol?", "how long until the serum works?",
             "is it bad to pop pimples", "what is PIH?", "do lightening products work on red marks?",
             "what is the difference between marks and scars?", "when should I see a dermatologist?",
             "which face wash do you recommend", "how do I unclog my pores", "what does licochalcone a do",
             "does skin tone matter?", "can a chemical peel help?", "how do I use the fluid?",
             "what is l-carnitine for", "are home remedies any good?"]
THINK = 0.4  # seconds between a reply and the user's next message (nginx allows 2 r/s per address)
MAX_PER_USER = 200


@dataclass
class Sent:
    """One request of the load and what came back."""

    sender: str
    text: str
    started: float
    ended: float = 0.0
    status: int = 0
    kind: str = ""  # answer, "apology 503" (the bot's or nginx's), else the status and the replies' kinds


@dataclass
class Load:
    """Closed-loop users: each sends its next question 0.4 s after the last is answered, through nginx
    (one port) or straight to the replicas in turn (two ports: a, b, a...)."""

    ports: list[int]
    users: int
    sent: list[Sent] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.senders = [uuid.uuid4().hex for _ in range(self.users)]

    def post(self, user: int, text: str, n: int = 0) -> Sent:
        record = Sent(self.senders[user], text, time.monotonic())
        body = json.dumps({"sender": record.sender, "message": text}).encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.ports[n % len(self.ports)], timeout=60,
                                          source_address=(f"127.0.0.{20 + user}", 0))
        try:
            conn.request("POST", "/webhooks/rest/webhook", body=body, headers={"Content-Type": "application/json"})
            reply = conn.getresponse()
            record.status, data = reply.status, reply.read()
            try:
                kinds = [m.get("custom", {}).get("kind", "") for m in json.loads(data)]
            except ValueError:
                kinds = ["html"]
            record.kind = ("answer" if reply.status == 200 and "error" not in kinds else
                           "apology 503" if kinds == ["error"] and reply.status == 503 else f"{reply.status} {kinds}")
        except OSError as error:
            record.kind = f"connection: {type(error).__name__}"
        finally:
            conn.close()
            record.ended = time.monotonic()
        self.sent.append(record)
        return record

    def user(self, user: int) -> None:
        i = 0
        while not self.stop.is_set() and i < MAX_PER_USER:
            self.post(user, f"{QUESTIONS[i % len(QUESTIONS)]} ({i})", i)  # each message of a conversation unique
            i += 1
            self.stop.wait(THINK)

    def start(self) -> ThreadPoolExecutor:
        pool = ThreadPoolExecutor(self.users)
        for user in range(self.users):
            pool.submit(self.user, user)
        return pool


@dataclass(eq=False)
class Liveness(threading.Thread):
    """Polls a replica's GET / (liveness) and GET /ready every 0.25 s while a fault is held."""

    url: str
    seen: list[tuple[float, int, float]] = field(default_factory=list)  # (ms for GET /, /ready status, ms)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        super().__init__(daemon=True)

    def run(self) -> None:
        import requests

        while not self.stop.is_set():
            timings = []
            for path in ("/", "/ready"):
                begin = time.monotonic()
                try:
                    status = requests.get(self.url + path, timeout=10).status_code
                except requests.RequestException:
                    status = 0
                timings.append(((time.monotonic() - begin) * 1000, status))
            self.seen.append((timings[0][0], timings[1][1], timings[1][0]))
            self.stop.wait(0.25)

    def summary(self) -> dict:
        return {"liveness_max_ms": round(max((s[0] for s in self.seen), default=0)),
                "ready_statuses": dict(Counter(str(s[1]) for s in self.seen)),
                "ready_max_ms": round(max((s[2] for s in self.seen), default=0))}


class Stack:
    """PostgreSQL, Redis, the action server, replicas a and b, nginx."""

    def __init__(self, workdir: Path) -> None:
        self.workdir, self.pg, self.redis = workdir, Postgres(), Redis()
        self.pg.setup()
        self.redis.start()
        env = {"TRACKER_STORE_URL": self.pg.url, "REDIS_URL": self.redis.url, "STORE_CONNECT_WAIT": "5",
               "RATE_LIMIT_PER_MINUTE": "0"}
        self.a, self.b = two_replicas(workdir, env)
        self.nginx_port, self.nginx = self._nginx()

    def _nginx(self) -> tuple[int, subprocess.Popen]:
        from tests.deploy.test_nginx import NGINX, NGINX_CONF, adapt

        if NGINX is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx-light)")
        prefix, port = self.workdir / "nginx", free_port()
        prefix.mkdir()
        (prefix / "nginx.conf").write_text(adapt(NGINX_CONF.read_text(), [self.a.rasa_port, self.b.rasa_port],
                                                 port, prefix, None))
        globals_ = f"daemon off; pid {prefix / 'nginx.pid'}; error_log {prefix / 'error.log'} info;"
        if os.geteuid() == 0:
            globals_ += f" user {pwd.getpwuid(os.geteuid()).pw_name};"
        proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", globals_],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        return port, proc

    def pg_pids(self) -> list[int]:
        postmaster = int((self.pg.data / "postmaster.pid").read_text().split()[0])
        children = [int(p) for p in os.listdir("/proc") if p.isdigit() and _ppid(int(p)) == postmaster]
        return [postmaster, *children]

    def events(self, sender: str) -> list[dict]:
        return [json.loads(d) for (d,) in
                self.pg.query("SELECT data FROM events WHERE sender_id = %s ORDER BY id", sender)]

    def close(self) -> None:
        self.nginx.terminate()
        for servers in (self.b, self.a):
            servers.stop()
        self.redis.stop()
        self.pg.destroy()


def _ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def audit(stack: Stack, load: Load) -> dict[str, int]:
    """What the database holds of each conversation against what was acknowledged."""
    found = Counter({"lost": 0, "duplicated": 0, "out_of_order": 0, "half_turns": 0})
    for sender in load.senders:
        acked = [s.text for s in sorted(load.sent, key=lambda s: s.started) if s.sender == sender
                 and s.kind == "answer"]
        stored, half = [], 0
        events = stack.events(sender)
        for i, event in enumerate(events):
            if event["event"] != "user":
                continue
            rest = events[i + 1:]
            until_next = rest[:next((j for j, e in enumerate(rest) if e["event"] == "user"), len(rest))]
            answered = any(e["event"] == "bot" for e in until_next)
            rewound = any(e["event"] == "rewind" for e in until_next)
            if answered:
                stored.append(event["text"])
            elif not rewound:
                half += 1
        counts = Counter(stored)
        found["lost"] += sum(1 for text in acked if text not in counts)
        found["duplicated"] += sum(n - 1 for n in counts.values() if n > 1)
        found["out_of_order"] += int([t for t in stored if t in acked] != [t for t in acked if t in counts])
        found["half_turns"] += half
    return dict(found)


def run_fault(stack: Stack, name: str, inject: Callable[[], None], restore: Callable[[], None],
              hold: float, users: int, direct: bool = False) -> dict:
    """Load, fault, restore, load until answered again; then the audit. `direct`: the users' messages
    go to replica a and b in turn instead of through nginx."""
    load = Load([stack.a.rasa_port, stack.b.rasa_port] if direct else [stack.nginx_port], users)
    pool = load.start()
    time.sleep(2)
    began = time.monotonic()
    inject()
    liveness = Liveness(stack.b.url)  # replica b lives through every fault: GET / and GET /ready
    liveness.start()
    time.sleep(hold)
    liveness.stop.set()
    restore()
    restored = time.monotonic()
    deadline = restored + 30
    while time.monotonic() < deadline and not any(s.kind == "answer" and s.started >= restored for s in load.sent):
        time.sleep(0.05)
    first = min((s.ended for s in load.sent if s.kind == "answer" and s.started >= restored), default=None)
    time.sleep(2)
    load.stop.set()
    pool.shutdown(wait=True)
    stuck = 0
    for user in range(users):  # each conversation answers a new message within 15 s
        probe = load.post(user, "thanks", 1)  # (replica b when direct)
        if probe.kind != "answer" or probe.ended - probe.started > 15:
            stuck += 1
    during = [s for s in load.sent if began <= s.started < restored]
    result = {
        "fault": name, "hold_s": hold, "requests": len(load.sent),
        "during_fault": dict(Counter(s.kind for s in during)),
        "success_after_restore_s": round(first - restored, 2) if first is not None else None,
        "longest_wait_s": round(max((s.ended - s.started for s in load.sent if s.started >= began), default=0), 2),
        **audit(stack, load), "stuck": stuck,
        "replica_b_during_fault": liveness.summary(),
    }
    print(json.dumps(result), flush=True)
    return result


def simultaneous(stack: Stack, times: int) -> dict:
    """Two messages of one conversation at the same moment, one to each replica, `times` times."""
    waits, both, found = [], 0, Counter()
    for _ in range(times):
        sender = uuid.uuid4().hex
        with ThreadPoolExecutor(2) as pool:
            started = time.monotonic()
            futures = [pool.submit(servers.say, text, sender) for servers, text in
                       ((stack.a, "what is thiamidol?"), (stack.b, "what is PIH?"))]
            replies = [f.result() for f in futures]
            ended = time.monotonic()
        both += all(r.status_code == 200 for r in replies)
        waits.append(ended - started)
        users = [e["text"] for e in stack.events(sender) if e["event"] == "user"]
        found["stored_once_each"] += sorted(users) == ["what is PIH?", "what is thiamidol?"]
    waits.sort()
    result = {"fault": "simultaneous messages on both replicas", "times": times, "both_answered": both,
              "stored_once_each": found["stored_once_each"], "pair_p50_s": round(waits[len(waits) // 2], 3)}
    print(json.dumps(result), flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="two faults, short holds (make test)")
    parser.add_argument("--hold", type=float, default=10.0, help="seconds each fault is held")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if missing := missing_binaries() or (None if shutil.which("nginx") or Path("/usr/sbin/nginx").exists()
                                         else "nginx"):
        print(f"faults need {missing}: apt-get install -y postgresql redis-server nginx-light", file=sys.stderr)
        return 2
    hold = 3.0 if args.short else args.hold
    workdir = Path(tempfile.mkdtemp(prefix="faults-"))
    stack = Stack(workdir)
    try:
        pg_pause = [lambda: [os.kill(p, signal.SIGSTOP) for p in stack.pg_pids()],
                    lambda: [os.kill(p, signal.SIGCONT) for p in stack.pg_pids()]]
        faults: list[tuple[str, Callable[[], None], Callable[[], None]]] = [
            ("replica killed mid-turn (behind nginx)", lambda: stack.a.rasa.kill(), stack.a.start_rasa),
            ("PostgreSQL stopped and restarted", lambda: stack.pg.stop("immediate"), stack.pg.start),
        ]
        if not args.short:
            faults += [
                ("PostgreSQL paused (SIGSTOP/SIGCONT)", *pg_pause),
                ("Redis stopped and restarted", stack.redis.stop, stack.redis.start),
                ("action server killed and restarted", lambda: stack.a.actions.kill(), stack.a.start_actions),
            ]
        results = [run_fault(stack, name, inject, restore, hold, args.users) for name, inject, restore in faults]
        if not args.short:  # messages alternate between the replicas; those sent to a fail while it is down
            results.append(run_fault(stack, "replica killed mid-turn (direct, messages alternating a/b)",
                                     lambda: stack.a.rasa.kill(), stack.a.start_rasa, hold, args.users, direct=True))
        results.append(simultaneous(stack, 10 if args.short else 50))
    finally:
        stack.close()
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps({"hold_s": hold, "users": args.users, "results": results}, indent=1) + "\n")
    bad = [r["fault"] for r in results if any(r.get(k) for k in ("lost", "duplicated", "out_of_order",
                                                                   "half_turns", "stuck"))]
    print("every fault: 0 lost, 0 duplicated, 0 out of order, 0 half turns, 0 stuck" if not bad else
          f"faults that left something behind: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
