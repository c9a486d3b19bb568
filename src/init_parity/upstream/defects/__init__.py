"""One small pull request per defect family the statistical init test finds in upstream's modelling code.

Each fix is data the series (``init-parity upstream``) reads: the modelling edit, the PR's title and
description, and the known-failure reason that the tests-only PR writes on the models it names and that
the fix removes again.
"""

from __future__ import annotations

from . import pix2struct_d_kv, rt_detr_denoising_padding
from .fix import DefectFix

# In series order, after the tests-only PR and the T5-family fix.
DEFECT_FIXES: tuple[DefectFix, ...] = (pix2struct_d_kv.FIX, rt_detr_denoising_padding.FIX)
