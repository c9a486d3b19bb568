"""PyTorch: each ``_init_weights`` of a family's modelling module, read draw by draw against the scheme.

A draw is an in-place call on a parameter: ``module.<path>.weight.data.normal_(mean=0.0, std=...)``
(also ``fill_`` and ``zero_``) on the 4.x line, ``init.normal_(module.<path>.weight, mean=0.0, std=...)``
(also ``constant_``, ``zeros_`` and ``ones_`` of ``transformers.initialization``, which skip a tensor
marked ``_is_hf_initialized``) on the 5.x line. Its parameter is named from the class of the ``isinstance`` branch
it stands in and its attribute path (``T5Attention`` + ``q`` -> ``t5_attention.q.weight``), which the
scheme's patterns match; the flags the enclosing conditions fix (``not self.config.tie_word_embeddings``)
choose between rules. A ``normal_`` whose std differs from the scheme's gets the scheme's std, as
code; everything else is left as it is and reported.
"""

from __future__ import annotations

import libcst as cst

from ..scheme import FamilyScheme
from .editing import Editor, code, dotted, keyword
from .scopes import Context, walk
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

_DRAWS = ("normal_", "fill_", "zero_")
# transformers.initialization (5.x), imported as `init`: function -> the kind it draws
_INIT_FUNCTIONS = {"normal_": "normal", "constant_": "constant", "zeros_": "constant", "ones_": "constant"}


def _parameter_path(receiver: cst.BaseExpression, data: bool = True) -> list[str] | None:
    """``module.experts[i].wo.weight.data`` (``data=False``: without ``.data``) ->
    ``["experts", "0", "wo", "weight"]``."""
    parts: list[str] = []
    node = receiver
    if data:
        if not (isinstance(node, cst.Attribute) and node.attr.value == "data"):
            return None
        node = node.value
    while True:
        if isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        elif isinstance(node, cst.Subscript):
            parts.append("0")
            node = node.value
        elif isinstance(node, cst.Name):
            break
        else:
            return None
    parts.reverse()
    return parts if parts and parts[-1] in ("weight", "bias") else None


def _draw(call: cst.Call) -> tuple[list[str] | None, list[cst.Arg]]:
    """(the parameter path, the arguments after the tensor) of ``x.weight.data.normal_(...)`` or
    ``init.normal_(x.weight, ...)``; no path when ``call`` draws nothing."""
    if not isinstance(call.func, cst.Attribute):
        return None, []
    method = call.func.attr.value
    if method in _INIT_FUNCTIONS and dotted(call.func.value) == "init" and call.args:
        return _parameter_path(call.args[0].value, data=False), list(call.args[1:])
    if method in _DRAWS:
        return _parameter_path(call.func.value), list(call.args)
    return None, []


def _drawn(call: cst.Call, args: list[cst.Arg]) -> tuple[str, cst.BaseExpression | None, cst.Arg | None]:
    """(kind, the expression of its std or value, the argument holding it)."""
    method = call.func.attr.value
    if method in ("zero_", "zeros_"):
        return "constant", cst.Float("0.0"), None
    if method == "ones_":
        return "constant", cst.Float("1.0"), None
    if method in ("fill_", "constant_"):
        value = keyword(call, "val") or args[0]
        return "constant", value.value, value
    std = keyword(call, "std") or (args[1] if len(args) > 1 and args[1].keyword is None else None)
    mean = keyword(call, "mean") or (args[0] if args and args[0].keyword is None else None)
    if mean is not None and code(mean.value).strip() not in ("0", "0.0"):
        return "normal(mean != 0)", None, std
    return "normal", std.value if std is not None else cst.Float("1.0"), std


def transform(source: str, file: str, scheme: FamilyScheme) -> tuple[str, list[Finding]]:
    editor = Editor(source)
    findings: list[Finding] = []
    for statement, small, context in walk(editor.module, methods=("_init_weights",)):
        if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
            continue
        call = small.value
        path, args = _draw(call)
        if path is None:
            continue
        findings.append(_one_draw(editor, scheme, file, statement, call, path, args, context))
    return editor.result(), findings


def _one_draw(
    editor: Editor,
    scheme: FamilyScheme,
    file: str,
    statement: cst.SimpleStatementLine,
    call: cst.Call,
    path: list[str],
    args: list[cst.Arg],
    context: Context,
) -> Finding:
    owners = owner_names(editor.module, context.instance_of) if context.instance_of else []
    probe = Probe(scheme, context.facts)
    name, rule, why = choose_rule(scheme, pseudo_names(owners, *path), probe)
    kind, value, holder = _drawn(call, args)
    before = f"{kind}({code(value)})" if value is not None else kind
    finding = Finding(file, context.where, name, rule.role if rule else None, "matches", before)
    if rule is None:
        finding.status, finding.note = "unverified", why
        return finding
    try:
        current = evaluate(value, context.env, probe) if value is not None else float("nan")
    except Unresolved as error:
        finding.status, finding.note = "unverified", f"cannot follow {error}"
        return finding
    if agrees(kind, current, rule, probe):
        return finding
    if kind != "normal" or rule.kind != "normal" or holder is None:
        finding.status = "left"
        finding.note = f"the scheme has {rule.kind}({rule.param}); only the std of a normal draw is rewritten"
        return finding
    config_expr = config_expression([call], default="self.config")
    if config_expr == "self.config" and "factor" in context.env.values:
        config_expr = config_expression([context.env.values["factor"]], default="self.config")
    new_value = render(rule.param, config_expr, context.env)
    editor.replace(statement, holder.value, new_value)
    finding.status, finding.after = "changed", f"normal({code(new_value)})"
    return finding
