"""The whole fix for one family, computed in memory: every owned file's new text, and the findings.

Nothing is written here; :mod:`.command` prints the plan (``--dry-run``) or writes and commits it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

from ..scheme import FamilyScheme
from . import copies, docs, flax, helper, pytorch, tensorflow, tests
from .checkout import COMMON_TESTS, DOC_FILE, HELPER_FILE, MODELING_PREFIXES, Checkout, modeling_file
from .values import Finding

TRANSFORMS: dict[str, Callable[[str, str, FamilyScheme], tuple[str, list[Finding]]]] = {
    "pt": pytorch.transform,
    "tf": tensorflow.transform,
    "flax": flax.transform,
}


@dataclass
class Plan:
    before: dict[str, str | None] = field(default_factory=dict)  # file -> text (None: a new file)
    after: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[str]:
        return [f for f, text in self.after.items() if text != self.before.get(f)]

    def diff(self) -> str:
        """The change as git would show it (``git apply``-able)."""
        parts = []
        for file in self.changed:
            old, new = self.before.get(file), self.after[file]
            header = [f"diff --git a/{file} b/{file}\n"]
            if old is None:
                header.append("new file mode 100644\n")
            lines = difflib.unified_diff(
                (old or "").splitlines(keepends=True),
                new.splitlines(keepends=True),
                "/dev/null" if old is None else f"a/{file}",
                f"b/{file}",
            )
            parts.append("".join(header) + "".join(lines))
        return "".join(parts)


def plan(checkout: Checkout, scheme: FamilyScheme) -> Plan:
    result = Plan()
    _models(checkout, scheme, result)
    _helper(checkout, scheme, result)
    _tests(checkout, result)
    _docs(checkout, scheme, result)
    return result


def _models(checkout: Checkout, scheme: FamilyScheme, result: Plan) -> None:
    before: dict[str, str] = {}
    for framework in MODELING_PREFIXES:
        for model_type in scheme.model_types:
            file = modeling_file(model_type, framework)
            source = checkout.read(file)
            if source is None:
                continue
            before[file] = source
            new, findings = TRANSFORMS[framework](source, file, scheme)
            result.before[file], result.after[file] = source, new
            result.findings.extend(findings)
    broken = copies.broken_copies(before, {f: result.after[f] for f in before})
    if broken:
        raise RuntimeError("the edit would break `# Copied from` blocks:\n  " + "\n  ".join(broken))


def _helper(checkout: Checkout, scheme: FamilyScheme, result: Plan) -> None:
    """The helper holds the schemes written so far into this checkout: the others' code is not fixed."""
    existing = checkout.read(HELPER_FILE)
    families = list(dict.fromkeys([*helper.families_in(existing), scheme.family]))
    result.before[HELPER_FILE] = existing
    result.after[HELPER_FILE] = helper.generate(families, checkout.root)


def _tests(checkout: Checkout, result: Plan) -> None:
    for framework, file in COMMON_TESTS.items():
        source = checkout.read(file)
        if source is None:
            result.notes.append(f"{file}: not in this checkout: no {framework} test added")
            continue
        new, what = tests.add_test(source, framework)
        result.before[file], result.after[file] = source, new
        result.notes.append(f"{file}: {what}")


def _docs(checkout: Checkout, scheme: FamilyScheme, result: Plan) -> None:
    file = DOC_FILE.format(family=scheme.family)
    source = checkout.read(file)
    if source is None:
        result.notes.append(f"{file}: not in this checkout (a release sdist has no docs/): no section added")
        return
    result.before[file], result.after[file] = source, docs.add_section(source, scheme)
