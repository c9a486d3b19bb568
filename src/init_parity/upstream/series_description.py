"""The texts of the series' own PRs: PR 1's ``PR.md`` (rendered from what it changes), and the T5-family fix's title
and marks (its body is :mod:`.pull_request`'s, with the marks it removes appended)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import model_tests, stock_failures
from .checkout import COMMON_TESTS, HELPER_FILE
from .series_runs import RUNS, RUNS_COMMAND

if TYPE_CHECKING:
    from .series import Fix

T5_TITLE = "🚨 T5 family: untie the lm_head when the config says so, and draw it with std d_model**-0.5"
T5_REASONS = stock_failures.T5_REASONS
UPSTREAM_ISSUE = "https://github.com/huggingface/transformers/issues/16749"


def _marks(files: dict[str, str]) -> list[tuple[str, str, str]]:
    """(test file, slug, reason) of every mark in ``files``."""
    rows = []
    for path, text in sorted(files.items()):
        if path.startswith("tests/models/"):
            for slug, reason in model_tests.mark_reasons(text):
                rows.append((path, slug, reason))
    return rows


def _mentions(root: Path, test_class: str) -> bool:
    """Whether a model test file of the tree defines ``test_class``."""
    folder = root / "tests" / "models"
    return folder.is_dir() and any(
        f"class {test_class}(" in path.read_text(encoding="utf-8") for path in folder.glob("*/test_modeling_*.py")
    )


def describe_tests(root: Path, files: dict[str, str], notes: list[str], fixes: list[Fix]) -> str:
    from .series import TESTS_TITLE

    declared = [note for note in notes if note.startswith("tests/models/")]
    by_slug = {fix.slug: number for number, fix in enumerate(fixes, start=2)}
    lines = [
        f"# {TESTS_TITLE}",
        "",
        "## What does this PR do?",
        "",
        "Adds `test_init_scheme` to `ModelTesterMixin`: fresh weights of every encoder-decoder model are checked "
        "against what its `_init_weights` means to draw. `test_can_init_all_missing_weights` (#37070) checks that "
        "`_init_weights` reaches every weight, `test_init_weights_can_init_buffers` (#42309) the buffers; nothing "
        "checks what is drawn, so a wrong std, a padding row left non-zero or an lm_head drawn with the embedding's "
        "std lands unnoticed (T5 v1.1 / mT5 / UMT5 / LongT5 / Switch from-scratch losses 15 to 24 instead of "
        f"ln(vocab_size), {UPSTREAM_ISSUE}). This PR changes tests only; the PRs after it fix what it finds, each "
        "removing its marks.",
        "",
        f'Each model\'s expectation is one line on its test class, `init_scheme = "<scheme>"`, naming a scheme of '
        f"the new helper `{HELPER_FILE}` (torch and `math` only): for each parameter role, a pattern of the "
        "parameter name and its distribution as a function of the config (normal with a std, uniform, a constant, "
        "the padding row that must be zero), the values `_init_weights` draws. A class that declares nothing is "
        "skipped before anything is built, with that reason.",
        "",
        "## What the test checks",
        "",
        "For every class of `all_model_classes`, with the tester's config and, where the class has an output "
        "embedding, with `tie_word_embeddings` flipped:",
        "",
        "- per role (all layers pooled, up to 16 seeds to reach 1000 values) and per tensor (at least 100 values): "
        "a Kolmogorov-Smirnov test of the distribution's shape and a test of its std (chi-squared through "
        "Wilson-Hilferty for a normal, the normal limit of mean(x^2) for a uniform), Bonferroni-corrected to a "
        "false-alarm rate of 1e-3 per model class; all builds are seeded, so the outcome is deterministic;",
        "- constants exactly, and the padding row of an embedding exactly zero;",
        "- the ties the model declares for its config (`get_expanded_tied_weights_keys`) hold, and an untied config "
        "gives an lm_head that is not the input embedding;",
        "- an LM head's first loss on the tester's inputs (`initializer_factor` 1.0) is at most ln(vocab_size) + 1.",
        "",
        "It collects every failure and asserts once (no `subTest`: under pytest 9 a failing `subTest` leaves its "
        "parent PASSED; upstream pins `pytest<9`, and the test does not depend on that pin).",
        "",
        "## Known failures",
        "",
        "A model whose stock initialization the test finds wrong gets upstream's mark for a test known to fail "
        "(`@pytest.mark.xfail`, as `tests/utils/test_modeling_utils.py` has done since #38155), `strict=True` so "
        "that the fix must remove it, on an override of `test_init_scheme` in its test class, with the measured "
        "numbers in the reason:",
        "",
        "| test file | removed by | reason |",
        "|---|---|---|",
    ]
    for path, slug, reason in _marks(files):
        owner = f"PR {by_slug[slug]} (`{slug}`)" if slug in by_slug else f"no PR of this series (`{slug}`)"
        lines.append(f"| `{path}` | {owner} | {reason} |")
    lines += [
        "",
        "## Models checked",
        "",
        *(f"- `{note}`" for note in declared),
        "",
        "Not declared (the test skips them, saying so):",
        "",
        *(
            f"- `{name}`: {why}"
            for name, why in model_tests.OTHER_MODELS.items()
            if any(name in note for note in notes if note.startswith("tests/models/")) or _mentions(root, name)
        ),
        *(
            f"- `{model_type}` (every test class): {why}"
            for model_type, why in stock_failures.NO_SCHEME.items()
            if (root / model_tests.test_file(model_type)).is_file()
        ),
        "",
        *(f"{note}." for note in notes if note.startswith("no tests/models file")),
        "",
        "## How was it tested?",
        "",
        f"{RUNS_COMMAND}",
        "",
        *(f"- {run}" for run in RUNS),
        "",
        f"Files changed: {len(files)} (`{COMMON_TESTS}`, `{HELPER_FILE}` and the model test files above).",
        "",
        "Generated with `init-parity upstream`.",
        "",
    ]
    return "\n".join(lines)


def t5_marks_paragraph(files: dict[str, str]) -> str:
    """The marks the T5-family fix removes (PR 1 wrote them), named in its PR.md."""
    removed = [path for path in files if path.startswith("tests/models/")]
    if not removed:
        return ""
    from .series import T5_SLUG

    names = ", ".join(f"`{path}`" for path in sorted(removed))
    return (
        f"## Known failures removed\n\nThis PR removes the `{T5_SLUG}` marks that the "
        f"series' first PR wrote on `test_init_scheme` in {names}: with it, those tests pass.\n"
    )
