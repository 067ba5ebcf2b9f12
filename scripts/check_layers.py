#!/usr/bin/env python3
"""Check the package's house rules; print every breach and exit 1 if there is one.

    python scripts/check_layers.py

* imports only point down the floors below (a module may also import its own package's
  modules), and no two modules import each other in a circle;
* click is imported only under ``cli/``, sqlite3 only under ``case/``;
* no module is longer than 450 lines.

Floors, from the ground up (``FLOORS``): the ground floor (text, options, plugins), records,
sources, extract, detect, scanner, executors, the pipeline and report writers, the wings (case, history),
the API that assembles them (and the sweep and serve wings beside it), and the command line on top.  tests/test_layers.py runs this.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "profilewatch"
FLOORS = [
    ["profilewatch.text", "profilewatch.options", "profilewatch.plugins", "profilewatch.files"],
    ["profilewatch.records"],
    ["profilewatch.sources"],
    ["profilewatch.extract"],
    ["profilewatch.detect"],
    ["profilewatch.scanner"],
    ["profilewatch.executors"],
    ["profilewatch.pipeline", "profilewatch.selftest", "profilewatch.report"],
    ["profilewatch.case", "profilewatch.history"],
    ["profilewatch.api", "profilewatch.sweep", "profilewatch.serve"],
    ["profilewatch.cli"],
    ["profilewatch.__main__"],
]
ONLY_UNDER = {"click": "profilewatch.cli", "sqlite3": "profilewatch.case"}
MAX_LINES = 450
FACE = "profilewatch"  # the package's own __init__: its lazy scan() hands on to the API


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def floor_of(module: str) -> tuple[int, str]:
    """The floor number and the area (the FLOORS entry) a module belongs to."""
    best = (-1, "")
    for number, areas in enumerate(FLOORS):
        for area in areas:
            if (module == area or module.startswith(area + ".")) and len(area) > len(best[1]):
                best = (number, area)
    return best


def imports(path: Path, module: str) -> list[tuple[str, int]]:
    """``(imported module, line)`` for every import in the file, lazy ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.level and not node.module:  # from . import x: x may be a module
                found += [(f"{target}.{alias.name}", node.lineno) for alias in node.names]
            else:
                found.append((target, node.lineno))
    return found


def check(package: Path = PACKAGE) -> list[str]:
    """Every breach of the house rules in ``package`` (a profilewatch folder), as readable lines."""
    problems: list[str] = []
    modules = {module_name(p, package): p for p in sorted(package.rglob("*.py"))}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        lines = path.read_text(encoding="utf-8").count("\n")
        rel = path.relative_to(package.parent)
        if lines > MAX_LINES:
            problems.append(f"{rel}: {lines} lines (more than {MAX_LINES})")
        floor, area = floor_of(module)
        if floor < 0 and module != FACE:
            problems.append(f"{rel}: {module} is on no floor (add it to FLOORS)")
        for target, line in imports(path, module):
            root = target.split(".")[0]
            if root in ONLY_UNDER and not module.startswith(ONLY_UNDER[root]):
                problems.append(f"{rel}:{line}: imports {root} (only {ONLY_UNDER[root]} may)")
            if root != "profilewatch" or module == FACE:
                continue
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]  # from .x import name: the module is x
            if target == FACE or target == module:
                continue
            graph[module].add(target)
            t_floor, t_area = floor_of(target)
            if t_floor > floor or (t_floor == floor and t_area != area):
                problems.append(f"{rel}:{line}: {module} (floor {floor}) imports {target} (floor {t_floor}): "
                                "imports must point down")
    problems += [f"import circle: {' -> '.join(c)}" for c in circles(graph)]
    return problems


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Import circles (strongly connected groups of more than one module), by Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


if __name__ == "__main__":
    breaches = check()
    print("\n".join(breaches) or "house rules hold")
    sys.exit(1 if breaches else 0)
