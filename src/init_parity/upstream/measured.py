"""What PR.md reports as measured, as data, each with the command that produced it.

First losses: ``benchmarks/upstream_first_loss.py`` (its JSON line), run once per column with the interpreter and
tree named in ``FIRST_LOSS_RUNS``; every column reads the same batch. Test counts: ``docs/upstream/revert_runs.sh``
on the main tree with the patch applied. Repository checks: the commands in ``CHECKS``, on that tree.
"""

from __future__ import annotations

MAIN_COMMIT = "9a90500b0b"
PYTEST = "8.4.2"
TORCH = "2.13.0"
CLASSES = ("T5ForConditionalGeneration", "MT5ForConditionalGeneration", "UMT5ForConditionalGeneration")
SHAPE = (
    "t5-v1_1-small shape: d_model 512, d_ff 1024, 8 layers, 6 heads, V = 32128, ln V = 10.38, bound ln V + 1 = 11.38"
)
BATCH = (
    "4 x 32 random tokens and labels from `torch.Generator().manual_seed(0)`, model built after `torch.manual_seed(0)`"
)
FIRST_LOSS_COMMAND = "INIT_PARITY=0 PYTHONPATH=TREE/src python benchmarks/upstream_first_loss.py"

MAIN = f"main {MAIN_COMMIT}"
PATCHED_MAIN = f"main {MAIN_COMMIT} + this PR"
PATCHED_5_23 = "5.23.0 + this PR"
# column -> how it was run (interpreter, tree, INIT_PARITY)
FIRST_LOSS_RUNS = {
    "4.57.6": "the 4.57.6 venv, INIT_PARITY=0",
    "4.57.6 + init-parity at run time": "the 4.57.6 venv, INIT_PARITY=1",
    "5.23.0": "the 5.23.0 venv, INIT_PARITY=0",
    MAIN: f"a venv with main installed, PYTHONPATH=<main at {MAIN_COMMIT}>/src",
    PATCHED_MAIN: "the same venv, PYTHONPATH=<main + this patch>/src",
    PATCHED_5_23: "the 5.23.0 venv, PYTHONPATH=<the 5.23.0 sdist + its patch>/src",
}
FIRST_LOSS: dict[str, dict[str, float]] = {
    "4.57.6": {
        "T5ForConditionalGeneration untied": 89.45,
        "T5ForConditionalGeneration tied": 10.81,
        "MT5ForConditionalGeneration untied": 89.45,
        "MT5ForConditionalGeneration tied": 10.81,
        "UMT5ForConditionalGeneration untied": 95.97,
        "UMT5ForConditionalGeneration tied": 10.99,
    },
    "4.57.6 + init-parity at run time": {
        "T5ForConditionalGeneration untied": 10.85,
        "T5ForConditionalGeneration tied": 10.72,
        "MT5ForConditionalGeneration untied": 10.85,
        "MT5ForConditionalGeneration tied": 10.72,
        "UMT5ForConditionalGeneration untied": 10.90,
        "UMT5ForConditionalGeneration tied": 10.98,
    },
    "5.23.0": {
        "T5ForConditionalGeneration untied": 161.83,
        "T5ForConditionalGeneration tied": 10.95,
        "MT5ForConditionalGeneration untied": 161.83,
        "MT5ForConditionalGeneration tied": 161.83,
        "UMT5ForConditionalGeneration untied": 10.86,
        "UMT5ForConditionalGeneration tied": 10.86,
    },
    MAIN: {
        "T5ForConditionalGeneration untied": 158.95,
        "T5ForConditionalGeneration tied": 10.83,
        "MT5ForConditionalGeneration untied": 158.95,
        "MT5ForConditionalGeneration tied": 158.95,
        "UMT5ForConditionalGeneration untied": 11.05,
        "UMT5ForConditionalGeneration tied": 11.05,
    },
    PATCHED_MAIN: {
        "T5ForConditionalGeneration untied": 10.68,
        "T5ForConditionalGeneration tied": 10.83,
        "MT5ForConditionalGeneration untied": 10.68,
        "MT5ForConditionalGeneration tied": 10.83,
        "UMT5ForConditionalGeneration untied": 10.92,
        "UMT5ForConditionalGeneration tied": 11.05,
    },
    PATCHED_5_23: {
        "T5ForConditionalGeneration untied": 10.92,
        "T5ForConditionalGeneration tied": 10.95,
        "MT5ForConditionalGeneration untied": 10.92,
        "MT5ForConditionalGeneration tied": 10.95,
        "UMT5ForConditionalGeneration untied": 10.77,
        "UMT5ForConditionalGeneration tied": 10.86,
    },
}


def columns_for(version: str) -> list[str]:
    """The 4.57 line shows its own two columns; a 5.x release its stock and patched columns; main (a dev
    version) main's."""
    base = ["4.57.6", "4.57.6 + init-parity at run time"]
    if not version.startswith("5."):
        return base
    if "dev" in version:
        return [*base, "5.23.0", MAIN, PATCHED_MAIN]
    return [*base, "5.23.0", PATCHED_5_23]


REPRODUCE = (
    "git clone https://github.com/huggingface/transformers && cd transformers",
    f"git checkout {MAIN_COMMIT} && git am /path/to/0001-*.patch",
    "python3 -m venv /tmp/vmain",
    f"/tmp/vmain/bin/pip install torch=={TORCH}",
    '/tmp/vmain/bin/pip install -e ".[torch,testing]"   # pytest>=7.2.0,<9.0.0, parameterized, datasets',
    "HF_HUB_OFFLINE=1 /tmp/vmain/bin/python -m pytest -k test_init_scheme \\",
    "    tests/models/{t5,mt5,umt5,longt5,switch_transformers,pop2piano,udop}",
)
REVERT_COMMAND = (
    "`revert_runs.sh` of transformers-init-parity: each revert in a scratch worktree of the patched commit"
)
# (what is reverted to main, passed, failed, the failing test ids)
REVERTS = (
    ("nothing (this PR)", 15, 0, "none"),
    (
        "modelling files only (`models/*/modeling_*.py`, `modular_*.py`)",
        0,
        15,
        "all 15: no family declares `_untie_output_embeddings_only`, so an untied config unties the encoder and "
        "decoder embeddings too",
    ),
    (
        "all of `src/`",
        4,
        11,
        "every class with an LM head, and the LongT5 and Switch encoder-only tests; the T5, mT5, UMT5 and UDOP "
        "encoder-only tests pass (stock forces their flag, so their encoder stays tied, and they have no lm_head)",
    ),
    ("`modeling_utils.py` only (the core rule)", 0, 15, "all 15, as for the modelling files"),
    (
        "configs only (the forced flag)",
        11,
        4,
        "T5, mT5, UMT5 and UDOP with an LM head: the untied variant comes back with the flag True",
    ),
    ("mT5's rescale only", 14, 1, "MT5ModelTest: the tied variant's first loss, 17.28 > ln(99) + 1 = 5.60"),
    (
        "the untied lm_head's std only (`d_model**-0.5` back to `1.0`)",
        7,
        8,
        "the 8 tests with an LM head (T5, mT5, UMT5, LongT5 x2, Switch, Pop2Piano, UDOP)",
    ),
)
CHECKS = (
    "`ruff check` and `ruff format --check` (ruff 0.13.1, the tree's pin) on the changed Python files pass",
    "`python utils/check_copies.py` passes",
    "`python utils/check_modular_conversion.py` passes (no differences for `modeling_switch_transformers.py`)",
    "the whole `tests/models/{t5,mt5,umt5}/test_modeling_*.py`: 369 passed, 844 skipped (main: 363 passed, 844 "
    "skipped; the 6 more are `test_init_scheme`)",
    '`-k "tie or tied or embeddings or save_load or load_save or resize"` over the seven family folders: 120 '
    "passed, 102 skipped, as on main",
)
LOAD_COMMAND = "python benchmarks/upstream_checkpoint_load.py save DIR / load DIR"
# checkpoint layout -> (4.57.6, main, main + this PR): the checkpoint tensor the encoder embedding holds, and
# whether the lm_head is the shared embedding after loading
LOADING = {
    "tied (only `shared.weight`)": ("shared, lm_head tied", "shared, lm_head tied", "shared, lm_head tied"),
    "untied (`shared.weight`, `lm_head.weight`)": (
        "shared, lm_head own",
        "shared, lm_head own",
        "shared, lm_head own",
    ),
    "no `shared.weight` (`decoder.embed_tokens.weight`, `lm_head.weight`; #48154)": (
        "decoder.embed_tokens, lm_head own",
        "**lm_head.weight**, lm_head = shared",
        "decoder.embed_tokens, lm_head own",
    ),
}
# the tie mechanism of the previous version of this PR and of this one (added lines of the two patches)
MECHANISMS = (
    (
        "lines",
        "+72: a 9-line `get_expanded_tied_weights_keys` override in 8 files",
        "+19 -1: `modeling_utils.py` +11 -1, one class-attribute line in 8 files",
    ),
    (
        "files",
        "8: T5, mT5, UMT5, LongT5, Pop2Piano, UDOP modelling, Switch modular and its generated modelling file",
        "9: `modeling_utils.py` and the same 8",
    ),
    (
        "copies",
        "7 hand-written copies of one method, none under `# Copied from`",
        "one rule; a data line per family (mT5's checked through `# Copied from` T5, Switch's through modular)",
    ),
    ("other models", "unchanged", "unchanged: the attribute defaults to False"),
    (
        "maintainer objection answered",
        "none: it is the per-model form of the core `get_expanded_tied_weights_keys` change reverted in #47620",
        "#47620's review (no tying change for every model; the model declares its ties), #42815 (one config "
        "attribute), #48154 (no lm_head entry to load an embedding from)",
    ),
)
