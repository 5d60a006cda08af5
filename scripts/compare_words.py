#!/usr/bin/env python3
"""Concision, compared fairly: words per answer of two running builds on the questions BOTH answer right.

usage: .venv/bin/python scripts/compare_words.py --url http://localhost:5005 --compare URL [--json PATH]
The median over all grounded replies (`make eval`) also moves when a build answers more questions
right; on the same correctly answered questions it shows whether answers got longer. Text only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.tools.evaluate import UNGROUNDED_TOPICS, Client, Grounding, expected  # noqa: E402

SETS = [ROOT / "tests" / "cases.yml", ROOT / "tests" / "cases_wild.yml",
        ROOT.parent / "shared" / "eval" / "dev-cases.yml", ROOT.parent / "shared" / "eval" / "dev-wild.yml"]


def compare(path: Path, new: Client, old: Client, grounded: Grounding) -> dict[str, object]:
    rows = []
    for case in yaml.safe_load(path.read_text(encoding="utf-8")).get("single", []):
        if case["topic"] in UNGROUNDED_TOPICS:
            continue
        a, b = new.say(uuid.uuid4().hex, case["text"]), old.say(uuid.uuid4().hex, case["text"])
        rows.append((expected(a, case) and grounded(a), expected(b, case) and grounded(b), len(a.split()),
                     len(b.split())))
    both = [r for r in rows if r[0] and r[1]]
    return {"both_right": len(both),
            "median_words_both_right": [statistics.median(r[2] for r in both), statistics.median(r[3] for r in both)],
            "median_words_all": [statistics.median(r[2] for r in rows), statistics.median(r[3] for r in rows)],
            "shorter_equal_longer": [sum(r[2] < r[3] for r in both), sum(r[2] == r[3] for r in both),
                                     sum(r[2] > r[3] for r in both)]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:5005")
    parser.add_argument("--compare", required=True)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    grounded = Grounding((ROOT / "tests" / "data" / "pimple-marks-article.txt").read_text(encoding="utf-8"))
    new, old = Client(args.url, text_only=True), Client(args.compare, text_only=True)
    figures = {p.name: compare(p, new, old, grounded) for p in SETS if p.exists()}
    for name, f in figures.items():
        print(f"{name:16} both right {f['both_right']:3}  median words (new / compared) on those "
              f"{f['median_words_both_right'][0]} / {f['median_words_both_right'][1]}, on all "
              f"{f['median_words_all'][0]} / {f['median_words_all'][1]};  shorter/equal/longer "
              f"{'/'.join(map(str, f['shorter_equal_longer']))}")
    if args.json:
        args.json.write_text(json.dumps({"new": args.url, "compared": args.compare, "sets": figures}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
