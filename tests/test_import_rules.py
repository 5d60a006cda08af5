"""The house's boundaries, checked on every module's imports (parsed, not run)."""

import ast
from pathlib import Path

import pytest

from bot.config import ROOT

RULES = {  # package -> what it must not import
    "bot/knowledge": ("rasa", "rasa_sdk", "sanic", "bot.channels", "bot.rasa_ext", "actions"),
    "actions": ("bot.channels", "bot.rasa_ext", "sanic"),
    "bot/channels": ("actions", "rasa_sdk"),
    "bot/rasa_ext": ("actions", "bot.channels", "bot.knowledge"),
    # run from cron without Rasa; the report uses privacy, never the other way round
    "bot/privacy": ("rasa", "rasa_sdk", "sanic", "bot.channels", "bot.tools", "bot.knowledge", "actions"),
    "bot/observability": ("rasa", "rasa_sdk", "sanic", "bot.channels", "bot.rasa_ext", "bot.tools", "bot.knowledge",
                          "actions"),
}
# the one wrapper that puts the knowledge base's analysis into Rasa's pipeline; and the turn a message's
# reading holds on a parse thread, or an action run in Rasa's process (a lock the encoder gives up while it
# computes: nothing else of it)
ALLOWED = {"bot/rasa_ext/understanding.py": ("bot.knowledge",), "bot/rasa_ext/parsing.py": ("bot.knowledge.turns",),
           "bot/rasa_ext/in_process.py": ("bot.knowledge.turns",)}


def imports(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def forbidden(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("package", sorted(RULES))
def test_packages_keep_to_their_side(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, package
    broken = {f"{f.relative_to(ROOT)} imports {name}" for f in files for name in imports(f)
              if forbidden(name, RULES[package]) and not forbidden(name, ALLOWED.get(str(f.relative_to(ROOT)), ()))}
    assert not broken, sorted(broken)


def test_the_rule_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from rasa_sdk import Action\n")
    assert any(forbidden(n, RULES["bot/knowledge"]) for n in imports(bad))
