"""``init-parity upstream PATH``: write the fix into a transformers checkout, as a branch and a patch.

Validates the checkout (a clean git tree of transformers 4.57.x or 5.x), computes the change in
memory (:mod:`.generator`), then either prints it (``--dry-run``, nothing written) or writes the
owned files, commits them on a new branch and writes ``git format-patch`` output with the pull
request's description (``PR.md``, :mod:`.pull_request`). A checkout that already holds the fix gets
no change at all.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from ..exits import EXIT_OK, BadInput
from ..scheme import FAMILIES
from .commits import PATCH_DIR_NAME, commit_message, commit_title

if TYPE_CHECKING:
    from .generator import Plan

# The families whose modelling code the generator has been run and checked on; the others' schemes
# exist, but their transformers code is shaped differently (one `nn.Linear` branch for every weight).
SUPPORTED_FAMILIES = ("t5",)
DEFAULT_BRANCH = "fix-{family}-init-parity"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "upstream",
        help="write the fix, with tests and docs, into a transformers checkout as a branch and a patch",
        description=(
            "Write the scheme into a transformers checkout of the 5.x line (upstream main; PyTorch) or the 4.57 line "
            "(PyTorch, TensorFlow and Flax): the T5-family modelling code (and on 5.x the configs, so that "
            "tie_word_embeddings=False unties the lm_head), a test in ModelTesterMixin with its helper under tests/, "
            "and an Initialization section in the model docs. Commits on a new branch and writes the patch and PR.md."
        ),
    )
    parser.add_argument("path", help="root of the transformers checkout (a clean git tree)")
    parser.add_argument(
        "--family", default="t5", choices=SUPPORTED_FAMILIES, help="the family whose scheme to write (default t5)"
    )
    parser.add_argument(
        "--branch",
        default=None,
        help="branch to create (default fix-FAMILY-init-parity); on 5.x the prefix of the series' branches PREFIX/NN-slug "
        "(default init-scheme)",
    )
    parser.add_argument(
        "--patch-dir", type=Path, default=None, help=f"where to write the patch (default PATH/../{PATCH_DIR_NAME})"
    )
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="the Python that runs the checkout's utils/modular_model_converter.py; it must import the checkout's "
        "transformers (default: this one)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the unified diff and write nothing")
    parser.add_argument(
        "--list",
        action="store_true",
        help="5.x: print the pull-request series (number, slug, title, the models whose marks each fix removes) and "
        "write nothing",
    )
    parser.add_argument(
        "--pr",
        default=None,
        metavar="N|SLUG",
        help="5.x: write only this pull request of the series (its number or slug), on the checkout's HEAD, which "
        "must hold the ones before it (check out the previous PR's branch)",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="list every initializer read, matching or not")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:  # noqa: C901
    try:
        from . import pull_request
        from .checkout import Checkout, is_5x
        from .generator import plan
    except ImportError as error:  # libcst is an extra: the other subcommands do not need it
        raise BadInput(f"{error}: pip install 'transformers-init-parity[upstream]'") from None
    scheme = FAMILIES[args.family]
    checkout = Checkout.open(args.path, scheme)
    if is_5x(checkout.version):
        from .series_command import run_series

        return run_series(args, checkout)
    if args.list or args.pr is not None:
        raise BadInput(
            f"transformers {checkout.version} gets one pull request (the 4.57 line's cross-framework T5 fix): "
            "--list and --pr apply to the 5.x series (upstream main, 5.x releases)"
        )
    args.branch = args.branch or DEFAULT_BRANCH.format(family=args.family.replace("_", "-"))
    on_branch = checkout.current_branch() == args.branch
    if not args.dry_run and not on_branch and checkout.branch_exists(args.branch):
        raise BadInput(
            f"branch {args.branch} already exists in {checkout.root}: check it out if it holds the fix "
            f"(git checkout {args.branch}), delete it, or pass --branch NAME"
        )
    print(f"transformers {checkout.version} at {checkout.root}")
    result = plan(checkout, scheme, python=args.python)
    _report(result, args.verbose)
    changed = result.changed
    if not changed:
        print("nothing to change: the checkout already follows the scheme")
        return EXIT_OK
    if args.dry_run:
        print(result.diff(), end="")
        return EXIT_OK
    if on_branch:
        raise BadInput(
            f"{checkout.root} is on branch {args.branch} but does not hold the whole fix: check out the base "
            "branch and run again with another --branch NAME"
        )
    checkout.require_identity()
    for file in changed:
        checkout.write(file, result.after[file])
    commit = checkout.commit(args.branch, changed, commit_message(scheme, result))
    patch_dir = (args.patch_dir or checkout.root.parent / PATCH_DIR_NAME).expanduser().resolve()
    patches = checkout.format_patch(patch_dir)
    description = patch_dir / "PR.md"
    description.write_text(pull_request.describe(scheme, checkout.version, result, commit_title(scheme, result)))
    print(f"branch {args.branch} at {commit[:12]}:")
    print(checkout.diff_stat(), end="")
    for patch in patches:
        print(f"patch: {patch}")
    print(f"pull request description: {description}")
    return EXIT_OK


def _report(result: Plan, verbose: bool) -> None:
    counts = Counter(f.status for f in result.findings)
    print("initializers read: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    for finding in result.findings:
        if verbose or finding.status != "matches":
            print(f"  {finding.describe()}")
    for note in result.notes:
        print(f"  {note}")
