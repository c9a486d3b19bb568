"""The pull-request series for the 5.x line: the tests first, then one fix per defect family, each removing its marks.

PR 1 (:func:`tests_step`) adds ``ModelTesterMixin.test_init_scheme`` with its helper and, in every encoder-decoder
model's test file, the line that declares the model's scheme (:mod:`.model_tests`). A model whose stock
initialization a later PR fixes gets upstream's strict known-failure mark with that PR's reason; a mark is written
only while its fix would still change the tree, so a tree that holds the whole series gets no change. PR 2 is the
T5-family fix (:mod:`.generator`, without the tests PR 1 already holds); PR 3 on are the entries of
:data:`init_parity.upstream.defects.DEFECT_FIXES`. Each fix applies its edit and removes its marks.

The series is computed in a temporary worktree of the checkout, one commit per PR, each on the previous one
(:func:`build`); :mod:`.command` then names a branch at each commit and writes its patch and ``PR.md``.
"""

from __future__ import annotations

import functools
import inspect
import subprocess
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..exits import BadInput
from ..scheme import FAMILIES
from . import helper, model_tests, stock_failures, tests
from .checkout import COMMON_TESTS, HELPER_FILE, modeling_file
from .defects import DEFECT_FIXES, DefectFix

TESTS_SLUG = "init-scheme-tests"
TESTS_TITLE = "Test the initialization of every encoder-decoder model against its scheme"
T5_SLUG = "t5-family-init"
BRANCH_PREFIX = "init-scheme"  # each PR's branch is PREFIX/NN-slug


@dataclass(frozen=True)
class Fix:
    """One fix PR of the series: a :class:`DefectFix`, or the T5-family fix with a reason per model type."""

    slug: str
    title: str
    reasons: dict[str, str]  # model type -> the known-failure reason PR 1 writes on its test classes
    edit: Callable[[Path], dict[str, str]]  # tree root -> {relative path: new text}, changed files only
    description: Callable[[Path, dict[str, str]], str]  # (tree root, the PR's files) -> PR.md


def from_defect(fix: DefectFix, python: str) -> Fix:
    """A :class:`DefectFix` as a PR of the series; an edit that runs the checkout's converter takes ``python`` (the
    interpreter that imports the checkout, ``--python``)."""
    takes_python = "python" in inspect.signature(fix.edit).parameters
    return Fix(
        slug=fix.slug,
        title=fix.title,
        reasons=dict.fromkeys(fix.model_types, fix.reason),
        edit=functools.partial(fix.edit, python=python) if takes_python else fix.edit,
        description=lambda root, files: fix.description,
    )


@dataclass
class Step:
    number: int
    slug: str
    title: str
    files: dict[str, str] = field(default_factory=dict)  # relative path -> new text (the PR's change)
    description: str = ""
    commit: str = ""  # in the temporary worktree
    notes: list[str] = field(default_factory=list)

    def branch(self, prefix: str = BRANCH_PREFIX) -> str:
        return f"{prefix}/{self.number:02d}-{self.slug}"


def _read(root: Path, relative: str) -> str | None:
    path = root / relative
    return path.read_text(encoding="utf-8") if path.is_file() else None


def encoder_decoder_types(root: Path) -> dict[str, str]:
    """Model type -> its family, for every type with a scheme whose PyTorch modelling file is in the tree."""
    return {
        model_type: family
        for family, scheme in FAMILIES.items()
        for model_type in scheme.model_types
        if (root / modeling_file(model_type, "pt")).is_file()
    }


def tests_files(root: Path, fixes: list[Fix]) -> tuple[dict[str, str], list[str]]:
    """PR 1's files on the tree at ``root``, and its notes: the helper, the common test, every declaration, and
    the marks of the fixes that would still change the tree."""
    types = _declared_families(root, encoder_decoder_types(root))
    families = list(dict.fromkeys(types.values()))
    files: dict[str, str] = {HELPER_FILE: helper.generate(families, root)}
    notes: list[str] = []
    common = _read(root, COMMON_TESTS)
    if common is None:
        raise BadInput(f"{root} has no {COMMON_TESTS}: is it a transformers source tree?")
    files[COMMON_TESTS], what = tests.add_test(common)
    notes.append(f"{COMMON_TESTS}: {what}")
    pending = [fix for fix in fixes if fix.edit(root)]
    missing = []
    for model_type, family in types.items():
        relative = model_tests.test_file(model_type)
        source = _read(root, relative)
        if source is None:
            missing.append(model_type)
            continue
        failure = _known_failure(model_type, pending)
        failing = [c for c, t in stock_failures.FAILING_CLASSES.items() if t == model_type and failure is not None]
        values = model_tests.CONFIG_VALUES.get(model_type)
        new, classes = model_tests.declare(source, family, dict.fromkeys(failing, failure), values)
        files[relative] = new
        marked = [c for c in classes if c in failing]
        notes.append(
            f"{relative}: {', '.join(classes) or 'no tester class'}"
            + (f"; xfail ({failure.slug}): {', '.join(marked)}" if marked else "")
        )
    if missing:
        notes.append(f"no tests/models file (a release sdist has none) for: {', '.join(missing)}")
    return _changed(root, files), notes


def _rules_key(family: str) -> tuple:
    scheme = FAMILIES[family]
    rules = tuple((r.role, r.pattern, r.kind, r.param, r.when, r.zero_row) for r in scheme.rules)
    return rules, tuple(left.pattern for left in scheme.left)


def _declared_families(root: Path, types: dict[str, str]) -> dict[str, str]:
    """Model type -> the scheme its test classes declare: its family's, or, where its test class is ``# Copied from``
    another model's whose family has the same rules (MM Grounding DINO's from Grounding DINO's), that family's, so
    that the copy stays alike."""
    owner = {}
    for model_type in types:
        source = _read(root, model_tests.test_file(model_type))
        for test_class in model_tests.tester_classes(source or ""):
            owner[test_class] = model_type
    declared = dict(types)
    for model_type, family in types.items():
        source = _read(root, model_tests.test_file(model_type)) or ""
        for copy, original in model_tests.copied_from(source).items():
            other = owner.get(original)
            if copy in owner and other and _rules_key(types[other]) == _rules_key(family):
                declared[model_type] = types[other]
    return declared


def _known_failure(model_type: str, pending: list[Fix]) -> model_tests.KnownFailure | None:
    """The mark of a model type: the first pending fix that covers it, else a gap of the scheme, else none."""
    owners = [fix for fix in pending if model_type in fix.reasons]
    if owners:
        return model_tests.KnownFailure(owners[0].slug, owners[0].reasons[model_type])
    if model_type in stock_failures.SCHEME_GAPS:
        return model_tests.KnownFailure(*stock_failures.SCHEME_GAPS[model_type])
    return None


def fix_files(root: Path, fix: Fix) -> dict[str, str]:
    """A fix's files: its edit, and its marks removed."""
    files = dict(fix.edit(root))
    for model_type in fix.reasons:
        relative = model_tests.test_file(model_type)
        source = files.get(relative, _read(root, relative))
        if source is not None and fix.slug in model_tests.marks(source):
            files[relative] = model_tests.unmark(source, fix.slug)
    return _changed(root, files)


def _changed(root: Path, files: dict[str, str]) -> dict[str, str]:
    return {path: text for path, text in files.items() if text != _read(root, path)}


def all_fixes(t5: Fix | None, python: str) -> list[Fix]:
    return [*([t5] if t5 else []), *(from_defect(fix, python) for fix in DEFECT_FIXES)]


def outline(fixes: list[Fix]) -> list[tuple[int, str, str]]:
    """(number, slug, title) of every PR, in order."""
    rows = [(1, TESTS_SLUG, TESTS_TITLE)]
    rows += [(number, fix.slug, fix.title) for number, fix in enumerate(fixes, start=2)]
    return rows


def _git(root: Path, *args: str) -> str:
    completed = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {root}:\n{completed.stderr.strip()}")
    return completed.stdout


def head(root: Path) -> str:
    return _git(root, "rev-parse", "HEAD").strip()


def diff(root: Path, commit: str) -> str:
    """The commit's change as ``git apply`` takes it."""
    return _git(root, "diff", f"{commit}~1", commit)


@contextmanager
def worktree(repository: Path) -> Iterator[Path]:
    """A temporary detached worktree of ``repository`` at its HEAD, removed afterwards."""
    with tempfile.TemporaryDirectory() as temporary:
        tree = Path(temporary) / "tree"
        _git(repository, "worktree", "add", "--detach", "-q", str(tree), "HEAD")
        try:
            yield tree
        finally:
            _git(repository, "worktree", "remove", "--force", str(tree))


def _commit(tree: Path, files: dict[str, str], message: str) -> str:
    for relative, text in files.items():
        path = tree / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _git(tree, "add", "--", *files)
    _git(tree, "commit", "-q", "--no-verify", "-m", message)
    return _git(tree, "rev-parse", "HEAD").strip()


def build(
    tree: Path,
    fixes: list[Fix],
    describe_tests: Callable[[Path, dict[str, str], list[str], list[Fix]], str],
    upto: int | None = None,
) -> list[Step]:
    """Every PR (up to number ``upto``) computed and committed in ``tree``, each on the previous one. A PR
    with no change (the tree holds it already) gets no commit."""
    steps: list[Step] = []
    numbered = outline(fixes)
    for number, slug, title in numbered[: upto or len(numbered)]:
        step = Step(number, slug, title)
        if number == 1:
            step.files, step.notes = tests_files(tree, fixes)
            step.description = describe_tests(tree, step.files, step.notes, fixes) if step.files else ""
        else:
            fix = fixes[number - 2]
            step.files = fix_files(tree, fix)
            step.description = titled(fix.title, fix.description(tree, step.files)) if step.files else ""
        if step.files:
            step.commit = _commit(tree, step.files, commit_message(step))
        steps.append(step)
    return steps


def commit_message(step: Step) -> str:
    """The title, the description's first paragraph (wrapped as git shows it), and where it came from."""
    paragraphs = [part.strip() for part in step.description.split("\n\n") if part.strip()]
    first = next((part for part in paragraphs if not part.startswith(("#", "|", "-", "```"))), "")
    body = "\n".join(textwrap.wrap(" ".join(first.split()), width=72, break_on_hyphens=False))
    return f"{step.title}\n\n{body}\n\nGenerated with `init-parity upstream`.\n"


def titled(title: str, description: str) -> str:
    """``PR.md``: the description under the PR's title (a fix's description may start with its first section)."""
    return description if description.startswith(f"# {title}\n") else f"# {title}\n\n{description}"
