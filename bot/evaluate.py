"""Score a case file against the running bot's REST channel.

usage: python -m bot.evaluate tests/cases.yml [--url http://localhost:5005]
Case file: `single` ({topic, text, expect_any}), `oos` (texts) and `conversations`
({topic, turns, expect_any}; only the last reply is checked) - the shape of shared/eval.
Prints per-topic accuracy, groundedness (8-word runs of the article), out-of-scope accuracy
and latency p50/p95.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import requests
import yaml

from bot.config import ARTICLE_PATH

RUN = 8
UNGROUNDED_TOPICS = {"greet", "capabilities", "bot", "safety", "abstain", "goodbye", "thanks"}


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


class Grounding:
    """Is a reply quoted from the article? (a run of 8 words, or a whole short line, in common)"""

    def __init__(self, article: str) -> None:
        w = words(article)
        self.runs = {tuple(w[i:i + RUN]) for i in range(len(w) - RUN + 1)}
        self.lines = [" ".join(lw) for lw in map(words, article.splitlines()) if 4 <= len(lw) < RUN]

    def __call__(self, reply: str) -> bool:
        w = words(reply)
        joined = " " + " ".join(w) + " "
        return any(tuple(w[i:i + RUN]) in self.runs for i in range(len(w) - RUN + 1)) or any(
            f" {line} " in joined for line in self.lines)


class Client:
    """Talks to the REST channel and times every message."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/") + "/webhooks/rest/webhook"
        self.ms: list[float] = []

    def say(self, sender: str, text: str) -> str:
        start = time.perf_counter()
        response = requests.post(self.url, json={"sender": sender, "message": text}, timeout=60)
        self.ms.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        parts = []
        for msg in response.json():
            parts.append(msg.get("text") or "")
            parts += [b.get("title", "") for b in msg.get("buttons") or []]
        return "\n".join(p for p in parts if p)


def has_any(reply: str, phrases: list[str]) -> bool:
    low = reply.lower().replace("’", "'")
    return any(p.lower().replace("’", "'") in low for p in phrases)


def evaluate(cases: dict, client: Client, grounded: Grounding) -> tuple[dict, list[str]]:
    """Returns ({topic: [ok, total]}, failure lines)."""
    score: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    fails = []

    def record(key: str, ok: bool, what: str, reply: str) -> None:
        score[key][0] += ok
        score[key][1] += 1
        if not ok:
            fails.append(f"FAIL {key:<16} {what[:60]:<60} -> {reply[:150]!r}")

    for case in cases.get("single", []):
        reply = client.say(uuid.uuid4().hex, case["text"])
        ok = has_any(reply, case["expect_any"])
        if case["topic"] not in UNGROUNDED_TOPICS:
            g = grounded(reply)
            record("(grounded)", g, case["text"], reply)
            ok = ok and g
        record(case["topic"], ok, case["text"], reply)
    for text in cases.get("oos", []):
        reply = client.say(uuid.uuid4().hex, text)
        record("(out of scope)", bool(reply.strip()) and not grounded(reply), text, reply)
    for case in cases.get("conversations", []):
        sender = uuid.uuid4().hex
        for turn in case["turns"]:
            reply = client.say(sender, turn)
        record("conv:" + case["topic"], has_any(reply, case["expect_any"]), " | ".join(case["turns"]), reply)
    return score, fails


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path)
    parser.add_argument("--url", default="http://localhost:5005")
    parser.add_argument("--article", type=Path, default=ARTICLE_PATH)
    args = parser.parse_args(argv)
    cases = yaml.safe_load(args.cases.read_text())
    client = Client(args.url)
    score, fails = evaluate(cases, client, Grounding(args.article.read_text()))
    for line in fails:
        print(line)
    print(f"{'topic':<28} correct")
    for topic, (ok, total) in sorted(score.items()):
        print(f"{topic:<28} {ok}/{total}")
    answers = [v for k, v in score.items() if not k.startswith(("(", "conv:"))]
    ok, total = sum(v[0] for v in answers), sum(v[1] for v in answers)
    ms = sorted(client.ms)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    g, o = score["(grounded)"], score["(out of scope)"]
    print(f"answers {ok}/{total} ({ok / max(total, 1):.2f}) grounded {g[0]}/{g[1]} out-of-scope {o[0]}/{o[1]} "
          f"latency p50 {statistics.median(ms):.0f} ms p95 {p95:.0f} ms")
    return 0 if not fails else 1


if __name__ == "__main__":
    sys.exit(main())
