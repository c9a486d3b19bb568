"""Markdown rendered from the scheme data, for ``docs/`` (kept in sync by ``utils/check_scheme_docs.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def markdown_table(
    header: Sequence[str], rows: Iterable[Sequence[str]], align: Sequence[str] | None = None, compact: bool = False
) -> str:
    """The one Markdown table renderer: ``header``, then ``rows``, every cell's ``|`` escaped; ``align``
    gives each column's separator (``---``, ``---:``; default ``---``); ``compact`` writes the separator
    row as ``|---|---|`` (transformers' docs) instead of ``| --- | --- |``."""
    align = list(align) if align is not None else ["---"] * len(header)
    separator = f"|{'|'.join(align)}|" if compact else f"| {' | '.join(align)} |"
    return "\n".join([_row(header), separator, *(_row(row) for row in rows)])


def family_table(scheme: FamilyScheme) -> str:
    header = ("role", "parameters (PyTorch name pattern)", "distribution", "parameter", "when", "zero row", "source")
    rows = [
        (
            f"`{rule.role}`",
            f"`{rule.pattern}`",
            _KIND_TITLES[rule.kind],
            f"{_PARAM_TITLES[rule.kind]}`{rule.param}`",
            f"`{rule.when}`" if rule.when else "always",
            f"`{rule.zero_row}`" if rule.zero_row else "—",
            rule.source,
        )
        for rule in scheme.rules
    ]
    lines = [
        f"Model types: {', '.join(f'`{t}`' for t in scheme.model_types)}. Reference: {scheme.reference}.",
        "",
        markdown_table(header, rows),
    ]
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
