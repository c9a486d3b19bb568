"""The report as JSON: every number the tables show, plus each test's statistic and p-value.

Non-finite numbers become ``null`` so that any JSON parser reads the file.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..compat import transformers_version
from ..suite.labels import Label
from ..suite.stats import FAMILY_WISE_ALPHA, TEST_ALPHA
from .collect import (
    INDEPENDENCE,
    FamilyReport,
    ModeResult,
    Report,
    not_checked_reason,
    role_status,
    scheme_std,
    summary_line,
)

SCHEMA_VERSION = 1


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _tests(result: ModeResult, labelled: dict) -> list[dict]:
    drifting = result.check.verdict.drifting
    return [
        {
            "label": str(label),
            "test": test.test,
            "statistic": _number(float(test.statistic)),
            "p_value": _number(float(test.p_value)),
            "n": int(test.n),
            "detail": test.detail,
            "rejected": any(test is rejected for rejected in drifting.get(label, [])),
        }
        for label, tests in labelled.items()
        for test in tests
    ]


def _mode(family: FamilyReport, result: ModeResult) -> dict:
    if result.check is None:
        return {"passed": False, "error": result.error, "not_checked": not_checked_reason(family)}
    check = result.check
    roles = []
    for role in family.roles():
        if role not in check.roles or role not in result.roles:
            continue
        summary = result.roles[role]
        status = role_status(check, role)
        roles.append(
            {
                "role": role,
                "expected": summary.expected.describe() if summary.expected is not None else None,
                "scheme_std": _number(scheme_std(summary.expected)),
                "n": {fw: summary.n[fw] for fw in check.frameworks if fw in summary.n},
                "std": {fw: _number(summary.std[fw]) for fw in check.frameworks if fw in summary.std},
                # for a role the scheme sets to a constant: the value each framework set (its mean)
                "mean": {fw: _number(summary.mean[fw]) for fw in check.frameworks if fw in summary.mean},
                "status": status.status,
                "drifting": list(status.scopes) if status.status == "drift" else [],
                "tests": _tests(result, check.roles[role].results),
            }
        )
    # the independence screen runs a test per pair of tensors: only the count and the rejections are kept
    drifting = check.verdict.drifting
    independence = {
        label: [test for test in tests if any(test is rejected for rejected in drifting.get(label, []))]
        for label, tests in ((Label(INDEPENDENCE, (fw,)), tests) for fw, tests in check.independence.items())
    }
    return {
        "passed": result.passed,
        "error": result.error,
        "drifting_roles": result.drifting_roles(),
        "structural": [str(finding) for finding in check.structural],
        "underpowered": {str(label): n for label, n in check.verdict.underpowered.items()},
        "n_tests": check.verdict.n_tests,
        "roles": roles,
        "independence": {
            "status": role_status(check, INDEPENDENCE).status,
            "n_tests": {fw: len(tests) for fw, tests in check.independence.items()},
            "rejected": _tests(result, independence),
        },
        "first_loss": {
            fw: {"loss": _number(loss.loss), "ln_vocab": _number(loss.ideal), "vocab": loss.vocab, "note": loss.note}
            for fw, loss in result.first_loss.items()
        },
        "other_tie_mode": _other_tie(result),
    }


def _other_tie(result: ModeResult) -> dict | None:
    """The check of the tie mode the tiny config does not use (a class with an LM head), or None."""
    other = result.other_tie
    if other is None:
        return None
    return {
        "tie_mode": result.other_tie_mode,
        "passed": other.passed,
        "drifting_roles": sorted(other.drifting_roles()),
        "structural": [str(finding) for finding in other.structural],
        "underpowered": {str(label): n for label, n in other.verdict.underpowered.items()},
        "n_tests": other.verdict.n_tests,
        "findings": other.describe_drifts(),
    }


def to_dict(report: Report, exit_code: int | None = None) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "transformers": transformers_version(),
        "modes": list(report.modes),
        "judged_modes": list(report.judged),
        "frameworks": list(report.frameworks),
        "seeds": list(report.seeds) if report.seeds else None,
        "family_wise_alpha": FAMILY_WISE_ALPHA,
        "test_alpha": TEST_ALPHA,
        "exit_code": exit_code,
        "summary": [summary_line(family) for family in report.families],
        "families": [
            {
                "model_type": family.model_type,
                "scheme_family": family.scheme_family,
                "frameworks": list(family.frameworks),
                "no_counterpart": list(family.missing),
                "classes": family.classes,
                "modes": {mode: _mode(family, result) for mode, result in family.modes.items()},
            }
            for family in report.families
        ],
    }


def render(report: Report, exit_code: int | None = None) -> str:
    return json.dumps(to_dict(report, exit_code), indent=1, allow_nan=False) + "\n"
