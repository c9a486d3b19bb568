"""Editing Python source with libcst so that everything we do not change survives byte for byte.

Edits are recorded against nodes of the parsed module (:class:`Editor`) and applied in one pass.
A statement we changed is re-laid out by ruff (the formatter transformers uses, line length 119) at
its own indentation, so the result is what ``make style`` would leave; statements we did not change
are never re-laid out.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import textwrap
from collections.abc import Sequence
from pathlib import Path

import libcst as cst

LINE_LENGTH = 119

_EMPTY = cst.Module(body=[])


def code(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node)


def dotted(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for a Name / Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base is not None else None
    return None


def string_value(node: cst.CSTNode | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


@functools.lru_cache(maxsize=1)
def ruff_binary() -> str:
    try:
        from ruff.__main__ import find_ruff_bin

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("ruff")
        if found is None:
            raise RuntimeError("ruff is needed to lay out the generated code: pip install ruff") from None
        return found


def ruff_format(source: str, line_length: int = LINE_LENGTH) -> str:
    """``source`` formatted by ruff with transformers' settings (double quotes, magic trailing commas)."""
    completed = subprocess.run(
        [ruff_binary(), "format", "--isolated", f"--line-length={line_length}", "--target-version=py310", "-"],
        input=source,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"ruff could not format generated code:\n{source}\n{completed.stderr}")
    return completed.stdout


def format_statements(sources: Sequence[str], column: int) -> list[cst.BaseStatement]:
    """Statements laid out by ruff as if they stood at indentation ``column`` (a multiple of 4).

    The statements are nested in ``if True:`` blocks as syntax trees, not as re-indented text, so
    the contents of multi-line strings (docstrings) keep their exact characters."""
    depth = column // 4
    statements: list[cst.BaseStatement] = []
    for source in sources:
        statements.extend(cst.parse_module(textwrap.dedent(source).strip("\n") + "\n").body)
    body: list[cst.BaseStatement] = statements
    for _ in range(depth):
        body = [cst.If(test=cst.Name("True"), body=cst.IndentedBlock(body=body))]
    formatted = cst.parse_module(ruff_format(cst.Module(body=body).code))
    result: list[cst.BaseStatement] = list(formatted.body)
    for _ in range(depth):
        result = list(result[0].body.body)
    return result


class _Apply(cst.CSTTransformer):
    def __init__(self, editor: Editor) -> None:
        super().__init__()
        self.editor = editor
        self.indents: list[int] = []  # widths of the enclosing indented blocks

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.IndentedBlock):
            self.indents.append(len(node.indent) if node.indent is not None else 4)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode | cst.FlattenSentinel:
        if isinstance(original_node, cst.IndentedBlock):
            self.indents.pop()
        editor = self.editor
        if original_node in editor.replacements:
            updated_node = editor.replacements[original_node]
        if original_node in editor.leading:
            updated_node = updated_node.with_changes(leading_lines=editor.leading[original_node])
        if original_node in editor.statements:
            sources, comments = editor.statements[original_node]
            column = sum(self.indents)
            if sources is None:  # re-lay out the statement we edited inside
                sources = [code(updated_node.with_changes(leading_lines=()))]
            new = format_statements(sources, column)
            lead = list(updated_node.leading_lines) + [
                cst.EmptyLine(comment=cst.Comment(f"# {line}" if line else "#")) for line in comments
            ]
            new[0] = new[0].with_changes(leading_lines=lead + list(new[0].leading_lines))
            return cst.FlattenSentinel(new) if len(new) > 1 else new[0]
        return updated_node


class Editor:
    """The parsed module and the edits recorded against it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.module = cst.parse_module(source)
        self.replacements: dict[cst.CSTNode, cst.CSTNode] = {}
        self.statements: dict[cst.CSTNode, tuple[list[str] | None, list[str]]] = {}
        self.leading: dict[cst.CSTNode, list[cst.EmptyLine]] = {}  # statement -> the lines above it

    def replace(self, statement: cst.CSTNode, old: cst.CSTNode, new: cst.CSTNode) -> None:
        """Replace ``old`` (a node inside ``statement``) by ``new``, and re-lay out ``statement``."""
        self.replacements[old] = new
        self.statements.setdefault(statement, (None, []))

    def substitute(self, old: cst.CSTNode, new: cst.CSTNode) -> None:
        """Replace ``old`` by ``new`` as libcst writes it, without re-laying out anything."""
        self.replacements[old] = new

    def rewrite(self, statement: cst.CSTNode, sources: Sequence[str], comments: Sequence[str] = ()) -> None:
        """Replace a whole statement by ``sources`` (one or more statements of code)."""
        self.statements[statement] = (list(sources), list(comments))

    def set_leading_lines(self, statement: cst.CSTNode, lines: Sequence[cst.EmptyLine]) -> None:
        """The blank and comment lines above ``statement``, whatever else is edited inside it."""
        self.leading[statement] = list(lines)

    @property
    def changed(self) -> bool:
        return bool(self.statements or self.replacements or self.leading)

    def result(self) -> str:
        if not self.changed:
            return self.source
        return self.module.visit(_Apply(self)).code


def drop_unused_imports(source: str, names: Sequence[str]) -> str:
    """``source`` without the ``from ... import`` entries of ``names`` that nothing uses any more."""
    module = cst.parse_module(source)
    used: set[str] = set()

    class Uses(cst.CSTVisitor):
        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            return False

        def visit_Name(self, node: cst.Name) -> None:
            used.add(node.value)

    module.visit(Uses())
    unused = {name for name in names if name not in used}
    if not unused:
        return source
    editor = Editor(source)

    class Find(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, line: cst.SimpleStatementLine) -> bool:
            for small in line.body:
                if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    kept = [alias for alias in small.names if dotted(alias.name) not in unused]
                    if len(kept) == len(small.names):
                        continue
                    if kept:
                        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                        editor.rewrite(
                            line, [code(line.with_changes(body=[small.with_changes(names=kept)], leading_lines=()))]
                        )
                    else:
                        editor.rewrite(line, ["pass"])  # not reached for the modules the generator edits
            return False

    editor.module.visit(Find())
    return editor.result()


def lint_file(source: str, relative: str, root: Path | None) -> str:
    """``source`` as the checkout's ruff settings lay out the new file ``relative`` (import sorting, then format), or
    formatted with transformers' line length where ``root`` has no ruff settings."""
    config = root / "pyproject.toml" if root else None
    if config is None or not config.is_file() or "[tool.ruff" not in config.read_text(encoding="utf-8"):
        return ruff_format(source)
    for command in (
        [
            "check",
            "--fix-only",
            "--exit-zero",
            "--select=I",
            f"--config={config}",
            f"--stdin-filename={relative}",
            "-",
        ],
        ["format", f"--config={config}", f"--stdin-filename={relative}", "-"],
    ):
        completed = subprocess.run([ruff_binary(), *command], input=source, capture_output=True, text=True)
        if completed.returncode != 0:
            raise RuntimeError(f"ruff failed on {relative}:\n{completed.stderr}")
        source = completed.stdout
    return source
