"""``init-parity upstream PATH`` on the 5.x line: the pull-request series (:mod:`.series`), written or listed.

Bad input is refused before anything is computed: an unknown ``--pr``, a branch of the series that already exists,
a tree whose HEAD lacks the PRs before the one asked for (found once the series is computed, before anything is
written). A branch of the series that HEAD already holds is no conflict: a second run there changes nothing. Each PR gets the branch ``PREFIX/NN-slug`` (``--branch PREFIX``, default ``init-scheme``) at its commit and, under the patch folder, ``NN-slug/``
with its ``git format-patch`` output and ``PR.md``. The checkout's own branch and files are left as they were.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from ..exits import EXIT_OK, BadInput
from ..scheme import FAMILIES
from . import pull_request, series, series_description
from .checkout import Checkout
from .commits import PATCH_DIR_NAME, commit_title
from .generator import Plan, plan


def t5_fix(python: str) -> series.Fix:
    """The T5-family fix (:mod:`.generator` without the tests), planned afresh on each tree it is asked about."""
    scheme = FAMILIES["t5"]
    plans: dict[Path, Plan] = {}

    def planned(root: Path) -> Plan:
        key = root.resolve()
        head = series.head(root)
        if (key, head) not in plans:
            plans[key, head] = plan(Checkout.open(root, scheme), scheme, python=python, with_tests=False)
        return plans[key, head]

    def edit(root: Path) -> dict[str, str]:
        result = planned(root)
        return {file: result.after[file] for file in result.changed}

    def description(root: Path, files: dict[str, str]) -> str:
        result = planned(root)
        body = pull_request.describe(scheme, Checkout.open(root, scheme).version, result, commit_title(scheme, result))
        extra = series_description.t5_marks_paragraph(files)
        return body.replace("Files changed:", f"{extra}\nFiles changed:", 1) if extra else body

    return series.Fix(
        slug=series.T5_SLUG,
        title=series_description.T5_TITLE,
        reasons=series_description.T5_REASONS,
        edit=edit,
        description=description,
    )


def _selected(args: argparse.Namespace, rows: list[tuple[int, str, str]]) -> int | None:
    if args.pr is None:
        return None
    for number, slug, _ in rows:
        if args.pr in (str(number), f"{number:02d}", slug):
            return number
    raise BadInput(
        f"--pr {args.pr}: the series has "
        + ", ".join(f"{number} ({slug})" for number, slug, _ in rows)
        + ": pass one of those numbers or slugs (--list prints them)"
    )


def run_series(args: argparse.Namespace, checkout: Checkout) -> int:
    fixes = series.all_fixes(t5_fix(args.python), args.python)
    rows = series.outline(fixes)
    if args.list:
        print(f"transformers {checkout.version} at {checkout.root}: {len(rows)} pull requests")
        for number, slug, title in rows:
            fix = fixes[number - 2] if number > 1 else None
            marks = f" (removes the marks on {', '.join(fix.reasons)})" if fix else ""
            print(f"{number:2d}. {slug}: {title}{marks}")
        return EXIT_OK
    wanted = _selected(args, rows)
    prefix = args.branch or series.BRANCH_PREFIX
    names = [series.Step(number, slug, title).branch(prefix) for number, slug, title in rows]
    names = [names[wanted - 1]] if wanted else names
    if not args.dry_run:
        existing = [name for name in names if checkout.branch_exists(name) and not _holds(checkout, name)]
        if existing:
            raise BadInput(
                f"{checkout.root} already has the branch(es) {', '.join(existing)}: delete them "
                f"(git branch -D {' '.join(existing)}) or check out the last one to see that nothing is left to do"
            )
        checkout.require_identity()
    print(f"transformers {checkout.version} at {checkout.root}")
    with series.worktree(checkout.root) as tree:
        steps = series.build(tree, fixes, series_description.describe_tests, upto=wanted)
        if wanted:
            earlier = [step for step in steps[:-1] if step.files]
            if earlier:
                raise BadInput(
                    f"--pr {args.pr}: HEAD of {checkout.root} lacks "
                    + ", ".join(f"PR {step.number} ({step.slug})" for step in earlier)
                    + f": check out the branch {steps[wanted - 2].branch(prefix)} (or write the series without --pr) first"
                )
            steps = steps[-1:]
        for step in steps:
            _report(step)
        if not any(step.files for step in steps):
            print("nothing to change: the checkout already holds the series")
            return EXIT_OK
        if args.dry_run:
            for step in steps:
                if step.files:
                    print(series.diff(tree, step.commit), end="")
            return EXIT_OK
        patch_root = (args.patch_dir or checkout.root.parent / PATCH_DIR_NAME).expanduser().resolve()
        for step in steps:
            if step.files:
                _write(checkout, step, patch_root, prefix)
    return EXIT_OK


def _holds(checkout: Checkout, branch: str) -> bool:
    """Whether HEAD already holds the branch (a second run on the series' last branch)."""
    return checkout.git("merge-base", "--is-ancestor", branch, "HEAD", check=False).returncode == 0


def _report(step: series.Step) -> None:
    state = f"{len(step.files)} files" if step.files else "no change"
    print(f"PR {step.number} {step.slug}: {step.title} ({state})")
    for note in step.notes:
        print(f"  {note}")


def _write(checkout: Checkout, step: series.Step, patch_root: Path, prefix: str) -> None:
    checkout.git("branch", step.branch(prefix), step.commit)
    folder = patch_root / f"{step.number:02d}-{step.slug}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    patches = checkout.git("format-patch", "-1", step.commit, "-o", str(folder)).stdout.split()
    (folder / "PR.md").write_text(step.description, encoding="utf-8")
    print(f"branch {step.branch(prefix)} at {step.commit[:12]}:")
    print(checkout.git("diff", "--stat", f"{step.commit}~1", step.commit).stdout, end="")
    for patch in patches:
        print(f"patch: {patch}")
    print(f"pull request description: {folder / 'PR.md'}")
