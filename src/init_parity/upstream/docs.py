"""The "Initialization" section of the family's model page (``docs/source/en/model_doc/t5.md``).

The table is rendered from the scheme data: one row per rule, its parameters (the PyTorch name
pattern), its distribution with the formula of its parameter, the condition, and the reference. The
section goes before the API reference (the first ``## <Model>Config`` heading) and is replaced,
not duplicated, by a later run.
"""

from __future__ import annotations

import re

from ..scheme import FamilyScheme
from ..scheme.docs import markdown_table

HEADING = "## Initialization"

_KINDS = {
    "normal": "normal(0, σ), σ = {param}",
    "truncated_normal": "normal(0, σ) truncated to ±2σ, σ = {param}",
    "uniform": "uniform(-a, a), a = {param}",
    "constant": "constant {param}",
    "deterministic": "fixed table `{param}`",
}


def _model_names(scheme: FamilyScheme) -> str:
    return ", ".join(f"`{model_type}`" for model_type in scheme.model_types)


def section(scheme: FamilyScheme, pytorch_only: bool = False) -> str:
    table = markdown_table(
        ("Parameters (PyTorch name pattern)", "Initialization", "When", "Reference"),
        [
            (
                f"`{rule.pattern}`",
                _KINDS[rule.kind].format(param=f"`{rule.param}`"),
                f"`{rule.when}`" if rule.when else "always",
                rule.source,
            )
            for rule in scheme.rules
        ],
        compact=True,
    )
    frameworks = "" if pytorch_only else " in PyTorch, TensorFlow and Flax"
    lines = [
        HEADING,
        "",
        f"Fresh weights (a model built from a config, and every weight a checkpoint does not hold) follow one "
        f"initialization scheme{frameworks}, shared by the models of the {scheme.family.upper()} family "
        f"({_model_names(scheme)}). Every tensor is drawn independently. Formulas read the attributes of the model "
        f"config; `initializer_factor` is 1.0 in released configs. The first rule that matches a parameter applies; "
        f"parameters no rule matches (vision or audio front ends, for example) keep their model's own initialization."
        + (
            ""
            if pytorch_only
            else " TensorFlow and Flax name the same parameters differently (`kernel`, `embedding`); the table uses "
            "the PyTorch names."
        ),
        "",
        "A config with `tie_word_embeddings=False` (T5 v1.1, mT5, UMT5 and their fine-tuned checkpoints) gives the "
        "model an lm_head of its own, drawn with std `initializer_factor * d_model**-0.5`, so that the first logits "
        "have about unit variance and the first loss is close to ln(vocab_size); the encoder and the decoder still "
        "share the input embedding. With the default `tie_word_embeddings=True` the lm_head is the input embedding "
        "and the decoder output is scaled by `d_model**-0.5` instead (except in UDOP, which never scaled it).",
        "",
        table,
        "",
        "The common model tests check fresh weights against this table (`test_init_scheme`).",
        "",
    ]
    return "\n".join(lines)


def add_section(markdown: str, scheme: FamilyScheme, pytorch_only: bool = False) -> str:
    """``markdown`` with the section inserted before the API reference, or refreshed in place."""
    new = section(scheme, pytorch_only)
    start = markdown.find(f"\n{HEADING}\n")
    if start >= 0:
        end = markdown.find("\n## ", start + 1)
        end = len(markdown) if end < 0 else end
        return markdown[: start + 1] + new + markdown[end:]
    anchor = re.search(r"^## \w*Config\s*$", markdown, re.MULTILINE) or re.search(
        r"^## .*\n+\[\[autodoc\]\]", markdown, re.MULTILINE
    )
    if anchor is None:
        return markdown.rstrip("\n") + "\n\n" + new
    return markdown[: anchor.start()] + new + "\n" + markdown[anchor.start() :]
