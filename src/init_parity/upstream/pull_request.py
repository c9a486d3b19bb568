"""``PR.md``: the pull request's description, written next to the patch.

Motivation (the first loss of fresh models, measured), the scheme (the model page's table, from the
scheme data), and how the change was tested. The measured numbers are data here, each with the
command that produced it; the rest is rendered from the plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..scheme import FamilyScheme
from . import docs
from .checkout import HELPER_FILE, is_5x

if TYPE_CHECKING:
    from .generator import Plan

VOCAB = 32128
# First loss of a fresh model from an untied t5-v1_1-small config (d_model 512, d_ff 1024, 8 layers, 6 heads,
# d_kv 64, gated-gelu, V = 32128, ln V = 10.38), random tokens, PyTorch: issue 9 of transformers-init-parity for
# the first three columns; the last, this patch on the 5.23.0 release without any runtime package
# (benchmarks/upstream_first_loss.py).
FIRST_LOSS = {
    "T5ForConditionalGeneration": ("93.1", "10.9", "330.1", "10.92"),
    "MT5ForConditionalGeneration": ("93.1", "10.9", "330.1", "10.92"),
    "UMT5ForConditionalGeneration": ("95.1", "11.1", "14.6", "10.77"),
}
COLUMNS = ("4.57.6", "4.57.6 + init-parity at run time", "5.23.0", "5.23.0 + this PR")
TABLE_NOTE = (
    "The last column was measured on another random batch (4 x 32 tokens) than the others; on that batch stock "
    "5.23.0 gives 161.8 (T5, MT5) and 10.9 (UMT5)."
)


def _table(columns: int) -> list[str]:
    """The first ``columns`` columns: the 4.57 line's PR shows its own two."""
    rows = ["| fresh model, untied config | " + " | ".join(COLUMNS[:columns]) + " |", "|---" * (columns + 1) + "|"]
    rows += [f"| {name} | " + " | ".join(values[:columns]) + " |" for name, values in FIRST_LOSS.items()]
    return rows


def describe(scheme: FamilyScheme, version: str, result: Plan, title: str) -> str:
    five = is_5x(version)
    family = scheme.family.upper()
    changed = "\n".join(f"- `{file}`" for file in result.changed)
    section = docs.section(scheme, pytorch_only=five).split("\n", 2)[2]
    motivation = (
        f"On the 5.x line the {family}-family configs force `tie_word_embeddings=True`, so a model built from a "
        "T5 v1.1, mT5 or UMT5 config that says `tie_word_embeddings=False` uses the shared embedding, drawn "
        "N(0, 1), as its lm_head. Pretraining from scratch then starts far above ln(vocab_size), the loss of a "
        "uniform guess. Checkpoints are not affected (an untied checkpoint holds both tensors and is untied on "
        "load); every from-scratch run is. The `_init_weights` branch for an untied lm_head, still there, drew it "
        "with std `initializer_factor * 1.0`, which is just as far off."
        if five
        else f"Fresh {family}-family weights differed between PyTorch, TensorFlow and Flax, and an untied lm_head was "
        "drawn N(0, 1) in all three, so pretraining from scratch started far above ln(vocab_size)."
    )
    fix = (
        "The configs keep the `tie_word_embeddings` they are given. When it is False, "
        "`get_expanded_tied_weights_keys` still ties the encoder and decoder embeddings to `shared` (checkpoints "
        "store them once) and leaves the lm_head alone; `_init_weights` draws it with std "
        "`initializer_factor * d_model**-0.5` (T5X's `logits_dense`), through `transformers.initialization`, so a "
        "weight loaded from a checkpoint (`_is_hf_initialized`) is never redrawn. Switch Transformers is edited "
        "in its modular file and regenerated; its experts' `wo` gets std `d_ff**-0.5` like every other `wo`."
        if five
        else "Every framework draws every role from the table below; the untied lm_head gets std "
        "`initializer_factor * d_model**-0.5`."
    )
    lines = [
        f"# {title}",
        "",
        "## What does this PR do?",
        "",
        motivation,
        "",
        f"First loss of a fresh model (t5-v1_1-small shape, V = {VOCAB}, ln V = 10.38, random tokens, PyTorch):",
        "",
        *_table(len(COLUMNS) if five else 2),
        "",
        *([TABLE_NOTE, ""] if five else []),
        fix,
        "",
        "🚨 Fresh weights change: a model built from an untied config now has an lm_head of its own, drawn with "
        "a smaller std. Loading checkpoints gives the same weights as before.",
        "",
        "## The scheme",
        "",
        section.strip(),
        "",
        "## How it was tested",
        "",
        f"`test_init_scheme` in `ModelTesterMixin` (`tests/test_modeling_common.py`, helper `{HELPER_FILE}`, torch "
        "only) runs for every model class of a family with a scheme (encoder-only ones too), with the tester's "
        "config and, when that config ties the lm_head, an untied variant of it. For each drawn role it pools "
        "all layers over up to 16 seeds (1000 values or more where the tiny tester allows), runs a "
        "Kolmogorov-Smirnov test of the shape and a chi-squared test of the std, Bonferroni-corrected to a "
        "false-alarm rate of 1e-3 per model class; constants must be exact. An LM head's first loss on the "
        "tester's inputs, built with `initializer_factor=1.0`, must be at most ln(vocab_size) + 1. Families "
        "without a scheme are skipped before anything is built. The test fails on the code before this PR for "
        "every T5-family class with an lm_head.",
        "",
        "Files changed:",
        "",
        changed,
        "",
        "Fixes https://github.com/huggingface/transformers/issues/16749 for the T5 family.",
        "",
        "Generated with `init-parity upstream`.",
        "",
    ]
    return "\n".join(lines)
