"""TensorFlow and Flax: initializer objects handed to layers, read against the scheme.

In both frameworks a layer receives its initializer as an argument (``kernel_initializer=``,
``embedding_init=``, ...), written inline or bound to a name first (``q_initializer = ...``,
``kv_init_std = ...``). For each *consumer* (a layer or weight the code creates) the walker follows
that argument to the constructor (``keras.initializers.RandomNormal(mean=0, stddev=...)``,
``get_initializer(...)``, ``jax.nn.initializers.normal(...)``), reads its distribution and compares it
with the scheme's rule for the consumer's parameter:

- another distribution, or a non-zero mean: the constructor is replaced by the scheme's;
- another std: the std expression is replaced, where it is written (a shared ``kv_init_std`` once);
- one initializer object reaching several layers where the framework draws the same values for
  every call of one object (Keras without a seed, :attr:`Dialect.one_object_per_layer`): the
  binding is split into one object per layer, so that every draw is independent;
- a constant the scheme ties to the config (``layer_norm``: ``initializer_factor``) in a layer that
  has no config (``TFT5LayerNorm(hidden_size, epsilon)``, ``FlaxT5LayerNorm``): every caller in the
  module passes the scheme's value, through the layer's existing field (Flax ``weight_init``) or a
  keyword argument added to its ``__init__`` with the old value as default (TensorFlow
  ``weight_initializer="ones"``), so that the layer keeps its behaviour for any other caller.

The framework specifics (which arguments hold initializers, how constructors read, how the scheme's
constructor is written) are a :class:`Dialect`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from ..scheme import FamilyScheme, Rule
from .editing import Editor, code, dotted, keyword, string_value
from .scopes import Context, statement_of_values, walk
from .values import (
    Finding,
    Probe,
    Unresolved,
    agrees,
    choose_rule,
    config_expression,
    evaluate,
    owner_names,
    pseudo_names,
    render,
)


@dataclass
class Parsed:
    """What a constructor draws: its kind, mean, std (or constant value), and the nodes holding them."""

    kind: str
    value: cst.BaseExpression | None  # std, or the constant's value
    value_arg: cst.Arg | None = None  # the argument to rewrite for a new std (None: a default was used)
    mean_is_zero: bool = True


@dataclass(frozen=True)
class Dialect:
    framework: str
    init_keywords: tuple[str, ...]  # keyword arguments that hold an initializer
    init_positions: dict[str, int]  # called name -> position of the initializer argument
    parse: Callable[[cst.BaseExpression], Parsed | None]
    build: Callable[[str, str], str | None]  # (kind, std code) -> constructor source
    one_object_per_layer: bool = False
    split_comment: tuple[str, ...] = ()
    default_config: str = "self.config"


@dataclass
class Consumer:
    statement: cst.SimpleStatementLine
    context: Context
    attribute: str
    argument: cst.BaseExpression  # the initializer as written at the consumer
    constructor: cst.BaseExpression  # the constructor it resolves to
    constructor_binding: tuple[cst.SimpleStatementLine, cst.BaseSmallStatement] | None
    parsed: Parsed | None
    finding: Finding
    rule: Rule | None = None
    probe: Probe | None = None
    replacement: str | None = None  # new constructor source (kind change)
    new_std: cst.BaseExpression | None = None  # new std expression
    std_site: tuple[cst.SimpleStatementLine, cst.BaseExpression] | None = None  # where that std is written
    through: tuple[str, str] | None = None  # ("field" | "param" | "introduce", name): set by each caller
    extra: dict = field(default_factory=dict)


def _consumer_call(small: cst.BaseSmallStatement) -> tuple[cst.Call, str | None] | None:
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.value, cst.Call):
        target = dotted(small.targets[0].target)
        return small.value, target.split(".", 1)[1] if target and target.startswith("self.") else None
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        return small.value, None
    return None


def _initializer_argument(call: cst.Call, dialect: Dialect) -> cst.BaseExpression | None:
    for name in dialect.init_keywords:
        arg = keyword(call, name)
        if arg is not None:
            return arg.value
    called = dotted(call.func)
    position = dialect.init_positions.get(called.rsplit(".", 1)[-1]) if called else None
    positional = [a for a in call.args if a.keyword is None]
    if position is not None and len(positional) > position:
        return positional[position].value
    return None


def _layer_name(call: cst.Call) -> str | None:
    name = keyword(call, "name")
    if name is not None:
        return string_value(name.value)
    positional = [a for a in call.args if a.keyword is None]
    return string_value(positional[0].value) if positional else None


def transform(source: str, file: str, scheme: FamilyScheme, dialect: Dialect) -> tuple[str, list[Finding]]:
    editor = Editor(source)
    bindings = statement_of_values(editor.module)
    consumers: list[Consumer] = []
    classes = {node.name.value for node in editor.module.body if isinstance(node, cst.ClassDef)}
    callers: dict[str, list[tuple[cst.SimpleStatementLine, cst.Call, Context]]] = {}
    for statement, small, context in walk(editor.module):
        for call in _calls(small):
            called = dotted(call.func)
            if called in classes:
                callers.setdefault(called, []).append((statement, call, context))
        found = _consumer_call(small)
        if found is None:
            continue
        call, attribute = found
        argument = _initializer_argument(call, dialect)
        if argument is None:
            continue
        attribute = attribute or _layer_name(call)
        if attribute is None:
            continue
        consumers.append(_read(editor, scheme, dialect, file, statement, context, attribute, argument, bindings))
    _plan_splits(editor, consumers, dialect)
    _plan_rewrites(editor, consumers)
    _plan_callers(editor, scheme, dialect, consumers, callers)
    return editor.result(), [c.finding for c in consumers]


def _calls(node: cst.CSTNode) -> list[cst.Call]:
    found: list[cst.Call] = []

    class Collect(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> bool:
            found.append(call)
            return True

    node.visit(Collect())
    return found


_NO_SPACE = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def _plan_callers(
    editor: Editor,
    scheme: FamilyScheme,
    dialect: Dialect,
    consumers: list[Consumer],
    callers: dict[str, list[tuple[cst.SimpleStatementLine, cst.Call, Context]]],
) -> None:
    """A constant whose layer has no config: every caller of the layer passes the scheme's value."""
    for consumer in consumers:
        if consumer.through is None:
            continue
        how, name = consumer.through
        owner = consumer.context.owner
        changed = 0
        for statement, call, context in callers.get(consumer.context.cls, []):
            probe = Probe(scheme, context.facts)
            passed = keyword(call, name)
            if passed is not None:
                parsed = dialect.parse(passed.value)
                try:
                    if parsed is not None and agrees(
                        parsed.kind, evaluate(parsed.value, context.env, probe), consumer.rule, probe
                    ):
                        continue
                except Unresolved:
                    pass
            config_expr = config_expression([call], default="config" if "config" in context.params else "self.config")
            value = dialect.build("constant", code(render(consumer.rule.param, config_expr, context.env)))
            if value is None:
                break
            if passed is not None:
                editor.replace(statement, passed.value, cst.parse_expression(value))
            else:
                argument = cst.Arg(keyword=cst.Name(name), value=cst.parse_expression(value), equal=_NO_SPACE)
                editor.replace(statement, call, call.with_changes(args=[*call.args, argument]))
            changed += 1
        if how == "introduce" and changed:
            default = consumer.argument
            parameter = cst.Param(name=cst.Name(name), default=default, equal=_NO_SPACE)
            init = owner.init
            body = [*init.body.body, cst.parse_statement(f"self.{name} = {name}\n")]
            new_init = init.with_changes(
                params=init.params.with_changes(params=[*init.params.params, parameter]),
                body=init.body.with_changes(body=body),
            )
            editor.substitute(init, new_init)  # one more keyword and one more line: no re-layout
            editor.replace(consumer.statement, consumer.argument, cst.parse_expression(f"self.{name}"))
        if changed:
            consumer.finding.status = "changed"
            consumer.finding.after = f"{name}= passed by {changed} caller(s)"


def _read(
    editor: Editor,
    scheme: FamilyScheme,
    dialect: Dialect,
    file: str,
    statement: cst.SimpleStatementLine,
    context: Context,
    attribute: str,
    argument: cst.BaseExpression,
    bindings: dict,
) -> Consumer:
    constructor, binding, through = _constructor(context, argument, bindings)
    parsed = dialect.parse(constructor)
    owners = owner_names(editor.module, (context.cls,))
    probe = Probe(scheme, context.facts)
    shown, rule, why = choose_rule(scheme, pseudo_names(owners, attribute), probe)
    finding = Finding(file, context.where, shown, rule.role if rule else None, "matches", code(constructor))
    consumer = Consumer(statement, context, attribute, argument, constructor, binding, parsed, finding, rule, probe)
    if rule is None:
        finding.status, finding.note = "unverified", why
        return consumer
    if parsed is None:
        finding.status, finding.note = "unverified", "an initializer the generator does not read"
        return consumer
    if parsed.value is not None:  # where the std is written (following a name such as kv_init_std)
        consumer.std_site = _std_site(parsed.value, binding[0] if binding else statement, context, bindings)
    try:
        current = evaluate(parsed.value, context.env, probe) if parsed.value is not None else float("nan")
    except Unresolved as error:
        finding.status, finding.note = "unverified", f"cannot follow {error}"
        return consumer
    if not (parsed.mean_is_zero and agrees(parsed.kind, current, rule, probe)):
        _plan_change(consumer, dialect, through)
    return consumer


def _constructor(
    context: Context, argument: cst.BaseExpression, bindings: dict
) -> tuple[cst.BaseExpression, tuple | None, tuple[str, str] | None]:
    """The initializer an argument stands for, the statement binding it, and the field or parameter it comes
    through (a dataclass field, or an ``__init__`` parameter's default)."""
    constructor, binding, through = argument, None, None
    name = dotted(argument)
    owner = context.owner
    attribute_name = name.split(".", 1)[1] if name and name.startswith("self.") else None
    if owner is not None and attribute_name in owner.fields and owner.fields[attribute_name] is not None:
        constructor, through = owner.fields[attribute_name], ("field", attribute_name)
    elif name is not None and name in context.env.values:
        constructor = context.env.values[name]
        binding = bindings.get(constructor)
        parameter = dotted(constructor)
        if owner is not None and parameter in owner.init_defaults and owner.init_defaults[parameter] is not None:
            constructor, binding, through = owner.init_defaults[parameter], None, ("param", parameter)
    return constructor, binding, through


def _std_site(
    std_node: cst.BaseExpression, std_statement: cst.SimpleStatementLine, context: Context, bindings: dict
) -> tuple[cst.SimpleStatementLine, cst.BaseExpression]:
    """Where the std is written: the initializer's argument, or the binding of the name it reads."""
    std_name = dotted(std_node)
    if std_name is not None and std_name in context.env.values and context.env.values[std_name] in bindings:
        std_node = context.env.values[std_name]
        std_statement = bindings[std_node][0]
    return std_statement, std_node


def _plan_change(consumer: Consumer, dialect: Dialect, through: tuple[str, str] | None) -> None:
    """An initializer that draws off the scheme: how to change it (or why it is left)."""
    context, parsed, rule, finding = consumer.context, consumer.parsed, consumer.rule, consumer.finding
    owner, constructor = context.owner, consumer.constructor
    config_expr = config_expression(
        [node for node in (parsed.value, constructor) if node is not None],
        default="config" if "config" in context.params else dialect.default_config,
    )
    if rule.kind == "constant" and parsed.kind == "constant" and (through or not context.reads_config):
        # the layer has no config: each caller passes the scheme's value (a new argument if need be)
        if through is None and owner is not None and owner.init is not None and consumer.argument is constructor:
            through = ("introduce", f"{consumer.attribute}_initializer")
        if through is None:
            finding.status, finding.note = "left", "a constant the generator cannot hand the config to"
            return
        consumer.through = through
        finding.status, finding.note = "matches", f"set by each caller through {through[1]}"
        return
    new_std = render(rule.param, config_expr, context.env)
    if parsed.kind != rule.kind or not parsed.mean_is_zero or parsed.value_arg is None:
        consumer.replacement = dialect.build(rule.kind, code(new_std))
        if consumer.replacement is None:
            finding.status, finding.note = "left", f"no {dialect.framework} constructor for {rule.kind}"
            return
        finding.status, finding.after = "changed", consumer.replacement
        return
    consumer.new_std = new_std  # only the std differs: it is rewritten where it is written
    finding.status, finding.after = "changed", code(new_std)


def _split_target(target: str, attribute: str) -> str:
    prefix, _, last = target.rpartition(".")
    stem = f"{attribute}_initializer" if last.endswith("_initializer") else f"{last}_{attribute}"
    return f"{prefix}.{stem}" if prefix else stem


def _plan_splits(editor: Editor, consumers: list[Consumer], dialect: Dialect) -> None:
    """One initializer object per layer where the framework needs it."""
    if not dialect.one_object_per_layer:
        return
    groups: dict[int, list[Consumer]] = {}
    for consumer in consumers:
        if consumer.constructor_binding is not None and isinstance(consumer.constructor, cst.Call):
            groups.setdefault(id(consumer.constructor), []).append(consumer)
    for group in groups.values():
        if len(group) < 2:
            continue
        statement, small = group[0].constructor_binding
        target = code(small.targets[0].target)
        sources, seen = [], set()
        for consumer in group:
            new_target = _split_target(target, consumer.attribute)
            if new_target in seen:
                break
            seen.add(new_target)
            constructor = code(consumer.constructor)
            if consumer.replacement is not None:
                constructor = consumer.replacement
            elif consumer.new_std is not None and consumer.std_site and consumer.std_site[1] is consumer.parsed.value:
                constructor = code(consumer.constructor.deep_replace(consumer.parsed.value, consumer.new_std))
            sources.append(f"{new_target} = {constructor}")
            editor.replace(consumer.statement, consumer.argument, cst.parse_expression(new_target))
            consumer.extra["split"] = True
            if consumer.finding.status == "matches":
                consumer.finding.status = "split"
            consumer.finding.note = f"own initializer object {new_target} (was {target}, shared)"
        else:
            editor.rewrite(statement, sources, dialect.split_comment)


def _plan_rewrites(editor: Editor, consumers: list[Consumer]) -> None:
    by_site: dict[int, list[Consumer]] = {}
    for consumer in consumers:
        if consumer.extra.get("split"):
            continue
        if consumer.replacement is not None:
            statement = consumer.constructor_binding[0] if consumer.constructor_binding else consumer.statement
            replacement = cst.parse_expression(consumer.replacement)
            editor.replace(statement, consumer.constructor, replacement)
        elif consumer.std_site is not None:
            by_site.setdefault(id(consumer.std_site[1]), []).append(consumer)
    for group in by_site.values():
        changed = [c for c in group if c.new_std is not None]
        if not changed:
            continue
        statement, node = group[0].std_site
        if len(changed) < len(group) or len({code(c.new_std) for c in changed}) > 1:
            for consumer in changed:
                consumer.finding.status = "left"
                consumer.finding.note = f"{code(node)} is shared by parameters the scheme draws differently"
            continue
        editor.replace(statement, node, changed[0].new_std)


def call_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Call):
        name = dotted(node.func)
        return name.rsplit(".", 1)[-1] if name else None
    return None


def argument(call: cst.Call, name: str, position: int) -> cst.Arg | None:
    found = keyword(call, name)
    if found is not None:
        return found
    positional = [a for a in call.args if a.keyword is None]
    return positional[position] if len(positional) > position else None


def is_zero(arg: cst.Arg | None) -> bool:
    return arg is None or code(arg.value).strip() in ("0", "0.0", "0.")
