"""Soak (`make soak`, a benchmark, not a test): one replica (Rasa + action server, SQLite store) for
30 minutes at half of its saturation, open loop, in conversations of seven turns. Records the first
and the last 5 minutes' p50/p95 reply time, the servers' resident memory (each minute; growth from
the first minute, once warm, to the end) and their open file descriptors, into bench/results/soak.json.

usage: python scripts/soak.py [--minutes 30] [--rate MSG_PER_S] [--json OUT]
(--rate defaults to half the saturation measured by `make bench`, bench/results/bench.json.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_servers import ROOT, Servers, machine, working_tree  # noqa: E402 - after the path

QUESTIONS = ["what causes red marks?", "how long until the serum works?", "what is thiamidol?",
             "is it bad to pop pimples", "and the fluid?", "what about brown ones?", "thanks"]
WINDOW = 300  # seconds: the first and the last 5 minutes are compared


def fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def default_rate() -> float:
    """Half of one replica's saturation in the latest `make bench`."""
    bench = json.loads((ROOT / "bench" / "results" / "bench.json").read_text())
    return round(bench["builds"]["new"]["saturation"]["msg_per_s"] / 2, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, help="messages per second (default: half of saturation)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "soak.json")
    args = parser.parse_args(argv)
    rate = args.rate or default_rate()
    duration = args.minutes * 60
    window = min(WINDOW, duration / 3)
    servers = Servers(working_tree(), Path(tempfile.mkdtemp(prefix="soak-")))
    servers.start("what causes red marks?")
    samples: list[tuple[float, float, bool]] = []  # (seconds since start, ms, answered)
    snapshots: list[dict] = []
    lock = threading.Lock()
    http = requests.Session()
    http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=64))

    run = uuid.uuid4().hex[:8]

    def one(n: int) -> None:
        """Message n: conversations of len(QUESTIONS) turns, one after another."""
        begin = time.perf_counter()
        try:
            body = {"sender": f"soak-{run}-{n // len(QUESTIONS)}", "message": QUESTIONS[n % len(QUESTIONS)]}
            reply = http.post(servers.url + "/webhooks/rest/webhook", timeout=60, json=body)
            ok = reply.status_code == 200
        except requests.RequestException:
            ok = False
        with lock:
            samples.append((begin - start, (time.perf_counter() - begin) * 1000, ok))

    def snapshot() -> None:
        snapshots.append({"t": round(time.perf_counter() - start), **servers.rss_mb(),
                          "fds": {name: fds(p.pid) for name, p in servers.procs.items()}})

    start = time.perf_counter()
    snapshot()
    try:
        with ThreadPoolExecutor(32) as pool:
            n, next_snapshot = 0, 60.0
            while (now := time.perf_counter() - start) < duration:
                pool.submit(one, n)
                n += 1
                if now >= next_snapshot:
                    snapshot()
                    next_snapshot += 60
                time.sleep(max(0.0, n / rate - (time.perf_counter() - start)))
        snapshot()
    finally:
        servers.stop()

    def window_of(first: bool) -> dict:
        chosen = [ms for t, ms, ok in samples if ok and (t < window if first else t >= duration - window)]
        chosen.sort()
        return {"messages": len(chosen), "p50_ms": round(statistics.median(chosen), 1),
                "p95_ms": round(chosen[int(0.95 * (len(chosen) - 1))], 1)}

    first, last = window_of(True), window_of(False)
    rss = {name: (snapshots[1][name] if len(snapshots) > 2 else snapshots[0][name], snapshots[-1][name])
           for name in ("rasa", "actions")}
    result = {
        "minutes": args.minutes, "rate_msg_per_s": rate, "messages": len(samples),
        "failed": sum(1 for _, _, ok in samples if not ok),
        "first_window": first, "last_window": last, "p95_ratio": round(last["p95_ms"] / first["p95_ms"], 2),
        "rss_mb_after_1_min_and_at_end": rss,
        "rss_growth": round(sum(b for _, b in rss.values()) / sum(a for a, _ in rss.values()) - 1, 3),
        "fds_at_start_and_end": {name: (snapshots[0]["fds"][name], snapshots[-1]["fds"][name])
                                 for name in ("rasa", "actions")},
        "snapshots": snapshots, "machine": machine(),
    }
    args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("snapshots", "machine")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
