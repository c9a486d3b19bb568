"""The forward pass as a test: the first loss of fresh models, across frameworks and against the scheme.

Weights with the right statistics can still produce the wrong function: a framework that drops the
tied decoder-output rescale ``d_model ** -0.5`` or scales its logits otherwise has the same weights
and another first loss (mT5 on 5.x: the measured losses are in ``tests/conformance/expectations.py``). So for every class with an
LM head and token input, the first loss on random tokens (:mod:`init_parity.suite.first_loss`) is
measured on :data:`FIRST_LOSS_SEEDS` fresh models per framework and

* ``first_loss``: compared between two frameworks by Welch's two-sample t-test over the seeds
  (two-sided; the false-alarm rate is its level, for losses normal across seeds);
* ``first_loss_bound``: compared with the scheme's bound ``ln(V) + first_loss_margin``
  (:attr:`init_parity.scheme.FamilyScheme.first_loss_margin`) by a one-sided t-test whose null is
  "the mean first loss is at most the bound".

Both are ``forward`` tests of :data:`init_parity.suite.stats.TEST_FAMILIES`, corrected at
``FAMILY_ALPHAS["forward"]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .stats import TestResult

FIRST_LOSS_SEEDS = 4
"""Fresh models per framework whose first losses are compared: four give Welch's test 3 to 6
degrees of freedom, enough to see the rescale dropped (a loss six times the scheme's) at p < 1e-5."""


def first_loss_bound(config: Any) -> float | None:
    """``ln(V) + margin`` for the scheme of ``config``'s model type, or None when it states none."""
    from ..scheme.plan import family_of
    from .first_loss import vocab_sizes

    scheme = family_of(config)
    margin = getattr(scheme, "first_loss_margin", None) if scheme is not None else None
    vocab = vocab_sizes(config)[1]
    if margin is None or vocab <= 0:
        return None
    return math.log(vocab) + margin


def _mean_and_spread(losses: Sequence[float]) -> tuple[np.ndarray, float, float]:
    values = np.asarray(losses, dtype=np.float64)
    if values.size < 2:
        raise ValueError(f"a first-loss test needs at least two seeds, got {values.size}")
    return values, float(values.mean()), float(values.std(ddof=1))


def compare_first_losses(label: str, first: Sequence[float], second: Sequence[float]) -> TestResult:
    """``first_loss``: do two frameworks' fresh models start from the same loss? Welch's t-test;
    ``statistic`` is the difference of the mean losses."""
    from scipy.stats import ttest_ind

    a, mean_a, spread_a = _mean_and_spread(first)
    b, mean_b, spread_b = _mean_and_spread(second)
    if spread_a == 0.0 and spread_b == 0.0:
        p_value = 1.0 if mean_a == mean_b else 0.0
        t = 0.0 if mean_a == mean_b else math.inf
    else:
        test = ttest_ind(a, b, equal_var=False)
        p_value, t = float(test.pvalue), float(test.statistic)
    detail = (
        f"{label}: mean first loss {mean_a:.4g} (sd {spread_a:.2g}) vs {mean_b:.4g} (sd {spread_b:.2g}) "
        f"over {a.size} and {b.size} seeds; Welch t = {t:.4g}"
    )
    return TestResult("first_loss", mean_a - mean_b, p_value, int(min(a.size, b.size)), detail)


def first_loss_within_bound(label: str, losses: Sequence[float], bound: float) -> TestResult:
    """``first_loss_bound``: is the mean first loss at most ``bound``? One-sided t-test over seeds;
    ``statistic`` is the mean loss."""
    from scipy.special import stdtr

    values, mean, spread = _mean_and_spread(losses)
    if spread == 0.0:
        p_value, t = (1.0, -math.inf) if mean <= bound else (0.0, math.inf)
    else:
        t = (mean - bound) / (spread / math.sqrt(values.size))
        p_value = float(stdtr(values.size - 1, -t))
    detail = (
        f"{label}: mean first loss {mean:.4g} (sd {spread:.2g}, {values.size} seeds) against the scheme's "
        f"bound {bound:.4g} = ln(V) + margin; t = {t:.4g}"
    )
    return TestResult("first_loss_bound", mean, p_value, int(values.size), detail)
