"""Score case files against the running bot's REST channel.

usage: python -m bot.tools.evaluate tests/cases.yml [tests/cases_wild.yml ...] [--url http://localhost:5005]
       [--text-only] [--after-another] [--json OUT]
Case file: `single` ({topic, text, expect_any | expect_all, expect_none}), `oos` (texts) and
`conversations` ({topic, turns, expect_*}; only the last reply is checked): the shape of shared/eval.
With --text-only, suggestion buttons don't count: the answer text must say it. Safety cases must
carry the expected phrase in the first message (the warning first). Prints per-topic accuracy,
groundedness (8-word runs of the article), out-of-scope accuracy, median words per answer and
latency p50/p95; --json writes the figures per file. With --after-another, each message is the second turn
of a conversation opened by another question of the file (a new subject must replace the old one).
"""

from __future__ import annotations

import argparse
import json
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
PRECISION_SETS = ("non_skin_declined", "customer_service", "no_false_alarm", "red_flag_first", "urgent_first")
URGENT = ("medical help now", "emergency")  # what the first message of an urgent warning says
UNGROUNDED_TOPICS = {"greet", "capabilities", "bot", "safety", "abstain", "goodbye", "thanks", "no_false_alarm"}


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

    def __init__(self, url: str, text_only: bool = False) -> None:
        self.url = url.rstrip("/") + "/webhooks/rest/webhook"
        self.text_only = text_only
        self.ms: list[float] = []
        self.first = ""  # the first message of the last reply
        self.kinds: list[str] = []  # the `kind` of each message of the last reply (custom payload)

    def say(self, sender: str, text: str) -> str:
        start = time.perf_counter()
        response = requests.post(self.url, json={"sender": sender, "message": text}, timeout=60)
        self.ms.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        parts = []
        self.kinds = [(msg.get("custom") or {}).get("kind", "") for msg in response.json()]
        for msg in response.json():
            parts.append(msg.get("text") or "")
            if not self.text_only:
                parts += [b.get("title", "") for b in msg.get("buttons") or []]
        self.first = next((p for p in parts if p), "")
        return "\n".join(p for p in parts if p)


SECTIONS = ("oos", "non_skin", "customer_service", "harmless", "warning", "urgent")  # messages, no expectation


def has_any(reply: str, phrases: list[str]) -> bool:
    low = reply.lower().replace("’", "'")
    return any(p.lower().replace("’", "'") in low for p in phrases)


def expected(reply: str, case: dict) -> bool:
    """expect_any (one phrase), expect_all (every phrase), and none of expect_none."""
    if has_any(reply, case.get("expect_none") or []):
        return False
    if "expect_all" in case:
        return all(has_any(reply, [p]) for p in case["expect_all"])
    return has_any(reply, case["expect_any"])


def openers(cases: dict) -> dict[str, str]:
    """For --after-another: each message's first turn, another question of the same file (the one half the
    questions away, so a question is rarely preceded by one on its topic)."""
    questions = [case["text"] for case in cases.get("single", [])]
    texts = questions + [t for key in SECTIONS for t in cases.get(key, [])]
    n = len(questions)
    return {text: questions[(i + n // 2) % n] for i, text in enumerate(texts)} if n > 1 else {}


def evaluate(cases: dict, client: Client, grounded: Grounding,
             after_another: bool = False) -> tuple[dict, list[str], list[int]]:
    """Returns ({topic: [ok, total]}, failure lines, words per grounded answer). `after_another`: every
    message (conversations aside) is the second turn of a conversation opened by another question of the
    file: a question that stands on its own must be answered the same way there."""
    score: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    fails = []
    lengths = []
    first = openers(cases) if after_another else {}

    def ask(text: str) -> str:
        sender = uuid.uuid4().hex
        if text in first and first[text] != text:
            client.say(sender, first[text])
        return client.say(sender, text)

    def record(key: str, ok: bool, what: str, reply: str) -> None:
        score[key][0] += ok
        score[key][1] += 1
        if not ok:
            fails.append(f"FAIL {key:<16} {what[:60]:<60} -> {reply[:150]!r}")

    for case in cases.get("single", []):
        reply = ask(case["text"])
        ok = expected(reply, case)
        if case["topic"] == "safety":  # the warning comes first, before any quote
            ok = ok and has_any(client.first, case["expect_any"])
        if case["topic"] not in UNGROUNDED_TOPICS:
            lengths.append(len(reply.split()))
            g = grounded(reply)
            record("(grounded)", g, case["text"], reply)
            ok = ok and g
        record(case["topic"], ok, case["text"], reply)
    for text in cases.get("oos", []):
        reply = ask(text)
        record("(out of scope)", bool(reply.strip()) and not grounded(reply), text, reply)
    for text in cases.get("non_skin", []):  # not about skin: declined, no quote, no warning
        reply = ask(text)
        record("(non-skin declined)", not grounded(reply) and "red_flag" not in client.kinds, text, reply)
    for text in cases.get("customer_service", []):  # orders, refunds...: handed off, no quote
        reply = ask(text)
        record("(customer service)", not grounded(reply) and "handoff" in client.kinds, text, reply)
    for text in cases.get("harmless", []):  # a trigger word used harmlessly: no warning
        reply = ask(text)
        record("(no false alarm)", "red_flag" not in client.kinds, text, reply)
    for text in cases.get("warning", []):  # a real red flag: the warning comes first
        reply = ask(text)
        record("(red flag first)", client.kinds[:1] == ["red_flag"], text, reply)
    for text in cases.get("urgent", []):  # an emergency: "get medical help now" first
        reply = ask(text)
        record("(urgent first)", client.kinds[:1] == ["red_flag"] and has_any(client.first, list(URGENT)), text, reply)
    for case in cases.get("conversations", []):
        sender = uuid.uuid4().hex
        for turn in case["turns"]:
            reply = client.say(sender, turn)
        record("conv:" + case["topic"], expected(reply, case), " | ".join(case["turns"]), reply)
    return score, fails, lengths


def summary(score: dict, lengths: list[int], ms: list[float]) -> dict:
    """The headline figures of one case file."""
    answers = [v for k, v in score.items() if not k.startswith(("(", "conv:"))]
    convs = [v for k, v in score.items() if k.startswith("conv:")]
    ms = sorted(ms)

    def pair(values: list[list[int]]) -> list[int]:
        return [sum(v[0] for v in values), sum(v[1] for v in values)]

    return {"answers": pair(answers), "grounded": list(score.get("(grounded)", [0, 0])),
            "out_of_scope": list(score.get("(out of scope)", [0, 0])), "conversations": pair(convs),
            **{key.strip("()").replace(" ", "_").replace("-", "_"): list(score[key]) for key in
               ("(non-skin declined)", "(customer service)", "(no false alarm)", "(red flag first)",
                         "(urgent first)") if key in score},
            "median_words": statistics.median(lengths) if lengths else 0,
            "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path, nargs="+")
    parser.add_argument("--url", default="http://localhost:5005")
    parser.add_argument("--article", type=Path, default=ARTICLE_PATH)
    parser.add_argument("--text-only", action="store_true", help="suggestion buttons don't count")
    parser.add_argument("--json", type=Path, help="write the figures of every case file here")
    parser.add_argument("--after-another", action="store_true",
                        help="ask each message after another question of the same file, in one conversation")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any case fails")
    args = parser.parse_args(argv)
    grounded = Grounding(args.article.read_text())
    results, failed = {}, False
    for path in args.cases:
        client = Client(args.url, args.text_only)
        score, fails, lengths = evaluate(yaml.safe_load(path.read_text()), client, grounded, args.after_another)
        failed |= bool(fails)
        print(f"== {path}")
        for line in fails:
            print(line)
        fig = results[path.name] = summary(score, lengths, client.ms)
        (ok, total), (g, gt), (o, ot), (c, ct) = (fig["answers"], fig["grounded"], fig["out_of_scope"],
                                                  fig["conversations"])
        extra = "".join(f" {k} {v[0]}/{v[1]}" for k, v in fig.items() if k in PRECISION_SETS)
        print(f"answers {ok}/{total} ({ok / max(total, 1):.2f}) grounded {g}/{gt} out-of-scope {o}/{ot} "
              f"conversations {c}/{ct}{extra} words {fig['median_words']:.0f} "
              f"latency p50 {fig['p50_ms']:.0f} ms p95 {fig['p95_ms']:.0f} ms")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"text_only": args.text_only, "files": results}, indent=1) + "\n")
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
