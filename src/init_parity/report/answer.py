"""What each model type's section of the report leads with: per mode its verdict in one line, and
for each drift what was measured against what the scheme prescribes. The table of every role and
the test results behind the verdicts come after it (folded in HTML and Markdown, ``--verbose`` in
the terminal)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..scheme.naming import FRAMEWORKS
from ..suite.conformance import FIRST_LOSS
from ..suite.labels import Label
from .collect import (
    INDEPENDENCE,
    SCALE_TESTS,
    FamilyReport,
    ModeResult,
    RoleStatus,
    expected_text,
    measured_text,
    mode_verdict,
    role_status,
)


@dataclass(frozen=True)
class Drift:
    """One line of the answer: a role (or a check that is not one) that drifts in one mode."""

    what: str  # a role, "independence", "first loss", "structure", ...
    measured: tuple[tuple[str, str], ...]  # (framework, what it drew) for the frameworks found drifting
    expected: str  # what the scheme prescribes ("scheme 0.125", "scheme =1"), or the reference
    how: str  # which tests found it: "std off the scheme", "shape off the scheme (ks)", "pt~tf differ"


@dataclass(frozen=True)
class ModeAnswer:
    mode: str
    verdict: str  # mode_verdict: "conforms", "drifts in 6 of 10 roles and independence"
    drifts: tuple[Drift, ...]


def _frameworks(status: RoleStatus) -> list[str]:
    """The frameworks a role's labels find drifting: those off the scheme, else the members of the
    pairs that differ (without a scheme), in the order pt, tf, flax."""
    singles, pairs = status.split()
    named = [fw for label in singles or pairs for fw in label.frameworks]
    return [fw for fw in FRAMEWORKS if fw in named]


def _tests(result: ModeResult, labels: list[Label] | tuple[Label, ...]) -> list[str]:
    drifting = result.check.verdict.drifting
    return sorted({test.test for label in labels for test in drifting.get(label, [])})


def _scopes(labels: list[Label]) -> str:
    return ", ".join(label.scope for label in labels)


def _role_drift(result: ModeResult, role: str) -> Drift:
    status = role_status(result.check, role)
    summary = result.roles.get(role)
    singles, pairs = status.split()
    measured = tuple((fw, measured_text(summary, fw)) for fw in _frameworks(status))
    expected = summary.expected if summary is not None else None
    if singles:
        tests = _tests(result, singles)
        how = "std off the scheme" if SCALE_TESTS & set(tests) else f"off the scheme by shape ({', '.join(tests)})"
    else:
        tests = _tests(result, pairs)
        what = "std" if SCALE_TESTS & set(tests) else f"shape ({', '.join(tests)})"
        how = f"{what} differs: {_scopes(pairs)}"
    return Drift(role, measured, f"scheme {expected_text(expected)}" if expected is not None else "no scheme", how)


def _independence(result: ModeResult) -> Drift:
    drifting = result.check.verdict.drifting
    measured = []
    for label in role_status(result.check, INDEPENDENCE).labels:
        counts = Counter(test.test for test in drifting.get(label, []))
        measured.append((label.scope, ", ".join(f"{count} {test}" for test, count in counts.items())))
    return Drift(INDEPENDENCE, tuple(measured), "independent tensors", "tensor pairs equal or correlated")


def _first_loss(result: ModeResult, what: str) -> Drift:
    status = role_status(result.check, what)
    measured = tuple(  # every framework's: the bound is one-sided, a loss close to it shows what "above" means
        (fw, f"{loss.loss:.2f}") for fw, loss in result.first_loss.items() if loss.loss is not None
    )
    ideals = {loss.ideal for loss in result.first_loss.values()}
    expected = f"ln(V) = {ideals.pop():.2f}" if len(ideals) == 1 else "ln(V)"
    singles, pairs = status.split()
    how = ["above the scheme's bound, ln(V) + margin"] if singles else []
    how += [f"differs: {_scopes(pairs)}"] if pairs else []
    return Drift(what, measured, expected, "; ".join(how))


def _other(result: ModeResult, what: str) -> Drift:
    status = role_status(result.check, what)
    tests = _tests(result, status.labels)
    return Drift(what, tuple((scope, "") for scope in status.scopes), "", ", ".join(tests))


def mode_answer(family: FamilyReport, mode: str) -> ModeAnswer:
    result = family.modes[mode]
    if result.check is None:
        error = (Drift("error", (), "", result.error),) if result.error else ()
        return ModeAnswer(mode, mode_verdict(result), error)
    roles, others = result.drifts()
    drifts = [_role_drift(result, role) for role in family.roles() if role in roles]  # the scheme's order
    for what in others:
        if what == INDEPENDENCE:
            drifts.append(_independence(result))
        elif what == FIRST_LOSS:
            drifts.append(_first_loss(result, what))
        else:
            drifts.append(_other(result, what))
    drifts.extend(Drift("structure", (), "", str(finding)) for finding in result.check.structural)
    minimum = result.check.verdict.min_samples
    drifts.extend(
        Drift(str(label), (), "", f"{n} samples, fewer than {minimum}: underpowered")
        for label, n in result.check.verdict.underpowered.items()
    )
    return ModeAnswer(mode, mode_verdict(result), tuple(drifts))


def answers(family: FamilyReport) -> list[ModeAnswer]:
    """Per mode of ``family``: its verdict and its drifts."""
    return [mode_answer(family, mode) for mode in family.modes]


def measured_words(drift: Drift) -> str:
    """``pt 0.9953 · tf 0.9901``: the frameworks found drifting and what they drew."""
    return " · ".join(f"{fw} {value}".strip() for fw, value in drift.measured)
