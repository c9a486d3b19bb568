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


def drawable(distribution: Distribution) -> bool:
    """Deterministic tables are computed by the model itself and left as they are."""
    return distribution.kind != "deterministic"
