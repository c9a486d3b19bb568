"""``init-parity upstream PATH``: write the fix into a transformers checkout, as a branch and a patch.

Validates the checkout (a clean git tree of transformers 4.57.x), computes the change in memory
(:mod:`.generator`), then either prints it (``--dry-run``, nothing written) or writes the owned
files, commits them on a new branch and writes ``git format-patch`` output. A checkout that already
holds the fix gets no change at all.
"""

from __future__ import annotations

import argparse
import textwrap
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from ..cli import EXIT_OK, BadInput
from ..scheme import FAMILIES, FamilyScheme

if TYPE_CHECKING:
    from .generator import Plan

# The families whose modelling code the generator has been run and checked on; the others' schemes
# exist, but their transformers code is shaped differently (one `nn.Linear` branch for every weight).
SUPPORTED_FAMILIES = ("t5",)
DEFAULT_BRANCH = "fix-{family}-init-parity"
PATCH_DIR_NAME = "init-parity-patches"
ISSUE = "https://github.com/huggingface/transformers/issues/16749"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "upstream",
        help="write the fix, with tests and docs, into a transformers checkout as a branch and a patch",
        description=(
            "Write the scheme into a transformers checkout of the 4.57 line: the T5-family modelling code of "
            "PyTorch, TensorFlow and Flax, a test in the common model test mixins with its statistics helper, and "
            "an Initialization section in the model docs. Commits on a new branch and writes the patch."
        ),
    )
    parser.add_argument("path", help="root of the transformers checkout (a clean git tree)")
    parser.add_argument(
        "--family", default="t5", choices=SUPPORTED_FAMILIES, help="the family whose scheme to write (default t5)"
    )
    parser.add_argument("--branch", default=None, help="branch to create (default fix-FAMILY-init-parity)")
    parser.add_argument(
        "--patch-dir", type=Path, default=None, help=f"where to write the patch (default PATH/../{PATCH_DIR_NAME})"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the unified diff and write nothing")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every initializer read, matching or not")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        from .checkout import Checkout
        from .generator import plan
    except ImportError as error:  # libcst is an extra: the other subcommands do not need it
        raise BadInput(f"{error}: pip install 'transformers-init-parity[upstream]'") from None
    scheme = FAMILIES[args.family]
    args.branch = args.branch or DEFAULT_BRANCH.format(family=args.family.replace("_", "-"))
    checkout = Checkout.open(args.path, scheme)
    on_branch = checkout.current_branch() == args.branch
    if not args.dry_run and not on_branch and checkout.branch_exists(args.branch):
        raise BadInput(
            f"branch {args.branch} already exists in {checkout.root}: check it out if it holds the fix "
            f"(git checkout {args.branch}), delete it, or pass --branch NAME"
        )
    print(f"transformers {checkout.version} at {checkout.root}")
    result = plan(checkout, scheme)
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
    print(f"branch {args.branch} at {commit[:12]}:")
    print(checkout.diff_stat(), end="")
    for patch in patches:
        print(f"patch: {patch}")
    return EXIT_OK


def _report(result: Plan, verbose: bool) -> None:
    counts = Counter(f.status for f in result.findings)
    print("initializers read: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    for finding in result.findings:
        if verbose or finding.status != "matches":
            print(f"  {finding.describe()}")
    for note in result.notes:
        print(f"  {note}")


def commit_message(scheme: FamilyScheme, result: Plan) -> str:
    """A transformers-style message: an imperative subject, then what changed and why, per framework."""
    frameworks = {"modeling_tf_": "TensorFlow", "modeling_flax_": "Flax", "modeling_": "PyTorch"}
    by_framework: dict[str, set[str]] = {}
    split = False
    for finding in result.findings:
        if finding.status not in ("changed", "split") or not finding.role:
            continue
        name = Path(finding.file).name
        framework = next(title for prefix, title in frameworks.items() if name.startswith(prefix))
        by_framework.setdefault(framework, set()).add(finding.role)
        split = split or finding.status == "split"
    rules = {rule.role: rule for rule in scheme.rules}
    family = scheme.family.upper()

    def paragraph(text: str) -> list[str]:
        return [*textwrap.wrap(text, width=72, break_on_hyphens=False), ""]

    lines = [f"Initialize {family}-family weights alike in PyTorch, TensorFlow and Flax", ""]
    lines += paragraph(
        f"Fresh weights of the {family} family ({', '.join(scheme.model_types)}) depended on the framework that "
        f"built them ({ISSUE}). They now follow one scheme, stated in the Initialization section of "
        f"docs/source/en/model_doc/{scheme.family}.md and written below as the std (or value) of each parameter "
        "role that changed:"
    )
    for framework in ("PyTorch", "TensorFlow", "Flax"):
        roles = sorted(by_framework.get(framework, ()))
        if roles:
            lines.append(f"- {framework}:")
            lines += [f"  - {role}: {rules[role].kind} {rules[role].param}" for role in roles if role in rules]
    lines.append("")
    if split:
        lines += paragraph(
            "An unseeded Keras initializer returns the same values at every call, so TensorFlow layers that "
            "shared one initializer object (wi_0 and wi_1 of the gated feed-forward) were identical; every layer "
            "now has its own."
        )
    if any(f.startswith("tests/") for f in result.changed):
        lines += paragraph(
            "test_init_parity_scheme in the common model test mixins checks fresh weights against the scheme: a "
            "Kolmogorov-Smirnov and a std test per parameter role, an independence test per model, one Holm "
            "correction per model class, with the statistics in src/transformers/testing_init_utils.py."
        )
    lines.append("Generated with `init-parity upstream`.")
    return "\n".join(lines) + "\n"
