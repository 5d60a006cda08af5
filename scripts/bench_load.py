#!/usr/bin/env python3
"""Load benchmark: N concurrent conversations x 20 turns against 1 and 2 Rasa replicas sharing a
PostgreSQL tracker store and a Redis lock store (`make bench-load`; figures in README.md, "Scale out").

By default it starts everything itself on free 127.0.0.1 ports (tests/services.py, tests/servers.py):
a throwaway PostgreSQL and Redis, one action server and two Rasa replicas. Each conversation is a
new sender whose turns are drawn from tests/cases.yml (questions, out-of-scope messages and
two-turn follow-ups). Users are spread over the replicas and each keeps its replica ("sticky", as
the nginx consistent-hash upstream in deploy/ does), except in the "hop" phase.

Phases, all closed loop (a user sends its next turn after the reply; think time uniform 0.5x..1.5x
of the mean; users join spread over one mean think time, not all in the same millisecond):
- users: sweeps --users (default 10, 25, 50) for 1 and 2 replicas at the first --think (2 s).
- think: the most users on the most replicas at each further --think (5 s, 10 s).
- hop: as the largest users phase, but every request goes to the next replica (round robin): each
  turn relies on the shared store for its context (worst case for the per-process tracker cache).
- saturation: no think time, the most users: the most messages per second each setup serves.

Per phase: throughput, p50/p95/p99 latency, errors (non-200, transport error, empty reply or the
apology) and "events stored = events sent" (user events per sender counted in PostgreSQL).
Writes docs/load-latency.png and bench/results/load.json (committed: the docs quote it).

usage: .venv/bin/python scripts/bench_load.py [--users 10,25,50] [--turns 20] [--think 2,5,10]
       [--replicas 1,2] [--no-saturation] [--urls URL,URL --db-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = ROOT / "tests" / "cases.yml"
APOLOGY = "try again"  # bot.channels.web.UNAVAILABLE


@dataclass
class Phase:
    kind: str
    replicas: int
    users: int
    think: float
    routing: str = "sticky"  # each user keeps one replica (as nginx's consistent hash does), or "round-robin"
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    sent: dict[str, int] = field(default_factory=dict, repr=False)
    stored: int | None = None

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        ms = sorted(self.latencies_ms)
        return ms[min(len(ms) - 1, round(p / 100 * (len(ms) - 1)))] if ms else float("nan")

    @property
    def events_ok(self) -> bool | None:
        return None if self.stored is None else self.stored == sum(self.sent.values())

    def summary(self) -> dict:
        data = {k: v for k, v in asdict(self).items() if k not in ("latencies_ms", "sent")}
        return {**data, "sent": sum(self.sent.values()), "throughput": round(self.throughput, 2),
                "p50": round(self.pct(50), 1), "p95": round(self.pct(95), 1), "p99": round(self.pct(99), 1),
                "mean": round(statistics.mean(self.latencies_ms), 1) if self.latencies_ms else None}


def turn_pool() -> tuple[list[str], list[list[str]]]:
    cases = yaml.safe_load(CASES.read_text())
    singles = [c["text"] for c in cases["single"]] + list(cases["oos"])
    follow_ups = [list(c["turns"]) for c in cases.get("conversations", [])]
    return singles, follow_ups


def draw_turns(rng: random.Random, n: int, singles: list[str], follow_ups: list[list[str]]) -> list[str]:
    """`n` turns: mostly single questions, sometimes a question and its follow-up."""
    turns: list[str] = []
    while len(turns) < n:
        if follow_ups and rng.random() < 0.25:
            turns.extend(rng.choice(follow_ups))
        else:
            turns.append(rng.choice(singles))
    return turns[:n]


async def conversation(session: aiohttp.ClientSession, urls: list[str], rr: itertools.count,
                       phase: Phase, turns: list[str], rng: random.Random) -> None:
    sender = "bench-" + uuid.uuid4().hex
    phase.sent[sender] = 0
    home = next(rr)
    for i, text in enumerate(turns):
        if phase.think:  # the first wait spreads the users' arrivals over one think time (a spawn rate)
            await asyncio.sleep(phase.think * (rng.uniform(0.5, 1.5) if i else rng.uniform(0, 1)))
        url = urls[(home if phase.routing == "sticky" else next(rr)) % len(urls)]
        start = time.perf_counter()
        ok = False
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as response:
                body = await response.json(content_type=None)
                ok = (response.status == 200 and isinstance(body, list) and bool(body)
                      and not any(APOLOGY in (m.get("text") or "") for m in body))
        except (aiohttp.ClientError, asyncio.TimeoutError, json.JSONDecodeError):
            ok = False
        phase.latencies_ms.append((time.perf_counter() - start) * 1000)
        phase.requests += 1
        phase.sent[sender] += 1
        phase.errors += not ok


async def run_phase(phase: Phase, urls: list[str], turns: int, seed: int) -> Phase:
    singles, follow_ups = turn_pool()
    rr = itertools.count()
    rngs = [random.Random(seed * 1000 + i) for i in range(phase.users)]
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(conversation(session, urls, rr, phase, draw_turns(r, turns, singles, follow_ups), r)
                               for r in rngs))
        phase.seconds = time.perf_counter() - start
    return phase


def count_stored(db_url: str, senders: list[str]) -> int:
    import psycopg2

    with psycopg2.connect(db_url, connect_timeout=5) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM events WHERE type_name = 'user' AND sender_id = ANY(%s)", (senders,))
        return int(cur.fetchone()[0])


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; load average at start {load:.2f}")


def table(phases: list[Phase]) -> str:
    rows = ["| phase | replicas | routing | users | think s | requests | throughput msg/s | p50 ms | p95 ms | p99 ms "
            "| errors | events stored = sent |",
            "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for p in phases:
        ok = "n/a" if p.stored is None else f"{'yes' if p.events_ok else 'NO'} ({p.stored} = {sum(p.sent.values())})"
        rows.append(f"| {p.kind} | {p.replicas} | {p.routing} | {p.users} | {p.think:g} | {p.requests} "
                    f"| {p.throughput:.1f} | {p.pct(50):.0f} | {p.pct(95):.0f} | {p.pct(99):.0f} | {p.errors} | {ok} |")
    return "\n".join(rows)


def plot(phases: list[Phase], out: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [2, 1]})
    for replicas, colour in ((1, "tab:blue"), (2, "tab:orange")):
        ps = sorted((p for p in phases if p.kind == "users" and p.replicas == replicas), key=lambda p: p.users)
        if not ps:
            continue
        users = [p.users for p in ps]
        left.plot(users, [p.pct(50) for p in ps], "o--", color=colour, label=f"{replicas} replica(s) p50")
        left.plot(users, [p.pct(95) for p in ps], "s-", color=colour, label=f"{replicas} replica(s) p95")
        left.plot(users, [p.pct(99) for p in ps], "^:", color=colour, alpha=0.6, label=f"{replicas} replica(s) p99")
    left.axhline(300, color="grey", lw=0.8, ls="--")
    left.text(left.get_xlim()[0], 305, " p95 target 300 ms", color="grey", fontsize=8, va="bottom")
    left.set_xlabel("concurrent conversations (users)")
    left.set_ylabel("latency per message (ms)")
    left.set_title("Latency vs concurrent users")
    left.legend(fontsize=7)
    left.grid(alpha=0.3)
    sat = [p for p in phases if p.kind == "saturation"]
    if sat:
        right.bar([f"{p.replicas} replica(s)" for p in sat], [p.throughput for p in sat],
                  color=["tab:blue", "tab:orange"][:len(sat)])
        for i, p in enumerate(sat):
            right.text(i, p.throughput, f"{p.throughput:.1f}", ha="center", va="bottom")
        right.set_title(f"Max throughput ({sat[0].users} users, no think time)")
        right.set_ylabel("messages / s")
    else:
        right.axis("off")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


class Stack:
    """PostgreSQL + Redis + action server + two Rasa replicas, started here."""

    def __init__(self) -> None:
        from tests.servers import BotServers
        from tests.services import Postgres, Redis, missing_binaries

        missing = missing_binaries()
        if missing:
            sys.exit(f"bench-load needs {missing}: apt-get install -y postgresql redis-server")
        self.workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
        self.pg, self.redis = Postgres(), Redis()
        self.pg.setup()
        self.redis.start()
        env = {"TRACKER_STORE_URL": self.pg.url, "REDIS_URL": self.redis.url, "LOG_LEVEL": "WARNING"}
        (self.workdir / "a").mkdir()
        (self.workdir / "b").mkdir()
        self.a = BotServers(self.workdir / "a", env, action_server=True)
        self.b = BotServers(self.workdir / "b", env, actions_port=self.a.actions_port)
        print(f"starting PostgreSQL :{self.pg.port}, Redis :{self.redis.port}, actions :{self.a.actions_port}, "
              f"Rasa :{self.a.rasa_port} and :{self.b.rasa_port} (logs in {self.workdir}) ...", flush=True)
        with ThreadPoolExecutor(3) as pool:
            starts = [self.a.start_actions, self.a.start_rasa, self.b.start_rasa]
            for f in [pool.submit(start) for start in starts]:
                f.result()
        self.urls = [s.url + "/webhooks/rest/webhook" for s in (self.a, self.b)]
        self.db_url = self.pg.url

    def close(self) -> None:
        self.b.stop()
        self.a.stop()
        self.redis.stop()
        self.pg.destroy()
        shutil.rmtree(self.workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="10,25,50", help="concurrent conversations per phase")
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--think", default="2,5,10",
                        help="mean seconds between a reply and the next turn: the first for the --users sweep, "
                             "the others once each at the most users and replicas")
    parser.add_argument("--replicas", default="1,2")
    parser.add_argument("--no-saturation", action="store_true", help="skip the think-time-0 phases")
    parser.add_argument("--urls", help="comma-separated REST webhook URLs of running replicas (no servers started)")
    parser.add_argument("--db-url", help="with --urls: PostgreSQL URL of their tracker store, for the events check")
    parser.add_argument("--plot", default=str(ROOT / "docs" / "load-latency.png"))
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "load.json"))
    args = parser.parse_args()
    users = [int(u) for u in args.users.split(",")]
    thinks = [float(t) for t in args.think.split(",")]
    replica_counts = [int(r) for r in args.replicas.split(",")]
    where = machine()
    print(f"machine: {where}", flush=True)

    stack = None
    if args.urls:
        urls, db_url = args.urls.split(","), args.db_url
    else:
        stack = Stack()
        urls, db_url = stack.urls, stack.db_url
    phases: list[Phase] = []
    try:
        warm = Phase("warm-up", len(urls), 4, 0)
        asyncio.run(run_phase(warm, urls, 10, seed=0))
        print(f"warm-up: {warm.requests} requests, {warm.errors} errors", flush=True)
        most = max(replica_counts)
        plan = [Phase("users", r, u, thinks[0]) for r in replica_counts for u in users]
        plan += [Phase("think", most, max(users), t) for t in thinks[1:]]
        if most > 1:  # worst case for per-process caches: every turn goes to the next replica
            plan.append(Phase("hop", most, max(users), thinks[0], routing="round-robin"))
        if not args.no_saturation:
            plan += [Phase("saturation", r, max(users), 0.0) for r in replica_counts]
        for seed, phase in enumerate(plan, start=1):
            asyncio.run(run_phase(phase, urls[:phase.replicas], args.turns, seed))
            if db_url:
                phase.stored = count_stored(db_url, list(phase.sent))
            s = phase.summary()
            print(f"{phase.kind:<10} replicas={phase.replicas} {phase.routing:<11} users={phase.users:<3} "
                  f"think={phase.think:g}s: "
                  f"{s['requests']} requests in {phase.seconds:.1f} s = {s['throughput']} msg/s, "
                  f"p50 {s['p50']} ms, p95 {s['p95']} ms, p99 {s['p99']} ms, errors {phase.errors}, "
                  f"events stored = events sent: {phase.events_ok} ({phase.stored} / {s['sent']})", flush=True)
            phases.append(phase)
    finally:
        if stack is not None:
            stack.close()

    print()
    print(table(phases))
    sat = {p.replicas: p.throughput for p in phases if p.kind == "saturation"}
    if 1 in sat and 2 in sat:
        print(f"\n2 replicas / 1 replica, max throughput: {sat[2] / sat[1]:.2f}x")
    print(f"machine: {where}")
    plot(phases, Path(args.plot), f"bench_load.py: {args.turns} turns per conversation, {thinks[0]:g} s think time, "
                                  f"sticky replicas; PostgreSQL + Redis; {where.split(';')[0]}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"machine": where, "phases": [p.summary() for p in phases]}, indent=1))
    print(f"plot: {args.plot}\nresults: {args.json}")
    bad = [p for p in phases if p.errors or p.events_ok is False]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
