"""Count how many of Rasa's own names this project replaces at run time.

usage: python -m bot.tools.rasa_changes [--json OUT] [--max N]

Run it in a fresh process (it refuses to run where the project's code is already imported):
1. every module of the `rasa` package is imported (a few skipped, see `SKIP`), and each module-level
   name and each entry of the `__dict__` of every class defined in a Rasa module is recorded with
   the identity of its object (a staticmethod or classmethod is unwrapped to its function);
2. every module of `bot/` and `actions/` is imported, then `bot.rasa_ext.install()` is called;
3. the same names are read again: a name whose object is another one now, or a name our code added
   to a Rasa module or class, is a replacement (`module.attr` or `module.Class.attr`).

Names Python itself sets or adds as a side effect (`IGNORED`, e.g. `__warningregistry__`) and a
submodule bound on its package by a later import don't count. Caches and registries that Rasa
mutates in place keep their identity, so they don't count either. Separately, and for information,
it lists the private methods (`_name`, not dunders) of Rasa classes that our own subclasses override.

--json OUT  also write {"replaced": [...], "count": N, "overridden_private": [...]} to OUT
--max N     exit 1 when more than N names are replaced
Exit status: 0 fine, 1 over --max, 2 could not measure (install() failed, or not a fresh process).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OURS = ("bot", "actions")
THIS = "bot.tools.rasa_changes"
# module name (or a package: everything under it) -> why it is not imported
SKIP: dict[str, str] = {
    "rasa.__main__": "the `rasa` command's entry point, not a library module",
    "rasa.nlu.utils.hugging_face": "needs the optional `transformers` (not installed; slow to import when it is)",
    THIS: "this script",
}
# Name parts that mark a test package or module (Rasa's wheel ships none; kept in case one appears).
TEST_PARTS = frozenset({"tests", "test_utils", "conftest"})
# Names Python sets or adds on its own: by importing, warning, pickling or copying, or when
# `__annotations__` is first read (Python 3.10 creates an empty dict on a class or module then).
IGNORED = frozenset({
    "__warningregistry__", "__loader__", "__spec__", "__cached__", "__file__", "__builtins__",
    "__path__", "__package__", "__annotations__", "__slotnames__", "__pycache__",
})


@dataclass
class Snapshot:
    """Name -> object (unwrapped), for the modules and classes recorded in `owners`.

    The objects themselves are kept, so that an id() compared later can't be one reused by a
    freed object; `ids()` gives the name -> id() map."""

    objects: dict[str, Any] = field(default_factory=dict)

    def ids(self) -> dict[str, int]:
        return {name: id(obj) for name, obj in self.objects.items()}


@dataclass
class Imported:
    modules: list[ModuleType] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # name -> reason (skip list or import error)


def _skip_reason(name: str) -> str | None:
    for skipped, reason in SKIP.items():
        if name == skipped or name.startswith(skipped + "."):
            return reason
    if TEST_PARTS.intersection(name.split(".")) or name.rsplit(".", 1)[-1].startswith("test_"):
        return "a test module"
    return None


def _walk(package: ModuleType, imported: Imported) -> None:
    """What pkgutil.walk_packages does, but a skipped package is not imported to walk into."""
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        reason = _skip_reason(info.name)
        if reason:
            imported.skipped[info.name] = reason
            continue
        try:
            module = importlib.import_module(info.name)
        except BaseException as exc:  # noqa: BLE001 - SystemExit from a module counts as a failure too
            imported.skipped[info.name] = f"import failed: {type(exc).__name__}: {_first_line(exc)}"
            continue
        imported.modules.append(module)
        if info.ispkg and hasattr(module, "__path__"):
            _walk(module, imported)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else ""


def import_tree(names: Iterable[str]) -> Imported:
    """Import each package in `names` and every module under it (quietly: no warnings shown)."""
    imported = Imported()
    with warnings.catch_warnings(record=True):  # recorded and dropped (Rasa resets the filters on import)
        warnings.simplefilter("ignore")
        for name in names:
            try:
                package = importlib.import_module(name)
            except BaseException as exc:  # noqa: BLE001
                imported.skipped[name] = f"import failed: {type(exc).__name__}: {_first_line(exc)}"
                continue
            imported.modules.append(package)
            if hasattr(package, "__path__"):
                _walk(package, imported)
    return imported


def _unwrap(obj: Any) -> Any:
    return obj.__func__ if isinstance(obj, staticmethod | classmethod) else obj


def _is_rasa(module_name: str) -> bool:
    return module_name == "rasa" or module_name.startswith("rasa.")


def _is_ours(module_name: str) -> bool:
    return any(module_name == top or module_name.startswith(top + ".") for top in OURS)


def _classes_of(module: ModuleType) -> Iterator[tuple[str, type]]:
    """(module.Qual.Name, class) for each class defined in `module`, nested classes included."""
    seen: set[int] = set()

    def nested(namespace: dict[str, Any], prefix: str) -> Iterator[tuple[str, type]]:
        for value in list(namespace.values()):
            if (isinstance(value, type) and id(value) not in seen and value.__module__ == module.__name__
                    and value.__qualname__.startswith(prefix)):
                seen.add(id(value))
                yield f"{module.__name__}.{value.__qualname__}", value
                yield from nested(dict(value.__dict__), value.__qualname__ + ".")

    yield from nested(dict(vars(module)), "")


@dataclass
class Owners:
    """The Rasa modules and classes whose names are compared (the same objects before and after)."""

    modules: list[ModuleType]
    classes: list[tuple[str, type]]

    @classmethod
    def of(cls, modules: Sequence[ModuleType]) -> Owners:
        rasa = [m for m in modules if _is_rasa(m.__name__)]
        return cls(rasa, [c for m in rasa for c in _classes_of(m)])


def snapshot(owners: Owners) -> Snapshot:
    """Every module-level name and every class `__dict__` entry of the owners, with its object."""
    snap = Snapshot()
    for module in owners.modules:
        for name, value in list(vars(module).items()):
            snap.objects[f"{module.__name__}.{name}"] = value
    for where, cls in owners.classes:
        for name, value in list(cls.__dict__.items()):
            snap.objects[f"{where}.{name}"] = _unwrap(value)
    return snap


def _submodule_bound(name: str, value: Any) -> bool:
    """`rasa.x.y` bound on the package `rasa.x` because `rasa.x.y` was imported later."""
    return isinstance(value, ModuleType) and value.__name__ == name


def diff(before: Snapshot, after: Snapshot) -> tuple[list[str], list[str]]:
    """(replaced: names whose object changed or that were added, removed: names deleted)."""
    replaced = []
    for name, value in after.objects.items():
        if name.rsplit(".", 1)[-1] in IGNORED:
            continue
        if name in before.objects:
            if before.objects[name] is not value:
                replaced.append(name)
        elif not _submodule_bound(name, value):
            replaced.append(name)
    removed = [n for n in before.objects if n not in after.objects and n.rsplit(".", 1)[-1] not in IGNORED]
    return sorted(replaced), sorted(removed)


def _all_subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def overridden_private(owners: Owners) -> list[str]:
    """`rasa.Module.Class._method <- ours.Module.Subclass` for each private method of a Rasa class
    that a subclass defined in bot/ or actions/ overrides (found through `__subclasses__()`, so
    classes made inside functions count once they exist)."""
    found = set()
    ours = {id(c): c for _, cls in owners.classes for c in _all_subclasses(cls) if _is_ours(c.__module__)}
    for sub in ours.values():
        for name, value in sub.__dict__.items():
            if not name.startswith("_") or (name.startswith("__") and name.endswith("__")):
                continue
            if not (callable(_unwrap(value)) or isinstance(value, property)):
                continue  # data, e.g. the `_abc_impl` each ABC subclass gets
            for base in sub.__mro__[1:]:
                if _is_rasa(base.__module__) and name in base.__dict__:
                    found.add(f"{base.__module__}.{base.__qualname__}.{name} <- {sub.__module__}.{sub.__qualname__}")
                    break
    return sorted(found)


def _fresh_process_problem() -> str | None:
    loaded = sorted(n for n in sys.modules if _is_ours(n) and n not in ("bot", "bot.tools", THIS))
    if loaded:
        return (f"the project's code is already imported here ({', '.join(loaded[:3])}...): "
                "run this in a fresh process, e.g. `python -m bot.tools.rasa_changes`")
    return None


def _print_skipped(title: str, skipped: dict[str, str]) -> None:
    if skipped:
        print(f"{title}:")
        for name, reason in sorted(skipped.items()):
            print(f"  {name}: {reason}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", metavar="OUT", type=Path, help="write the result as JSON to OUT")
    parser.add_argument("--max", metavar="N", type=int, help="exit 1 when more than N names are replaced")
    args = parser.parse_args(argv)

    problem = _fresh_process_problem()
    if problem:
        print(f"rasa_changes: {problem}", file=sys.stderr)
        return 2
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # run as a file path: `bot` and `actions` importable all the same
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    start = time.perf_counter()
    rasa = import_tree(["rasa"])
    owners = Owners.of(rasa.modules)
    before = snapshot(owners)
    rasa_time = time.perf_counter() - start

    ours = import_tree(OURS)
    _print_skipped("Rasa modules not imported", rasa.skipped)
    _print_skipped("Our modules not imported", ours.skipped)
    try:
        from bot import rasa_ext

        rasa_ext.install()
    except Exception as exc:  # noqa: BLE001 - any failure to install is reported the same way
        print(f"rasa_changes: bot.rasa_ext.install() failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    after = snapshot(owners)
    replaced, removed = diff(before, after)
    private = overridden_private(owners)
    total_time = time.perf_counter() - start

    print(f"\nCompared {len(before.objects)} names: {len(owners.modules)} Rasa modules, {len(owners.classes)} "
          f"Rasa classes, after importing {len(ours.modules)} modules of {'/'.join(OURS)} and "
          "bot.rasa_ext.install().")
    print(f"\nOverridden private methods of Rasa classes ({len(private)}, informational):")
    for name in private:
        print(f"  {name}")
    if removed:
        print(f"\nRasa names our code deleted ({len(removed)}):")
        for name in removed:
            print(f"  {name}")
    print(f"\nRasa names replaced at run time ({len(replaced)}):")
    for name in replaced:
        print(f"  {name}{'' if name in before.objects else '  (added)'}")
    print(f"\n{len(replaced)} replaced; measured in {total_time:.1f} s (Rasa imported in {rasa_time:.1f} s)")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"replaced": replaced, "count": len(replaced),
                                         "overridden_private": private}, indent=2) + "\n")
    if args.max is not None and len(replaced) > args.max:
        print(f"More than --max {args.max} Rasa names are replaced.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
