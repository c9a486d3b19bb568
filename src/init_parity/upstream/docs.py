"""The "Initialization" section of the family's model page (``docs/source/en/model_doc/t5.md``).

The table is rendered from the scheme data: one row per rule, its parameters (the PyTorch name
pattern), its distribution with the formula of its parameter, the condition, and the reference. The
section goes before the API reference (the first ``## <Model>Config`` heading) and is replaced,
not duplicated, by a later run.
"""

from __future__ import annotations

import re

from ..scheme import FamilyScheme

HEADING = "## Initialization"

_KINDS = {
    "normal": "normal(0, σ), σ = {param}",
    "truncated_normal": "normal(0, σ) truncated to ±2σ, σ = {param}",
    "uniform": "uniform(-a, a), a = {param}",
    "constant": "constant {param}",
    "deterministic": "fixed table `{param}`",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _model_names(scheme: FamilyScheme) -> str:
    return ", ".join(f"`{model_type}`" for model_type in scheme.model_types)


def section(scheme: FamilyScheme) -> str:
    rows = [
        "| Parameters (PyTorch name pattern) | Initialization | When | Reference |",
        "|---|---|---|---|",
    ]
    for rule in scheme.rules:
        rows.append(
            "| "
            + " | ".join(
                _cell(cell)
                for cell in (
                    f"`{rule.pattern}`",
                    _KINDS[rule.kind].format(param=f"`{rule.param}`"),
                    f"`{rule.when}`" if rule.when else "always",
                    rule.source,
                )
            )
            + " |"
        )
    lines = [
        HEADING,
        "",
        f"Fresh weights (a model built from a config, and every weight a checkpoint does not hold) follow one "
        f"initialization scheme in PyTorch, TensorFlow and Flax, shared by the models of the {scheme.family.upper()} "
        f"family ({_model_names(scheme)}). Every tensor is drawn independently. Formulas read the attributes of the "
        f"model config; `initializer_factor` is 1.0 in released configs. The first rule that matches a parameter "
        f"applies; parameters no rule matches (vision or audio front ends, for example) keep their model's own "
        f"initialization. TensorFlow and Flax name the same parameters differently (`kernel`, `embedding`); the "
        f"table uses the PyTorch names.",
        "",
        *rows,
        "",
        "The common model tests check fresh weights against this table (`test_init_parity_scheme`).",
        "",
    ]
    return "\n".join(lines)


def add_section(markdown: str, scheme: FamilyScheme) -> str:
    """``markdown`` with the section inserted before the API reference, or refreshed in place."""
    new = section(scheme)
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
