"""Pix2Struct: the text attention's query and output drawn with ``hidden_size`` as ``d_kv``.

``Pix2StructPreTrainedModel._init_weights`` reads the attention's ``key_value_proj_dim`` from
``config.text_config.d_kv`` under a ``Pix2StructConfig`` but from ``config.hidden_size`` under a
``Pix2StructTextConfig``, the config the text model initialises its own modules under. The fix reads ``d_kv`` in both.
"""

from __future__ import annotations

import re

from .anchored import AnchoredEdit
from .fix import DefectFix

_EXPRESSION = r"(key_value_proj_dim = \(\s*self\.config\.text_config\.d_kv if isinstance\(self\.config, Pix2StructConfig\) else self\.config\.){}(\s*\))"

EDIT = AnchoredEdit(
    name="Pix2Struct text attention d_kv",
    defect=re.compile(_EXPRESSION.format("hidden_size")),
    replacement=r"\1d_kv\2",
    fixed=re.compile(_EXPRESSION.format("d_kv")),
    files="pix2struct/modeling_pix2struct.py",
)


_COMMAND = "PYTHONPATH=src python benchmarks/upstream_defects.py --defect pix2struct-d-kv"  # in init-parity, with the tree's venv

REASON = (
    "Pix2StructTextAttention's init reads key_value_proj_dim = hidden_size under a Pix2StructTextConfig, the config "
    "the text model initialises under: decoder attention query std 0.0157 against (hidden_size * d_kv) ** -0.5 = "
    "0.0313 and output std 0.0622 against (num_heads * d_kv) ** -0.5 = 0.125 (hidden_size 64, d_kv 16, 4 heads; "
    "main at 9a90500b0b)"
)

DESCRIPTION = f"""\
# What does this PR do?

`Pix2StructPreTrainedModel._init_weights` draws the text attention's `query` with std
`factor * (hidden_size * key_value_proj_dim) ** -0.5` and its `output` with
`factor * (num_heads * key_value_proj_dim) ** -0.5`, Mesh TensorFlow's T5 init. It reads `key_value_proj_dim` from
`config.text_config.d_kv` under a `Pix2StructConfig`, but from `config.hidden_size` under a `Pix2StructTextConfig`.
The text model always initialises its modules under its own `Pix2StructTextConfig` (`initialize_weights` dispatches
each sub-model's own `_init_weights` to its modules), so the second branch is the one taken, alone and inside
`Pix2StructForConditionalGeneration`: `query` and `output` come out `(hidden_size / d_kv) ** 0.5` times too small,
3.5x at the default sizes (hidden_size 768, d_kv 64). Every other attribute of that branch (`hidden_size`,
`num_heads`) reads the same name in both configs; this PR makes `key_value_proj_dim` read `d_kv` in both.

The fallback dates from the model's addition (#21400, 0f68a7f408). #47558 made the same one-word change on main
after 9a90500b0b; the 5.23 release has it (its Pix2Struct draws query std 0.0310 and output 0.1236 with the same
command), so this PR is for trees before #47558 and the series leaves a tree that has it unchanged.

Fresh weights change (🚨): a model built from a config, and every weight a checkpoint lacks. Weights loaded from a
checkpoint are untouched.

## Numbers

Tiny config (text: hidden_size 64, d_kv 16, 4 heads, 2 layers; `initializer_factor` 1.0), `torch.manual_seed(0)`,
std of the query and output weights of every decoder `Pix2StructTextAttention` (self and cross attention, pooled), main
at 9a90500b0b, `{_COMMAND}`:

| built as | tensor | before | after | Mesh TF init |
| --- | --- | --- | --- | --- |
| `Pix2StructForConditionalGeneration` | query | 0.0157 | 0.0315 | 0.0313 |
| `Pix2StructForConditionalGeneration` | output | 0.0622 | 0.1245 | 0.125 |
| `Pix2StructTextModel` | query | 0.0157 | 0.0314 | 0.0313 |
| `Pix2StructTextModel` | output | 0.0625 | 0.1250 | 0.125 |

Key and value (`hidden_size ** -0.5` = 0.125) are unchanged: 0.124 / 0.1241 before and after.

## How was it tested?

On main at 9a90500b0b, in a venv with the tree installed and torch 2.13.0 (CPU):
- `pytest tests/models/pix2struct/test_modeling_pix2struct.py`: 144 passed, 304 skipped before and after, the same
  test ids in each outcome.
- `ruff check` and `ruff format --check` (ruff 0.13.1) on the file, `python utils/check_copies.py`: clean (no
  `# Copied from` block reads this code; Pix2Struct has no modular file).
- This PR removes the known-failure mark the first PR of this series puts on Pix2Struct.
"""

FIX = DefectFix(
    slug="pix2struct-d-kv",
    title="🚨 [Pix2Struct] Draw the text attention's query and output with d_kv under Pix2StructTextConfig",
    model_types=("pix2struct",),
    reason=REASON,
    edit=EDIT.apply,  # (root, python=sys.executable): the converter needs a Python that imports the tree
    description=DESCRIPTION,
)
