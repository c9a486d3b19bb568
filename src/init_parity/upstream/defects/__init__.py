"""One small pull request per defect family the statistical init test finds in upstream's modelling code.

Each fix is data the series (``init-parity upstream``) reads: the modelling edit, the PR's title and
description, and the known-failure reason that the tests-only PR writes on the models it names and that
the fix removes again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DefectFix:
    slug: str  # the branch suffix and the key of its known-failure marks, e.g. "pix2struct-d-kv"
    title: str  # the commit and PR title in upstream's convention (a leading 🚨 where fresh weights change)
    model_types: tuple[str, ...]  # the model types whose known-failure marks the fix removes
    reason: str  # the known-failure reason written on those models, with the measured numbers
    edit: Callable[[Path], dict[str, str]]  # checkout root -> {path relative to it: new text}, changed files only
    description: str  # the body of PR.md: what, why, the numbers with their commands, how it was tested


from . import pix2struct_d_kv, rt_detr_denoising_padding  # noqa: E402  (each fix module builds a DefectFix)

# In series order, after the tests-only PR and the T5-family fix.
DEFECT_FIXES: tuple[DefectFix, ...] = (pix2struct_d_kv.FIX, rt_detr_denoising_padding.FIX)
