#!/usr/bin/env python3
"""Benchmark: the operators' report (bot/tools/report.py) on a large tracker store.

usage: .venv/bin/python scripts/bench_report.py [--conversations 100000] [--rounds 1] [--json PATH]
       [--keep DIR] [--seed 7]
Fills a fresh SQLite store in a temporary folder (Rasa's `events` table, made with SQLAlchemy: no
Rasa import) with N conversations spread over 60 days, shaped like the bot's: session start and
action rows, user messages with full parse data (some button clicks, some with an e-mail address
or phone number; unanswered ones varied: 13 questions, misspellings of them and word salad), 1-3
bot messages per question (answer, abstain, clarify, declined, red_flag, smalltalk...), `last_topic`
slots, 👍/👎 votes (`/feedback` messages and `feedback` slots, some with a comment, some voted
twice). Then times `report --out` on it (median of --rounds) and prints the figures; --json writes
them; --keep DIR keeps the store and the last report there.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.privacy.store import events_table  # noqa: E402

DAYS = 60
TOPICS = ["pie", "pih", "routine", "causes", "serum", "dermatologist", "results_time", "picking", "skin_tone",
          "treatments", "cleanser", "home_remedies", "marks_vs_scars", "salicylic", "thiamidol", "prevention"]
ANSWERED = ["what causes {x} marks", "how do i get rid of {x} marks", "why are my marks {x}", "is the serum ok for {x}",
            "how long until {x} marks fade", "what routine for {x} skin", "do i need a dermatologist for {x}"]
FILL = ["red", "brown", "dark", "pink", "oily", "sensitive", "old", "new", "purple", "deep"]
UNANSWERED = ["does lemon juice fade dark spots", "does lemon juice fade dark spots??",
              "can i use retinol while pregnant", "can I use retinol when pregnant", "how much does the serum cost",
              "how much does this serum cost?",
              "do you ship to australia", "do u ship to australia", "is the serum vegan", "what about microneedling",
              "does vitamin c help with red marks", "does retinol help with red marks", "is it safe for teenagers"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"
WORDS = ("acne mark spot serum retinol vitamin skin red brown dark fade cream laser peel price ship order pregnant "
         "safe teen oily dry face body back chest scar pit week month night sunscreen spf zinc tea tree aloe").split()
CONTACT = [" my email is jane.doe+skin@example.co.uk", " call me on +44 20 7946 0958", " (555) 123-4567 is my number"]
KINDS = [("answer", 62), ("abstain", 12), ("clarify", 5), ("declined", 8), ("red_flag", 4), ("smalltalk", 9)]
RANKING = ["ask_causes", "ask_routine", "ask_red_marks", "ask_brown_marks", "ask_serum", "ask_dermatologist",
           "ask_results_time", "ask_picking", "ask_skin_tone", "out_of_scope"]
META = {"model_id": "a3b2337781da4dc5a8e7fd472ad5ab0d", "assistant_id": "pimple-marks-faq"}
BUTTONS = [{"title": "What are red marks (PIE)?", "payload": "/ask_red_marks"},
           {"title": "How do I get rid of my marks?", "payload": "/ask_routine"}]
LONG_TEXT = ("Post-inflammatory erythema (PIE) shows up as red, pink, or purple flat marks caused by inflammation "
             "that damages or dilates the skin's blood vessels.")


class Conversations:
    """Makes the rows of realistic conversations."""

    def __init__(self, rng: random.Random, start: float) -> None:
        self.rng, self.start = rng, start

    def row(self, sender: str, type_name: str, ts: float, data: dict[str, Any], intent: str | None = None,
            action: str | None = None) -> dict[str, Any]:
        return {"sender_id": sender, "type_name": type_name, "timestamp": ts, "intent_name": intent,
                "action_name": action, "data": json.dumps({"event": type_name, "timestamp": ts, "metadata": META,
                                                           **data})}

    def user(self, sender: str, ts: float, text: str) -> dict[str, Any]:
        rng = self.rng
        intent = rng.choice(RANKING)
        top = rng.betavariate(5, 1.2)
        ranking = [{"name": intent, "confidence": top}] + [{"name": n, "confidence": (1 - top) / 9} for n in RANKING
                                                           if n != intent][:9]
        parse = {"intent": {"name": intent, "confidence": top}, "entities": [], "text": text,
                 "message_id": uuid.uuid4().hex, "metadata": {}, "text_tokens": [[0, 4], [5, 9], [10, 14]],
                 "intent_ranking": ranking}
        return self.row(sender, "user", ts, {"text": text, "parse_data": parse, "input_channel": "rest",
                                             "message_id": parse["message_id"]}, intent=intent)

    def bot(self, sender: str, ts: float, kind: str, topic: str | None, answer: str | None) -> dict[str, Any]:
        custom: dict[str, Any] = {"kind": kind}
        if topic:
            custom.update(section="What causes pimple marks?", topic=topic)
        if answer:
            custom["id"] = answer
        data = {"elements": None, "quick_replies": None, "buttons": BUTTONS, "attachment": None, "image": None,
                "custom": custom}
        return self.row(sender, "bot", ts, {"text": LONG_TEXT, "data": data})

    def unanswered(self) -> str:
        """Half as in UNANSWERED, a third misspelt (1-3 letters), the rest word salad: thousands of distinct texts."""
        rng, r = self.rng, self.rng.random()
        if r < 0.5:
            return rng.choice(UNANSWERED)
        if r < 0.85:
            text = list(rng.choice(UNANSWERED))
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(len(text))
                text[i:i + 1] = rng.choice([[], [rng.choice(LETTERS)] + text[i:i + 1], [rng.choice(LETTERS)]])
            return "".join(text) + rng.choice(["", "?", " pls", "??", " thanks"])
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))

    def conversation(self, n: int) -> list[dict[str, Any]]:
        rng, sender = self.rng, uuid.uuid4().hex
        ts = self.start + rng.random() * DAYS * 86400
        rows = [self.row(sender, "action", ts, {"name": "action_session_start"}, action="action_session_start"),
                self.row(sender, "session_started", ts, {}),
                self.row(sender, "action", ts, {"name": "action_listen"}, action="action_listen")]
        for q in range(rng.randint(1, 6)):
            ts += rng.uniform(5, 60)
            kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
            if kind in ("abstain", "clarify", "declined"):
                text = self.unanswered()
            elif rng.random() < 0.1:
                text = rng.choice(BUTTONS)["payload"]
            else:
                text = rng.choice(ANSWERED).format(x=rng.choice(FILL))
            if rng.random() < 0.03:
                text += rng.choice(CONTACT)
            rows.append(self.user(sender, ts, text))
            rows.append(self.row(sender, "action", ts + 0.01, {"name": "action_answer"}, action="action_answer"))
            topic = rng.choice(TOPICS) if kind in ("answer", "abstain") else None
            answer = f"{n}-{q}" if kind == "answer" else None
            rows.append(self.bot(sender, ts + 0.02, kind, topic, answer))
            for extra in range(rng.randint(0, 2)):
                rows.append(self.bot(sender, ts + 0.03 + extra / 100, "answer" if kind == "answer" else "smalltalk",
                                     topic, None))
            rows.append(self.row(sender, "slot", ts + 0.05, {"name": "last_topic", "value": topic},
                                 action="last_topic"))
            rows.append(self.row(sender, "action", ts + 0.06, {"name": "action_listen"}, action="action_listen"))
            if answer and rng.random() < 0.15:
                rows.extend(self.votes(sender, ts + rng.uniform(3, 20), answer, topic))
        return rows

    def votes(self, sender: str, ts: float, answer: str, topic: str | None) -> list[dict[str, Any]]:
        rng, rows = self.rng, []
        rating = "up" if rng.random() < 0.75 else "down"
        for i in range(1 + (rng.random() < 0.2)):  # a second event: a comment, or a changed mind
            comment = rng.choice(["didn't answer my question", "too long", "call me at 07700 900123"]) \
                if rating == "down" and i else None
            if i and rating == "up":
                rating = "down"
            value = {"answer": answer, "rating": rating, "topic": topic, "comment": comment}
            payload = "/feedback" + json.dumps(value)
            rows.append(self.user(sender, ts + i, payload))
            rows.append(self.row(sender, "slot", ts + i + 0.01, {"name": "feedback", "value": value},
                                 action="feedback"))
            rows.append(self.bot(sender, ts + i + 0.02, "feedback", None, None))
        return rows


def fill(url: str, conversations: int, seed: int) -> int:
    """A fresh store with `conversations` conversations; the number of rows."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    table = events_table(metadata)
    metadata.create_all(engine)
    maker = Conversations(random.Random(seed), time.time() - DAYS * 86400)
    rows = 0
    with engine.begin() as conn:
        batch: list[dict[str, Any]] = []
        for n in range(conversations):
            batch.extend(maker.conversation(n))
            if len(batch) >= 20000 or n == conversations - 1:
                conn.execute(table.insert(), batch)
                rows += len(batch)
                batch = []
    engine.dispose()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--keep", type=Path, help="keep the store and the last report in this folder")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from bot.tools.report import main as report

    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        db = where / "tracker.db"
        db.unlink(missing_ok=True)
        url = f"sqlite:///{db}"
        start = time.perf_counter()
        rows = fill(url, args.conversations, args.seed)
        fill_s = time.perf_counter() - start
        db_mb = round(db.stat().st_size / 1e6)
        print(f"Store: {args.conversations:,} conversations, {rows:,} rows, {db_mb:,} MB (filled in {fill_s:.0f} s)",
              flush=True)
        seconds = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            code = report(["--out", str(where / "report"), "--url", url, "--quiet"])
            seconds.append(time.perf_counter() - start)
            if code:
                return code
        summary = json.loads((where / "report" / "summary.json").read_text(encoding="utf-8"))
    figures = {"conversations": args.conversations, "rows": rows, "db_mb": db_mb, "fill_seconds": round(fill_s),
               "messages": summary["messages"],
               "unanswered_groups": summary["unanswered_groups"], "rounds": args.rounds,
               "seconds_median": round(statistics.median(seconds), 2), "seconds": [round(s, 2) for s in seconds],
               "rows_per_second": round(rows / statistics.median(seconds)), "python": platform.python_version(),
               "machine": f"{platform.machine()}, {os.cpu_count()} CPUs"}
    print(f"Report: {figures['seconds_median']} s (median of {args.rounds}) for {rows:,} rows, "
          f"{figures['rows_per_second']:,} rows/s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"Figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
