"""The statistics of the conformance suite: one small test per question, each with its false-alarm rate.

Every test returns :class:`TestResult` objects with a p-value; a p-value is the probability, for a
conforming model, of a result at least as extreme as the one measured. The questions are

* :func:`one_sample`: does a role's pooled sample follow the distribution the scheme prescribes?
  A Kolmogorov-Smirnov test (``ks``), a variance test sharp on the std (``std``) and a kurtosis
  test with power against light- and heavy-tailed laws of the right std (``kurtosis``);
* :func:`tensor_scale`: is one tensor (one layer's copy of a role) drawn at the right scale
  (``tensor_std``, or ``tensor_std_ratio`` between frameworks)?
* :func:`two_sample`: do two frameworks draw a role from the same distribution? A two-sample
  Kolmogorov-Smirnov test (``ks2``) and a test of the ratio of the stds (``std_ratio``);
* :func:`independence`: are a model's tensors distinct and uncorrelated (``identical``,
  ``correlation``, ``duplicate_rows``)?

:func:`verdict` sorts a model's tests into families (:data:`TEST_FAMILIES`: distribution,
per-tensor, independence, forward pass), each with its own false-alarm rate, and runs one
Holm-Bonferroni correction (:func:`holm`) within each: a family's many tests then do not dilute
another family's power (the ~2,000 correlation pairs of the independence check no longer raise the
threshold of a role's std test). The rates add up to :data:`FAMILY_WISE_ALPHA`, so a whole conforming
model fails with probability at most that (Bonferroni over the families, Holm within), whatever the
number of tests and however they depend on each other. Exact tests (p-value 0 or 1) are rejected
exactly when p = 0 and spend none of it.
:func:`required_samples` and :func:`detectable_ratio` say how large a sample the std test needs
to see a given std ratio. Everything here is numpy and scipy, and deterministic: the only
subsampling uses a fixed seed.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..scheme.distributions import Constant, Deterministic, Normal, TruncatedNormal, Uniform

FAMILY_WISE_ALPHA = 1e-3
"""False-alarm rate of a whole-model verdict: the probability that :func:`verdict` fails a model
whose every parameter follows the scheme. It is the sum of :data:`FAMILY_ALPHAS`; Holm's correction
within each family keeps that family at or below its rate under any dependence between the tests."""

FAMILY_ALPHAS = {"distribution": 4e-4, "tensor": 3e-4, "independence": 2e-4, "forward": 1e-4}
"""The false-alarm rate of each test family (:data:`TEST_FAMILIES`); they add up to
:data:`FAMILY_WISE_ALPHA`. ``distribution``: pooled role tests against the scheme and across
frameworks; ``tensor``: the per-tensor scale tests; ``independence``: correlation pairs (within a build, and of a tensor across seeds:
:mod:`init_parity.suite.seed_independence`);
``forward``: the first-loss tests of :mod:`init_parity.suite.forward`."""

TEST_FAMILIES = {
    "ks": "distribution",
    "std": "distribution",
    "kurtosis": "distribution",
    "ks2": "distribution",
    "std_ratio": "distribution",
    "tensor_std": "tensor",
    "tensor_std_ratio": "tensor",
    "correlation": "independence",
    "seed_correlation": "independence",
    "first_loss": "forward",
    "first_loss_bound": "forward",
}
"""The family of every statistical test. Any other test is exact (constant, padding row, zero row, identical,
duplicate rows, equal tables, finite values, tie structure): p = 0 is a finding, p = 1 is not."""

TEST_ALPHA = 1e-4
"""Per-test threshold where one test is reported on its own (:meth:`TestResult.passes`, the unit
tests, the power benchmark): a conforming sample fails such a test with probability 1e-4."""

MIN_SAMPLES = 1000
"""Below this many samples a label's statistical tests are reported as underpowered, not passed:
:func:`detectable_ratio` (1000) is about 1.15, so a smaller sample could hide a 15% std drift."""

CONSTANT_RTOL = 1e-6
CONSTANT_ATOL = 1e-12
"""Tolerance of the constant tests: float32 rounding of the value (relative 1.2e-7) passes, any
drawn noise fails."""

CORRELATION_MAX_ELEMENTS = 1_000_000
"""Tensors larger than this are compared on a fixed random subset of positions (the same for every
tensor of a size group) by :func:`independence`."""

CORRELATION_GROUP_BUDGET = 1 << 24
"""At most this many float64 elements are held per size group by :func:`independence`; a group of
``g`` tensors is compared on ``min(n, CORRELATION_MAX_ELEMENTS, budget // g)`` positions."""

DUPLICATE_ROWS_MIN_COLUMNS = 8
"""Rows shorter than this are not checked for duplicates: in float16 / bfloat16 a few random
elements coincide by chance often enough to raise false alarms in a large table."""

_SUBSAMPLE_SEED = 20240601

# tests that are exact (or bookkeeping) rather than statistical: the minimum-sample rule does not apply
# (per-tensor tests add power to their pooled role's tests, which carry the minimum-sample rule; the
# first-loss tests have their own number of seeds)
_EXEMPT_FROM_MIN_SAMPLES = frozenset(
    {
        "constant",
        "constant2",
        "padding_row",
        "zero_row",
        "identical",
        "duplicate_rows",
        "equal",
        "finite",
        "tie",
        "correlation",
        "seed_correlation",
        "tensor_std",
        "tensor_std_ratio",
        "first_loss",
        "first_loss_bound",
    }
)


@dataclass(frozen=True)
class TestResult:
    """One test on one sample.

    ``statistic`` is the number a reader compares: the KS distance ``D`` (``ks``, ``ks2``), the
    measured std about the known mean (``std``), the ratio std(a) / std(b) (``std_ratio``), the
    largest deviation from the value (``constant``, ``constant2``), Pearson's r (``correlation``),
    the number of repeated rows (``duplicate_rows``), 1.0 for a found pair (``identical``), the
    number of non-finite elements (``finite``). ``n`` is the sample size (for two samples, the
    smaller); ``detail`` says the rest in words.
    """

    __test__ = False  # not a pytest test class, despite the name

    test: str
    statistic: float
    p_value: float
    n: int
    detail: str = ""

    def passes(self, alpha: float) -> bool:
        """True unless the test rejects at level ``alpha`` (a NaN p-value does not pass)."""
        return bool(self.p_value > alpha)


# --------------------------------------------------------------------------------------------- helpers


def describe_result(result: TestResult) -> str:
    """``std = 0.0210, p = 3.1e-08 (detail)``: the test, its statistic and p-value, and the words."""
    return f"{result.test} = {result.statistic:.4g}, p = {result.p_value:.2g} ({result.detail})"


def pool(arrays: Iterable[np.ndarray]) -> np.ndarray:
    """Flatten and concatenate to one float64 sample: a role's repeats across layers and seeds."""
    parts = [np.asarray(array, dtype=np.float64).reshape(-1) for array in arrays]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64)


def _two_sided_normal_p(z: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return np.minimum(1.0, 2.0 * ndtr(-np.abs(z)))


def _max_deviation(x: np.ndarray, value: float) -> float:
    return float(np.max(np.abs(x - value))) if x.size else 0.0


def _is_close_to(x: np.ndarray, value: float) -> bool:
    return bool(np.all(np.abs(x - value) <= CONSTANT_ATOL + CONSTANT_RTOL * abs(value)))


def _finite_check(x: np.ndarray, n: int) -> TestResult | None:
    bad = int(x.size - np.count_nonzero(np.isfinite(x)))
    if bad:
        return TestResult("finite", float(bad), 0.0, n, f"{bad} of {n} elements are NaN or infinite")
    return None


def _as_sample(samples: np.ndarray) -> np.ndarray:
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    if x.size == 0:
        raise ValueError("an empty sample has no distribution to test")
    return x


# ----------------------------------------------------------------------------------------- one sample


def std_test_batch(samples: np.ndarray, dist: Normal | TruncatedNormal | Uniform) -> tuple[np.ndarray, ...]:
    """The ``std`` test of :func:`one_sample` on every row of ``samples`` (shape ``(..., n)``) at once.

    The statistic is the second moment about the known mean, ``m2 = mean((x - mean)^2)``, against
    ``dist.actual_std ** 2``. For a normal, ``n * m2 / std^2`` is exactly chi-square(n). Otherwise
    ``m2`` is asymptotically normal with variance ``(mu4 - std^4) / n``, ``mu4`` being
    ``dist.fourth_central_moment()``. The p-value is two-sided: too small and too large a std both
    count. Returns ``(measured_std, statistic, p_value)`` arrays of shape ``(...)``, the statistic
    being the chi-square value for a normal and the z-score otherwise.
    """
    x = np.asarray(samples, dtype=np.float64)
    n = x.shape[-1]
    m2 = np.mean(np.square(x - dist.mean), axis=-1)
    statistic, p_value = _std_test_from_m2(m2, n, dist)
    return np.sqrt(m2), statistic, p_value


def _std_test_from_m2(m2: np.ndarray, n: int, dist: Normal | TruncatedNormal | Uniform) -> tuple[np.ndarray, ...]:
    variance = dist.actual_std**2
    if dist.kind == "normal":
        from scipy.special import chdtr, chdtrc

        chi2 = n * m2 / variance
        p_value = np.minimum(1.0, 2.0 * np.minimum(chdtr(n, chi2), chdtrc(n, chi2)))
        return chi2, p_value
    spread = math.sqrt((dist.fourth_central_moment() - variance**2) / n)
    z = (m2 - variance) / spread
    return z, _two_sided_normal_p(z)


_GAUSSIANIZE_CLIP = 1e-16
"""Probabilities are clipped to ``[1e-16, 1 - 1e-16]`` before the normal quantile (|z| <= 8.2): a
point outside the support of a truncated normal or a uniform still weighs z^4 ~ 4500 in the
kurtosis, which rejects."""


def gaussianize(samples: np.ndarray, dist: Normal | TruncatedNormal | Uniform) -> np.ndarray:
    """``Phi^-1(F(x))``, ``F`` the cdf of ``dist``: exactly N(0, 1) when ``x`` follows ``dist``
    (the probability integral transform), so one normality test serves every drawn kind. For a
    normal it is ``(x - mean) / std`` without rounding through the cdf."""
    x = np.asarray(samples, dtype=np.float64)
    if dist.kind == "normal":
        return (x - dist.mean) / dist.actual_std
    from scipy.special import ndtri

    return ndtri(np.clip(dist.cdf(x), _GAUSSIANIZE_CLIP, 1.0 - _GAUSSIANIZE_CLIP))


def kurtosis_test_batch(samples: np.ndarray, dist: Normal | TruncatedNormal | Uniform) -> tuple[np.ndarray, ...]:
    """The ``kurtosis`` test of :func:`one_sample` on every row of ``samples`` (``(..., n)``) at once.

    The rows are gaussianized (:func:`gaussianize`) and their sample kurtosis ``b2 = m4 / m2^2``
    goes through the Anscombe-Glynn test of normality (``scipy.stats.kurtosistest``: a
    Wilson-Hilferty transform of ``b2`` to N(0, 1), accurate from n = 20). A law of the right std
    but lighter tails (a uniform: b2 = 1.8 against 3) or heavier ones (a Student t, a Laplace) moves
    ``b2`` by many standard errors (``sqrt(24 / n)``) where KS, which looks at the largest cdf
    gap, sees little. Two-sided. Returns ``(b2, z, p_value)`` arrays of shape ``(...)``.
    """
    from scipy.stats import kurtosistest

    z_values = gaussianize(samples, dist)
    centred = z_values - z_values.mean(axis=-1, keepdims=True)
    squares = centred * centred  # squared twice for the fourth power: numpy's ``**4`` is a pow call, 20 times slower
    m2 = np.mean(squares, axis=-1)
    b2 = np.mean(squares * squares, axis=-1) / np.where(m2 > 0, m2, 1.0) ** 2
    test = kurtosistest(z_values, axis=-1)
    return b2, np.asarray(test.statistic), np.asarray(test.pvalue)


def _constant_test(x: np.ndarray, value: float, test: str = "constant") -> TestResult:
    ok = _is_close_to(x, value)
    deviation = _max_deviation(x, value)
    detail = (
        f"every element equals {value:g}"
        if ok
        else f"expected every element {value:g}; largest deviation {deviation:.4g}"
    )
    return TestResult(test, deviation, 1.0 if ok else 0.0, int(x.size), detail)


def one_sample(samples: np.ndarray, dist: Normal | TruncatedNormal | Uniform | Constant) -> list[TestResult]:
    """Does the pooled sample ``samples`` follow ``dist``?

    For a normal, truncated normal or uniform: ``ks``, the Kolmogorov-Smirnov test against
    ``dist.cdf`` (any difference of the cdf: location, truncation), ``std``
    (:func:`std_test_batch`, sharp on the scale; its ``statistic`` is the measured std) and
    ``kurtosis`` (:func:`kurtosis_test_batch`, sharp on the tails at equal std; its ``statistic``
    is the kurtosis of the gaussianized sample, 3 for a conforming one). Each rejects a conforming
    sample with probability ``alpha`` at level ``alpha``. For a constant:
    ``constant``, p = 1 when every element equals the value (up to float32 rounding), else 0.
    Non-finite elements give a single ``finite`` result with p = 0. A :class:`Deterministic`
    table is compared by equality elsewhere and raises ``ValueError`` here.
    """
    if isinstance(dist, Deterministic):
        raise ValueError(f"{dist.describe()} is checked by equality across frameworks, not by a distribution test")
    x = _as_sample(samples)
    n = int(x.size)
    bad = _finite_check(x, n)
    if bad is not None:
        return [bad]
    if isinstance(dist, Constant):
        return [_constant_test(x, dist.value)]
    if not isinstance(dist, Normal | TruncatedNormal | Uniform):
        raise TypeError(f"no test for distribution {dist!r}")
    if dist.actual_std == 0.0:  # a degenerate draw is a constant
        return [_constant_test(x, dist.mean)]

    from scipy.stats import kstest

    # sorted first: scipy sorts the sample with a stable sort, which is a dozen times slower than
    # numpy's default on a random sample and linear on a sorted one (the same D and p either way)
    ks = kstest(np.sort(x), dist.cdf)
    measured, statistic, p_value = (float(value) for value in std_test_batch(x, dist))
    expected = dist.actual_std
    name = "chi2" if dist.kind == "normal" else "z"
    return [
        TestResult(
            "ks", float(ks.statistic), float(ks.pvalue), n, f"D = {ks.statistic:.4g} against {dist.describe()}"
        ),
        TestResult(
            "std",
            measured,
            p_value,
            n,
            f"measured std {measured:.6g}, expected {expected:.6g} (ratio {measured / expected:.4f}); "
            f"{name} = {statistic:.6g}",
        ),
        _kurtosis_result(x, dist),
    ]


def _kurtosis_result(x: np.ndarray, dist: Normal | TruncatedNormal | Uniform) -> TestResult:
    if x.size < 20:
        return TestResult("kurtosis", math.nan, 1.0, int(x.size), "fewer than 20 elements: no kurtosis test")
    b2, z, p_value = (float(value) for value in kurtosis_test_batch(x, dist))
    tails = "lighter" if b2 < 3 else "heavier"
    detail = f"kurtosis {b2:.4g} of the sample mapped to N(0, 1) through {dist.describe()} (3 expected; {tails} tails); z = {z:.4g}"
    return TestResult("kurtosis", b2, p_value, int(x.size), detail)


def tensor_scale(
    name: str,
    samples: np.ndarray,
    dist: Normal | TruncatedNormal | Uniform | None = None,
    other: np.ndarray | None = None,
) -> TestResult | None:
    """The scale of one tensor on its own, beside its role's pooled tests: one layer 5% off hides in
    a pool of many layers, not in a test of that layer alone.

    Against ``dist``: ``tensor_std`` (the ``std`` test of :func:`one_sample`); against another
    framework's copy ``other``: ``tensor_std_ratio`` (the ``std_ratio`` test of :func:`two_sample`).
    ``detail`` starts with ``name``. None for a constant or too small a tensor (fewer than two
    elements), and for a constant ``dist`` (the role's exact test covers it).
    """
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    if x.size < 2 or not np.all(np.isfinite(x)):
        return None  # the role's finite test names it
    if other is not None:
        y = np.asarray(other, dtype=np.float64).reshape(-1)
        if y.size < 2 or not np.all(np.isfinite(y)) or np.ptp(x) == 0 or np.ptp(y) == 0:
            return None
        ratio, z, p_value = (float(value) for value in std_ratio_test_batch(x, y))
        detail = f"{name}: std ratio {ratio:.4f}; z = {z:.4g}"
        return TestResult("tensor_std_ratio", ratio, p_value, int(min(x.size, y.size)), detail)
    if dist is None or dist.kind not in ("normal", "truncated_normal", "uniform") or dist.actual_std == 0.0:
        return None
    measured, statistic, p_value = (float(value) for value in std_test_batch(x, dist))
    ratio = measured / dist.actual_std
    detail = f"{name}: measured std {measured:.6g}, expected {dist.actual_std:.6g} (ratio {ratio:.4f})"
    return TestResult("tensor_std", measured, p_value, int(x.size), detail)


# ---------------------------------------------------------------------------------------- two samples


def std_ratio_test_batch(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
    """The ``std_ratio`` test of :func:`two_sample` on every pair of rows of ``a`` (``(..., n_a)``)
    and ``b`` (``(..., n_b)``) at once.

    With ``v`` the unbiased variance of a sample of kurtosis ``k = mu4 / sigma^4``,
    ``Var(v) = sigma^4 ((k - 1) / n + 2 / (n (n - 1)))``, so by the delta method
    ``Var(ln v) ~= w = (k - 1) / n + 2 / (n (n - 1))`` and ``E ln v ~= ln sigma^2 - w / 2``. The
    statistic is ``z = (ln v_a - ln v_b + (w_a - w_b) / 2) / sqrt(w_a + w_b)``. ``k`` is estimated
    from the samples (no assumption of normality: a uniform or truncated role is tested as fairly
    as a normal one) by the usual bias-corrected kurtosis, the two estimates averaged with weights
    ``n_a, n_b``: right under the hypothesis (one distribution), with half the noise of either.
    Returns ``(std_a / std_b, z, p_value)``, the p-value two-sided from N(0, 1).

    Its false-alarm rate against ``alpha`` per sample size: ``docs/power.md`` ("Calibration of the
    std-ratio test"), from ``benchmarks/power.py``.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    n_a, n_b = a.shape[-1], b.shape[-1]
    var_a, kurt_a = _variance_and_kurtosis(a)
    var_b, kurt_b = _variance_and_kurtosis(b)
    k_minus_1 = np.maximum((n_a * kurt_a + n_b * kurt_b) / (n_a + n_b) - 1.0, 0.0)
    w_a = k_minus_1 / n_a + 2.0 / (n_a * (n_a - 1.0))
    w_b = k_minus_1 / n_b + 2.0 / (n_b * (n_b - 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.log(var_a) - np.log(var_b) + 0.5 * (w_a - w_b)
        z = shift / np.sqrt(w_a + w_b)
        ratio = np.sqrt(var_a / var_b)
    return ratio, z, _two_sided_normal_p(z)


def _variance_and_kurtosis(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unbiased variance and kurtosis ``mu4 / sigma^4`` of each row (the kurtosis from the
    bias-corrected excess ``G2``, which is unbiased for a normal; the plain ``m4 / m2^2`` for
    fewer than 4 elements). Rows must have at least two elements."""
    n = x.shape[-1]
    centred = x - np.mean(x, axis=-1, keepdims=True)
    squares = np.square(centred)
    m2 = np.mean(squares, axis=-1)
    m4 = np.mean(np.square(squares), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        kurtosis = np.where(m2 > 0, m4 / np.where(m2 > 0, m2, 1.0) ** 2, 1.0)
    if n > 3:
        excess = ((n + 1) * (kurtosis - 3.0) + 6.0) * (n - 1) / ((n - 2) * (n - 3))
        kurtosis = np.maximum(excess + 3.0, 1.0)
    return m2 * n / (n - 1), kurtosis


def two_sample(a: np.ndarray, b: np.ndarray) -> list[TestResult]:
    """Do two frameworks draw the same role from the same distribution?

    ``ks2``: the two-sample Kolmogorov-Smirnov test (any difference of shape or location);
    ``std_ratio``: :func:`std_ratio_test_batch` (sharp on the scale; ``statistic`` is
    std(a) / std(b)). Each rejects two samples of one distribution with probability ``alpha``
    at level ``alpha`` (the ratio test asymptotically). When both samples are constant, one
    ``constant2`` result: p = 1 if they hold the same value, else 0; when only one is, p = 0.
    Non-finite elements give a ``finite`` result with p = 0.
    """
    x, y = _as_sample(a), _as_sample(b)
    n = int(min(x.size, y.size))
    bad = [result for result in (_finite_check(x, int(x.size)), _finite_check(y, int(y.size))) if result]
    if bad:
        return [TestResult("finite", sum(r.statistic for r in bad), 0.0, n, "; ".join(r.detail for r in bad))]
    constant_x, constant_y = _is_close_to(x, x[0]), _is_close_to(y, y[0])
    if constant_x and constant_y:
        result = _constant_test(y, float(x[0]), "constant2")
        return [TestResult("constant2", result.statistic, result.p_value, n, f"both constant: {x[0]:g} and {y[0]:g}")]
    if constant_x or constant_y:
        which, other = ("first", "second") if constant_x else ("second", "first")
        value = float(x[0] if constant_x else y[0])
        return [
            TestResult(
                "constant2", math.inf, 0.0, n, f"the {which} sample is constant ({value:g}), the {other} is not"
            )
        ]

    from scipy.stats import ks_2samp

    ks = ks_2samp(x, y)
    results = [TestResult("ks2", float(ks.statistic), float(ks.pvalue), n, f"D = {ks.statistic:.4g}")]
    if min(x.size, y.size) < 2:
        results.append(TestResult("std_ratio", math.nan, 1.0, n, "fewer than two elements: no std to compare"))
        return results
    ratio, z, p_value = (float(value) for value in std_ratio_test_batch(x, y))
    std_x, std_y = float(np.std(x, ddof=1)), float(np.std(y, ddof=1))
    detail = f"std {std_x:.6g} vs {std_y:.6g} (ratio {ratio:.4f}); z = {z:.4g}"
    results.append(TestResult("std_ratio", ratio, p_value, n, detail))
    return results


# --------------------------------------------------------------------------------------- independence


def _canonical_bytes(array: np.ndarray) -> bytes:
    # + 0.0 turns -0.0 into 0.0, so that byte equality is value equality
    return np.ascontiguousarray(array + np.zeros((), dtype=array.dtype)).tobytes()


def equal_pairs(arrays: Sequence[np.ndarray]) -> list[tuple[int, int]]:
    """The one rule of identical tensors: the index pairs (i < j) of ``arrays`` whose elements are equal,
    compared as float64 in memory order (their shapes are not compared; -0.0 equals 0.0). Grouped by a
    hash of their contents, then compared element by element; within a group, in index order."""
    by_content: dict[bytes, list[int]] = {}
    for index, array in enumerate(arrays):
        as_float = np.asarray(array, dtype=np.float64)
        by_content.setdefault(hashlib.blake2b(_canonical_bytes(as_float), digest_size=16).digest(), []).append(index)
    return [
        (i, j)
        for indices in by_content.values()
        for i, j in itertools.combinations(indices, 2)
        if np.array_equal(np.asarray(arrays[i], np.float64).reshape(-1), np.asarray(arrays[j], np.float64).reshape(-1))
    ]


def _duplicate_rows(name: str, matrix: np.ndarray) -> TestResult:
    rows = np.ascontiguousarray(matrix + np.zeros((), dtype=matrix.dtype))
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).reshape(-1)
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    repeated = int(rows.shape[0] - counts.size)
    if not repeated:
        return TestResult("duplicate_rows", 0.0, 1.0, int(rows.shape[0]), f"{name}: all {rows.shape[0]} rows distinct")
    first_group = int(np.flatnonzero(counts > 1)[0])
    example = np.flatnonzero(inverse.reshape(-1) == first_group)[:4].tolist()
    detail = f"{name}: {repeated} repeated rows of {rows.shape[0]}; rows {example} are equal"
    return TestResult("duplicate_rows", float(repeated), 0.0, int(rows.shape[0]), detail)


def _correlations(names: list[str], arrays: list[np.ndarray]) -> list[TestResult]:
    size = int(arrays[0].size)
    used = min(size, CORRELATION_MAX_ELEMENTS, max(CORRELATION_GROUP_BUDGET // len(arrays), 2))
    positions = None
    if used < size:
        rng = np.random.default_rng(_SUBSAMPLE_SEED)
        positions = np.sort(rng.choice(size, used, replace=False))
    rows = np.empty((len(arrays), used), dtype=np.float64)
    for row, array in zip(rows, arrays):
        flat = array.reshape(-1)
        row[:] = flat[positions] if positions is not None else flat
    rows -= rows.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(rows, axis=1)
    norms[norms == 0] = 1.0  # constant on the subset: r = 0
    rows /= norms[:, None]
    r = np.clip(rows @ rows.T, -1.0, 1.0)
    first, second = np.triu_indices(len(arrays), k=1)
    r_pairs = r[first, second]
    z = r_pairs * math.sqrt(used)
    p_values = _two_sided_normal_p(z)
    subset = f" (on {used} of {size} positions)" if positions is not None else ""
    return [
        TestResult(
            "correlation", float(rv), float(pv), used, f"{names[i]} ~ {names[j]}: r = {rv:.4g}, z = {zv:.3g}{subset}"
        )
        for i, j, rv, zv, pv in zip(first.tolist(), second.tolist(), r_pairs, z, p_values)
    ]


def independence(tensors: Mapping[str, np.ndarray], build_of: Callable[[str], str] | None = None) -> list[TestResult]:
    """Are a model's tensors distinct and uncorrelated, as independent draws are?

    Constant tensors (zero variance: layer-norm scales, zero biases) are left out; tensors with
    non-finite elements get a ``finite`` result (p = 0) and are left out. Then, among the tensors
    of each element count:

    * ``identical``: one result, p = 0, for every pair equal elementwise (a weight copied or drawn
      twice from one generator state). Distinct pairs get no ``identical`` result: its p-value
      would always be 1 and would only dilute the Holm correction; their ``correlation`` result
      stands for them.
    * ``correlation``: for every pair, Pearson's r of the flattened tensors; under independence
      ``z = r sqrt(n)`` is asymptotically N(0, 1), two-sided p. Rejects an independent pair with
      probability ``alpha`` at level ``alpha``. Tensors of more than
      :data:`CORRELATION_MAX_ELEMENTS` elements (or groups above :data:`CORRELATION_GROUP_BUDGET`)
      are compared on one fixed, seeded subset of positions. All pairs of a group come from one
      matrix product, so a few hundred tensors take a fraction of a second. With ``build_of``
      (name -> the build it comes from: a seed, a model class), only tensors of one build are
      correlated: separate builds draw from separately seeded generators, and the pairs across builds
      would multiply the tests (and their time) by the number of builds for no power; ``identical``
      still compares across builds.

    And within every 2-D tensor with at least two rows (of at least
    :data:`DUPLICATE_ROWS_MIN_COLUMNS` columns): ``duplicate_rows``, p = 0 when two rows are equal.
    """
    results: list[TestResult] = []
    groups: dict[int, list[tuple[str, np.ndarray]]] = {}
    for name, tensor in tensors.items():
        array = np.asarray(tensor)
        if array.size < 2:
            continue
        bad = _finite_check(array.reshape(-1), int(array.size))
        if bad is not None:
            results.append(TestResult("finite", bad.statistic, 0.0, bad.n, f"{name}: {bad.detail}"))
            continue
        if np.ptp(array) == 0:
            continue
        groups.setdefault(int(array.size), []).append((name, array))
        if array.ndim == 2 and array.shape[0] >= 2 and array.shape[1] >= DUPLICATE_ROWS_MIN_COLUMNS:
            results.append(_duplicate_rows(name, array))
    for size, members in groups.items():
        if len(members) < 2:
            continue
        for i, j in equal_pairs([array for _, array in members]):
            detail = f"{members[i][0]} and {members[j][0]} are equal elementwise"
            results.append(TestResult("identical", 1.0, 0.0, size, detail))
        builds: dict[str, list[tuple[str, np.ndarray]]] = {}
        for name, array in members:
            builds.setdefault(build_of(name) if build_of else "", []).append((name, array))
        for group in builds.values():
            if len(group) > 1:
                results.extend(_correlations([name for name, _ in group], [array for _, array in group]))
    return results


# ------------------------------------------------------------------------------------------------ power


def _z_sum(alpha: float, power: float) -> float:
    from scipy.special import ndtri

    if not (0.0 < alpha < 1.0 and 0.0 < power < 1.0):
        raise ValueError(f"alpha and power must lie in (0, 1), got {alpha} and {power}")
    return float(ndtri(1.0 - alpha / 2.0) + ndtri(power))


def required_samples(ratio: float, alpha: float = TEST_ALPHA, power: float = 0.99) -> int:
    """The sample size at which the one-sample ``std`` test sees a std off by ``ratio`` (measured /
    expected, either side of 1) with probability ``power`` at level ``alpha``.

    For a normal sample ``Var(ln s^2) ~= 2 / n`` (``s^2`` is ``sigma^2 chi2(n) / n``, of variance
    ``2 sigma^4 / n``; the delta method divides by ``sigma^4``). A std ratio ``r`` moves ``ln s^2``
    by ``2 ln r``, so the z-score moves by ``2 ln r / sqrt(2 / n) = ln r sqrt(2n)``, and the test
    rejects with the given power when that reaches ``z_{alpha/2} + z_beta`` (``z_beta`` the
    ``power`` quantile of N(0, 1); the far tail is neglected):
    ``|ln r| = (z_{alpha/2} + z_beta) / sqrt(2n)``. For two samples of ``n`` each the variance
    doubles to ``4 / n`` and ``sqrt(n)`` replaces ``sqrt(2n)``: use ``2 * required_samples(...)``
    per sample. Heavier or lighter tails than a normal's change ``2`` into ``kurtosis - 1``.
    """
    if ratio <= 0 or ratio == 1:
        raise ValueError(f"the std ratio must be positive and differ from 1, got {ratio}")
    exact = (_z_sum(alpha, power) / math.log(ratio)) ** 2 / 2.0
    return math.ceil(exact * (1.0 - 1e-12))  # not n + 1 for a float a rounding error above n


def detectable_ratio(n: float, alpha: float = TEST_ALPHA, power: float = 0.99) -> float:
    """The inverse of :func:`required_samples`: the std ratio ``r > 1`` that the one-sample ``std``
    test detects with probability ``power`` at level ``alpha`` from ``n`` samples,
    ``exp((z_{alpha/2} + z_beta) / sqrt(2n))``. For the two-sample ``std_ratio`` test with ``n``
    samples on each side, ``detectable_ratio(n / 2)``."""
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    return math.exp(_z_sum(alpha, power) / math.sqrt(2.0 * n))


# ---------------------------------------------------------------------------------------------- verdict


def holm(p_values: Sequence[float], alpha: float = FAMILY_WISE_ALPHA) -> list[bool]:
    """Holm-Bonferroni step-down: which hypotheses are rejected (in input order) so that the
    probability of rejecting any true one is at most ``alpha``, under any dependence.

    The p-values are taken smallest first; the ``i``-th (from 0) of ``m`` is rejected while
    ``p <= alpha / (m - i)``, and the first that is not stops the procedure. A NaN p-value counts
    as 0: a test that could not be computed is a finding, not a pass.
    """
    p = np.nan_to_num(np.asarray(p_values, dtype=np.float64), nan=0.0)
    m = p.size
    rejected = [False] * m
    for rank, index in enumerate(np.argsort(p, kind="stable")):
        if p[index] > alpha / (m - rank):
            break
        rejected[int(index)] = True
    return rejected


@dataclass
class Verdict:
    """The outcome of :func:`verdict`: ``drifting`` maps each label with a rejected test to those
    tests; ``underpowered`` maps each label whose statistical tests have fewer than ``min_samples``
    samples to that number. ``passed`` is True when nothing drifts and, unless the caller allowed
    it, nothing is underpowered."""

    alpha: float
    n_tests: int
    passed: bool
    drifting: dict[Any, list[TestResult]] = field(default_factory=dict)  # label -> its rejected tests
    underpowered: dict[Any, int] = field(default_factory=dict)
    min_samples: int = MIN_SAMPLES
    allow_underpowered: bool = False

    def describe(self) -> list[str]:
        """One line per finding, for logs and assertion messages."""
        lines = [
            f"{label}: {describe_result(result)}" for label, rejected in self.drifting.items() for result in rejected
        ]
        flag = " (allowed)" if self.allow_underpowered else ""
        lines.extend(
            f"{label}: underpowered, {n} < {self.min_samples} samples{flag}" for label, n in self.underpowered.items()
        )
        return lines


def family_of_test(test: str) -> str | None:
    """The family (:data:`TEST_FAMILIES`) a test's p-value is corrected in; None for an exact test."""
    return TEST_FAMILIES.get(test)


def corrected_rejections(
    p_values: Sequence[float], tests: Sequence[str], alpha: float = FAMILY_WISE_ALPHA
) -> list[bool]:
    """Which of the p-values (of the named tests) are rejected: one Holm correction per test family
    at its share of ``alpha`` (:data:`FAMILY_ALPHAS` scaled by ``alpha / FAMILY_WISE_ALPHA``); an
    exact test is rejected when its p-value is 0 (or NaN)."""
    rejected = [False] * len(p_values)
    by_family: dict[str, list[int]] = {}
    for index, (p_value, test) in enumerate(zip(p_values, tests)):
        family = family_of_test(test)
        if family is None:
            rejected[index] = not p_value > 0.0
        else:
            by_family.setdefault(family, []).append(index)
    scale = alpha / FAMILY_WISE_ALPHA
    for family, indices in by_family.items():
        family_rejected = holm([p_values[i] for i in indices], FAMILY_ALPHAS[family] * scale)
        for index, is_rejected in zip(indices, family_rejected):
            rejected[index] = is_rejected
    return rejected


def verdict(
    results: Mapping[Any, Sequence[TestResult]],
    alpha: float = FAMILY_WISE_ALPHA,
    min_samples: int = MIN_SAMPLES,
    allow_underpowered: bool = False,
) -> Verdict:
    """Every p-value of ``results`` (label -> tests, a label being a role, a tensor, a framework pair
    or any name) through :func:`corrected_rejections`: the labels with a rejected test drift. A
    conforming model fails with probability at most ``alpha``.

    A label whose statistical tests have fewer than ``min_samples`` samples is listed in
    ``underpowered`` and fails the verdict unless ``allow_underpowered``: a small sample passing is
    no evidence (:func:`detectable_ratio`). Exact tests, the correlation screen of
    :func:`independence`, the per-tensor tests (their role's pooled test carries the rule) and the
    first-loss tests are exempt.
    """
    flat = [(label, result) for label, tests in results.items() for result in tests]
    rejected = corrected_rejections([result.p_value for _, result in flat], [result.test for _, result in flat], alpha)
    drifting: dict[Any, list[TestResult]] = {}
    for (label, result), is_rejected in zip(flat, rejected):
        if is_rejected:
            drifting.setdefault(label, []).append(result)
    underpowered: dict[Any, int] = {}
    for label, tests in results.items():
        sizes = [result.n for result in tests if result.test not in _EXEMPT_FROM_MIN_SAMPLES]
        if sizes and min(sizes) < min_samples:
            underpowered[label] = int(min(sizes))
    passed = not drifting and (allow_underpowered or not underpowered)
    return Verdict(
        alpha=alpha,
        n_tests=len(flat),
        passed=passed,
        drifting=drifting,
        underpowered=underpowered,
        min_samples=min_samples,
        allow_underpowered=allow_underpowered,
    )
