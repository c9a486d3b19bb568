"""False-alarm rate and power of the std tests of ``init_parity.stats``, measured by simulation.

1. False alarms: for each n, ``--trials`` samples of N(0, 1) go through the one-sample ``std``
   test (against Normal(1)) and as many pairs through the two-sample ``std_ratio`` test. At
   ``TEST_ALPHA`` = 1e-4 a few thousand trials expect a fraction of one alarm, so the rate is also
   measured at 0.01 and 0.05, where it can be compared with the nominal rate (printed with the
   binomial two-sigma half-width of the measurement).
2. Power: for each n, the smallest std ratio r that the test detects with 99% power at
   ``TEST_ALPHA``, found by bisection on r. The same seeded standard-normal draws are scaled by
   every r tried (common random numbers), so the fraction detected is monotone in r and the
   bisection converges. With T trials the 1% quantile it estimates has a standard error of about
   0.17 * sqrt(500 / T) in z units (of z_{alpha/2} + z_beta = 6.2), so 2000 trials pin
   ln(r_measured) to about 1.3%. It is printed beside the bound of
   ``init_parity.stats.detectable_ratio``, ``r_bound = exp((z_{alpha/2} + z_beta) / sqrt(2n))``
   for one sample (``Var(ln s^2) ~= 2/n``); for two samples of n each
   ``Var(ln s_a^2 - ln s_b^2) ~= 4/n``, so ``sqrt(n)`` replaces ``sqrt(2n)``:
   ``detectable_ratio(n / 2)``. ``ln(r_measured) / ln(r_bound)`` near 1 means the tests are as
   sharp as their normal-theory approximation says.

The tests themselves are ``init_parity.stats.std_test_batch`` and ``std_ratio_test_batch``, the
vectorised forms that ``one_sample`` and ``two_sample`` call.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from init_parity.scheme import Normal
from init_parity.stats import TEST_ALPHA, detectable_ratio, std_ratio_test_batch, std_test_batch

SIZES = (256, 1024, 4096, 16384)
ALPHAS = (0.05, 0.01, TEST_ALPHA)
POWER = 0.99
CHUNK_ELEMENTS = 1 << 22  # rows of a (trials, n) draw are processed in blocks of about this many elements
UNIT = Normal(1.0)


def one_sample_p(samples: np.ndarray) -> np.ndarray:
    return std_test_batch(samples, UNIT)[2]


def two_sample_p(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return std_ratio_test_batch(a, b)[2]


def null_p_values(n: int, trials: int, seed: int) -> dict[str, np.ndarray]:
    """p-values of both tests on ``trials`` samples of the null (N(0, 1), and pairs of them)."""
    rng = np.random.default_rng(seed)
    rows = max(1, CHUNK_ELEMENTS // n)
    one, two = [], []
    for start in range(0, trials, rows):
        block = min(rows, trials - start)
        one.append(one_sample_p(rng.standard_normal((block, n))))
        two.append(two_sample_p(rng.standard_normal((block, n)), rng.standard_normal((block, n))))
    return {"one-sample std": np.concatenate(one), "two-sample std_ratio": np.concatenate(two)}


def smallest_detected_ratio(power_at, bound: float, tolerance: float = 1e-4) -> float:
    """Bisection on ln r for the smallest r > 1 with ``power_at(r) >= POWER`` (monotone in r)."""
    low, high = 0.0, 2.0 * math.log(bound)
    while power_at(math.exp(high)) < POWER:
        low, high = high, 2.0 * high
    while high - low > tolerance:
        middle = 0.5 * (low + high)
        if power_at(math.exp(middle)) >= POWER:
            high = middle
        else:
            low = middle
    return math.exp(high)


def rejection_rate(p_values_of, *matrices: np.ndarray) -> float:
    """Fraction of rows rejected at ``TEST_ALPHA``, computed in blocks of rows to bound the memory."""
    rows = max(1, CHUNK_ELEMENTS // matrices[0].shape[1])
    rejected = sum(
        int(np.sum(p_values_of(*(matrix[start : start + rows] for matrix in matrices)) <= TEST_ALPHA))
        for start in range(0, matrices[0].shape[0], rows)
    )
    return rejected / matrices[0].shape[0]


def measured_ratios(n: int, trials: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((trials, n))
    other = rng.standard_normal((trials, n))

    def one_power(ratio: float) -> float:
        return rejection_rate(lambda x: one_sample_p(ratio * x), base)

    def two_power(ratio: float) -> float:
        return rejection_rate(lambda a, b: two_sample_p(ratio * a, b), base, other)

    return {
        "one-sample std": smallest_detected_ratio(one_power, detectable_ratio(n)),
        "two-sample std_ratio": smallest_detected_ratio(two_power, detectable_ratio(n / 2)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=2000, help="null trials per n and test (default 2000)")
    parser.add_argument(
        "--power-trials", type=int, default=2000, help="trials per point of the bisection (>= 200; default 2000)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="500 null trials, 200 per bisection point")
    args = parser.parse_args()
    trials, power_trials = (500, 200) if args.quick else (args.trials, args.power_trials)
    if power_trials < 200:
        parser.error("--power-trials must be at least 200: 99% power is 2 misses in 200")
    started = time.perf_counter()

    print(f"False-alarm rate under the null: {trials} trials per n and test, N(0, 1) samples")
    print("measured rate (+- binomial 2 sd of the measurement); at alpha = 1e-4 the count of alarms\n")
    header = f"{'test':<22}{'n':>7}" + "".join(f"{f'alpha = {alpha:g}':>24}" for alpha in ALPHAS[:-1])
    print(header + f"{f'alarms at {TEST_ALPHA:g} (expected)':>32}")
    print("-" * (len(header) + 32))
    null_rows = {n: null_p_values(n, trials, args.seed + n) for n in SIZES}
    for test in ("one-sample std", "two-sample std_ratio"):
        for n in SIZES:
            p_values = null_rows[n][test]
            cells = []
            for alpha in ALPHAS[:-1]:
                rate = float(np.mean(p_values <= alpha))
                cells.append(f"{rate:.4f} (+-{2 * math.sqrt(alpha * (1 - alpha) / trials):.4f})")
            alarms = int(np.sum(p_values <= TEST_ALPHA))
            print(
                f"{test:<22}{n:>7}"
                + "".join(f"{cell:>24}" for cell in cells)
                + f"{alarms:>22} ({trials * TEST_ALPHA:.2g})"
            )

    print(f"\nSmallest std ratio detected with {POWER:.0%} power at alpha = {TEST_ALPHA:g}")
    print(f"bisection on r > 1, {power_trials} trials per point (common random numbers)")
    print("r_bound: one-sample exp((z_a/2 + z_b) / sqrt(2n)); two-sample (n on each side) with sqrt(n)\n")
    header = f"{'test':<22}{'n':>7}{'r_measured':>13}{'r_bound':>11}{'ln r_meas / ln r_bound':>26}"
    print(header)
    print("-" * len(header))
    measured = {n: measured_ratios(n, power_trials, args.seed + 7 * n + 1) for n in SIZES}
    bounds = {"one-sample std": detectable_ratio, "two-sample std_ratio": lambda n: detectable_ratio(n / 2)}
    for test, bound_of in bounds.items():
        for n in SIZES:
            ratio, bound = measured[n][test], bound_of(n)
            print(f"{test:<22}{n:>7}{ratio:>13.4f}{bound:>11.4f}{math.log(ratio) / math.log(bound):>26.3f}")
    print(f"\n{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
