"""No import cycle between the project's own modules.

The graph is read from the source with ``ast``, not by importing: every ``import`` and ``from … import`` in a
first-party module counts, at module level and inside functions alike — a function-level import that hides a loop
is still a loop. The first-party packages are the repository's top-level directories with an ``__init__.py``
(other than ``tests``), found anew on every run, so that a new app is checked without editing this file.
Migrations and tests are left out. ``from pkg import name`` points at the submodule ``pkg.name`` when there is one,
otherwise at ``pkg`` (its ``__init__``); importing a package counts as importing its ``__init__`` only.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXCLUDED_DIRS = {"migrations", "tests", "__pycache__"}


def first_party_packages(root: Path = ROOT) -> list[str]:
    return sorted(d.name for d in root.iterdir() if d.is_dir() and d.name != "tests" and (d / "__init__.py").is_file())


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name → file, for every first-party module (a package's ``__init__`` under the package's name)."""
    modules = {}
    for package in first_party_packages(root):
        for path in (root / package).rglob("*.py"):
            relative = path.relative_to(root)
            if EXCLUDED_DIRS & set(relative.parts[:-1]):
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> list[str]:
    """Every dotted name that ``module`` imports, with ``from x import y`` given as ``x.y`` *and* ``x``."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            names.extend((base, alias.name) for alias in node.names)
    return names


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = module_files(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for base, member in _imported_names(tree, name, path.name == "__init__.py"):
            if member is not None and f"{base}.{member}" in modules:
                target = f"{base}.{member}"
            elif base in modules:
                target = base
            else:
                continue  # not first-party (or not a module we check)
            if target != name:
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected component of more than one module (Tarjan, then a path)."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)

    found = []
    for component in components:
        start = min(component)
        # Shortest path back to the start within the component (breadth first).
        previous = {start: None}
        queue = [start]
        end = None
        while queue and end is None:
            node = queue.pop(0)
            for succ in sorted(graph[node] & component):
                if succ == start:
                    end = node
                    break
                if succ not in previous:
                    previous[succ] = node
                    queue.append(succ)
        path = []
        while end is not None:
            path.append(end)
            end = previous[end]
        found.append([*reversed(path), start])
    return sorted(found)


def test_first_party_packages_are_found():
    packages = first_party_packages()
    assert "cases" in packages
    assert "tests" not in packages
    modules = module_files()
    assert "cases.models" in modules and "cases.permissions" in modules
    assert not any(".migrations." in name or name.startswith("tests") for name in modules)


def test_from_package_import_submodule_points_at_the_submodule(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "models").mkdir()
    (tmp_path / "app" / "models" / "__init__.py").write_text("from app.models.thing import Thing\n")
    (tmp_path / "app" / "models" / "thing.py").write_text("def f():\n    from app import rules\n")
    (tmp_path / "app" / "rules.py").write_text("from app.models import Thing\nfrom . import helpers\n")
    (tmp_path / "app" / "helpers.py").write_text("import os\n")
    graph = import_graph(tmp_path)
    assert graph["app.models.thing"] == {"app.rules"}
    assert graph["app.rules"] == {"app.models", "app.helpers"}
    assert cycles(graph) == [["app.models", "app.models.thing", "app.rules", "app.models"]]


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "Import cycles between first-party modules:\n" + "\n".join(" → ".join(c) for c in found)
