"""Markdown rendered from the scheme data, for ``docs/`` (kept in sync by ``utils/check_scheme_docs.py``)."""

from __future__ import annotations

from . import FAMILIES, FamilyScheme

BEGIN = "<!-- BEGIN GENERATED: {name} (utils/check_scheme_docs.py --fix_and_overwrite) -->"
END = "<!-- END GENERATED: {name} -->"

_KIND_TITLES = {
    "normal": "normal(0, σ)",
    "truncated_normal": "truncated normal(0, σ), |x| < 2σ",
    "uniform": "uniform(-a, a)",
    "constant": "constant",
    "deterministic": "deterministic table",
}
_PARAM_TITLES = {"normal": "σ = ", "truncated_normal": "σ = ", "uniform": "a = ", "constant": "", "deterministic": ""}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def family_table(scheme: FamilyScheme) -> str:
    lines = [
        f"Model types: {', '.join(f'`{t}`' for t in scheme.model_types)}. Reference: {scheme.reference}.",
        "",
        "| role | parameters (PyTorch name pattern) | distribution | parameter | when | zero row | source |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for rule in scheme.rules:
        parameter = f"{_PARAM_TITLES[rule.kind]}`{rule.param}`"
        when = f"`{rule.when}`" if rule.when else "always"
        zero_row = f"`{rule.zero_row}`" if rule.zero_row else "—"
        lines.append(
            "| "
            + " | ".join(
                _cell(cell)
                for cell in (
                    f"`{rule.role}`",
                    f"`{rule.pattern}`",
                    _KIND_TITLES[rule.kind],
                    parameter,
                    when,
                    zero_row,
                    rule.source,
                )
            )
            + " |"
        )
    if scheme.left:
        lines += ["", "Left to the framework (not drawn by the scheme; checked for the invariants only):", ""]
        lines += [f"- `{entry.pattern}`: {entry.reason}" for entry in scheme.left]
    if scheme.notes:
        lines += ["", *(f"Note: {note}" for note in scheme.notes)]
    for submodel in scheme.submodels:
        lines += [
            "",
            f"Sub-model: a `{submodel.model_type}` config initialises its own model with these rules, its names "
            f"under `{submodel.scope}` and the config read as `{submodel.config_attribute}`.",
        ]
    if scheme.head_is_decoder_embedding:
        lines += ["", f"Output head: the decoder's token embedding, tied or not. {scheme.head_is_decoder_embedding}."]
    return "\n".join(lines)


def generated_blocks() -> dict[str, str]:
    """Block name -> its generated Markdown, one block per family scheme."""
    return {f"scheme table {name}": family_table(scheme) for name, scheme in FAMILIES.items()}
