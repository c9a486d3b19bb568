"""PyTorch: each ``_init_weights`` of a family's modelling module, read draw by draw against the scheme.

A draw is an in-place call on a parameter, ``module.<path>.weight.data.normal_(mean=0.0, std=...)``
(also ``fill_`` and ``zero_``). Its parameter is named from the class of the ``isinstance`` branch
it stands in and its attribute path (``T5Attention`` + ``q`` -> ``t5_attention.q.weight``), which the
scheme's patterns match; the flags the enclosing conditions fix (``not self.config.tie_word_embeddings``)
choose between rules. A ``normal_`` whose std differs from the scheme's gets the scheme's std, as
code; everything else is left as it is and reported.
"""

from __future__ import annotations

import libcst as cst

from ..scheme import FamilyScheme
from .editing import Editor, code, keyword
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


def _parameter_path(receiver: cst.BaseExpression) -> list[str] | None:
    """``module.experts[i].wo.weight.data`` -> ``["experts", "0", "wo", "weight"]``."""
    parts: list[str] = []
    node = receiver
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


def _drawn(call: cst.Call) -> tuple[str, cst.BaseExpression | None, cst.Arg | None]:
    """(kind, the expression of its std or value, the argument holding it)."""
    method = call.func.attr.value
    if method == "zero_":
        return "constant", cst.Float("0.0"), None
    if method == "fill_":
        return "constant", call.args[0].value, call.args[0]
    std = keyword(call, "std") or (call.args[1] if len(call.args) > 1 and call.args[1].keyword is None else None)
    mean = keyword(call, "mean") or (call.args[0] if call.args and call.args[0].keyword is None else None)
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
        if not (isinstance(call.func, cst.Attribute) and call.func.attr.value in _DRAWS):
            continue
        path = _parameter_path(call.func.value)
        if path is None:
            continue
        findings.append(_one_draw(editor, scheme, file, statement, call, path, context))
    return editor.result(), findings


def _one_draw(
    editor: Editor,
    scheme: FamilyScheme,
    file: str,
    statement: cst.SimpleStatementLine,
    call: cst.Call,
    path: list[str],
    context: Context,
) -> Finding:
    owners = owner_names(editor.module, context.instance_of) if context.instance_of else []
    probe = Probe(scheme, context.facts)
    name, rule, why = choose_rule(scheme, pseudo_names(owners, *path), probe)
    kind, value, holder = _drawn(call)
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
