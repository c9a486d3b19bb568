"""The whole fix for one family, computed in memory: every owned file's new text, and the findings.

Nothing is written into the checkout here; :mod:`.command` prints the plan (``--dry-run``) or writes
and commits it. A modelling file generated from a modular file (5.x: ``modular_<model>.py``) is
edited through its modular file and regenerated with the checkout's own
``utils/modular_model_converter.py``, run in a temporary ``git worktree`` of the checkout; a tree
without that script (a release sdist) gets the same edit in both files.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..exits import BadInput
from ..scheme import FamilyScheme
from . import copies, core_tie, docs, flax, helper, model_tests, pytorch, rescale, tensorflow, tests, tying
from .checkout import (
    COMMON_TESTS,
    DOC_FILE,
    HELPER_FILE,
    MODELING_PREFIXES,
    Checkout,
    configuration_file,
    is_5x,
    modeling_file,
    modular_file,
)
from .values import Finding

TRANSFORMS: dict[str, Callable[[str, str, FamilyScheme], tuple[str, list[Finding]]]] = {
    "pt": pytorch.transform,
    "tf": tensorflow.transform,
    "flax": flax.transform,
}
CONVERTER = "utils/modular_model_converter.py"


@dataclass
class Plan:
    before: dict[str, str | None] = field(default_factory=dict)  # file -> text (None: a new file)
    after: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    untied: bool = False  # 5.x: configs no longer force `tie_word_embeddings`

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


def plan(checkout: Checkout, scheme: FamilyScheme, python: str = sys.executable, with_tests: bool = True) -> Plan:
    """The whole fix; without ``with_tests`` (the fix PR of the 5.x series, whose first PR holds the tests) the
    modelling code and docs alone."""
    result = Plan()
    if is_5x(checkout.version):
        _core(checkout, result)
        _configs(checkout, scheme, result)
    _models(checkout, scheme, result, python)
    if with_tests:
        _helper(checkout, scheme, result)
        _tests(checkout, result)
        _declarations(checkout, scheme, result)
    _docs(checkout, scheme, result)
    return result


def _core(checkout: Checkout, result: Plan) -> None:
    """The tie rule in ``PreTrainedModel`` that the family's class attribute turns on (:mod:`.core_tie`)."""
    file = core_tie.CORE_FILE
    source = checkout.read(file)
    if source is None:
        raise BadInput(f"{checkout.root} has no {file}: is it a transformers source tree?")
    try:
        new, notes = core_tie.add_core_rule(source)
    except core_tie.CoreLayoutError as error:
        raise BadInput(
            f"{file}: {error}; this transformers {checkout.version} ties weights differently from the 5.x line the "
            "generator knows (upstream main at 9a90500b0b to 5.23.0): check out one of those"
        ) from None
    result.before[file], result.after[file] = source, new
    result.notes += [f"{file}: {note}" for note in notes]


def _configs(checkout: Checkout, scheme: FamilyScheme, result: Plan) -> None:
    for model_type in scheme.model_types:
        file = configuration_file(model_type)
        source = checkout.read(file)
        if source is None:
            continue
        new, notes = tying.untie_config(source)
        result.before[file], result.after[file] = source, new
        result.notes += [f"{file}: {note}" for note in notes]
        result.untied = result.untied or new != source or tying.FLAG in source


def _model_source(
    source: str, file: str, scheme: FamilyScheme, framework: str, five: bool
) -> tuple[str, list[Finding], list[str]]:
    """(new source, findings, notes): the scheme's draws, and on 5.x the family's tie declaration and the
    tied decoder-output rescale."""
    new, findings = TRANSFORMS[framework](source, file, scheme)
    notes: list[str] = []
    if five and framework == "pt":
        for edit in (tying.mark_family, rescale.restore_rescale):
            new, more = edit(new)
            notes += [f"{file}: {note}" for note in more]
    return new, findings, notes


def _models(checkout: Checkout, scheme: FamilyScheme, result: Plan, python: str) -> None:
    five = is_5x(checkout.version)
    before: dict[str, str] = {}
    generated: list[str] = []
    for framework in MODELING_PREFIXES:
        for model_type in scheme.model_types:
            file = modeling_file(model_type, framework)
            source = checkout.read(file)
            if source is None:
                continue
            modular = modular_file(model_type) if framework == "pt" else None
            modular_source = checkout.read(modular) if modular else None
            if modular_source is not None:
                new_modular, findings, notes = _model_source(modular_source, modular, scheme, framework, five)
                result.before[modular], result.after[modular] = modular_source, new_modular
                result.findings.extend(findings)
                result.notes += notes
                generated.append(model_type)
            before[file] = source
            new, findings, notes = _model_source(source, file, scheme, framework, five)
            result.before[file], result.after[file] = source, new
            if modular_source is None:
                result.findings.extend(findings)
                result.notes += notes
    for model_type in generated:
        _regenerate(checkout, model_type, result, python)
    broken = copies.broken_copies(before, {f: result.after[f] for f in before})
    if broken:
        raise RuntimeError("the edit would break `# Copied from` blocks:\n  " + "\n  ".join(broken))


def _regenerate(checkout: Checkout, model_type: str, result: Plan, python: str) -> None:
    """The modelling file as the checkout's converter writes it from the edited modular file; without the
    converter, the modelling file keeps the same edit (made above), which must agree with the modular's."""
    modular, file = modular_file(model_type), modeling_file(model_type, "pt")
    if result.after[modular] == result.before[modular]:
        return
    if not (checkout.root / CONVERTER).is_file():
        result.notes.append(f"{file}: no {CONVERTER} in this tree: edited like {modular}")
        return
    result.after[file] = convert(checkout, {modular: result.after[modular]}, [modular], python)[file]
    result.notes.append(f"{file}: regenerated from {modular} by {CONVERTER}")


def convert(checkout: Checkout, texts: dict[str, str], modulars: list[str], python: str) -> dict[str, str]:
    """{modelling file: text} as the checkout's converter writes them from ``modulars``, run in a temporary
    ``git worktree`` of its HEAD that holds ``texts`` ({path: new text})."""
    with tempfile.TemporaryDirectory() as temporary:
        tree = Path(temporary) / "tree"
        checkout.git("worktree", "add", "--detach", "-q", str(tree), "HEAD")
        try:
            for relative, text in texts.items():
                (tree / relative).write_text(text, encoding="utf-8")
            # the converter runs `ruff` (the checkout's pin) from PATH: the one beside that Python first
            path = os.pathsep.join([str(Path(python).parent), os.environ.get("PATH", "")])
            environment = {**os.environ, "PYTHONPATH": str(tree / "src"), "INIT_PARITY": "0", "PATH": path}
            completed = subprocess.run(
                [python, CONVERTER, "--files", *modulars, "--num_workers", "1"],
                cwd=tree,
                env=environment,
                capture_output=True,
                text=True,
            )
            if completed.returncode != 0:
                missing = "ModuleNotFoundError" in completed.stderr
                raise BadInput(
                    f"{CONVERTER} failed on {' '.join(modulars)} with {python}"
                    + (
                        ": that Python cannot import the checkout's transformers; pass --python with one that can "
                        f"(pip install -e '{checkout.root}[torch]')"
                        if missing
                        else ""
                    )
                    + f":\n{completed.stderr[-2000:]}"
                )
            generated = [modular.replace("/modular_", "/modeling_") for modular in modulars]
            return {file: (tree / file).read_text(encoding="utf-8") for file in generated}
        finally:
            checkout.git("worktree", "remove", "--force", str(tree), check=False)


def _helper(checkout: Checkout, scheme: FamilyScheme, result: Plan) -> None:
    """The helper holds the schemes written so far into this checkout: the others' code is not fixed."""
    existing = checkout.read(HELPER_FILE)
    families = list(dict.fromkeys([*helper.families_in(existing), scheme.family]))
    result.before[HELPER_FILE] = existing
    result.after[HELPER_FILE] = helper.generate(families, checkout.root)


def _tests(checkout: Checkout, result: Plan) -> None:
    source = checkout.read(COMMON_TESTS)
    if source is None:
        result.notes.append(f"{COMMON_TESTS}: not in this checkout: no test added")
        return
    new, what = tests.add_test(source)
    result.before[COMMON_TESTS], result.after[COMMON_TESTS] = source, new
    result.notes.append(f"{COMMON_TESTS}: {what}")


def _declarations(checkout: Checkout, scheme: FamilyScheme, result: Plan) -> None:
    """The family's test classes declare its scheme (where the tree has tests/models: a release sdist has not)."""
    for model_type in scheme.model_types:
        file = model_tests.test_file(model_type)
        source = checkout.read(file)
        if source is None:
            continue
        new, _ = model_tests.declare(source, scheme.family)
        result.before[file], result.after[file] = source, new


def _docs(checkout: Checkout, scheme: FamilyScheme, result: Plan) -> None:
    file = DOC_FILE.format(family=scheme.family)
    source = checkout.read(file)
    if source is None:
        result.notes.append(f"{file}: not in this checkout (a release sdist has no docs/): no section added")
        return
    result.before[file], result.after[file] = source, docs.add_section(source, scheme, is_5x(checkout.version))
