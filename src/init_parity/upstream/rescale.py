"""5.x: the tied lm_head reads the decoder output scaled by ``d_model**-0.5`` again, where it was dropped.

Mesh TensorFlow scales the decoder output by ``d_model**-0.5`` before a tied logits projection (the lm_head
is the N(0, 1) shared embedding). Every T5-family conditional-generation class did so while
``tie_word_embeddings`` was true, until huggingface/transformers#42815 removed it from mT5, whose config then
forced the flag, so that no mT5 was ever scaled. Once the config keeps the flag passed (:mod:`.tying`), a tied
mT5 draws logits of std about ``sqrt(d_model)``; this puts the statement back, as the other family members
write it, in every ``forward`` that projects ``sequence_output`` with ``self.lm_head`` in a class that sets
``self.model_dim`` and never scales (UDOP, which never scaled and has no ``model_dim``, is left alone).
"""

from __future__ import annotations

import libcst as cst

from .editing import Editor, code, format_statements
from .tying import FLAG

RESCALE = f"""
if self.config.{FLAG}:
    # Rescale output before projecting on vocab
    # See https://github.com/tensorflow/mesh/blob/fa19d69eafc9a482aff0b59ddd96b025c0cb207d/mesh_tensorflow/transformer/transformer.py#L586
    sequence_output = sequence_output * (self.model_dim**-0.5)
"""
PROJECTION = "lm_logits = self.lm_head(sequence_output)"


def restore_rescale(source: str) -> tuple[str, list[str]]:
    """(new source, what changed)."""
    editor = Editor(source)
    notes: list[str] = []
    for cls in (n for n in editor.module.body if isinstance(n, cst.ClassDef)):
        if "self.model_dim = " not in code(cls):
            continue
        for method in (m for m in cls.body.body if isinstance(m, cst.FunctionDef) and m.name.value == "forward"):
            text = code(method)
            if "self.model_dim**-0.5" in text or "self.model_dim ** -0.5" in text:
                continue
            body = list(method.body.body)
            at = next(
                (
                    i
                    for i, s in enumerate(body)
                    if isinstance(s, cst.SimpleStatementLine)
                    and code(s.with_changes(leading_lines=())).strip() == PROJECTION
                ),
                None,
            )
            if at is None:
                continue
            statements = format_statements([RESCALE], column=8)
            statements[0] = statements[0].with_changes(leading_lines=body[at].leading_lines)
            projection = body[at].with_changes(leading_lines=[cst.EmptyLine(indent=False)])
            editor.substitute(body[at], cst.FlattenSentinel([*statements, projection]))
            notes.append(f"{cls.name.value}.forward: decoder output scaled by model_dim**-0.5 when tied")
    return editor.result(), notes
