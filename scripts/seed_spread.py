#!/usr/bin/env python3
"""How much of a figure is DIET's training seed: train the working tree's data once per seed, serve each
model, score the case sets, and print each figure per seed with its spread.

usage: .venv/bin/python scripts/seed_spread.py [--seeds 7 42 99] [--json bench/results/seeds.json]
                                               [--keep DIR] [CASES...]

A change to the training data is judged on the mean over seeds, not on one model: adding ten examples
to two intents moved the development answers by as much as a change of seed does (docs/evaluation.md).
Each seed's model is trained into a temporary folder (models/ is left alone), or with --keep into
DIR/seed-N, where a later run with the same data finds it (to score a change of code alone: training is
deterministic for a seed); its servers run on free ports (scripts/bench_servers.py). Cases default to
`make eval`'s sets and the development sets.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_servers import QUIET, ROOT, Servers, working_tree

sys.path.insert(0, str(ROOT))
from bot.tools import evaluate  # noqa: E402  (the project's package, beside this script)

SEED = re.compile(r"(random_seed:\s*)\d+")
DEFAULT_CASES = ["tests/cases.yml", "tests/cases_wild.yml", "tests/red_flags.yml", "tests/non_skin.yml",
                 *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "dev").glob("*.yml"))]


def seeded(config: str, seed: int) -> str:
    """config.yml's text with DIET's `random_seed` set to `seed`."""
    return SEED.sub(lambda m: m.group(1) + str(seed), config)


def train(seed: int, out: Path) -> Path:
    """A model of the working tree's data with DIET's `random_seed` set to `seed`, in `out` (one kept
    there already is used as it is)."""
    if any((out / "models").glob("*.tar.gz")):
        return out / "models"
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.yml").write_text(seeded((ROOT / "config.yml").read_text(), seed))
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot.cli", "rasa", "train", "--config",
                    str(out / "config.yml"), "--out", str(out / "models"), "--fixed-model-name", "faq"],
                   cwd=ROOT, check=True, env={**os.environ, **QUIET},
                   stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    return out / "models"


def totals(figures: dict) -> dict[str, list[int]]:
    """Each figure summed over the case files: [passed, of]."""
    summed: dict[str, list[int]] = {}
    for fig in figures["files"].values():
        for name, value in fig.items():
            if isinstance(value, list) and len(value) == 2 and value[1]:
                passed, of = summed.get(name, [0, 0])
                summed[name] = [passed + value[0], of + value[1]]
    return summed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=DEFAULT_CASES)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 42, 99])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", type=Path, help="train each seed's model into DIR/seed-N, or use the one there")
    args = parser.parse_args()
    if not SEED.search((ROOT / "config.yml").read_text()):
        sys.exit("config.yml sets no random_seed: nothing to vary")
    per_seed: dict[int, dict[str, list[int]]] = {}
    for seed in args.seeds:
        with tempfile.TemporaryDirectory(prefix=f"seed-{seed}-") as tmp:
            models = train(seed, args.keep / f"seed-{seed}" if args.keep else Path(tmp))
            servers = Servers(working_tree(), Path(tmp) / "run", model=models)
            try:
                servers.start("hello")
                out = Path(tmp) / "figures.json"
                evaluate.main([*(str(ROOT / c) for c in args.cases), "--url", servers.url, "--text-only",
                               "--json", str(out)])
                per_seed[seed] = totals(json.loads(out.read_text()))
            finally:
                servers.stop()
        print(f"seed {seed}: " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in per_seed[seed].items()), flush=True)
    names = list(per_seed[args.seeds[0]])
    spread = {}
    for name in names:
        passed = [per_seed[s][name][0] for s in args.seeds]
        spread[name] = {"of": per_seed[args.seeds[0]][name][1], "per_seed": passed,
                        "mean": round(statistics.mean(passed), 1), "min": min(passed), "max": max(passed)}
        print(f"{name:20s} mean {spread[name]['mean']:7.1f} of {spread[name]['of']}  range {min(passed)}-{max(passed)}"
              f"  ({', '.join(f'{s}: {p}' for s, p in zip(args.seeds, passed, strict=True))})")
    if args.json:
        args.json.write_text(json.dumps({"seeds": args.seeds, "cases": args.cases, "figures": spread}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
