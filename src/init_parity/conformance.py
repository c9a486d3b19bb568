"""The conformance check of one model family: fresh weights against the scheme and across frameworks.

For a model type, the same tiny config is built in every framework where the type exists. Each
parameter is given a role (the scheme's role, or its name with layer indices pooled), a role's
repeats are pooled, and :mod:`init_parity.stats` answers three questions per role: does each
framework follow the scheme, do the frameworks agree with each other, and are the model's tensors
independent. One Holm correction over every test gives the family's verdict, with the family-wise
false-alarm rate :data:`init_parity.stats.FAMILY_WISE_ALPHA`.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import stats
from .activation import is_enabled, use_scheme
from .appliers.plan import family_of
from .models.build import fresh_weights
from .models.discovery import family as find_family
from .models.tiny_configs import tiny_config
from .scheme import Distribution

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
    samples: dict[str, np.ndarray] = field(default_factory=dict)
    results: dict[str, list[stats.TestResult]] = field(default_factory=dict)  # label -> tests

    def n(self, framework: str) -> int:
        return int(self.samples[framework].size) if framework in self.samples else 0

    def std(self, framework: str) -> float:
        sample = self.samples.get(framework)
        return float(np.sqrt(np.mean(np.square(sample - self._centre())))) if sample is not None else float("nan")

    def _centre(self) -> float:
        return float(getattr(self.expected, "mean", 0.0) or 0.0) if self.expected is not None else 0.0


@dataclass
class FamilyCheck:
    """The outcome for one model type."""

    model_type: str
    frameworks: tuple[str, ...]
    scheme_family: str | None
    patched: bool
    config: Any
    roles: dict[str, RoleCheck]
    structural: list[str]
    independence: dict[str, list[stats.TestResult]]
    verdict: stats.Verdict

    @property
    def passed(self) -> bool:
        return self.verdict.passed and not self.structural

    def sub_verdict(self, keep: Callable[[str], bool]) -> stats.Verdict:
        """The verdict over only the tests whose label ``keep`` accepts (Holm within them)."""
        labelled = {label: results for label, results in self.labelled_results().items() if keep(label)}
        return stats.verdict(labelled)

    def labelled_results(self) -> dict[str, list[stats.TestResult]]:
        return _labelled_results(self.roles, self.independence)

    def drifting_roles(self) -> dict[str, list[str]]:
        """Role -> the labels (``role [tf]``, ``role [pt~tf]``) of its rejected tests."""
        drifting: dict[str, list[str]] = {}
        for label in self.verdict.drifting:
            role = label.rsplit(" [", 1)[0]
            drifting.setdefault(role, []).append(label)
        return drifting

    def describe_drifts(self, verdict: stats.Verdict | None = None, structural: list[str] | None = None) -> list[str]:
        """One line per drifting role (with the stds per framework and the scheme's value), per
        independence finding, per structural difference and per underpowered role; of the whole
        family, or of ``verdict`` (a :meth:`sub_verdict`) and ``structural``."""
        verdict = verdict or self.verdict
        structural = self.structural if structural is None else structural
        lines = []
        for label, results in sorted(verdict.drifting.items()):
            check = self.roles.get(label.rsplit(" [", 1)[0])
            if check is None:  # independence: name the offending tensors
                findings = "; ".join(f"{r.test} {r.detail}" for r in results[:3])
                lines.append(f"{label}: {findings}" + (f" (+{len(results) - 3} more)" if len(results) > 3 else ""))
                continue
            tests = ", ".join(f"{r.test} p={r.p_value:.2g}" for r in results)
            stds = ", ".join(f"{fw} {check.std(fw):.4g}" for fw in self.frameworks if fw in check.samples)
            expected = f"; scheme {check.expected.describe()}" if check.expected is not None else ""
            lines.append(f"{label}: {tests} (std {stds}{expected})")
        lines.extend(f"structure: {line}" for line in structural)
        lines.extend(f"underpowered: {label} has {n} samples" for label, n in sorted(verdict.underpowered.items()))
        return lines


def _labelled_results(
    roles: dict[str, RoleCheck], independence: dict[str, list[stats.TestResult]]
) -> dict[str, list[stats.TestResult]]:
    """Every test of a family under its label: ``role [fw]``, ``role [fw~fw]``, ``independence [fw]``."""
    labelled: dict[str, list[stats.TestResult]] = {}
    for check in roles.values():
        labelled.update(check.results)
    for framework, results in independence.items():
        labelled[f"independence [{framework}]"] = results
    return labelled


def _structural(names: dict[str, set[str]]) -> list[str]:
    everything = set().union(*names.values())
    lines = []
    for name in sorted(everything):
        present = [fw for fw in names if name in names[fw]]
        if len(present) != len(names):
            missing = [fw for fw in names if fw not in present]
            lines.append(f"{name} exists in {'/'.join(present)} but not in {'/'.join(missing)}")
    return lines


def _one_framework_tests(check: RoleCheck, framework: str) -> None:
    expected = check.expected
    if expected is None or expected.kind == "deterministic":
        return
    check.results[f"{check.role} [{framework}]"] = stats.one_sample(check.samples[framework], expected)


def _pair_tests(check: RoleCheck, first: str, second: str, arrays: dict[str, dict[str, np.ndarray]]) -> None:
    label = f"{check.role} [{first}~{second}]"
    if check.expected is not None and check.expected.kind == "deterministic":
        equal = all(np.array_equal(arrays[first][name], arrays[second][name]) for name in check.names[first])
        check.results[label] = [stats.TestResult("equal", 0.0, 1.0 if equal else 0.0, check.n(first))]
        return
    check.results[label] = stats.two_sample(check.samples[first], check.samples[second])


def check_arrays(model_type: str, config: Any, arrays: dict[str, dict[str, np.ndarray]], patched: bool) -> FamilyCheck:
    """Run every test on already-built weights (framework -> name -> array, PyTorch names and layout)."""
    frameworks = tuple(arrays)
    scheme = family_of(config)
    names = {fw: set(arrays[fw]) for fw in frameworks}
    structural = _structural(names) if len(frameworks) > 1 else []
    roles: dict[str, RoleCheck] = {}
    for framework in frameworks:
        for name in sorted(arrays[framework]):
            base = name.split("@", 1)[0]  # repeats from further seeds pool with the first
            rule = scheme.rule_for(base, config) if scheme else None
            role = rule.role if rule else generic_role(base)
            check = roles.setdefault(role, RoleCheck(role, rule.distribution(config) if rule else None))
            check.names.setdefault(framework, []).append(name)
    for check in roles.values():
        for framework, members in check.names.items():
            check.samples[framework] = stats.pool(arrays[framework][name] for name in members)
        for framework in check.names:
            _one_framework_tests(check, framework)
        # the frameworks are compared on the names they share; the others are structural findings
        shared = [fw for fw in frameworks if fw in check.names]
        for first, second in itertools.combinations(shared, 2):
            common = sorted(set(check.names[first]) & set(check.names[second]))
            if not common:
                continue
            pair = RoleCheck(check.role, check.expected, {first: common, second: common})
            pair.samples = {fw: stats.pool(arrays[fw][name] for name in common) for fw in (first, second)}
            _pair_tests(pair, first, second, arrays)
            check.results.update(pair.results)
    # deterministic tables (sinusoidal positions) are equal by design, not a failure of independence
    deterministic = {
        name
        for check in roles.values()
        if check.expected is not None and check.expected.kind == "deterministic"
        for members in check.names.values()
        for name in members
    }
    independence = {
        fw: stats.independence({n: a for n, a in arrays[fw].items() if n not in deterministic}) for fw in frameworks
    }
    return FamilyCheck(
        model_type=model_type,
        frameworks=frameworks,
        scheme_family=scheme.family if scheme else None,
        patched=patched,
        config=config,
        roles=roles,
        structural=structural,
        independence=independence,
        verdict=stats.verdict(_labelled_results(roles, independence)),
    )


def counterparts(model_type: str, frameworks: tuple[str, ...]) -> dict[str, str]:
    """The class representing ``model_type`` in each of ``frameworks``; a clear error for a framework
    where transformers has none."""
    found = find_family(model_type)
    missing = [fw for fw in frameworks if fw not in found.classes]
    if missing:
        raise LookupError(
            f"{model_type} has no {'/'.join(missing)} counterpart in this transformers; "
            f"it exists in: {', '.join(found.frameworks) or 'none'}"
        )
    return {fw: found.classes[fw] for fw in frameworks}


_BUILT: dict[tuple, dict[str, np.ndarray]] = {}  # one build per (framework, class, config, seed, scheme on)


def _built(framework: str, class_name: str, config: Any, seed: int) -> dict[str, np.ndarray]:
    key = (framework, class_name, config.to_json_string(), seed, is_enabled())
    if key not in _BUILT:
        _BUILT[key] = fresh_weights(framework, class_name, config, seed)
    return _BUILT[key]


def _seed_arrays(classes: dict[str, str], config: Any, seed: int, suffix: str) -> dict[str, dict[str, np.ndarray]]:
    return {
        fw: {f"{name}{suffix}": value for name, value in _built(fw, class_name, config, seed).items()}
        for fw, class_name in classes.items()
    }


def seeds_needed(arrays: dict[str, np.ndarray], config: Any, min_samples: int = stats.MIN_SAMPLES) -> int:
    """How many seeds make every drawn role of one build reach ``min_samples`` (constants need one)."""
    scheme = family_of(config)
    per_role: dict[str, int] = {}
    for name, value in arrays.items():
        rule = scheme.rule_for(name, config) if scheme else None
        if (rule is not None and rule.kind in ("constant", "deterministic")) or float(np.ptp(value)) == 0.0:
            continue
        role = rule.role if rule else generic_role(name)
        per_role[role] = per_role.get(role, 0) + value.size
    smallest = min(per_role.values(), default=min_samples)
    return max(1, -(-min_samples // smallest))


MAX_SEEDS = 8


def collect(
    classes: dict[str, str], config: Any, seeds: tuple[int, ...] | None = None
) -> dict[str, dict[str, np.ndarray]]:
    """Build ``classes`` (framework -> transformers class name) from ``config`` once per seed. A
    seed's tensors after the first get an ``@seed`` suffix so that repeats pool into one role.
    ``seeds=None`` picks as many seeds (at most :data:`MAX_SEEDS`) as the smallest drawn role needs
    to reach :data:`init_parity.stats.MIN_SAMPLES` samples."""
    arrays = _seed_arrays(classes, config, (seeds or (0,))[0], "")
    if seeds is None:
        first = next(iter(arrays.values()))
        seeds = tuple(range(min(MAX_SEEDS, seeds_needed(first, config))))
    for seed in seeds[1:]:
        for fw, more in _seed_arrays(classes, config, seed, f"@{seed}").items():
            arrays[fw].update(more)
    return arrays


@functools.lru_cache(maxsize=64)
def _cached_check(
    model_type: str, frameworks: tuple[str, ...], seeds: tuple[int, ...] | None, patched: bool, changes: tuple
) -> FamilyCheck:
    config = tiny_config(model_type, **dict(changes))
    with use_scheme(patched):
        arrays = collect(counterparts(model_type, frameworks), config, seeds)
    return check_arrays(model_type, config, arrays, patched)


def check_family(
    model_type: str,
    frameworks: tuple[str, ...] | None = None,
    seeds: tuple[int, ...] | None = None,
    patched: bool | None = None,
    **config_changes: Any,
) -> FamilyCheck:
    """Build ``model_type``'s tiny config in ``frameworks`` (default: every installed framework it
    exists in) and check its fresh weights. ``seeds`` default: as many as the smallest role needs
    (:func:`collect`). ``patched`` chooses the scheme or stock transformers (default: whatever is
    active now). Results are cached per process."""
    available = find_family(model_type).frameworks
    frameworks = tuple(frameworks) if frameworks else available
    patched = is_enabled() if patched is None else patched
    seeds = tuple(seeds) if seeds is not None else None
    return _cached_check(model_type, frameworks, seeds, patched, tuple(sorted(config_changes.items())))
