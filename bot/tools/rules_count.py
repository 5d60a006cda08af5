"""Count the hand-written alternatives the understanding rests on: keywords, phrases, word lists,
regular-expression alternatives and exceptions in `bot/data/` and `bot/knowledge/`.

usage: python -m bot.tools.rules_count [ROOT] [--json OUT]
A regular expression counts one per alternative (`a|b|c`: 3, look-arounds included); a list, set or
tuple of plain words or phrases counts one per entry (collections of fewer than three are settings,
not lists); NLU training examples and the article are data, not rules, and don't count; nor do
names (a module's `__all__`, constants declared together, topic ids such as `remedies`).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from bot.config import ROOT

REGEX_MARK = re.compile(r"\\b|\(\?[:=!<]|[|^$]|\\s|\\w|\[[^\]]+\]")
UNESCAPED_BAR = re.compile(r"(?<!\\)\|")


def regex_alternatives(pattern: str) -> int:
    """1 + the number of `|` in a pattern (and one more per look-around: an exception)."""
    return 1 + len(UNESCAPED_BAR.findall(pattern)) + pattern.count("(?<!") + pattern.count("(?!")


def _count_value(value: Any) -> int:
    if isinstance(value, str):
        return regex_alternatives(value) if REGEX_MARK.search(value) else 0
    if isinstance(value, list | tuple | set):
        plain = [v for v in value if isinstance(v, str) and not REGEX_MARK.search(v)]
        listed = len(plain) if len(plain) >= 3 and len(plain) == len(value) else 0
        return listed + sum(_count_value(v) for v in value if not (listed and isinstance(v, str)))
    if isinstance(value, dict):
        return sum(_count_value(v) for v in value.values())
    return 0


def count_yaml(path: Path) -> int:
    """Alternatives in a data file; the bot's own reply wording and passage references don't count."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data = {k: v for k, v in data.items() if k not in ("replies", "aspect_gaps", "remedies", "comparisons")}  # (ids)
    for topic in (data.get("topics") or {}).values():
        for key in ("passages", "related", "red", "brown", "question", "note", "intent", "aspect"):
            topic.pop(key, None)
    for product in (data.get("products") or {}).values():
        for key in ("aspects", "name", "topic", "in"):
            product.pop(key, None)
    for context in (data.get("contexts") or {}).values():
        context.pop("topics", None)
    for gap in data.get("gaps") or []:
        for key in ("subject", "nearest", "skin"):
            gap.pop(key, None)
    return _count_value(data)


def _literals(tree: ast.AST) -> Iterator[Any]:
    """Every string constant and every collection of string constants, outermost first, no docstrings."""
    docstrings = {id(n.body[0].value) for n in ast.walk(tree) if isinstance(
        n, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef) and n.body and isinstance(
        n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    # names, not rules: a module's exports, and constants declared together (`A, B = "a", "b"`)
    seen = {id(n) for a in ast.walk(tree) if isinstance(a, ast.Assign) and any(
        isinstance(t, ast.Tuple) or isinstance(t, ast.Name) and t.id == "__all__" for t in a.targets)
        for n in ast.walk(a.value)}
    for node in ast.walk(tree):
        if id(node) in seen or id(node) in docstrings:
            continue
        if isinstance(node, ast.Set | ast.List | ast.Tuple) and node.elts and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            seen.update(id(e) for e in node.elts)
            yield [e.value for e in node.elts if isinstance(e, ast.Constant)]  # (all are: tested above)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.JoinedStr):  # an f-string regex: its literal parts
            seen.update(id(v) for v in node.values)
            yield "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))


def count_python(path: Path) -> int:
    """Alternatives in a module's regular expressions and word collections (messages and docstrings don't
    count: a string counts only when it reads as a regular expression)."""
    return sum(_count_value(v) for v in _literals(ast.parse(path.read_text(encoding="utf-8"))))


def count(root: Path = ROOT) -> dict[str, int]:
    """Per file, the hand-written alternatives of the understanding."""
    files = sorted((root / "bot" / "data").glob("*.yml")) + sorted((root / "bot" / "knowledge").glob("*.py"))
    return {str(f.relative_to(root)): count_yaml(f) if f.suffix == ".yml" else count_python(f) for f in files}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, nargs="?", default=ROOT)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    counts = count(args.root)
    for name, n in counts.items():
        if n:
            print(f"{n:6d}  {name}")
    print(f"{sum(counts.values()):6d}  hand-written alternatives in bot/data and bot/knowledge")
    if args.json:
        args.json.write_text(json.dumps({"total": sum(counts.values()), "files": counts}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
