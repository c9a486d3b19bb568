"""What an initializer in transformers' source draws, compared with what the scheme says.

transformers writes a std as code (``factor * ((self.config.d_model) ** -0.5)``, ``self.inner_dim**-0.5``,
``q_init_std``); the scheme writes it as a formula of config attributes. Both are evaluated on a
*probe*: a config whose attributes are distinct primes, so two expressions agree on the probe only if
they are the same function of the config in every way that matters here (``num_heads * d_kv`` and
``d_model`` can never coincide). Local variables and ``self.`` attributes are followed through the
assignments that precede the initializer.

Replacement code is the scheme formula through :func:`init_parity.scheme.formula.to_code`, with
config attributes that the surrounding code has already bound to a local name (``factor``,
``d_model``) written with that name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from ..scheme import FamilyScheme, Rule, formula
from .editing import code, dotted

_PRIMES = (7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103)


class Unresolved(Exception):
    """An expression the evaluator cannot follow (a call, a value from outside the function)."""


class Probe(dict):
    """Config attribute -> value. Every attribute a scheme formula reads gets its own prime; the
    attributes ``when`` conditions read are False unless the code around an initializer says
    otherwise (an initializer written for a layer of its own draws that layer's weight, which a
    tied weight does not have). Attributes the scheme does not read get further primes on demand."""

    def __init__(self, scheme: FamilyScheme, facts: dict[str, bool] | None = None) -> None:
        super().__init__()
        numeric = sorted({n for r in scheme.rules if r.kind != "deterministic" for n in formula.names(r.param)})
        flags = sorted({n for r in scheme.rules if r.when for n in formula.names(r.when)})
        self.update(zip(numeric, _PRIMES))
        self.update(dict.fromkeys(flags, False))
        self.update(facts or {})

    def value(self, attribute: str) -> Any:
        if attribute not in self:
            used = set(self.values())
            self[attribute] = next(p for p in _PRIMES if p not in used)
        return self[attribute]


def is_config(expression: str) -> bool:
    return expression == "config" or expression.endswith(".config") or expression.endswith("_config")


@dataclass
class Env:
    """The assignments visible at one statement: dotted target -> value expression."""

    values: dict[str, cst.BaseExpression] = field(default_factory=dict)

    def child(self) -> Env:
        return Env(dict(self.values))

    def bind(self, target: cst.CSTNode, value: cst.BaseExpression) -> None:
        name = dotted(target)
        if name is not None:
            self.values[name] = value

    def aliases(self, config_expr: str) -> dict[str, str]:
        """Config attribute -> the local name bound to ``config_expr.attribute`` (latest binding wins)."""
        found: dict[str, str] = {}
        for name, value in self.values.items():
            source = dotted(value)
            if "." in name or source is None or "." not in source:
                continue
            base, attribute = source.rsplit(".", 1)
            if base == config_expr:
                found[attribute] = name
        return found


_BINARY = {
    cst.Add: lambda a, b: a + b,
    cst.Subtract: lambda a, b: a - b,
    cst.Multiply: lambda a, b: a * b,
    cst.Divide: lambda a, b: a / b,
    cst.Power: lambda a, b: a**b,
}


def evaluate(node: cst.BaseExpression, env: Env, probe: Probe, _depth: int = 0) -> float:
    """The number ``node`` stands for under ``probe``; :class:`Unresolved` if it cannot be followed."""
    if _depth > 50:
        raise Unresolved(code(node))
    if isinstance(node, (cst.Integer, cst.Float)):
        return float(node.evaluated_value)
    if isinstance(node, cst.BinaryOperation) and type(node.operator) in _BINARY:
        left = evaluate(node.left, env, probe, _depth + 1)
        right = evaluate(node.right, env, probe, _depth + 1)
        return float(_BINARY[type(node.operator)](left, right))
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        value = evaluate(node.expression, env, probe, _depth + 1)
        return -value if isinstance(node.operator, cst.Minus) else value
    name = dotted(node)
    if name is not None:
        if name in env.values:
            return evaluate(env.values[name], env, probe, _depth + 1)
        if "." in name:
            base, attribute = name.rsplit(".", 1)
            if is_config(base):
                return float(probe.value(attribute))
    raise Unresolved(code(node))


def config_expression(nodes: list[cst.CSTNode], default: str) -> str:
    """The config object the code around an initializer reads (``config``, ``self.config``)."""
    for node in nodes:
        for found in _attributes(node):
            name = dotted(found)
            if name and "." in name and is_config(name.rsplit(".", 1)[0]):
                return name.rsplit(".", 1)[0]
    return default


def _attributes(node: cst.CSTNode) -> list[cst.Attribute]:
    found: list[cst.Attribute] = []

    class Collect(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            found.append(attribute)
            return True

    node.visit(Collect())
    return found


def render(rule_formula: str, config_expr: str, env: Env) -> cst.BaseExpression:
    """The formula as an expression of ``config_expr``, using the local aliases bound in ``env``."""
    aliases = env.aliases(config_expr)
    expression = cst.parse_expression(formula.to_code(rule_formula, config_expr))

    class UseAliases(cst.CSTTransformer):
        def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
            name = dotted(original)
            if name and name.rsplit(".", 1)[0] == config_expr and name.rsplit(".", 1)[1] in aliases:
                return cst.Name(aliases[name.rsplit(".", 1)[1]])
            return updated

        def leave_BinaryOperation(
            self, original: cst.BinaryOperation, updated: cst.BinaryOperation
        ) -> cst.BaseExpression:
            # ast.unparse writes x ** (-0.5); transformers (and ruff) write x**-0.5
            right = updated.right
            if isinstance(updated.operator, cst.Power) and isinstance(right, cst.UnaryOperation) and right.lpar:
                return updated.with_changes(right=right.with_changes(lpar=(), rpar=()))
            return updated

    return expression.visit(UseAliases())


_ATTRIBUTES: dict[int, tuple[cst.Module, dict[str, list[str]]]] = {}


def _attributes_by_class(module: cst.Module) -> dict[str, list[str]]:
    """Class name -> the ``self.`` attributes the module assigns an instance of it to (computed once)."""
    cached = _ATTRIBUTES.get(id(module))
    if cached is not None and cached[0] is module:
        return cached[1]
    found: dict[str, list[str]] = {}

    class Collect(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> bool:
            value = node.value
            if isinstance(value, cst.Call) and len(node.targets) == 1:
                called, target = dotted(value.func), dotted(node.targets[0].target)
                if called and target and target.startswith("self."):
                    names = found.setdefault(called.rsplit(".", 1)[-1], [])
                    if target.split(".", 1)[1] not in names:
                        names.append(target.split(".", 1)[1])
            return True

    module.visit(Collect())
    _ATTRIBUTES.clear()
    _ATTRIBUTES[id(module)] = (module, found)
    return found


def owner_names(module: cst.Module, classes: tuple[str, ...]) -> list[str]:
    """The attribute names under which the module's code instantiates any of ``classes``
    (``self.layer_norm = T5LayerNorm(...)`` -> ``layer_norm``); the classes in snake_case
    (``T5Model`` -> ``t5_model``) when they are never an attribute of another module."""
    by_class = _attributes_by_class(module)
    found = list(dict.fromkeys(name for c in classes for name in by_class.get(c, [])))
    return found or [re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", c).lower() for c in classes]


def pseudo_names(owners: list[str], *path: str) -> list[str]:
    """PyTorch-style parameter names the scheme's patterns can match: an owner attribute, then the
    attribute path, then ``weight`` unless the path already names the tensor."""
    names = []
    for owner in owners or ["model"]:
        parts = [owner, *(p for p in path if p)]
        if parts[-1] not in ("weight", "bias"):
            parts.append("weight")
        names.append(".".join(parts))
    return names


def choose_rule(scheme: FamilyScheme, names: list[str], probe: Probe) -> tuple[str, Rule | None, str]:
    """The rule of a parameter known by its candidate names: (the name shown, the rule, a note when
    the candidates disagree, in which case no rule is returned)."""
    rules = {name: scheme.rule_for(name, probe) for name in names}
    roles = {rule.role if rule else None for rule in rules.values()}
    if len(roles) > 1:
        shown = ", ".join(f"{n} -> {r.role if r else 'no rule'}" for n, r in rules.items())
        return names[0], None, f"this code draws parameters of several roles ({shown})"
    return names[0], rules[names[0]], "" if rules[names[0]] else "the scheme has no rule for this parameter"


def agrees(kind: str, value: float, rule: Rule, probe: Probe) -> bool:
    expected = rule.distribution(probe)
    if kind != expected.kind:
        return False
    target = {"normal": "std", "truncated_normal": "std", "constant": "value"}.get(kind)
    if target is None:
        return False
    reference = getattr(expected, target)
    return abs(value - reference) <= 1e-9 * max(1.0, abs(reference))


@dataclass
class Finding:
    """One initializer of transformers' source, read against the scheme."""

    file: str
    where: str  # Class.method
    parameter: str  # the pseudo PyTorch name the scheme was matched on
    role: str | None
    status: str  # "matches" | "changed" | "split" | "unverified" | "left"
    before: str = ""
    after: str = ""
    note: str = ""

    def describe(self) -> str:
        role = f" ({self.role})" if self.role else ""
        text = f"{self.file}: {self.where}: {self.parameter}{role}: {self.status}"
        if self.before or self.after:
            text += f": {' '.join(self.before.split())}" + (
                f" -> {' '.join(self.after.split())}" if self.after else ""
            )
        if self.note:
            text += f" [{self.note}]"
        return text
