"""The conformance check of one model family: fresh weights against the scheme and across frameworks.

For a model type, the same tiny config is built in every framework where the type exists. Each
parameter is given a role (the scheme's role, or its name with layer indices pooled), a role's
repeats are pooled, and :mod:`init_parity.suite.stats` answers three questions per role: does each
framework follow the scheme, do the frameworks agree with each other, and are the model's tensors
independent. The verdict corrects the p-values of all the model type's tests by one Holm correction
per test family, each at its share of the family-wise false-alarm rate
(:func:`init_parity.suite.stats.corrected_rejections`, :data:`init_parity.suite.stats.FAMILY_WISE_ALPHA`);
exact tests reject at p = 0.

Two kinds of rule are treated apart: a rule's padding row (``Rule.zero_row``) is kept out of the
pooled sample and checked to be zero (:func:`split_zero_row`), and the copies of a deterministic
table are compared across frameworks for equality up to float32 rounding (:func:`compare_tables`).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..scheme import Distribution, Rule
from ..scheme.plan import family_of, zero_row
from . import forward, stats
from .labels import Label, Structural, tensor_name
from .seed_independence import across_seeds
from .zero_rows import stray_zero_rows, zero_row_result

_LAYER_INDEX = re.compile(r"\.\d+(?=\.)")


def generic_role(name: str) -> str:
    """A parameter name with its layer indices replaced by ``*``: the repeats of one role."""
    return _LAYER_INDEX.sub(".*", name)


@dataclass
class RoleCheck:
    """One role of one family: its samples per framework and every test run on them."""

    role: str
    expected: Distribution | None
    names: dict[str, list[str]] = field(default_factory=dict)
    samples: dict[str, np.ndarray] = field(default_factory=dict)  # the drawn elements (no padding rows)
    results: dict[Label, list[stats.TestResult]] = field(default_factory=dict)
    zero_rows: dict[str, np.ndarray] = field(default_factory=dict)  # the padding rows, pooled (split_zero_row)

    def n(self, framework: str) -> int:
        return int(self.samples[framework].size) if framework in self.samples else 0

    def std(self, framework: str) -> float:
        """The sample's standard deviation (about its own mean)."""
        sample = self.samples.get(framework)
        return float(np.std(sample)) if sample is not None and sample.size else float("nan")

    def mean(self, framework: str) -> float:
        sample = self.samples.get(framework)
        return float(np.mean(sample)) if sample is not None and sample.size else float("nan")

    def describe_sample(self, framework: str) -> str:
        """``std 0.0221`` and, when the mean is off zero by more than 5 standard errors, ``mean 1.0``."""
        text = f"{framework} std {self.std(framework):.4g}"
        n, mean, std = self.n(framework), self.mean(framework), self.std(framework)
        if n and abs(mean) > 5 * (std / np.sqrt(n) + 1e-12):
            text += f" mean {mean:.4g}"
        return text


@dataclass
class FamilyCheck:
    """The outcome for one model type."""

    model_type: str
    frameworks: tuple[str, ...]
    scheme_family: str | None
    patched: bool
    config: Any
    roles: dict[str, RoleCheck]
    structural: list[Structural]
    independence: dict[str, list[stats.TestResult]]
    verdict: stats.Verdict
    extra: dict[Label, list[stats.TestResult]] = field(default_factory=dict)  # ties and first loss
    first_losses: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    """Framework -> class tag -> the first losses measured over seeds (the first is the first seed's)."""

    @property
    def passed(self) -> bool:
        return self.verdict.passed and not self.structural

    def sub_verdict(self, keep: Callable[[Label], bool]) -> stats.Verdict:
        """The verdict over only the tests whose label ``keep`` accepts (Holm within them)."""
        labelled = {label: results for label, results in self.labelled_results().items() if keep(label)}
        return stats.verdict(labelled)

    def labelled_results(self) -> dict[Label, list[stats.TestResult]]:
        return {**_labelled_results(self.roles, self.independence), **self.extra}

    def drifting_roles(self) -> dict[str, list[Label]]:
        """Role -> the labels (``role [tf]``, ``role [pt~tf]``) of its rejected tests."""
        drifting: dict[str, list[Label]] = {}
        for label in self.verdict.drifting:
            drifting.setdefault(label.role, []).append(label)
        return drifting

    def describe_drifts(
        self, verdict: stats.Verdict | None = None, structural: list[Structural] | None = None
    ) -> list[str]:
        """One line per drifting role (with the stds per framework and the scheme's value), per
        independence finding, per structural difference and per underpowered role; of the whole
        family, or of ``verdict`` (a :meth:`sub_verdict`) and ``structural``."""
        verdict = verdict or self.verdict
        structural = self.structural if structural is None else structural
        lines = []
        for label, results in sorted(verdict.drifting.items()):
            check = self.roles.get(label.role)
            shown = results[:3]
            if check is not None:
                stds = ", ".join(check.describe_sample(fw) for fw in self.frameworks if fw in check.samples)
                expected = f"; scheme {check.expected.describe()}" if check.expected is not None else ""
                lines.append(f"{label}: ({stds}{expected})")
                shown = results
            lines.extend(f"{label}: {stats.describe_result(result)}" for result in shown)
            if len(results) > len(shown):
                lines.append(f"{label}: +{len(results) - len(shown)} more")
        lines.extend(f"structure: {line}" for line in structural)
        lines.extend(f"underpowered: {label} has {n} samples" for label, n in sorted(verdict.underpowered.items()))
        return lines


def _labelled_results(
    roles: dict[str, RoleCheck], independence: dict[str, list[stats.TestResult]]
) -> dict[Label, list[stats.TestResult]]:
    """Every test of a family under its label: ``role [fw]``, ``role [fw~fw]``, ``independence [fw]``."""
    labelled: dict[Label, list[stats.TestResult]] = {}
    for check in roles.values():
        labelled.update(check.results)
    for framework, results in independence.items():
        labelled[Label(INDEPENDENCE, (framework,))] = results
    return labelled


def _structural(names: dict[str, set[str]], computed: Callable[[str], bool] = lambda name: False) -> list[Structural]:
    """One line per tensor that exists in some frameworks and not in others. Tensors for which
    ``computed`` is true (deterministic tables) are left out: a framework may compute such a table
    at run time instead of storing it (Flax's Marian and Pegasus positions), which is no difference
    of initialisation; where frameworks store it, :func:`_pair_tests` compares the values."""
    everything = set().union(*names.values())
    lines = []
    for name in sorted(everything):
        present = [fw for fw in names if name in names[fw]]
        if len(present) != len(names) and not computed(name):
            missing = tuple(fw for fw in names if fw not in present)
            lines.append(Structural(name, tuple(present), missing))
    return lines


def split_zero_row(rule: Rule | None, config: Any, array: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The pooling hook for padding rows: ``array`` without the row its rule zeroes
    (:attr:`init_parity.scheme.Rule.zero_row`, along the first axis of the PyTorch layout), and that
    row (None when the rule zeroes none). The distribution tests see only the drawn part; the row is
    checked to be zero on its own (:func:`_one_framework_tests`)."""
    if rule is None or not rule.zero_row or array.ndim == 0:
        return array, None
    row = zero_row(rule, config, array.shape[0])
    if row is None:
        return array, None
    return np.delete(array, row, axis=0), array[row]


def padding_row_test(rows: list[tuple[str, int, np.ndarray]]) -> stats.TestResult:
    """``padding_row``, exact: p = 1 when every padding row (tensor name, row index, values) is zero,
    else p = 0 naming the tensors whose row is not ("padding row not zero")."""
    bad = [(name, index, float(np.max(np.abs(row)))) for name, index, row in rows if np.any(row != 0)]
    n = int(sum(row.size for _, _, row in rows))
    if not bad:
        return stats.TestResult("padding_row", 0.0, 1.0, n, f"every padding row is zero ({len(rows)} tensors)")
    listed = "; ".join(f"{name} row {index} (largest |value| {value:.3g})" for name, index, value in bad[:3])
    more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
    largest = max(value for _, _, value in bad)
    return stats.TestResult("padding_row", largest, 0.0, n, f"padding row not zero: {listed}{more}")


def _one_framework_tests(check: RoleCheck, framework: str, padding: list[tuple[str, int, np.ndarray]]) -> None:
    expected = check.expected
    if expected is None or expected.kind == "deterministic":
        return
    results = stats.one_sample(check.samples[framework], expected)
    if padding:  # an exact test, like the constant ones
        results.append(padding_row_test(padding))
    check.results[Label(check.role, (framework,))] = results


def _per_tensor(names: list[str]) -> dict[str, list[str]]:
    """Names grouped by tensor (seeds pooled); empty when the role has a single tensor (its pooled
    tests are then already per tensor)."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name.tensor, []).append(name)
    return groups if len(groups) > 1 else {}


TABLE_ULPS = 4
"""How far two frameworks' copies of a deterministic table may differ, in float32 ulps of its largest
angle: a sinusoidal table of ``n`` positions evaluates sin / cos of float32 angles up to ``n``, which
each library rounds (and evaluates) its own way, so ``|a - b| <= TABLE_ULPS * 2**-23 * n`` is the
same table. A real difference (another frequency layout, an offset, a missing padding row) is
orders of magnitude larger."""


def compare_tables(a: np.ndarray, b: np.ndarray) -> stats.TestResult:
    """``equal``: p = 1 when two copies of a deterministic table are equal up to float32 rounding."""
    if a.shape != b.shape:
        return stats.TestResult("equal", math.inf, 0.0, int(a.size), f"shapes differ: {a.shape} and {b.shape}")
    difference = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) if a.size else 0.0
    tolerance = TABLE_ULPS * 2.0**-23 * max(1, a.shape[0] if a.ndim else 1)
    if difference == 0.0:
        detail = "exactly equal"
    elif difference <= tolerance:
        detail = f"equal up to float32 rounding: largest difference {difference:.3g} <= {tolerance:.3g}"
    else:
        detail = f"differ: largest difference {difference:.4g} > {tolerance:.3g}"
    return stats.TestResult("equal", difference, 1.0 if difference <= tolerance else 0.0, int(a.size), detail)


def _pair_tests(check: RoleCheck, first: str, second: str, arrays: dict[str, dict[str, np.ndarray]]) -> None:
    label = Label(check.role, (first, second))
    if check.expected is not None and check.expected.kind == "deterministic":
        check.results[label] = [
            dataclasses.replace(result, detail=f"{name}: {result.detail}")
            for name in check.names[first]
            if "@" not in name  # a table is the same for every seed
            for result in [compare_tables(arrays[first][name], arrays[second][name])]
        ]
        return
    check.results[label] = stats.two_sample(check.samples[first], check.samples[second])


class _Weights:
    """The weights of one check (framework -> name -> array) with each name's rule (of its base name:
    ``@...`` suffixes name seeds and classes), cached."""

    def __init__(self, config: Any, arrays: dict[str, dict[str, np.ndarray]]) -> None:
        self.config, self.arrays = config, arrays
        self.scheme = family_of(config)
        self._rules: dict[str, Rule | None] = {}

    def rule_of(self, name: str) -> Rule | None:
        if name not in self._rules:
            self._rules[name] = self.scheme.rule_for(name.name, self.config) if self.scheme else None
        return self._rules[name]

    def is_computed(self, name: str) -> bool:
        rule = self.rule_of(name)
        return rule is not None and rule.kind == "deterministic"

    def split(self, framework: str, name: str) -> tuple[np.ndarray, np.ndarray | None]:
        return split_zero_row(self.rule_of(name), self.config, self.arrays[framework][name])

    def drawn(self, framework: str, name: str) -> np.ndarray:
        return self.split(framework, name)[0]


def _roles(weights: _Weights) -> dict[str, RoleCheck]:
    """Every tensor under its role (the scheme's, or its name with layer indices pooled), per framework."""
    roles: dict[str, RoleCheck] = {}
    for framework, arrays in weights.arrays.items():
        for name in sorted(arrays):
            rule = weights.rule_of(name)
            role = rule.role if rule else generic_role(name.name)
            check = roles.setdefault(role, RoleCheck(role, rule.distribution(weights.config) if rule else None))
            check.names.setdefault(framework, []).append(name)
    return roles


def _framework_tests(check: RoleCheck, framework: str, weights: _Weights) -> None:
    """One framework's sample of a role against the scheme: pooled, its padding rows, per tensor."""
    members = check.names[framework]
    parts = [(name, *weights.split(framework, name)) for name in members]
    check.samples[framework] = stats.pool(part for _, part, _ in parts)
    padding = [
        (name, zero_row(weights.rule_of(name), weights.config, weights.arrays[framework][name].shape[0]), row)
        for name, _, row in parts
        if row is not None
    ]
    if padding:
        check.zero_rows[framework] = stats.pool(row for _, _, row in padding)
    _one_framework_tests(check, framework, padding)
    if check.expected is not None and check.expected.kind in ("normal", "truncated_normal", "uniform"):
        _stray_zero_rows(check, framework, weights)
        for key, group in _per_tensor(members).items():
            sample = stats.pool(weights.drawn(framework, name) for name in group)
            result = stats.tensor_scale(key.display(), sample, check.expected)
            if result is not None:
                check.results.setdefault(Label(check.role, (framework,)), []).append(result)


def _stray_zero_rows(check: RoleCheck, framework: str, weights: _Weights) -> None:
    """A drawn role's zero rows where no padding index points (:mod:`.zero_rows`), a finding of its label."""
    found = []
    for name in check.names[framework]:
        array, rule = weights.arrays[framework][name], weights.rule_of(name)
        padding = zero_row(rule, weights.config, array.shape[0]) if rule and rule.zero_row and array.ndim else None
        found.append((name, stray_zero_rows(array, padding), padding))
    result = zero_row_result(found)
    if result is not None:
        check.results.setdefault(Label(check.role, (framework,)), []).append(result)


def _pairs_tests(check: RoleCheck, frameworks: tuple[str, ...], weights: _Weights) -> None:
    """A role's frameworks against each other, on the names they share (the others are structural
    findings): pooled, and tensor by tensor."""
    shared = [fw for fw in frameworks if fw in check.names]
    for first, second in itertools.combinations(shared, 2):
        common = sorted(set(check.names[first]) & set(check.names[second]))
        if not common:
            continue
        pair = RoleCheck(check.role, check.expected, {first: common, second: common})
        pair.samples = {fw: stats.pool(weights.drawn(fw, name) for name in common) for fw in (first, second)}
        _pair_tests(pair, first, second, weights.arrays)
        if check.expected is None or check.expected.kind != "deterministic":
            label = Label(check.role, (first, second))
            for key, group in _per_tensor(common).items():
                a, b = (stats.pool(weights.drawn(fw, name) for name in group) for fw in (first, second))
                result = stats.tensor_scale(key.display(), a, other=b)
                if result is not None:
                    pair.results[label].append(result)
        check.results.update(pair.results)


def _independence(
    roles: dict[str, RoleCheck], weights: _Weights, second_seed: dict[str, dict[str, np.ndarray]]
) -> dict[str, list[stats.TestResult]]:
    """Each framework's tensors screened for equal and correlated pairs, and each tensor's copies across seeds
    (:mod:`.seed_independence`; ``second_seed``: a second seed's build kept out of the samples, for a check with
    one seed); deterministic tables (sinusoidal positions) are equal by design, not a failure of independence."""
    deterministic = {
        name
        for check in roles.values()
        if check.expected is not None and check.expected.kind == "deterministic"
        for members in check.names.values()
        for name in members
    }
    tables = {name.name for name in deterministic}
    return {
        fw: stats.independence({n: a for n, a in arrays.items() if n not in deterministic}, build_of=lambda n: n.build)
        + across_seeds(
            {n: weights.drawn(fw, n) for n in arrays if n not in deterministic}
            | {
                n: split_zero_row(weights.rule_of(n), weights.config, a)[0]
                for n, a in second_seed.get(fw, {}).items()
                if n.name not in tables
            },
            lambda n: n.tensor,
        )
        for fw, arrays in weights.arrays.items()
    }


def check_arrays(
    model_type: str,
    config: Any,
    arrays: dict[str, dict[str, np.ndarray]],
    patched: bool,
    ties: dict[str, list[stats.TestResult]] | None = None,
    losses: dict[str, dict[str, list[float]]] | None = None,
    second_seed: dict[str, dict[str, np.ndarray]] | None = None,
) -> FamilyCheck:
    """Run every test on already-built weights (framework -> name -> array, PyTorch names and layout):
    pooled per role, per tensor, across frameworks, for independence; plus the exact tie results
    (framework -> results, :func:`init_parity.suite.ties.tie_findings`) and the first losses (framework ->
    class -> losses over seeds, :mod:`init_parity.suite.forward`) when given. Pure analysis: it builds
    nothing (:func:`check_classes` builds)."""
    frameworks = tuple(arrays)
    arrays = {fw: {tensor_name(name): value for name, value in found.items()} for fw, found in arrays.items()}
    weights = _Weights(config, arrays)
    names = {fw: set(arrays[fw]) for fw in frameworks}
    structural = _structural(names, weights.is_computed) if len(frameworks) > 1 else []
    roles = _roles(weights)
    for check in roles.values():
        for framework in check.names:
            _framework_tests(check, framework, weights)
        _pairs_tests(check, frameworks, weights)
    second_seed = {fw: {tensor_name(n): a for n, a in found.items()} for fw, found in (second_seed or {}).items()}
    independence = _independence(roles, weights, second_seed)
    extra = _tie_and_forward_results(config, frameworks, ties or {}, losses or {})
    return FamilyCheck(
        model_type=model_type,
        frameworks=frameworks,
        scheme_family=weights.scheme.family if weights.scheme else None,
        patched=patched,
        config=config,
        roles=roles,
        structural=structural,
        independence=independence,
        verdict=stats.verdict({**_labelled_results(roles, independence), **extra}),
        extra=extra,
        first_losses=losses or {},
    )


INDEPENDENCE = "independence"
TIES = "ties"
FIRST_LOSS = "first loss"
"""Pseudo-roles of the labels of the independence, tie-structure and first-loss results
(``independence [tf]``, ``ties [pt]``, ``first loss [pt~tf]``)."""


def _tie_and_forward_results(
    config: Any,
    frameworks: tuple[str, ...],
    ties: dict[str, list[stats.TestResult]],
    losses: dict[str, dict[str, list[float]]],
) -> dict[Label, list[stats.TestResult]]:
    labelled: dict[Label, list[stats.TestResult]] = {}
    for framework in frameworks:
        if ties.get(framework):
            labelled[Label(TIES, (framework,))] = list(ties[framework])
    bound = forward.first_loss_bound(config)
    for framework in frameworks:
        for class_name, values in losses.get(framework, {}).items():
            if bound is not None and len(values) > 1:
                result = forward.first_loss_within_bound(f"{class_name} {framework}", values, bound)
                labelled.setdefault(Label(FIRST_LOSS, (framework,)), []).append(result)
    for first, second in itertools.combinations(frameworks, 2):
        for class_name, values in losses.get(first, {}).items():
            other = losses.get(second, {}).get(class_name)
            if other is not None and len(values) > 1 and len(other) > 1:
                result = forward.compare_first_losses(f"{class_name} {first} vs {second}", values, other)
                labelled.setdefault(Label(FIRST_LOSS, (first, second)), []).append(result)
    return labelled
