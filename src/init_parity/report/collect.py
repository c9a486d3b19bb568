"""Running the conformance checks the report shows: :func:`init_parity.suite.building.check_family` per
model type and mode (stock transformers, or with the scheme), and the first loss of models with an
LM head. Everything statistical comes from the suite (:mod:`init_parity.suite.stats` through
:class:`~init_parity.suite.conformance.FamilyCheck`); this module only gathers and labels it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..compat import no_init_weights
from ..scheme import FAMILIES, Distribution
from ..scheme.naming import FRAMEWORKS
from ..suite import building
from ..suite.building import check_family
from ..suite.conformance import INDEPENDENCE, FamilyCheck
from ..suite.first_loss import FirstLoss, measure, vocab_sizes
from ..suite.labels import Label
from ..suite.models.discovery import family as find_family
from ..suite.models.discovery import missing_dependency
from ..suite.tie_modes import other_tie_check

MODES: dict[str, bool] = {"stock": False, "scheme": True}  # mode -> patched
"""``stock``: transformers as released; ``scheme``: with this package's scheme applied."""


@dataclass(frozen=True)
class RoleSummary:
    """What the tables show of one role: sample size and std per framework (``RoleCheck.n`` and
    ``RoleCheck.std``), kept so that the samples themselves can be let go."""

    expected: Distribution | None
    n: dict[str, int]
    std: dict[str, float]
    varies: bool  # some framework's sample is not constant
    mean: dict[str, float] = field(default_factory=dict)  # what a constant role shows: the value set

    @classmethod
    def of(cls, role_check) -> RoleSummary:
        frameworks = list(role_check.samples)
        return cls(
            expected=role_check.expected,
            n={fw: role_check.n(fw) for fw in frameworks},
            std={fw: role_check.std(fw) for fw in frameworks},
            varies=any(sample.size and np.ptp(sample) > 0 for sample in role_check.samples.values()),
            mean={fw: role_check.mean(fw) for fw in frameworks},
        )


@dataclass
class ModeResult:
    """One model type in one mode: the suite's check, the first losses, or the error that stopped it."""

    mode: str
    check: FamilyCheck | None = None
    first_loss: dict[str, FirstLoss] = field(default_factory=dict)
    error: str | None = None
    roles: dict[str, RoleSummary] = field(default_factory=dict)
    other_tie: FamilyCheck | None = None
    """The check in the tie mode the tiny config does not use (:mod:`init_parity.suite.tie_modes`), for a class
    with an LM head; its findings are this mode's too."""
    other_tie_mode: str = ""

    def std(self, role: str, framework: str) -> float:
        summary = self.roles.get(role)
        return summary.std.get(framework, math.nan) if summary is not None else math.nan

    @property
    def passed(self) -> bool:
        return (
            self.error is None
            and self.check is not None
            and self.check.passed
            and (self.other_tie is None or self.other_tie.passed)
        )

    def drifting_roles(self) -> list[str]:
        """Every label's role with a rejected test: parameter roles and the checks that are not one
        (independence, ties, first loss), sorted."""
        return sorted(self.check.drifting_roles()) if self.check is not None else []

    def drifts(self) -> tuple[list[str], list[str]]:
        """What drifts, as the summary and the figures count it: the parameter roles (in the check's
        order), and the checks that are not a parameter role (independence, ties, first loss)."""
        if self.check is None:
            return [], []
        found = self.check.drifting_roles()
        return [role for role in self.check.roles if role in found], sorted(set(found) - set(self.check.roles))

    def failure(self) -> str | None:
        """Why this mode does not pass: ``error``, ``drift``, ``structure`` or ``underpowered``."""
        if self.error is not None or self.check is None:
            return "error"
        checks = [self.check] + ([self.other_tie] if self.other_tie is not None else [])
        if any(check.verdict.drifting for check in checks):
            return "drift"
        if any(check.structural for check in checks):
            return "structure"
        return None if self.passed else "underpowered"


@dataclass
class FamilyReport:
    """One model type: where it exists, and its result per mode."""

    model_type: str
    frameworks: tuple[str, ...]  # requested and present: the ones checked
    missing: tuple[str, ...]  # requested, but transformers has no class for it there ("no counterpart")
    classes: dict[str, str]
    modes: dict[str, ModeResult] = field(default_factory=dict)
    unavailable: str = ""  # why it cannot be built here at all (a package it needs is not installed)

    @property
    def checked(self) -> bool:
        return bool(self.frameworks)

    @property
    def scheme_family(self) -> str | None:
        for result in self.modes.values():
            if result.check is not None:
                return result.check.scheme_family
        return None

    def missing_note(self) -> str:
        if self.unavailable:
            return self.unavailable
        return f"no {'/'.join(self.missing)} counterpart" if self.missing else ""

    def roles(self) -> list[str]:
        """Every role of any mode: the scheme's order first, then the others as the check found them."""
        seen: list[str] = []
        for result in self.modes.values():
            if result.check is not None:
                seen.extend(role for role in result.check.roles if role not in seen)
        scheme = FAMILIES.get(self.scheme_family or "")
        order = {role: index for index, role in enumerate(scheme.roles())} if scheme else {}
        return sorted(seen, key=lambda role: (order.get(role, len(order)), seen.index(role)))

    def expected(self, role: str) -> Distribution | None:
        for result in self.modes.values():
            if role in result.roles:
                return result.roles[role].expected
        return None

    def release(self) -> None:
        """Let go of the pooled samples (the figures are drawn): keep a copy of each check without
        them, and without its config (a transformers object: a process that unpickles one imports
        transformers, and with it PyTorch)."""
        for result in self.modes.values():
            if result.check is not None:
                result.check = _without_samples(result.check)
            if result.other_tie is not None:
                result.other_tie = _without_samples(result.other_tie)


def _without_samples(check: FamilyCheck) -> FamilyCheck:
    roles = {name: dataclasses.replace(role, samples={}) for name, role in check.roles.items()}
    return dataclasses.replace(check, roles=roles, config=None)


@dataclass
class Report:
    """Everything the writers show."""

    families: list[FamilyReport]
    modes: tuple[str, ...]
    judged: tuple[str, ...]  # the modes whose verdict sets the exit code
    frameworks: tuple[str, ...]
    seeds: tuple[int, ...] | None

    def failed(self) -> list[tuple[str, str]]:
        """(model type, mode) of every judged check that drifts, is underpowered or could not run."""
        return [
            (family.model_type, mode)
            for family in self.families
            if family.checked
            for mode in self.judged
            if mode in family.modes and not family.modes[mode].passed
        ]


# ------------------------------------------------------------------------------------------ labelling


@dataclass(frozen=True)
class RoleStatus:
    """A role's verdict in one mode: ``drift`` (a test rejected after Holm), ``low n`` (too few
    samples to pass), ``ok``, or ``untested`` (no scheme and no second framework to compare)."""

    status: str
    labels: tuple[Label, ...] = ()  # what drifted: in a framework (vs the scheme) or between a pair
    std_rejected: tuple[Label, ...] = ()  # of ``labels``, those where the pooled std itself was rejected

    @property
    def scopes(self) -> tuple[str, ...]:
        """What drifted, as shown: ``tf`` (against the scheme), ``pt~tf`` (a pair)."""
        return tuple(label.scope for label in self.labels)

    def split(self) -> tuple[list[Label], list[Label]]:
        """The labels against the scheme, and those of pairs."""
        return [label for label in self.labels if not label.is_pair], [label for label in self.labels if label.is_pair]

    def std_off(self, *frameworks: str) -> bool:
        """Whether the pooled std was rejected in ``frameworks`` (one: against the scheme; two: as a pair,
        in either order)."""
        return any(sorted(label.frameworks) == sorted(frameworks) for label in self.std_rejected)


SCALE_TESTS = frozenset({"std", "std_ratio"})
"""The tests of the pooled std shown in the tables: a std is marked ``*`` only when one of them rejected
it (not when the role drifts by its shape, a single tensor or a padding row)."""


def _label_key(label: Label) -> tuple:
    """Frameworks in the order pt, tf, flax; pairs after single frameworks."""
    order = [FRAMEWORKS.index(part) if part in FRAMEWORKS else len(FRAMEWORKS) for part in label.frameworks]
    return (len(label.frameworks), order, label.scope)


def role_status(check: FamilyCheck, role: str) -> RoleStatus:
    drifting = [label for label in check.verdict.drifting if label.role == role]
    if drifting:
        scale = [
            label
            for label, results in check.verdict.drifting.items()
            if label.role == role and any(result.test in SCALE_TESTS for result in results)
        ]
        return RoleStatus("drift", tuple(sorted(drifting, key=_label_key)), tuple(sorted(scale, key=_label_key)))
    low = [label for label in check.verdict.underpowered if label.role == role]
    if low:
        return RoleStatus("low n", tuple(sorted(low, key=lambda label: label.scope)))
    tested = check.independence if role == INDEPENDENCE else getattr(check.roles.get(role), "results", {})
    return RoleStatus("ok" if any(tested.values()) else "untested")


def scheme_std(expected: Distribution | None) -> float | None:
    """The std the scheme prescribes (0 for a constant), None without a drawn scheme value."""
    if expected is None or expected.kind == "deterministic":
        return None
    return float(expected.actual_std)


def measured_text(summary: RoleSummary | None, framework: str) -> str:
    """What a framework drew for a role: its std, or for a role the scheme sets to a constant the
    value it set (``=1``; ``mean ± std`` when it is not constant), to read against :func:`expected_text`."""
    if summary is None or framework not in summary.std:
        return "—"
    std = summary.std[framework]
    if summary.expected is not None and summary.expected.kind == "constant":
        mean = summary.mean.get(framework, math.nan)
        if not math.isfinite(mean):
            return "—"
        return f"={mean:g}" if std == 0 else f"{mean:.4g} ± {std:.2g}"
    return "—" if not math.isfinite(std) else f"{std:.4g}"


def expected_text(expected: Distribution | None) -> str:
    if expected is None:
        return "—"
    if expected.kind == "constant":
        return f"={expected.value:g}"
    if expected.kind == "deterministic":
        return "table"
    return f"{expected.actual_std:.4g}"


def reference_std(family: FamilyReport, mode: str, role: str) -> tuple[float | None, str]:
    """What a framework's std is compared with in the ratio plots: the scheme's std, or else the
    PyTorch (first framework's) std in the same mode. Returns (value, name of the reference)."""
    expected = family.expected(role)
    value = scheme_std(expected)
    if value is not None and expected.kind != "constant":
        return value, "scheme"
    summary = family.modes[mode].roles.get(role)
    if summary is None or expected is not None or not summary.std:
        return None, ""
    reference = "pt" if "pt" in summary.std else next(iter(summary.std))
    return summary.std[reference], reference


def std_ratio(family: FamilyReport, mode: str, role: str, framework: str) -> float:
    """std / reference std (scheme, else PyTorch); NaN where there is nothing to compare."""
    reference, _ = reference_std(family, mode, role)
    if not reference or not math.isfinite(reference):
        return math.nan
    return family.modes[mode].std(role, framework) / reference


def mode_verdict(result: ModeResult) -> str:
    """One mode's verdict in words: ``conforms``, ``drifts in 6 of 10 roles and independence``, ..."""
    if result.error is not None or result.check is None:
        return "could not be checked"
    roles, others = result.drifts()
    words = []
    if roles:
        words.append(f"{len(roles)} of {len(result.check.roles)} role{'s' if len(result.check.roles) != 1 else ''}")
    words.extend(others)
    extras = []
    if result.check.structural:
        extras.append(f"{len(result.check.structural)} structural")
    if result.check.verdict.underpowered:
        extras.append(f"{len(result.check.verdict.underpowered)} underpowered")
    if words:
        text = "drifts in " + (" and ".join([words[0], ", ".join(words[1:])]) if len(words) > 1 else words[0])
    elif extras:
        text = "does not pass"
    else:
        text = "conforms"
    return text + (f" ({', '.join(extras)})" if extras else "") + other_tie_verdict(result)


def other_tie_verdict(result: ModeResult) -> str:
    """``; untied: drifts in ties`` when the check of the other tie mode does not pass, else nothing."""
    other = result.other_tie
    if other is None or other.passed:
        return ""
    words = sorted(other.drifting_roles())
    if other.structural:
        words.append(f"{len(other.structural)} structural")
    if other.verdict.underpowered:
        words.append(f"{len(other.verdict.underpowered)} underpowered")
    return f"; {result.other_tie_mode}: drifts in {', '.join(words)}"


def not_checked_reason(family: FamilyReport) -> str | None:
    """Why a model type was not checked at all (a package it needs is missing, or it has none of the requested
    frameworks), in the words of :func:`summary_line`; None when it was checked."""
    if family.unavailable:
        return family.unavailable
    if not family.checked:
        return f"{family.missing_note()} of the requested frameworks"
    return None


def summary_line(family: FamilyReport) -> str:
    """The one-line verdict of a model type: ``t5: stock drifts in 6 of 10 roles and independence,
    first loss; scheme conforms`` (with structural findings, underpowered labels, missing
    counterparts and errors when there are any). The figures count drifting roles as it does
    (:meth:`ModeResult.drifts`)."""
    reason = not_checked_reason(family)
    if reason is not None:
        return f"{family.model_type}: not checked ({reason})"
    parts = [f"{mode} {mode_verdict(result)}" for mode, result in family.modes.items()]
    notes = [family.missing_note()] if family.missing else []
    if family.scheme_family is None and len(family.frameworks) == 1 and any(r.check for r in family.modes.values()):
        notes.append("no scheme and one framework: only independence tested")
    note = f" [{'; '.join(notes)}]" if notes else ""
    return f"{family.model_type}: {'; '.join(parts)}{note}"


# ------------------------------------------------------------------------------------------ collecting


def plan(model_types: Sequence[str], frameworks: Sequence[str]) -> list[FamilyReport]:
    """The families to check: which requested frameworks each exists in, and which it lacks."""
    families = []
    for model_type in model_types:
        found = find_family(model_type)
        unavailable = missing_dependency(found)
        if unavailable:  # not a drift: named in the summary, left out of the verdict
            families.append(FamilyReport(model_type, (), (), {}, unavailable=unavailable))
            continue
        present = tuple(fw for fw in frameworks if fw in found.classes)
        missing = tuple(fw for fw in frameworks if fw not in found.classes)
        families.append(FamilyReport(model_type, present, missing, {fw: found.classes[fw] for fw in present}))
    return families


def _error_text(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]


def _first_losses(family: FamilyReport, check: FamilyCheck, patched: bool, seed: int) -> dict[str, FirstLoss]:
    """Each framework's first loss on the batch of ``seed``: the one the check measured on its first
    seed's build of the same class where it has it, else measured here (a fresh build)."""
    losses = {}
    tag = family.classes.get("pt") or next(iter(family.classes.values()), None)
    for framework in family.frameworks:
        vocab = vocab_sizes(check.config)[1]
        measured = check.first_losses.get(framework, {}).get(tag)
        if measured:
            losses[framework] = FirstLoss(framework, measured[0], vocab)
            continue
        try:
            losses[framework] = measure(
                framework, family.model_type, family.classes[framework], check.config, seed, patched
            )
        except Exception as error:  # noqa: BLE001 - one model's forward failing is a finding to show, not a crash
            losses[framework] = FirstLoss(framework, None, vocab, f"error: {_error_text(error)}")
    return losses


MAX_PARAMETERS = 40_000_000
"""A model type whose tiny config builds more parameters than this is reported, not checked: the
suite holds several float64 copies of every weight, and a few model types' tiny configs leave
sub-models at full size (billions of parameters), which would exhaust the memory of the machine."""


def parameter_count(model_type: str, class_name: str, config: Any) -> int | None:
    """The PyTorch model's parameter count, built on the meta device without initialising it (no
    memory, no init: a few milliseconds); an upper bound, as a head the init would tie to the
    embedding counts apart. None when that cannot be done."""
    try:
        import torch
        import transformers

        with torch.device("meta"), no_init_weights():
            model = getattr(transformers, class_name)(config)
        return int(sum(parameter.numel() for parameter in model.parameters()))
    except Exception:  # noqa: BLE001 - the guard is best effort: the check itself reports real errors
        return None


def _too_large(family: FamilyReport) -> str | None:
    if "pt" not in family.classes:
        return None
    from ..suite.models.tiny_configs import tiny_config

    try:
        config = tiny_config(family.model_type)
    except Exception:  # noqa: BLE001 - check_family will report it
        return None
    count = parameter_count(family.model_type, family.classes["pt"], config)
    if count is not None and count > MAX_PARAMETERS:
        return (
            f"its tiny config builds {count / 1e6:.0f}M parameters, more than the report's limit of "
            f"{MAX_PARAMETERS / 1e6:.0f}M: not checked (init_parity.suite.models.tiny_configs should shrink it)"
        )
    return None


def _check_other_tie(family: FamilyReport, result: ModeResult, seeds: tuple[int, ...] | None) -> None:
    """The check of the tie mode the tiny config does not use, for a class with an LM head."""
    found = other_tie_check(family.model_type, family.classes, result.check.config, seeds, MODES[result.mode])
    if found is not None:
        result.other_tie_mode, result.other_tie = found


def _release_cache() -> None:
    """The suite caches every check it ran, samples included; a run over many model types lets them go."""
    building.clear_cache()


def collect(
    families: list[FamilyReport],
    modes: Sequence[str],
    seeds: tuple[int, ...] | None,
    first_loss: bool = True,
    step: Callable[[str], None] | None = None,
    on_family: Callable[[FamilyReport], None] | None = None,
) -> list[FamilyReport]:
    """Fill ``families`` with one :class:`ModeResult` per mode. ``step(description)`` is called
    before each unit of work (a family in one mode), for a progress bar; ``on_family(family)``
    when a family is complete, while its samples are still there (to draw it). Then the samples
    are let go, so that ``--models all`` holds one family's samples at a time."""
    for family in families:
        too_large = _too_large(family) if family.checked else None
        for mode in modes:
            if step is not None:
                step(f"{family.model_type} {mode}")
            result = ModeResult(mode)
            family.modes[mode] = result
            if not family.checked:
                continue
            if too_large is not None:
                result.error = too_large
                continue
            try:
                result.check = check_family(family.model_type, family.frameworks, seeds, MODES[mode])
            except Exception as error:  # noqa: BLE001 - reported per family, so that `--models all` finishes
                result.error = _error_text(error)
                continue
            result.roles = {role: RoleSummary.of(check) for role, check in result.check.roles.items()}
            try:
                _check_other_tie(family, result, seeds)
            except Exception as error:  # noqa: BLE001 - reported per family, so that `--models all` finishes
                result.error = f"in the other tie mode: {_error_text(error)}"
                continue
            if first_loss:
                result.first_loss = _first_losses(family, result.check, MODES[mode], (seeds or (0,))[0])
        if on_family is not None:
            on_family(family)
        if len(families) > 1:
            family.release()
            _release_cache()
    return families
