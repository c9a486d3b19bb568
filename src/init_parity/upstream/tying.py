"""5.x: a config that says ``tie_word_embeddings=False`` gets an untied lm_head again.

On the 5.x line one config attribute decides every tie of a model (``get_expanded_tied_weights_keys``
returns nothing when ``tie_word_embeddings`` is false, huggingface/transformers#42815), and the T5-family
configs force it to True so that the encoder and decoder keep reading the shared embedding; a fresh
T5 v1.1 / mT5 / UMT5 model therefore gets the shared N(0, 1) embedding as its lm_head. Two edits here,
with the core rule of :mod:`.core_tie`, restore the 4.x meaning:

- configuration: the statement that forces the flag goes; the flag keeps the value passed (a
  dataclass config without the field gets ``tie_word_embeddings: bool = True``, an ``__init__``
  with the parameter passes it on), and T5's ``scale_decoder_outputs`` follows it as before;
- modelling: the family's ``PreTrainedModel`` declares ``_untie_output_embeddings_only = True`` (one
  class attribute, no method): with the flag False the core drops only the lm_head's entry of
  ``_tied_weights_keys``, and the encoder and decoder embeddings stay tied to ``shared``.

Both are idempotent: a file that no longer forces the flag, or already declares the attribute, is left as it is.
"""

from __future__ import annotations

import libcst as cst

from .editing import Editor, code, dotted

FLAG = "tie_word_embeddings"
ATTRIBUTE = "_untie_output_embeddings_only"  # the class attribute the core rule reads (:mod:`.core_tie`)

SCALE_COMMENT = (
    "A tied lm_head (original T5) reads the decoder output scaled by d_model**-0.5; `tie_word_embeddings=False` "
    "(T5 v1.1) means an lm_head of its own and no scaling."
)


def _is_flag_key(node: cst.BaseExpression) -> bool:
    """``kwargs["tie_word_embeddings"]``."""
    if not (isinstance(node, cst.Subscript) and dotted(node.value) == "kwargs" and len(node.slice) == 1):
        return False
    index = node.slice[0].slice
    return isinstance(index, cst.Index) and code(index.value).strip("'\"") == FLAG


def _forces(small: cst.BaseSmallStatement) -> bool:
    """``self.tie_word_embeddings = True`` or ``kwargs["tie_word_embeddings"] = True``."""
    if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
        return False
    target, value = small.targets[0].target, small.value
    forced = isinstance(value, cst.Name) and value.value == "True"
    return forced and (dotted(target) == f"self.{FLAG}" or _is_flag_key(target))


def _pops_flag(node: cst.CSTNode) -> bool:
    """``kwargs.pop("tie_word_embeddings", ...)``."""
    return (
        isinstance(node, cst.Call)
        and dotted(node.func) == "kwargs.pop"
        and bool(node.args)
        and code(node.args[0].value).strip("'\"") == FLAG
    )


def _comments_before(statement: cst.SimpleStatementLine) -> list[str]:
    return [line.comment.value for line in statement.leading_lines if line.comment is not None]


def untie_config(source: str) -> tuple[str, list[str]]:
    """(new source, what changed) for a configuration module that forces ``tie_word_embeddings``."""
    editor = Editor(source)
    notes: list[str] = []
    for cls in (n for n in editor.module.body if isinstance(n, cst.ClassDef)):
        methods = [s for s in cls.body.body if isinstance(s, cst.FunctionDef)]
        for method in methods:
            if not isinstance(method.body, cst.IndentedBlock):
                continue
            lines = [s for s in method.body.body if isinstance(s, cst.SimpleStatementLine)]
            forcing = [line for line in lines if any(_forces(small) for small in line.body)]
            if not forcing:
                continue
            _untie_method(editor, cls, method, lines, notes)
    return editor.result(), notes


def _untie_method(
    editor: Editor,
    cls: cst.ClassDef,
    method: cst.FunctionDef,
    lines: list[cst.SimpleStatementLine],
    notes: list[str],
) -> None:
    params = {p.name.value for p in [*method.params.params, *method.params.kwonly_params]}
    fields = {
        small.target.value
        for statement in cls.body.body
        if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name)
    }
    dataclass_style = method.name.value == "__post_init__"
    removed: list[cst.SimpleStatementLine] = []
    for line in lines:
        small = line.body[0]
        if _forces(small):
            removed.append(line)
            notes.append(f"{cls.name.value}.{method.name.value}: `{code(small).strip()}` removed")
        elif isinstance(small, cst.Expr) and _pops_flag(small.value):
            removed.append(line)  # the field (added below if missing) holds the value
        elif any((dotted(t.target) or "") == "self.scale_decoder_outputs" for t in _targets(small)):
            _rewrite_scale(editor, line, small, dataclass_style)
    _remove(editor, list(method.body.body), removed)
    if dataclass_style and FLAG not in fields:
        _add_field(editor, cls)
        notes.append(f"{cls.name.value}: field `{FLAG}: bool = True` added")
    if not dataclass_style and FLAG in params:
        _pass_to_super(editor, method, notes, cls.name.value)


def _targets(small: cst.BaseSmallStatement) -> list[cst.AssignTarget]:
    return list(small.targets) if isinstance(small, cst.Assign) else []


def _rewrite_scale(editor: Editor, line: cst.SimpleStatementLine, small: cst.Assign, dataclass_style: bool) -> None:
    """T5's ``scale_decoder_outputs`` read the flag before it was forced: it now reads the flag itself
    (dataclass configs pop it from kwargs), under a comment that no longer says the head is always tied."""
    value = small.value
    pops = isinstance(value, cst.Comparison) and _pops_flag(value.left)
    source = f"self.scale_decoder_outputs = self.{FLAG}" if pops and dataclass_style else code(small).strip()
    stale = any(word in comment.lower() for comment in _comments_before(line) for word in ("force", "always tied"))
    if source == code(small).strip() and not stale:
        return
    blank = [entry for entry in line.leading_lines if entry.comment is None]
    editor.set_leading_lines(line, blank if stale else line.leading_lines)
    editor.rewrite(line, [source], _wrap(SCALE_COMMENT) if stale else [])


def _wrap(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=100)


def _remove(editor: Editor, body: list[cst.BaseStatement], removed: list[cst.SimpleStatementLine]) -> None:
    """Remove statements; the blank lines above a removed run stay above the statement after it."""
    carried: list[cst.EmptyLine] = []
    for statement in body:
        if statement in removed:
            blank = [entry for entry in statement.leading_lines if entry.comment is None]
            carried = carried or blank
            editor.substitute(statement, cst.RemoveFromParent())
        elif carried:
            has_blank = bool(statement.leading_lines) and statement.leading_lines[0].comment is None
            if not has_blank:
                editor.set_leading_lines(statement, [*carried, *statement.leading_lines])
            carried = []


def _add_field(editor: Editor, cls: cst.ClassDef) -> None:
    body = list(cls.body.body)
    annotated = [
        i
        for i, s in enumerate(body)
        if isinstance(s, cst.SimpleStatementLine) and isinstance(s.body[0], cst.AnnAssign)
    ]
    anchor = body[annotated[-1]]
    new_field = cst.parse_statement(f"{FLAG}: bool = True\n")
    editor.substitute(anchor, cst.FlattenSentinel([anchor, new_field]))


def _pass_to_super(editor: Editor, method: cst.FunctionDef, notes: list[str], where: str) -> None:
    class Find(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> bool:
            if dotted(call.func) == "super().__init__" or (
                isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "__init__"
                and isinstance(call.func.value, cst.Call)
                and dotted(call.func.value.func) == "super"
            ):
                if any(a.keyword is not None and a.keyword.value == FLAG for a in call.args):
                    return False
                args = list(call.args)
                at = next((i for i, a in enumerate(args) if a.star == "**"), len(args))
                new_arg = cst.Arg(keyword=cst.Name(FLAG), value=cst.Name(FLAG), equal=_EQUAL, comma=args[0].comma)
                editor.substitute(call, call.with_changes(args=[*args[:at], new_arg, *args[at:]]))
                notes.append(f"{where}: `{FLAG}` passed to `super().__init__`")
            return True

    method.visit(Find())


_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def mark_family(source: str) -> tuple[str, list[str]]:
    """(new source, what changed) with ``_untie_output_embeddings_only = True`` among the class attributes of
    every ``PreTrainedModel`` subclass that defines ``_init_weights`` (the family's base class): the last class
    attribute before its first method, so that ``# Copied from`` copies of that class stay identical."""
    editor = Editor(source)
    notes: list[str] = []
    for cls in (n for n in editor.module.body if isinstance(n, cst.ClassDef)):
        if "PreTrainedModel" not in {dotted(b.value) for b in cls.bases}:
            continue
        members = list(cls.body.body)
        names = [m.name.value for m in members if isinstance(m, cst.FunctionDef)]
        assigned = {
            code(t.target).strip()
            for m in members
            if isinstance(m, cst.SimpleStatementLine)
            for s in m.body
            for t in _targets(s)
        }
        if "_init_weights" not in names or ATTRIBUTE in assigned:
            continue
        first_method = next(i for i, m in enumerate(members) if not isinstance(m, cst.SimpleStatementLine))
        anchor = members[first_method - 1] if first_method else None
        if anchor is None:
            continue
        line = cst.parse_statement(f"{ATTRIBUTE} = True\n")
        editor.substitute(anchor, cst.FlattenSentinel([anchor, line]))
        notes.append(f"{cls.name.value}.{ATTRIBUTE} = True")
    return editor.result(), notes
