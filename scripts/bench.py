#!/usr/bin/env python3
"""Benchmark: REST latency of sequential messages through Rasa and the action server.

usage: .venv/bin/python scripts/bench.py [--url http://localhost:5005] [--compare URL] [--n 200]
       [--rounds 5] [--json bench/results/bench.json] [--train]
Questions cycle through tests/cases.yml and tests/cases_wild.yml (answers, follow-ups, several
questions at once, out of scope), a new conversation every 5 messages, like real users. With
--compare, a second running bot (another build) is measured in the same run: rounds alternate
between the two so that a busy machine slows both alike. With --train it first times a full
`rasa train --force` into a temporary folder (the served model is not touched).
"""

from __future__ import annotations

import argparse
import json
import os
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
CASE_FILES = (ROOT / "tests" / "cases.yml", ROOT / "tests" / "cases_wild.yml")


def time_training() -> float:
    """Seconds for a full `rasa train --force` (NLU + dialogue) into a temporary folder."""
    rasa = str(Path(sys.executable).parent / "rasa")
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([rasa, "train", "--force", "--out", out], cwd=ROOT, check=True,
                       env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start


def questions() -> list[str]:
    texts: list[str] = []
    for path in CASE_FILES:
        cases = yaml.safe_load(path.read_text())
        texts += [c["text"] for c in cases["single"]] + cases["oos"]
    return texts


def run(url: str, texts: list[str], start: int, n: int, session: requests.Session) -> list[float]:
    """Milliseconds for messages start..start+n (cycling through `texts`), a new sender every 5."""
    url = url.rstrip("/") + "/webhooks/rest/webhook"
    ms = []
    sender = uuid.uuid4().hex
    for i in range(start, start + n):
        if i % 5 == 0:
            sender = uuid.uuid4().hex
        begin = time.perf_counter()
        response = session.post(url, json={"sender": sender, "message": texts[i % len(texts)]}, timeout=60)
        ms.append((time.perf_counter() - begin) * 1000)
        response.raise_for_status()
        assert response.json(), "empty reply"
    return ms


def figures(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)

    def pct(p: float) -> float:
        return ms[min(len(ms) - 1, int(p * (len(ms) - 1)))]

    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(pct(0.95), 1),
            "p99_ms": round(pct(0.99), 1), "mean_ms": round(statistics.mean(ms), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://localhost:5005")
    parser.add_argument("--compare", help="URL of another running build, measured in the same run")
    parser.add_argument("--n", type=int, default=200, help="messages per build")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--train", action="store_true", help="also time a full training run")
    args = parser.parse_args()
    result: dict = {"date": time.strftime("%Y-%m-%d"), "messages": "tests/cases.yml + tests/cases_wild.yml"}
    if args.train:
        result["train_s"] = round(time_training())
        print(f"training (rasa train --force): {result['train_s']} s", flush=True)
    texts = questions()
    builds = {"this build": args.url} | ({"compared build": args.compare} if args.compare else {})
    sessions = {name: requests.Session() for name in builds}
    for name, url in builds.items():
        run(url, texts, 0, args.warmup, sessions[name])
    ms: dict[str, list[float]] = {name: [] for name in builds}
    per_round = args.n // args.rounds
    for r in range(args.rounds):
        for name, url in builds.items():
            ms[name] += run(url, texts, args.warmup + r * per_round, per_round, sessions[name])
    for name, url in builds.items():
        fig = result[name] = {"url": url, **figures(ms[name])}
        print(f"{name} ({url}): {fig['n']} sequential REST messages: p50 {fig['p50_ms']} ms  "
              f"p95 {fig['p95_ms']} ms  p99 {fig['p99_ms']} ms  mean {fig['mean_ms']} ms")
    if args.compare:
        result["p50_ratio"] = round(result["this build"]["p50_ms"] / result["compared build"]["p50_ms"], 2)
        print(f"p50 ratio (this / compared): {result['p50_ratio']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
