"""Invariants of a fresh model that hold whatever its scheme: checked for every discovered
encoder-decoder type (``tests/conformance/test_invariants.py``).

* ``coverage``: every floating parameter and persistent float buffer is drawn by a scheme rule or named
  in the scheme's "left to the framework" list (:class:`init_parity.scheme.LeftToFramework`) with the reason;
* ``finite``: no NaN or infinity (a ``torch.empty`` leftover can hold either);
* ``identical``: no two drawn tensors bit-identical (a tied tensor is one tensor and appears once; constant
  tensors and deterministic tables are equal by design and left out);
* ``tie``: the output head is the input embedding exactly when the config ties them
  (:func:`init_parity.suite.ties.tie_findings`);
* ``padding_row``: the row of every ``nn.Embedding(padding_idx=...)`` is zero;
* ``zero_row``: no other row of an ``nn.Embedding`` is zero (a wrong ``padding_idx``,
  :mod:`init_parity.suite.zero_rows`);
* ``first_loss_bound``: for an LM whose scheme states a margin, the mean first loss on random tokens is within
  ``ln(V) + margin`` (:func:`init_parity.suite.forward.first_loss_within_bound`).

Each check returns plain lines (what is wrong, naming the tensor); an empty list is a pass. The exact checks
have no false alarms; the first-loss test is one-sided at :data:`FIRST_LOSS_ALPHA`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..scheme import FamilyScheme
from ..scheme.plan import family_of
from .forward import FIRST_LOSS_SEEDS
from .stats import equal_pairs
from .zero_rows import embedding_zero_rows

FIRST_LOSS_ALPHA = 1e-4
"""False-alarm rate of the first-loss bound test of one model."""


@dataclass
class InvariantReport:
    """The findings of one model type, per check (empty: the check passed), and what was not checked."""

    model_type: str
    class_name: str
    findings: dict[str, list[str]] = field(default_factory=dict)
    left: dict[str, str] = field(default_factory=dict)  # tensor -> why the scheme leaves it to the framework
    notes: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [f"{check}: {line}" for check, lines in self.findings.items() for line in lines]


def coverage(scheme: FamilyScheme | None, config: Any, names: list[str]) -> tuple[list[str], dict[str, str]]:
    """Tensors neither drawn by a rule nor left to the framework with a reason, and the ones left (with reasons)."""
    if scheme is None:
        return [f"{name}: no scheme for {getattr(config, 'model_type', '?')}" for name in names], {}
    uncovered, left = [], {}
    for name in names:
        reason = scheme.left_reason(name)
        if reason is not None:
            left[name] = reason
        elif scheme.rule_for(name, config) is None:
            uncovered.append(f"{name}: no rule and not left to the framework")
    return uncovered, left


def non_finite(weights: Mapping[str, np.ndarray]) -> list[str]:
    return [
        f"{name}: {int(np.size(value) - np.isfinite(value).sum())} non-finite elements"
        for name, value in weights.items()
        if not np.isfinite(value).all()
    ]


def identical(weights: Mapping[str, np.ndarray], exempt: set[str]) -> list[str]:
    """Non-constant tensors equal to an earlier one (:func:`init_parity.suite.stats.equal_pairs`;
    ``exempt``: deterministic tables), each named with the first it equals."""
    named = [(n, v) for n, v in weights.items() if n not in exempt and v.size >= 2 and float(np.ptp(v)) != 0.0]
    first: dict[int, int] = {}
    for i, j in equal_pairs([value for _, value in named]):
        first.setdefault(j, i)
    return [
        f"{named[j][0]} is bit-identical to {named[i][0]} but a tensor of its own (untied)"
        for j, i in sorted(first.items())
    ]


def padding_rows(model: Any) -> list[str]:
    """Embeddings with a ``padding_idx`` whose row is not zero (PyTorch)."""
    import torch

    found = []
    names = {id(module): name for name, module in model.named_modules()}
    for module in model.modules():
        index = getattr(module, "padding_idx", None)
        if isinstance(module, torch.nn.Embedding) and index is not None:
            row = module.weight.detach()[index]
            if bool(row.abs().sum() > 0):
                found.append(
                    f"{names[id(module)]}.weight row {index} (padding_idx) is not zero: |row|_1 = {float(row.abs().sum()):.4g}"
                )
    return found


def first_loss(model_type: str, class_name: str, config: Any, seeds: int) -> tuple[list[str], str | None]:
    """The first-loss bound test (findings, or a note saying why it does not apply)."""
    from .first_loss import measurable, measure
    from .forward import first_loss_bound, first_loss_within_bound

    why_not = measurable("pt", model_type, class_name, config)
    bound = first_loss_bound(config)
    if why_not is not None or bound is None:
        return [], f"first loss not checked: {why_not or 'the scheme states no first_loss_margin'}"
    try:
        losses = [measure("pt", model_type, class_name, config, seed).loss for seed in range(seeds)]
    except Exception as error:  # noqa: BLE001 - a forward pass transformers itself cannot run is named, not hidden
        return [], f"first loss not measurable: {class_name}'s forward pass raised {type(error).__name__}: {error}"
    result = first_loss_within_bound(class_name, losses, bound)
    return ([] if result.p_value >= FIRST_LOSS_ALPHA else [result.detail]), None


def _tie_lines(class_name: str, config: Any, arrays: Mapping[str, np.ndarray], head: str | None) -> list[str]:
    """The tie findings with the head the model names (as the suite's builds read it): none for a model that
    says it has no output head, and a head outside the usual names (Dia's, T5Gemma's) found by the model."""
    from .ties import tie_findings

    return [] if head is None else [result.detail for result in tie_findings(class_name, config, arrays, head)]


def check_model(
    model_type: str, class_name: str, config: Any, seed: int = 0, loss_seeds: int = FIRST_LOSS_SEEDS
) -> InvariantReport:
    """Build ``class_name`` fresh from ``config`` (PyTorch, whichever scheme mode is active) and check every invariant."""
    from .models.build import build_model, weights
    from .ties import pytorch_output_head

    model = build_model("pt", class_name, config, seed)
    arrays = weights("pt", model)
    scheme = family_of(config)
    report = InvariantReport(model_type, class_name)
    uncovered, report.left = coverage(scheme, config, list(arrays))
    deterministic = {
        name
        for name in arrays
        if scheme is not None and (rule := scheme.rule_for(name, config)) is not None and rule.kind == "deterministic"
    }
    report.findings = {
        "coverage": uncovered,
        "finite": non_finite(arrays),
        "identical": identical(arrays, deterministic),
        "tie": _tie_lines(class_name, config, arrays, pytorch_output_head(model)),
        "padding_row": padding_rows(model),
        "zero_row": embedding_zero_rows(model),
    }
    report.findings["first_loss_bound"], note = first_loss(model_type, class_name, config, loss_seeds)
    if note:
        report.notes.append(note)
    return report
