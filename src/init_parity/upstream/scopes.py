"""Walking the methods of a modelling module statement by statement, with what is known at each.

At every simple statement the walker knows: the class and method, the assignments that precede
it (the class body's, ``__init__`` / ``setup``'s ``self.`` attributes, then the method's own, each
branch seeing only its own), the config flags the enclosing conditions fix
(``if not config.tie_word_embeddings:``) and the class an ``isinstance(module, ...)`` branch is about.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from .editing import dotted
from .values import Env, is_config

_CONSTRUCTORS = ("__init__", "setup")


@dataclass
class ClassInfo:
    """What a class declares: its node, its fields (class-body names, as flax modules declare their
    constructor arguments) and its ``__init__`` (with each parameter's default)."""

    node: cst.ClassDef
    fields: dict[str, cst.BaseExpression | None] = field(default_factory=dict)
    init: cst.FunctionDef | None = None
    init_defaults: dict[str, cst.BaseExpression | None] = field(default_factory=dict)

    @classmethod
    def of(cls, node: cst.ClassDef) -> ClassInfo:
        info = cls(node)
        for statement in node.body.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                        info.fields[small.target.value] = small.value
            elif isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__":
                info.init = statement
                params = [*statement.params.params, *statement.params.kwonly_params]
                info.init_defaults = {p.name.value: p.default for p in params}
        return info

    @property
    def reads_config(self) -> bool:
        return "config" in self.fields or "config" in self.init_defaults


@dataclass
class Context:
    cls: str
    method: str
    params: tuple[str, ...]
    env: Env
    facts: dict[str, bool] = field(default_factory=dict)
    instance_of: tuple[str, ...] = ()
    owner: ClassInfo | None = None

    @property
    def reads_config(self) -> bool:
        return "config" in self.params or (self.owner is not None and self.owner.reads_config)

    @property
    def where(self) -> str:
        return f"{self.cls}.{self.method}"

    def narrowed(self, test: cst.BaseExpression, truth: bool) -> Context:
        facts, instance_of = dict(self.facts), self.instance_of
        _learn(test, truth, facts)
        found = _instance_class(test) if truth else None
        return Context(self.cls, self.method, self.params, self.env.child(), facts, found or instance_of, self.owner)


def _learn(test: cst.BaseExpression, truth: bool, facts: dict[str, bool]) -> None:
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And) and truth:
        _learn(test.left, True, facts)
        _learn(test.right, True, facts)
    elif isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        _learn(test.expression, not truth, facts)
    else:
        name = dotted(test)
        if name and "." in name and is_config(name.rsplit(".", 1)[0]):
            facts[name.rsplit(".", 1)[1]] = truth


def _instance_class(test: cst.BaseExpression) -> tuple[str, ...]:
    """The classes of ``isinstance(module, X)`` / ``isinstance(module, (X, Y))`` in a condition."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _instance_class(test.left) or _instance_class(test.right)
    if isinstance(test, cst.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2:
        classes = test.args[1].value
        nodes = [e.value for e in classes.elements] if isinstance(classes, cst.Tuple) else [classes]
        names = [dotted(node) for node in nodes]
        return tuple(name.rsplit(".", 1)[-1] for name in names if name)
    return ()


def _bind(small: cst.BaseSmallStatement, env: Env) -> None:
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        env.bind(small.targets[0].target, small.value)
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        env.bind(small.target, small.value)


def class_env(node: cst.ClassDef) -> Env:
    """``self.x`` for the class body's assignments and for those of ``__init__`` / ``setup``."""
    env = Env()
    for statement in node.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Assign, cst.AnnAssign)):
                    target = small.targets[0].target if isinstance(small, cst.Assign) else small.target
                    if isinstance(target, cst.Name) and small.value is not None:
                        env.values[f"self.{target.value}"] = small.value
        elif isinstance(statement, cst.FunctionDef) and statement.name.value in _CONSTRUCTORS:
            for line in statement.body.body:
                if isinstance(line, cst.SimpleStatementLine):
                    for small in line.body:
                        if isinstance(small, cst.Assign) and len(small.targets) == 1:
                            name = dotted(small.targets[0].target)
                            if name and name.startswith("self."):
                                env.values[name] = small.value
    return env


Visit = tuple[cst.SimpleStatementLine, cst.BaseSmallStatement, Context]


def _walk_block(statements: list[cst.BaseStatement], context: Context) -> Iterator[Visit]:
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                yield (
                    statement,
                    small,
                    Context(
                        context.cls,
                        context.method,
                        context.params,
                        context.env.child(),
                        context.facts,
                        context.instance_of,
                        context.owner,
                    ),
                )
                _bind(small, context.env)
        elif isinstance(statement, cst.If):
            yield from _walk_if(statement, context)
        elif isinstance(statement, (cst.For, cst.While, cst.With, cst.Try)):
            yield from _walk_block(list(statement.body.body), context.narrowed(cst.Name("True"), True))


def _walk_if(statement: cst.If, context: Context) -> Iterator[Visit]:
    yield from _walk_block(list(statement.body.body), context.narrowed(statement.test, True))
    otherwise = context.narrowed(statement.test, False)
    if isinstance(statement.orelse, cst.If):
        yield from _walk_if(statement.orelse, otherwise)
    elif isinstance(statement.orelse, cst.Else):
        yield from _walk_block(list(statement.orelse.body.body), otherwise)


def walk(module: cst.Module, methods: tuple[str, ...] | None = None) -> Iterator[Visit]:
    """Every simple statement of every method (of the top-level classes) of ``module``."""
    for node in module.body:
        if not isinstance(node, cst.ClassDef):
            continue
        base, info = class_env(node), ClassInfo.of(node)
        for item in node.body.body:
            if not isinstance(item, cst.FunctionDef) or (methods and item.name.value not in methods):
                continue
            params = tuple(p.name.value for p in [*item.params.params, *item.params.kwonly_params])
            context = Context(node.name.value, item.name.value, params, base.child(), owner=info)
            if isinstance(item.body, cst.IndentedBlock):
                yield from _walk_block(list(item.body.body), context)


def statement_of_values(module: cst.Module) -> dict[cst.CSTNode, tuple[cst.SimpleStatementLine, cst.Assign]]:
    """Value node of every single-target assignment -> its statement (where a binding is defined)."""
    found: dict[cst.CSTNode, tuple[cst.SimpleStatementLine, cst.Assign]] = {}

    class Collect(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, line: cst.SimpleStatementLine) -> bool:
            for small in line.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    found[small.value] = (line, small)
                elif isinstance(small, cst.AnnAssign) and small.value is not None:
                    found[small.value] = (line, small)
            return False

    module.visit(Collect())
    return found
