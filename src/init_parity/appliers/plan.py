"""Which rule, and so which distribution, each parameter of a model gets."""

from __future__ import annotations

from typing import Any

from ..scheme import Distribution, FamilyScheme, Rule, scheme_for_model_type


def family_of(config: Any) -> FamilyScheme | None:
    return scheme_for_model_type(getattr(config, "model_type", ""))


def resolve(config: Any, name: str) -> tuple[Rule, Distribution] | None:
    """The rule and distribution of parameter ``name`` (a PyTorch name), or None if the scheme
    has no rule for it (the framework's stock initialisation then stands)."""
    scheme = family_of(config)
    if scheme is None:
        return None
    rule = scheme.rule_for(name, config)
    if rule is None:
        return None
    return rule, rule.distribution(config)


def zero_row(rule: Rule, config: Any, rows: int) -> int | None:
    """The row (an index into ``rows`` rows of the PyTorch layout's first axis) that ``rule`` zeroes
    after the draw, or None: no ``zero_row``, a None value (no padding token), or an index outside
    the tensor (which PyTorch's ``nn.Embedding`` would have refused)."""
    index = rule.zero_row_index(config)
    if index is None or not -rows <= index < rows:
        return None
    return index % rows


def drawable(distribution: Distribution) -> bool:
    """Deterministic tables are computed by the model itself and left as they are."""
    return distribution.kind != "deterministic"
