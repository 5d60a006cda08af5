"""No import circles between the project's modules (bot/ and actions/), parsed, not run.

Every import counts: at the top, inside functions (a function-local import only hides a circle
until that function runs) and under TYPE_CHECKING. An edge goes to the project module imported:
`import bot.a.b`, `from bot.a import b` (b a module) and `from bot.a.b import name` all lead to
bot.a.b; `from bot import a` to bot.a (the package's __init__); relative imports are resolved.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bot.config import ROOT

PACKAGES = ("bot", "actions")


def module_name(path: Path, root: Path) -> str:
    """bot/privacy/store.py -> bot.privacy.store, bot/privacy/__init__.py -> bot.privacy."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Module name -> file, for every .py under the packages."""
    return {module_name(path, root): path for package in packages
            for path in sorted((root / package).rglob("*.py")) if "node_modules" not in path.parts}


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The project module `name` is or lives in (bot.x.y.Thing -> bot.x.y), None when outside."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imported(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `module` imports, anywhere in its file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str | None] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {_owner(alias.name, modules) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # from . import x, from ..a import b
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            found |= {_owner(f"{source}.{alias.name}", modules) for alias in node.names}
    return {name for name in found if name is not None and name != module}


def import_graph(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    modules = project_modules(root, packages)
    return {module: imported(module, path, modules) for module, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected group of modules (Tarjan), each as a path a -> ... -> a."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:  # the graph is a few dozen modules: recursion is fine
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_circle(graph, group) for group in groups]


def _circle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """The shortest circle through the group's first module (breadth first, inside the group)."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & group):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    raise AssertionError(f"no circle in {sorted(group)}")  # a strongly connected group always has one


def test_no_import_circles():
    graph = import_graph()
    assert "bot.cli" in graph and "actions.actions" in graph, sorted(graph)
    found = [" -> ".join(circle) for circle in cycles(graph)]
    assert not found, "import circles:\n" + "\n".join(found)


def test_the_circle_check_can_fail(tmp_path):
    """Circles hidden in functions, through `from package import module` and relative imports."""
    pkg = tmp_path / "bot"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from bot.sub import b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("from ..c import THING\n")
    (pkg / "c.py").write_text("import os\n\ndef g():\n    import bot.a\n")
    (pkg / "d.py").write_text("from bot import c\n")  # into the circle, not part of it
    graph = import_graph(tmp_path, ("bot",))
    assert graph["bot.d"] == {"bot.c"} and graph["bot.sub.b"] == {"bot.c"}
    assert cycles(graph) == [["bot.a", "bot.sub.b", "bot.c", "bot.a"]]
