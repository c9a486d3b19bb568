"""Formulas of a model config, as the scheme tables write them.

A formula is a Python expression over config attribute names, numbers and ``+ - * / **``,
for example ``"initializer_factor * (d_model * d_kv) ** -0.5"``. Keeping it as text lets the
same entry be evaluated here, printed in ``docs/`` and written into transformers' source by the
upstream generator, with nothing typed twice.
"""

from __future__ import annotations

import ast
import functools
import operator
from typing import Any

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}


class FormulaError(ValueError):
    pass


@functools.cache
def _parse(formula: str) -> ast.expr:
    tree = ast.parse(formula, mode="eval").body
    for node in ast.walk(tree):
        allowed = (
            ast.BinOp,
            ast.UnaryOp,
            ast.Name,
            ast.Constant,
            ast.Load,
            ast.BoolOp,
            ast.And,
            ast.Or,
            ast.Attribute,  # a sub-config's value: text_config.hidden_size
            ast.Subscript,  # a list entry of the config: conv_kernel[0]
            *(_BINARY),
            *(_UNARY),
        )
        if not isinstance(node, allowed):
            raise FormulaError(f"{formula!r}: {type(node).__name__} is not allowed in a scheme formula")
    return tree


def names(formula: str) -> set[str]:
    """The config attributes a formula reads (the first part of a dotted name)."""
    return {node.id for node in ast.walk(_parse(formula)) if isinstance(node, ast.Name)}


def evaluate(formula: str, config: Any) -> Any:
    """Evaluate ``formula`` with names looked up as attributes of ``config`` (or keys of a dict)."""

    def lookup(name: str) -> Any:
        if isinstance(config, dict):
            if name in config:
                return config[name]
        elif hasattr(config, name):
            return getattr(config, name)
        raise FormulaError(f"{formula!r} reads {name!r}, which the config {type(config).__name__} does not have")

    def walk(node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return lookup(node.id)
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](walk(node.operand))
        if isinstance(node, ast.Attribute):
            return getattr(walk(node.value), node.attr)
        if isinstance(node, ast.Subscript):
            return walk(node.value)[walk(node.slice)]
        if isinstance(node, ast.BoolOp):
            values = [walk(v) for v in node.values]
            return all(values) if isinstance(node.op, ast.And) else any(values)
        raise FormulaError(f"cannot evaluate {ast.dump(node)}")

    return walk(_parse(formula))


def to_code(formula: str, config_expr: str = "self.config") -> str:
    """The formula as Python source reading a config object, for the upstream generator (checked against the
    whitelist first, as :func:`evaluate` checks it)."""
    _parse(formula)

    class Qualify(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return ast.parse(f"{config_expr}.{node.id}", mode="eval").body

    return ast.unparse(Qualify().visit(ast.parse(formula, mode="eval")).body)
