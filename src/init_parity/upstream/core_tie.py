"""5.x: the one core rule that lets a family keep its input-embedding ties when the lm_head is untied.

``PreTrainedModel.get_expanded_tied_weights_keys`` (``src/transformers/modeling_utils.py``) returns no tie
at all when ``tie_word_embeddings`` is false. The edit adds a class attribute, ``_untie_output_embeddings_only``
(default False: every model behaves as before), and, for a model that sets it, drops from
``_tied_weights_keys`` only the entries of its output embeddings (``get_output_embeddings()``, the lm_head);
the other entries (the encoder and decoder embeddings tied to ``shared``) stay. The config keeps one tying
attribute; which ties it governs is the model class's declaration, as ``_tied_weights_keys`` already is.

The method is found by name in the ``PreTrainedModel`` class and the flag's early return by shape
(``if not <flag>: return {}``, with ``<flag>`` either ``self.config.tie_word_embeddings`` or a local of that
name), so upstream main and the 5.x releases are edited alike. A tree already holding the rule is left as it is.
"""

from __future__ import annotations

import libcst as cst

from .checkout import CORE_FILE
from .editing import Editor, code, dotted, format_statements
from .tying import ATTRIBUTE, FLAG

__all__ = ["CORE_FILE", "CoreLayoutError", "add_core_rule"]
CLASS = "PreTrainedModel"
METHOD = "get_expanded_tied_weights_keys"

DECLARATION = f"{ATTRIBUTE} = False\n"
DECLARATION_COMMENT = (
    f"# If True, `config.{FLAG}=False` unties only the output embeddings (lm_head); the other",
    "# entries of `_tied_weights_keys` (e.g. an encoder and a decoder reading one shared embedding, which checkpoints",
    "# store once) stay tied",
)

FILTER = """
if tied_mapping and not FLAG_EXPRESSION:
    # `ATTRIBUTE`: drop the ties of the output embeddings only
    output_embeddings = self.get_output_embeddings()
    heads = tuple(f"{name}." for name, module in self.named_modules() if module is output_embeddings)
    tied_mapping = {k: v for k, v in tied_mapping.items() if not (k.startswith(heads) or v.startswith(heads))}
""".replace("ATTRIBUTE", ATTRIBUTE)


class CoreLayoutError(RuntimeError):
    """The checkout's ``modeling_utils.py`` is not shaped as the edit expects."""


def _flag_return(statement: cst.BaseStatement) -> str | None:
    """The flag's code when ``statement`` is ``if not <flag>: return {}`` (elif branches allowed)."""
    if not isinstance(statement, cst.If):
        return None
    test = statement.test
    if not (isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)):
        return None
    flag = dotted(test.expression)
    if flag not in (f"self.config.{FLAG}", FLAG):
        return None
    body = statement.body.body if isinstance(statement.body, cst.IndentedBlock) else ()
    returns = [s for s in body if isinstance(s, cst.SimpleStatementLine) and isinstance(s.body[0], cst.Return)]
    if not returns or code(returns[0].body[0].value).strip() != "{}":
        return None
    return flag


def _assigns(statement: cst.BaseStatement, name: str) -> bool:
    """``name = ...`` or ``name: T = ...`` at class level."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.AnnAssign):
        return dotted(small.target) == name
    return isinstance(small, cst.Assign) and [dotted(t.target) for t in small.targets] == [name]


def add_core_rule(source: str) -> tuple[str, list[str]]:
    """(new source, what changed) for ``modeling_utils.py``; :class:`CoreLayoutError` when it cannot be placed."""
    editor = Editor(source)
    cls = next((n for n in editor.module.body if isinstance(n, cst.ClassDef) and n.name.value == CLASS), None)
    if cls is None:
        raise CoreLayoutError(f"no class {CLASS}")
    members = list(cls.body.body)
    if any(ATTRIBUTE in code(m) for m in members if isinstance(m, cst.SimpleStatementLine)):
        return source, []
    keys = next((m for m in members if _assigns(m, "_tied_weights_keys")), None)
    method = next((m for m in members if isinstance(m, cst.FunctionDef) and m.name.value == METHOD), None)
    if keys is None or method is None:
        raise CoreLayoutError(f"{CLASS} has no class attribute `_tied_weights_keys` or no {METHOD}")
    body = list(method.body.body)
    at = next((i for i, statement in enumerate(body) if _flag_return(statement)), None)
    if at is None:
        raise CoreLayoutError(f"{CLASS}.{METHOD} has no `if not {FLAG}: return {{}}`")
    guard = body[at]
    flag = _flag_return(guard)
    new_test = cst.parse_expression(f"not {flag} and not self.{ATTRIBUTE}")
    editor.replace(guard, guard.test, new_test)
    comments = [cst.EmptyLine(comment=cst.Comment(line)) for line in DECLARATION_COMMENT]
    after = members[members.index(keys) + 1]  # a blank line above ours where the next attribute has one (main)
    spaced = bool(after.leading_lines) and after.leading_lines[0].comment is None
    blank = [cst.EmptyLine(indent=False)] if spaced else []
    annotated = isinstance(keys.body[0], cst.AnnAssign)  # 5.x releases annotate the class attributes
    declaration = cst.parse_statement(
        DECLARATION.replace(" = ", ": bool = ") if annotated else DECLARATION
    ).with_changes(leading_lines=[*blank, *comments])
    editor.substitute(keys, cst.FlattenSentinel([keys, declaration]))
    rule = format_statements([FILTER.replace("FLAG_EXPRESSION", flag)], column=8)
    editor.substitute(body[at + 1], cst.FlattenSentinel([*rule, body[at + 1]]))
    notes = [f"{CLASS}.{ATTRIBUTE} = False declared", f"{CLASS}.{METHOD}: drops only the output embeddings' ties"]
    return editor.result(), notes
