"""Does a turn cost more the longer the conversation? (docs/conversation.md, stop 40)

Both builds (`--baseline` commit and the working tree, as scripts/bench.py starts them), one
conversation each, `--turns` turns cycling through the bench's 266 texts, rounds of 25 alternating
ABBA. The first 50 texts are asked again 266 turns later: their latency then over their first time,
text by text (median), is the growth; the same texts, so content doesn't enter (noisy: ±0.15 between
runs here). Then, on the new build's database, what a turn's fingerprint query costs at that length:
the tracker store's (the newest row) and the one it replaced (count(*), max(timestamp): every row).

    .venv/bin/python scripts/bench_growth.py --baseline 7c21a53 [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import requests
from bench_servers import Servers, baseline, send, working_tree

import bench

SAME = 50  # texts compared at their first and second asking
QUERIES = {"newest row (now)": "SELECT id, timestamp FROM events WHERE sender_id = ? ORDER BY id DESC LIMIT 1",
           "count(*), max(id), max(timestamp) (until stop 40)":
           "SELECT count(id), max(id), max(timestamp) FROM events WHERE sender_id = ?"}


def query_ms(database: Path, sender: str) -> dict[str, float]:
    """Median ms of each fingerprint query for one conversation (200 runs each), and its rows."""
    with sqlite3.connect(database) as db:
        figures = {"rows": db.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]}
        for name, sql in QUERIES.items():
            runs = []
            for _ in range(200):
                begin = time.perf_counter()
                db.execute(sql, (sender,)).fetchone()
                runs.append((time.perf_counter() - begin) * 1000)
            figures[name] = round(statistics.median(runs), 3)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="7c21a53")
    parser.add_argument("--turns", type=int, default=320)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    pool, warm = bench.texts()
    if args.turns < len(pool) + SAME:
        parser.error(f"--turns must be at least {len(pool) + SAME} (the pool and {SAME} texts again)")
    texts = [pool[i % len(pool)] for i in range(args.turns)]
    builds = [baseline(args.baseline), working_tree()]
    work = Path(tempfile.mkdtemp(prefix="growth-"))
    servers = {b.name: Servers(b, work / b.name) for b in builds}
    try:
        for b in builds:
            print(f"{b.label} answered {servers[b.name].start(warm[0]):.1f} s after launch", flush=True)
        http = {b.name: requests.Session() for b in builds}
        for b in builds:
            for text in warm[1:9]:
                send(http[b.name], servers[b.name].url, "warm-" + uuid.uuid4().hex, text)
        sender = {b.name: "growth-" + uuid.uuid4().hex for b in builds}
        ms: dict[str, list[float]] = {b.name: [] for b in builds}
        for r, lo in enumerate(range(0, args.turns, bench.WINDOW)):
            for b in builds if r % 2 == 0 else builds[::-1]:
                for text in texts[lo:lo + bench.WINDOW]:
                    ms[b.name].append(send(http[b.name], servers[b.name].url, sender[b.name], text)[0])
        figures = {}
        for b in builds:
            first, again = ms[b.name][:SAME], ms[b.name][len(pool):len(pool) + SAME]
            ratios = [a / f for f, a in zip(first, again, strict=True)]
            figures[b.name] = {"label": b.label, "first_p50_ms": round(statistics.median(first), 1),
                               "again_p50_ms": round(statistics.median(again), 1),
                               "again_over_first": round(statistics.median(ratios), 2)}
            print(figures[b.name], flush=True)
        figures["fingerprint_query_ms"] = query_ms(work / "new" / "tracker.db", sender["new"])
        print("fingerprint query, ms:", figures["fingerprint_query_ms"])
        if args.json:
            args.json.write_text(json.dumps({"turns": args.turns, "same_texts": SAME, "builds": figures}, indent=1))
    finally:
        for s in servers.values():
            s.stop()


if __name__ == "__main__":
    main()
