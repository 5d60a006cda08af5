#!/usr/bin/env python3
"""Benchmark (issue 14): today's build (a baseline commit) against the working tree, in one run.

usage: .venv/bin/python scripts/bench.py [--baseline 923b2ed] [--json bench/results/bench.json] [--train]
       .venv/bin/python scripts/bench.py --url URL [--compare URL]   (servers already running)

For each build it starts its servers itself as the build's `make run` serves it (scripts/bench_servers.py:
Rasa with the custom actions inside it, or, for a build before stop 55, Rasa + the action server; rate
limit off, fresh SQLite tracker store), three times, one per phase, so that no server ever receives a
text twice:
1. new conversations: every distinct text once, each from a new sender (REST, the actions in the path);
2. one conversation of 200 turns: p50/p95 of turns 1-25 and 176-200;
3. saturation: 16 client threads sending as fast as answered (conversations of up to 5 turns) for
   20 s or until the distinct texts are used up: messages per second of one replica.
Start time (launch to the first answer over REST) is taken at each start, resident memory (VmRSS,
with children) at the end of each phase. Each message goes to both builds in turn, the order alternating
from one message to the next (ABBA; saturation: rounds), so that a busy machine slows both alike.
Texts: the single questions and out-of-scope messages of tests/cases.yml and tests/cases_wild.yml,
distinct, in one fixed shuffled order. With --url/--compare it measures running servers instead: no
start time or memory, and texts recur across phases.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml
from bench_servers import ROOT, Build, Servers, baseline, machine, send, time_training, working_tree

CASE_FILES = (ROOT / "tests" / "cases.yml", ROOT / "tests" / "cases_wild.yml")
WINDOW = 25  # turns at each end of the long conversation


@dataclass
class Target:
    """A build as the client sees it: where to send, and what it measured."""

    name: str
    label: str
    url: str
    http: requests.Session = field(default_factory=requests.Session)
    figures: dict = field(default_factory=dict)


def texts() -> tuple[list[str], list[str]]:
    """(distinct measured texts in a fixed shuffled order, warm-up texts that are none of them)."""
    pool: dict[str, str] = {}
    warm: list[str] = []
    for path in CASE_FILES:
        cases = yaml.safe_load(path.read_text())
        for text in [c["text"] for c in cases["single"]] + list(cases["oos"]):
            pool.setdefault(" ".join(text.lower().split()), text)
        warm += [t for c in cases.get("conversations", []) for t in c["turns"]]
    measured = list(pool.values())
    random.Random(14).shuffle(measured)
    return measured, list(dict.fromkeys(t for t in warm if " ".join(t.lower().split()) not in pool))


def pct(ms: list[float], p: float) -> float:
    """Percentile `p` (0-100), linear between the nearest ranks."""
    ms = sorted(ms)
    k = (len(ms) - 1) * p / 100
    lo = int(k)
    return ms[lo] + (ms[min(lo + 1, len(ms) - 1)] - ms[lo]) * (k - lo)


def stats(ms: list[float], errors: int | None = None) -> dict:
    """Count, p50, p95 and mean of latencies in ms (and the errors, when given)."""
    figures = {"n": len(ms), "p50_ms": round(pct(ms, 50), 1), "p95_ms": round(pct(ms, 95), 1),
               "mean_ms": round(statistics.mean(ms), 1)}
    return figures if errors is None else {**figures, "errors": errors}


def chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def alternate(targets: list[Target], rounds: int, run: Callable[[Target, int], None]) -> None:
    """`run(target, round)` for every round and target, in ABBA order."""
    for r in range(rounds):
        for target in targets if r % 2 == 0 else targets[::-1]:
            run(target, r)


def sequential(targets: list[Target], texts: list[str], sender: Callable[[Target], str]) -> dict[str, list]:
    """One message at a time: each text to every target in turn, the order alternating from one text to the
    next (ABBA), so that the machine's moments of load fall on both builds alike. Per target: [latencies ms,
    errors]."""
    out: dict[str, list] = {t.name: [[], 0] for t in targets}
    for n, text in enumerate(texts):
        for t in targets if n % 2 == 0 else targets[::-1]:
            elapsed, ok = send(t.http, t.url, sender(t), text)
            out[t.name][0].append(elapsed)
            out[t.name][1] += not ok
    return out


def new_conversations(targets: list[Target], pool: list[str]) -> None:
    """Every text once, each the first message of a new conversation."""
    out = sequential(targets, pool, lambda _: "bench-" + uuid.uuid4().hex)
    for t in targets:  # (each text's time too, in the pool's order: which texts make the tail)
        t.figures["new_conversations"] = {**stats(*out[t.name]), "each_ms": [round(ms, 1) for ms in out[t.name][0]]}


def long_conversation(targets: list[Target], pool: list[str], turns: int) -> None:
    """One conversation of `turns` distinct messages; the first and the last WINDOW turns are reported."""
    turns = min(turns, len(pool))
    senders = {t.name: "bench-long-" + uuid.uuid4().hex for t in targets}
    out = sequential(targets, pool[:turns], lambda t: senders[t.name])
    for t in targets:
        (ms, errors), w = out[t.name], WINDOW
        t.figures["long_conversation"] = {
            "turns": turns, "errors": errors, f"turns_1_{w}": stats(ms[:w]), f"turns_{turns - w + 1}_{turns}":
            stats(ms[-w:]), "last_over_first_p50": round(pct(ms[-w:], 50) / pct(ms[:w], 50), 2)}


def saturation(targets: list[Target], pool: list[str], threads: int, seconds: float, rounds: int) -> None:
    """Closed loop, no think time: `threads` clients, each a conversation of up to 5 turns then a new one."""
    slices = chunks(pool, -(-len(pool) // rounds))
    done: dict[str, dict] = {t.name: {"ms": [], "errors": 0, "seconds": 0.0} for t in targets}

    def run(t: Target, r: int) -> None:
        texts_left, lock, result = iter(slices[r]), threading.Lock(), done[t.name]
        begin = time.perf_counter()
        deadline = begin + seconds / rounds

        def client() -> None:
            sender = ""
            with requests.Session() as http:
                for turn in itertools.count():
                    with lock:
                        text = next(texts_left, None) if time.perf_counter() < deadline else None
                    if text is None:
                        return
                    sender = "bench-sat-" + uuid.uuid4().hex if turn % 5 == 0 else sender
                    elapsed, ok = send(http, t.url, sender, text)
                    with lock:
                        result["ms"].append(elapsed)
                        result["errors"] += not ok

        with ThreadPoolExecutor(threads) as clients:
            for future in [clients.submit(client) for _ in range(threads)]:
                future.result()
        result["seconds"] += time.perf_counter() - begin

    alternate(targets, len(slices), run)
    for t in targets:
        d = done[t.name]
        t.figures["saturation"] = {"msg_per_s": round(len(d["ms"]) / d["seconds"], 1), "messages": len(d["ms"]),
                                   "seconds": round(d["seconds"], 1), "threads": threads,
                                   **{k: v for k, v in stats(d["ms"], d["errors"]).items() if k != "n"}}


def warm_up(targets: list[Target], warm: list[str]) -> None:
    """Unmeasured messages, each from a new sender (texts outside the measured ones)."""
    for t in targets:
        for text in warm:
            send(t.http, t.url, "bench-warm-" + uuid.uuid4().hex, text)


def rows(turns: int) -> list[tuple[str, str, str]]:
    """The table: label, figure path, which way is better."""
    first, last = f"turns 1-{WINDOW}", f"turns {turns - WINDOW + 1}-{turns}"
    path = f"long_conversation.turns_{turns - WINDOW + 1}_{turns}"
    return [
        ("new conversations p50 ms", "new_conversations.p50_ms", "lower"),
        ("new conversations p95 ms", "new_conversations.p95_ms", "lower"),
        (f"one conversation, {first} p50 ms", f"long_conversation.turns_1_{WINDOW}.p50_ms", "lower"),
        (f"one conversation, {first} p95 ms", f"long_conversation.turns_1_{WINDOW}.p95_ms", "lower"),
        (f"one conversation, {last} p50 ms", f"{path}.p50_ms", "lower"),
        (f"one conversation, {last} p95 ms", f"{path}.p95_ms", "lower"),
        (f"{last} / {first} (p50)", "long_conversation.last_over_first_p50", "lower"),
        ("saturation msg/s (1 replica)", "saturation.msg_per_s", "higher"),
        ("saturation p50 ms", "saturation.p50_ms", "lower"),
        ("RSS Rasa MB", "rss_mb.rasa", "lower"),
        ("RSS action server MB", "rss_mb.actions", "lower"),
        ("RSS both MB", "rss_mb.total", "lower"),
        ("start to first answer s (median)", "start_s.median", "lower"),
    ]


def lookup(figures: dict, path: str) -> float | None:
    """The figure at a dotted path ("saturation.msg_per_s"), None if missing."""
    value: object = figures
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, int | float) else None


def report(targets: list[Target], turns: int) -> dict[str, float]:
    """Print the table (with new/baseline when both builds ran); returns the ratios."""
    both = [t.name for t in targets] == ["baseline", "new"]
    print(f"\n{'':<42}" + "".join(f"{t.label:>30}" for t in targets) + (f"{'new/baseline':>14}" if both else ""))
    ratios: dict[str, float] = {}
    for label, path, better in rows(turns):
        values = [lookup(t.figures, path) for t in targets]
        if all(v is None for v in values):
            continue
        line = f"{label:<42}" + "".join(f"{'-' if v is None else v:>30}" for v in values)
        if both and values[0] and values[1] is not None:
            ratios[path] = round(values[1] / values[0], 2)
            line += f"{ratios[path]:>14}  ({better} is better)"
        print(line)
    phases = ("new_conversations", "long_conversation", "saturation")
    errors = {t.name: sum(lookup(t.figures, f"{p}.errors") or 0 for p in phases) for t in targets}
    print(f"errors (no answer, or the apology for an unreachable action server): {errors}")
    return ratios


def phases(pool: list[str], args: argparse.Namespace) -> list[tuple[str, Callable[[list[Target]], None]]]:
    """The measurements, in order: (name, run on the targets)."""
    return [("new conversations", lambda ts: new_conversations(ts, pool)),
            ("long conversation", lambda ts: long_conversation(ts, pool, args.turns)),
            ("saturation", lambda ts: saturation(ts, pool, args.threads, args.seconds, args.sat_rounds))]


def managed_run(builds: list[Build], pool: list[str], warm: list[str], args: argparse.Namespace) -> list[Target]:
    """Each phase on freshly started servers of both builds; start times and memory taken here."""
    targets = [Target(b.name, b.label, "", figures={"commit": b.commit, "dirty": b.dirty, "dir": str(b.root)})
               for b in builds]
    starts: dict[str, list[float]] = {b.name: [] for b in builds}
    memory: dict[str, list[dict]] = {b.name: [] for b in builds}
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    for i, (phase, measure) in enumerate(phases(pool, args)):
        servers = {b.name: Servers(b, workdir / f"{i + 1}-{b.name}") for b in builds}
        try:
            for b in builds if i % 2 == 0 else builds[::-1]:  # one at a time: starts don't share the CPU
                starts[b.name].append(round(servers[b.name].start(warm[0]), 1))
                print(f"{phase}: {b.label} answered {starts[b.name][-1]} s after launch", flush=True)
            for t in targets:
                t.url = servers[t.name].url
            warm_up(targets, warm[1:1 + args.warmup])
            measure(targets)
            for t in targets:
                memory[t.name].append({"after": phase, **servers[t.name].rss_mb()})
            print(f"{phase}: done", flush=True)
        finally:
            for s in servers.values():
                s.stop()
    for t in targets:
        t.figures["start_s"] = {"median": statistics.median(starts[t.name]), "each": starts[t.name]}
        mem = memory[t.name]
        t.figures["rss_mb"] = {"rasa": max(m["rasa"] for m in mem), "actions": max(m["actions"] for m in mem),
                               "total": max(m["rasa"] + m["actions"] for m in mem), "after_each_phase": mem}
    print(f"server logs: {workdir}")
    return targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="923b2ed", help="commit of today's build")
    parser.add_argument("--url", help="measure this running build instead of starting servers")
    parser.add_argument("--compare", help="with --url: another running build (the baseline), same run")
    parser.add_argument("--turns", type=int, default=200, help="turns of the long conversation")
    parser.add_argument("--threads", type=int, default=16, help="concurrent conversations at saturation")
    parser.add_argument("--seconds", type=float, default=20, help="longest saturation time per build")
    parser.add_argument("--sat-rounds", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=8, help="messages after the first answer (not measured texts)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--train", action="store_true", help="also time a full training run of the working tree")
    args = parser.parse_args()
    pool, warm = texts()
    result: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine()}
    if args.train:
        result["train_s"] = round(time_training())
        print(f"training (rasa train --force): {result['train_s']} s", flush=True)
    result["settings"] = {
        "texts": f"single + oos of tests/cases.yml and tests/cases_wild.yml: {len(pool)} distinct, fixed shuffle",
        "rate_limit_per_minute": 0, "tracker_store": "SQLite, a new file per server start",
        "lock_store": "in-memory", "client": "Python requests on the same machine",
        "servers": "started by the bench for each phase, so no server receives a text twice" if not args.url
        else "already running (--url): texts recur across phases",
        "rounds": "each message to both builds in turn, the order alternating (ABBA); saturation: rounds",
        "warm_up_messages": args.warmup,
        "new_conversations": "each text once, each from a new sender",
        "long_conversation": f"{min(args.turns, len(pool))} turns of one sender, the first and last {WINDOW} reported",
        "saturation": f"{args.threads} client threads, conversations of up to 5 turns, at most {args.seconds:g} s "
                      f"per build in {args.sat_rounds} rounds, stopping when the distinct texts are used up"}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out (finally:)
    if args.url:
        targets = [Target("new", f"new ({args.url})", args.url.rstrip("/"))]
        if args.compare:
            targets.insert(0, Target("baseline", f"baseline ({args.compare})", args.compare.rstrip("/")))
        warm_up(targets, warm[:args.warmup])
        for _, measure in phases(pool, args):
            measure(targets)
    else:
        builds = [baseline(args.baseline), working_tree()]
        print(f"builds: {builds[0].label} in {builds[0].root}, {builds[1].label} in {builds[1].root}", flush=True)
        targets = managed_run(builds, pool, warm, args)
    result["builds"] = {t.name: {"label": t.label, **t.figures} for t in targets}
    result["new_over_baseline"] = report(targets, min(args.turns, len(pool)))
    print(f"machine: {result['machine']['cpus']} CPUs ({result['machine']['cpu']}); rate limit off")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n")
        print(f"results: {args.json}")


if __name__ == "__main__":
    main()
