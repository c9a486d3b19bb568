"""The data form of a scheme: one :class:`Rule` per parameter role, a :class:`FamilyScheme` per
model family. Rules name parameters by their PyTorch names (TensorFlow and Flax names are mapped
onto those by :mod:`init_parity.scheme.naming`), so one table serves the three frameworks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import formula
from .distributions import Constant, Deterministic, Distribution, Normal, TruncatedNormal, Uniform

KINDS = ("normal", "truncated_normal", "uniform", "constant", "deterministic")


@dataclass(frozen=True)
class Rule:
    """How one parameter role is drawn.

    ``pattern`` is a regular expression searched in the PyTorch parameter name. ``param`` is a
    formula of the config (:mod:`.formula`): the std for ``normal`` and ``truncated_normal``,
    the half-width ``a`` of ``uniform(-a, a)``, the value for ``constant``, and the name of the
    table for ``deterministic``. ``when``, if set, is a formula that must be true for the config.

    ``zero_row``, if set, is a formula giving the index of a row (along the first axis of the
    PyTorch layout) that is zero after the draw: the embedding row of the padding token, which
    PyTorch's ``nn.Embedding(padding_idx=...)`` keeps at zero. A formula that evaluates to None
    (a config without a padding token) zeroes nothing.
    """

    role: str
    pattern: str
    kind: str
    param: str
    when: str | None = None
    source: str = ""
    zero_row: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"rule {self.role!r}: kind {self.kind!r} is not one of {KINDS}")
        re.compile(self.pattern)
        if self.kind != "deterministic":
            formula.names(self.param)
        if self.when:
            formula.names(self.when)
        if self.zero_row:
            if self.kind not in ("normal", "truncated_normal", "uniform"):
                raise ValueError(f"rule {self.role!r}: zero_row applies to drawn kinds only, not {self.kind!r}")
            formula.names(self.zero_row)

    def applies(self, name: str, config: Any) -> bool:
        return re.search(self.pattern, name) is not None and (
            self.when is None or bool(formula.evaluate(self.when, config))
        )

    def zero_row_index(self, config: Any) -> int | None:
        """The row that is zero after the draw for ``config``, or None."""
        if not self.zero_row:
            return None
        value = formula.evaluate(self.zero_row, config)
        return None if value is None else int(value)

    def distribution(self, config: Any) -> Distribution:
        if self.kind == "deterministic":
            return Deterministic(self.param)
        value = float(formula.evaluate(self.param, config))
        if self.kind == "normal":
            return Normal(std=value)
        if self.kind == "truncated_normal":
            return TruncatedNormal(std=value)
        if self.kind == "uniform":
            return Uniform(-value, value)
        return Constant(value)


@dataclass(frozen=True)
class LeftToFramework:
    """Tensors the scheme does not draw: the model's own code (or PyTorch's default) sets them, for the
    stated reason. The appliers leave them to the original method; the suite checks only the
    invariants (finite, independent, present) on them."""

    pattern: str
    reason: str

    def __post_init__(self) -> None:
        re.compile(self.pattern)

    def applies(self, name: str) -> bool:
        return re.search(self.pattern, name) is not None


@dataclass(frozen=True)
class SubModel:
    """A part of a family's model that is a model of its own with a config of its own: transformers
    builds and initialises it (its own ``post_init``) before the whole model exists, under that
    sub-config, and the whole model's pass then skips its modules. The family's rules still cover it:
    its parameters get ``scope`` in front of their names, and the family's formulas read the
    sub-config as the family config's ``config_attribute`` (other names fall back to the sub-config's own)."""

    model_type: str  # the sub-config's model_type
    config_attribute: str  # where the family's config holds such a config
    scope: str  # the sub-model's name in the whole model, with its dot


@dataclass(frozen=True)
class FamilyScheme:
    """The rules of one model family, first match wins. A name that one of ``left`` matches has no
    rule (it is left to the framework, with the reason)."""

    family: str
    model_types: tuple[str, ...]
    rules: tuple[Rule, ...]
    reference: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    left: tuple[LeftToFramework, ...] = ()
    lines: tuple[str, ...] = ("4", "5")  # transformers' major versions whose modelling code the rules describe
    submodels: tuple[SubModel, ...] = ()
    head_is_decoder_embedding: str = ""
    """Why the output head is always one tensor with the decoder's token embedding, whatever the config
    says (FSMT, as fairseq's ``share_decoder_input_output_embed``); ``tie_word_embeddings`` then ties the
    encoder's token embedding to the decoder's. Empty: the head is the input embedding exactly when the
    config ties them (:mod:`init_parity.suite.ties`)."""
    first_loss_margin: float | None = None
    """The scheme's bound on the first loss of a fresh model with an LM head on random tokens,
    as a margin over ln(V) (the entropy of a uniform guess over the target vocabulary): the bound is
    ``ln(V) + first_loss_margin``. None: the scheme states no bound (:mod:`init_parity.suite.forward`)."""

    def left_reason(self, name: str) -> str | None:
        """Why ``name`` is left to the framework, or None when the scheme draws it."""
        for entry in self.left:
            if entry.applies(name):
                return entry.reason
        return None

    def rule_for(self, name: str, config: Any) -> Rule | None:
        if self.left and self.left_reason(name) is not None:
            return None
        for rule in self.rules:
            if rule.applies(name, config):
                return rule
        return None

    def roles(self) -> list[str]:
        return list(dict.fromkeys(rule.role for rule in self.rules))
