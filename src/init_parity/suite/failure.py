"""A failed init-parity test with its findings as data: what a strict xfail of a known defect compares, finding for
finding, with the findings it expects (``tests/conformance/expectations.py``), instead of reading the message."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

STRUCTURE = "structure"
UNDERPOWERED = "underpowered"

Finding = tuple[Any, Any]
"""``(label, test)`` of a rejected test (a :class:`~init_parity.suite.labels.Label` and the test's name),
``("structure", finding)`` of a tensor present in one framework and not the other (a
:class:`~init_parity.suite.labels.Structural`), ``("underpowered", label)`` of a label with too few samples."""


def findings_of(
    drifting: Mapping[str, Sequence[Any]], structural: Iterable[str] = (), underpowered: Iterable[str] = ()
) -> frozenset[Finding]:
    """The findings of a verdict: its drifting labels with each rejected test's name, the structural lines and the
    underpowered labels."""
    found: set[Finding] = {(label, result.test) for label, results in drifting.items() for result in results}
    found |= {(STRUCTURE, finding) for finding in structural}
    found |= {(UNDERPOWERED, label) for label in underpowered}
    return frozenset(found)


class InitParityFailure(AssertionError):
    """An init-parity test that failed: the message a reader sees, and :attr:`findings`."""

    def __init__(self, message: str, findings: frozenset[Finding]) -> None:
        super().__init__(message)
        self.findings = findings
