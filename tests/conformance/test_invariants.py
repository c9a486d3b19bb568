"""The invariants of :mod:`init_parity.suite.invariants` for every discovered encoder-decoder model type with a
PyTorch class: coverage by the scheme (or a reasoned "left to the framework"), finite values, no untied
bit-identical tensors, tie structure, zero padding rows (and no other zero row), and the first loss of LM heads
within the scheme's bound; in the tiny config's tie mode and, for a class with an LM head, the other one
(:mod:`init_parity.suite.tie_modes`). A type that cannot be built here skips with the missing dependency; a known
stock defect is a strict xfail of the stock run (``expectations.STOCK_INVARIANT_DEFECTS``)."""

from __future__ import annotations

import pytest

from init_parity.runtime.activation import is_enabled
from init_parity.scheme import new_on_this_line, other_line_only
from init_parity.suite.invariants import check_model
from init_parity.suite.models.discovery import discover, missing_dependency
from init_parity.suite.models.tiny_configs import tiny_config
from init_parity.suite.tie_modes import other_tie_mode, tie_mode_of
from tests.conformance.expectations import KNOWN_INVARIANT_DEFECTS, STOCK_INVARIANT_DEFECTS


def _cases():
    for found in discover():
        marks = [pytest.mark.xdist_group(found.model_type)]
        reason = None if is_enabled() else STOCK_INVARIANT_DEFECTS.get(found.model_type)
        known = KNOWN_INVARIANT_DEFECTS.get(found.model_type) if is_enabled() else None
        if reason or known:
            marks.append(pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason or known.reason))
        yield pytest.param(found, marks=marks, id=found.model_type)


def invariant_configs(model_type: str, class_name: str) -> list[tuple[str, object]]:
    """The tiny config in its own tie mode and, for a class with an LM head, in the other (as the mixin checks
    both): (mode, config) pairs."""
    config = tiny_config(model_type)
    other = other_tie_mode(class_name, config)
    return [(tie_mode_of(config), config)] + ([other] if other is not None else [])


@pytest.mark.parametrize("found", list(_cases()))
def test_invariants(found):
    if "pt" not in found.classes:
        pytest.skip("no PyTorch class in the auto mappings")
    missing = missing_dependency(found)
    if missing:
        pytest.skip(missing)
    for reason in (other_line_only(found.model_type), new_on_this_line(found.model_type)):
        if reason:
            pytest.skip(reason)
    reports = {
        mode: check_model(found.model_type, found.classes["pt"], config)
        for mode, config in invariant_configs(found.model_type, found.classes["pt"])
    }
    problems = [f"{mode}: {problem}" for mode, report in reports.items() for problem in report.problems]
    known = KNOWN_INVARIANT_DEFECTS.get(found.model_type) if is_enabled() else None
    if known is not None:  # a known defect xfails on exactly its findings
        failing = {
            (mode, check) for mode, report in reports.items() for check, lines in report.findings.items() if lines
        }
        if failing != known.findings:
            raise RuntimeError(f"findings differ from the known defect: {sorted(failing)} != {sorted(known.findings)}")
    assert not problems, f"{found.model_type} ({found.classes['pt']}):\n  " + "\n  ".join(problems)
