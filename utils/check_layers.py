"""The package's layers, checked on its import graph: no import cycle, and no module importing a layer it
may not (``make quality``; exit 1 naming each offending import).

Every ``import`` / ``from ... import`` of ``init_parity`` counts, at module level or inside a function.
Layers, from the bottom:

* core: ``compat`` (the transformers line), ``exits`` (exit codes, ``BadInput``) and ``scheme/``
  (the scheme as data and its resolution): imports only the core;
* runtime: ``runtime/`` (activation, patcher, targets, untie, the appliers) and the package's own
  ``__init__`` / ``_autoload``: imports the core and the runtime;
* suite: ``suite/`` (statistics, building, checks, the mixin) and ``testing`` (the mixin's public
  path): imports the core, the runtime and the suite;
* commands: ``report/`` and ``upstream/``: import the core, the suite and the commands, not the runtime;
* entry: ``cli`` and ``__main__``: anything.

    python utils/check_layers.py            # the package under src/
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "init_parity"

# (layer, module prefixes), bottom first; the longest prefix decides
LAYERS = {
    "core": ("init_parity.compat", "init_parity.exits", "init_parity.scheme"),
    "runtime": ("init_parity.runtime", "init_parity._autoload", "init_parity"),
    "suite": ("init_parity.suite", "init_parity.testing"),
    "commands": ("init_parity.report", "init_parity.upstream"),
    "entry": ("init_parity.cli", "init_parity.__main__"),
}
ALLOWED = {
    "core": {"core"},
    "runtime": {"core", "runtime"},
    "suite": {"core", "runtime", "suite"},
    "commands": {"core", "suite", "commands"},
    "entry": {"core", "runtime", "suite", "commands", "entry"},
}


def layer_of(module: str) -> str:
    best = max(
        ((prefix, layer) for layer, prefixes in LAYERS.items() for prefix in prefixes if _within(module, prefix)),
        key=lambda found: len(found[0]),
    )
    return best[1]


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Module name -> file, for every module of the package (a package by its ``__init__``)."""
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that ``module`` imports (a name imported from a package counts as its
    submodule when there is one)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if _within(alias.name, PACKAGE)}
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, module, path.name == "__init__.py")
            if not _within(target, PACKAGE):
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in known else target)
    found.discard(module)
    return {name for name in found if name in known}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _packages_of(module: str) -> set[str]:
    """The packages whose ``__init__`` importing ``module`` runs first (they are not its imports)."""
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def violations(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets - _packages_of(module)):
            source_layer, target_layer = layer_of(module), layer_of(target)
            if target_layer not in ALLOWED[source_layer]:
                found.append(f"{module} ({source_layer}) imports {target} ({target_layer})")
    return found


def main() -> int:
    known = modules()
    graph = {module: imports(module, path, known) for module, path in known.items()}
    problems = [f"import cycle: {' <-> '.join(component)}" for component in cycles(graph)]
    problems += [f"layer: {line}" for line in violations(graph)]
    for line in problems:
        print(line)
    edges = sum(len(targets) for targets in graph.values())
    print(f"check_layers: {len(known)} modules, {edges} imports, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
