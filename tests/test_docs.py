"""The docs say what the code is: the layout in docs/development.md names every module, and the prose
gives no counts that go stale (test totals and run times live in bench/results/ and CI's output)."""

from __future__ import annotations

import re

import pytest

from bot.config import ROOT

DEVELOPMENT = ROOT / "docs" / "development.md"


def layout() -> dict[str, str]:
    """The layout block's entries: path -> its description (continuation lines joined)."""
    text = DEVELOPMENT.read_text(encoding="utf-8")
    block = text[text.index("## Layout"):]
    block = block[block.index("```") + 3:]
    block = block[:block.index("```")]
    entries: dict[str, str] = {}
    current = ""
    for line in block.splitlines():
        if line and not line[0].isspace():
            current, _, rest = line.partition(" ")
            entries[current] = rest
        elif current:
            entries[current] += " " + line.strip()
    return entries


def modules() -> list[tuple[str, str]]:
    """(layout entry, module name) for every module of bot/ and actions/ and every script."""
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "actions").glob("*.py")):
        if path.name == "__init__.py" or "node_modules" in path.parts:
            continue
        relative = path.relative_to(ROOT)
        package = relative.parent.as_posix()
        if package == "bot":
            found.append((relative.as_posix(), ""))
        elif package == "bot/channels/widget":
            found.append(("bot/channels/", path.stem))
        else:
            found.append((package + "/", path.stem))
    found += [("scripts/", path.stem) for path in sorted((ROOT / "scripts").iterdir()) if path.is_file()]
    return found


@pytest.mark.parametrize(("entry", "name"), modules())
def test_the_layout_names_every_module(entry, name):
    entries = layout()
    assert entry in entries, f"docs/development.md's layout has no entry {entry}"
    if name:
        assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", entries[entry]), \
            f"docs/development.md's layout doesn't name {name} under {entry}"


def test_the_layout_names_only_what_exists():
    for entry in layout():
        for path in entry.split():
            if path.startswith(("bot/", "actions/", "tests/", "scripts/", "data/", "bench/", "slack/")):
                assert (ROOT / path).exists(), f"{path} is in the layout but not in the project"


COUNT = re.compile(r"\b\d[\d,]* (?:tests|passed)\b|\b(?:in|about|takes?) ~?\d+(?:\.\d+)? (?:minutes|min)\b")


@pytest.mark.parametrize("doc", sorted(p.name for p in (ROOT / "docs").glob("*.md")) + ["README.md"])
def test_no_test_counts_or_run_times_in_prose(doc):
    path = ROOT / "docs" / doc if doc != "README.md" else ROOT / doc
    found = COUNT.findall(path.read_text(encoding="utf-8"))
    assert not found, f"{doc}: {found} (counts go stale: point to a results file or CI's output instead)"
