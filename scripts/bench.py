#!/usr/bin/env python3
"""Benchmark: REST latency of N sequential messages through Rasa and the action server.

usage: .venv/bin/python scripts/bench.py [--url http://localhost:5005] [--n 200] [--train]
Prints p50/p95/p99 and the mean; questions cycle through tests/cases.yml (answers, follow-ups,
out of scope), a few per conversation, like real users. With --train it first times a full
`rasa train --force` into a temporary folder (the served model is not touched).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases.yml"


def time_training() -> float:
    """Seconds for a full `rasa train --force` (NLU + dialogue) into a temporary folder."""
    rasa = str(Path(sys.executable).parent / "rasa")
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([rasa, "train", "--force", "--out", out], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://localhost:5005")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--train", action="store_true", help="also time a full training run")
    args = parser.parse_args()
    if args.train:
        print(f"training (rasa train --force): {time_training():.0f} s", flush=True)
    cases = yaml.safe_load(CASES.read_text())
    texts = [c["text"] for c in cases["single"]] + cases["oos"]
    url = args.url.rstrip("/") + "/webhooks/rest/webhook"
    session = requests.Session()
    ms = []
    sender = uuid.uuid4().hex
    for i in range(args.warmup + args.n):
        if i % 5 == 0:
            sender = uuid.uuid4().hex  # a new conversation every 5 messages
        start = time.perf_counter()
        response = session.post(url, json={"sender": sender, "message": texts[i % len(texts)]}, timeout=60)
        elapsed = (time.perf_counter() - start) * 1000
        response.raise_for_status()
        assert response.json(), "empty reply"
        if i >= args.warmup:
            ms.append(elapsed)
    ms.sort()

    def pct(p: float) -> float:
        return ms[min(len(ms) - 1, int(p * (len(ms) - 1)))]

    print(f"{len(ms)} sequential REST messages: p50 {statistics.median(ms):.1f} ms  p95 {pct(0.95):.1f} ms  "
          f"p99 {pct(0.99):.1f} ms  mean {statistics.mean(ms):.1f} ms  max {ms[-1]:.1f} ms")


if __name__ == "__main__":
    main()
