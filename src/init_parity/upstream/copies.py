"""``# Copied from transformers.models.X.Y with A->B`` blocks, kept consistent as ``make fix-copies`` would.

Every model file is transformed on its own, by the same rules, so a copy of a changed original
changes the same way. This module checks that: for each copy block in a file we touch whose
original lives in a file we touch, if the copy matched its original (with the ``A->B``
replacements) before the edit, it must match after it. A copy whose original we cannot see must
come out of the edit unchanged.
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Iterator

import libcst as cst

from .editing import code

_COPIED = re.compile(r"#\s*Copied from transformers\.(?P<target>[\w.]+)(?:\s+with\s+(?P<replace>.*))?$")


def _file_of(module_path: str) -> str:
    return "src/transformers/" + module_path.replace(".", "/") + ".py"


def _comments(node: cst.CSTNode) -> list[str]:
    lines = list(getattr(node, "leading_lines", ())) + list(getattr(node, "lines_after_decorators", ()))
    return [line.comment.value for line in lines if line.comment is not None]


def _body_code(node: cst.CSTNode) -> str:
    bare = node.with_changes(decorators=[], leading_lines=[], lines_after_decorators=[])
    lines = [line.rstrip() for line in code(bare).splitlines() if not _COPIED.search(line.strip())]
    return textwrap.dedent("\n".join(lines)).strip()


def _definitions(module: cst.Module) -> Iterator[tuple[str, cst.CSTNode]]:
    def walk(nodes: list[cst.CSTNode], prefix: str) -> Iterator[tuple[str, cst.CSTNode]]:
        for node in nodes:
            if isinstance(node, (cst.ClassDef, cst.FunctionDef)):
                name = f"{prefix}{node.name.value}"
                yield name, node
                if isinstance(node, cst.ClassDef):
                    yield from walk(node.body.body, f"{name}.")

    yield from walk(module.body, "")


def copy_blocks(source: str) -> list[tuple[str, str, list[tuple[str, str]], str]]:
    """(copy's dotted name, original's file, replacements, original's dotted name) for each block."""
    found = []
    for name, node in _index(source).items():
        for comment in _comments(node):
            match = _COPIED.search(comment)
            if not match:
                continue
            parts = match.group("target").split(".")
            # transformers.models.t5.modeling_t5.T5Model.forward: the module is up to the first capital
            index = next((i for i, part in enumerate(parts) if part[:1].isupper()), len(parts) - 1)
            pairs = []
            for item in (match.group("replace") or "").split(","):
                if "->" in item:
                    old, new = item.split("->", 1)
                    pairs.append((old.strip(), new.strip()))
            found.append((name, _file_of(".".join(parts[:index])), pairs, ".".join(parts[index:])))
    return found


@functools.lru_cache(maxsize=64)
def _index(source: str) -> dict[str, cst.CSTNode]:
    return dict(_definitions(cst.parse_module(source)))


def _lookup(source: str, dotted_name: str) -> str | None:
    node = _index(source).get(dotted_name) if source else None
    return _body_code(node) if node is not None else None


def _expected(original: str, pairs: list[tuple[str, str]]) -> str:
    for old, new in pairs:
        original = original.replace(old, new)
    return original


def broken_copies(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Copy blocks the edit made inconsistent; ``before`` / ``after`` map file -> source."""
    problems = []
    for file, source in after.items():
        for copy_name, original_file, pairs, original_name in copy_blocks(source):
            copy_after = _lookup(source, copy_name)
            copy_before = _lookup(before.get(file, ""), copy_name) if before.get(file) else None
            if original_file not in after:
                if copy_before is not None and copy_before != copy_after:
                    problems.append(f"{file}: {copy_name} changed, but its original {original_name} is not ours")
                continue
            original_before = _lookup(before.get(original_file) or "", original_name)
            original_after = _lookup(after[original_file], original_name)
            if original_before is None or original_after is None or copy_before is None:
                continue
            consistent_before = _expected(original_before, pairs) == copy_before
            if consistent_before and _expected(original_after, pairs) != copy_after:
                problems.append(f"{file}: {copy_name} no longer matches its original {original_name}")
    return problems
