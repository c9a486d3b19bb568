"""False-alarm rate and power of the std tests of ``init_parity.suite.stats``, measured by simulation.

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
   ``init_parity.suite.stats.detectable_ratio``, ``r_bound = exp((z_{alpha/2} + z_beta) / sqrt(2n))``
   for one sample (``Var(ln s^2) ~= 2/n``); for two samples of n each
   ``Var(ln s_a^2 - ln s_b^2) ~= 4/n``, so ``sqrt(n)`` replaces ``sqrt(2n)``:
   ``detectable_ratio(n / 2)``. ``ln(r_measured) / ln(r_bound)`` near 1 means the tests are as
   sharp as their normal-theory approximation says.

3. Per-tensor power (``--suite``, the table of docs/power.md): for n in {1024, 4096, 16384}, the
   smallest std ratio of one tensor that the ``tensor_std`` test detects with 99% power at the
   threshold the suite really uses: Holm's first step in the tensor family, ``FAMILY_ALPHAS["tensor"]
   / m`` with ``m`` the largest number of per-tensor tests of one check of the suite
   (``--tensor-tests``). Same bisection as 2.
4. Shape power at equal std: the fraction of samples of a uniform, a Student t (10 degrees of freedom,
   kurtosis 4) and a Laplace (kurtosis 6), each scaled to the expected std, that the ``kurtosis`` test
   (and, for comparison, ``ks``) rejects at ``FAMILY_ALPHAS["distribution"] / m`` (``--distribution-tests``).
5. Whole-suite false alarms: ``--null-runs`` (>= 2000) runs of the whole statistics layer
   (``init_parity.suite.conformance.check_arrays``: pooled, per-tensor, shape, independence and cross-framework
   tests, one Holm correction per family) on a tiny T5 (the suite's config, PyTorch and TensorFlow
   names and shapes, two seeds) whose every tensor is drawn with numpy from the scheme. The fraction
   of runs whose verdict finds anything is the measured family-wise false-alarm rate, printed at
   ``FAMILY_WISE_ALPHA`` = 1e-3 and, where a few thousand runs can resolve it, at 1e-2 and 5e-2.

The tests themselves are ``init_parity.suite.stats.std_test_batch``, ``std_ratio_test_batch`` and
``kurtosis_test_batch``, the vectorised forms that ``one_sample``, ``two_sample`` and
``tensor_scale`` call.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from init_parity.scheme import Normal
from init_parity.suite.stats import (
    FAMILY_ALPHAS,
    TEST_ALPHA,
    detectable_ratio,
    kurtosis_test_batch,
    std_ratio_test_batch,
    std_test_batch,
)

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


def rejection_rate(p_values_of, *matrices: np.ndarray, alpha: float = TEST_ALPHA) -> float:
    """Fraction of rows rejected at ``alpha``, computed in blocks of rows to bound the memory."""
    rows = max(1, CHUNK_ELEMENTS // matrices[0].shape[1])
    rejected = sum(
        int(np.sum(p_values_of(*(matrix[start : start + rows] for matrix in matrices)) <= alpha))
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


# ------------------------------------------------------------------------------------ the suite's table

SUITE_SIZES = (1024, 4096, 16384)
UNIT_STD = 1.0


def ks_p_values(samples: np.ndarray) -> np.ndarray:
    """One-sample KS p-values of each row against N(0, 1) (exact distribution of D, vectorised)."""
    from scipy.special import ndtr
    from scipy.stats import kstwo

    n = samples.shape[1]
    cdf = ndtr(np.sort(samples, axis=1))
    steps = np.arange(1, n + 1) / n
    d = np.maximum(np.max(steps - cdf, axis=1), np.max(cdf - (steps - 1.0 / n), axis=1))
    return kstwo.sf(d, n)


def same_std_laws(rng: np.random.Generator, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Samples of std 1 from laws that are not N(0, 1): lighter and heavier tails."""
    return {
        "uniform (kurtosis 1.8)": rng.uniform(-math.sqrt(3.0), math.sqrt(3.0), shape),
        "Student t, 10 df (kurtosis 4)": rng.standard_t(10, shape) / math.sqrt(10.0 / 8.0),
        "Laplace (kurtosis 6)": rng.laplace(0.0, 1.0 / math.sqrt(2.0), shape),
    }


def suite_power(trials: int, seed: int, tensor_tests: int, distribution_tests: int) -> None:
    tensor_alpha = FAMILY_ALPHAS["tensor"] / tensor_tests
    shape_alpha = FAMILY_ALPHAS["distribution"] / distribution_tests
    print(f"\nPer-tensor std test: smallest ratio detected with {POWER:.0%} power ({trials} trials per point)")
    print(
        f"at alpha = tensor family {FAMILY_ALPHAS['tensor']:g} / {tensor_tests} tests = {tensor_alpha:.3g} "
        "(Holm's first step: the strictest threshold a tensor faces)\n"
    )
    print(f"{'n':>7}{'r_measured':>13}{'r_bound':>11}{'required':>11}")
    targets = {4096: 1.10, 16384: 1.05}
    for n in SUITE_SIZES:
        rng = np.random.default_rng(seed + n)
        base = rng.standard_normal((trials, n))

        def power_at(ratio: float, base=base) -> float:
            return rejection_rate(lambda x: one_sample_p(ratio * x), base, alpha=tensor_alpha)

        bound = detectable_ratio(n, alpha=tensor_alpha)
        ratio = smallest_detected_ratio(power_at, bound)
        target = f"<= {targets[n]:.2f}" if n in targets else ""
        print(f"{n:>7}{ratio:>13.4f}{bound:>11.4f}{target:>11}")

    print(f"\nShape at equal std: power of kurtosis (and KS) against laws of std 1, {trials} trials")
    print(
        f"at alpha = distribution family {FAMILY_ALPHAS['distribution']:g} / {distribution_tests} tests "
        f"= {shape_alpha:.3g}\n"
    )
    print(f"{'law':<32}{'n':>7}{'kurtosis':>11}{'ks':>9}{'either':>9}")
    for n in SUITE_SIZES:
        rng = np.random.default_rng(seed + 3 * n)
        for law, samples in same_std_laws(rng, (trials, n)).items():
            kurtosis_p = kurtosis_test_batch(samples, UNIT)[2]
            ks_p = ks_p_values(samples)
            kurtosis_power = float(np.mean(kurtosis_p <= shape_alpha))
            ks_power = float(np.mean(ks_p <= shape_alpha))
            either = float(np.mean((kurtosis_p <= shape_alpha) | (ks_p <= shape_alpha)))
            print(f"{law:<32}{n:>7}{kurtosis_power:>11.4f}{ks_power:>9.4f}{either:>9.4f}")


# ------------------------------------------------------------------------- whole-suite false alarms

NULL_ALPHAS = (1e-3, 1e-2, 5e-2)


def null_model():
    """The tiny T5 of the suite (PyTorch and TensorFlow names and shapes, two seeds) and a function
    that draws every tensor of it from the scheme with a numpy generator."""
    from init_parity.scheme.plan import family_of, zero_row
    from init_parity.suite.building import collect, counterparts
    from init_parity.suite.frameworks import installed
    from init_parity.suite.labels import tensor_name
    from init_parity.suite.models.tiny_configs import tiny_config

    config = tiny_config("t5")
    frameworks = tuple(fw for fw in ("pt", "tf") if fw in installed())
    template = collect(counterparts("t5", frameworks), config)
    scheme = family_of(config)

    def draw(rng: np.random.Generator) -> dict[str, dict[str, np.ndarray]]:
        arrays = {}
        for framework, tensors in template.items():
            arrays[framework] = {}
            for name, value in tensors.items():
                rule = scheme.rule_for(tensor_name(name).name, config)
                dist = rule.distribution(config)
                if dist.kind == "normal":
                    drawn = rng.normal(dist.mean, dist.std, value.shape)
                elif dist.kind == "truncated_normal":
                    from scipy.stats import truncnorm

                    drawn = dist.mean + dist.std * truncnorm.rvs(
                        -dist.bound, dist.bound, size=value.shape, random_state=rng
                    )
                elif dist.kind == "uniform":
                    drawn = rng.uniform(dist.low, dist.high, value.shape)
                elif dist.kind == "constant":
                    drawn = np.full(value.shape, dist.value)
                else:
                    drawn = value
                row = zero_row(rule, config, value.shape[0]) if rule.zero_row else None
                if row is not None:
                    drawn[row] = 0.0
                arrays[framework][name] = drawn.astype(np.float32)
        return arrays

    return config, draw


def _null_chunk(args: tuple[int, int]) -> list[dict[float, bool]]:
    import init_parity
    from init_parity.suite.conformance import check_arrays
    from init_parity.suite.stats import verdict

    start, count = args
    init_parity.enable()
    config, draw = null_model()
    outcomes = []
    for run in range(start, start + count):
        check = check_arrays("t5", config, draw(np.random.default_rng(10_000 + run)), patched=True)
        labelled = check.labelled_results()
        outcomes.append({alpha: bool(verdict(labelled, alpha=alpha).drifting) for alpha in NULL_ALPHAS})
    return outcomes


def suite_false_alarms(runs: int, workers: int, first_run: int = 0) -> None:
    from multiprocessing import get_context

    import init_parity
    from init_parity.suite.conformance import check_arrays

    init_parity.enable()
    config, draw = null_model()
    example = check_arrays("t5", config, draw(np.random.default_rng(0)), patched=True)
    counts: dict[str, int] = {}
    for results in example.labelled_results().values():
        for result in results:
            counts[result.test] = counts.get(result.test, 0) + 1
    print(
        f"\nWhole-suite false alarms: {runs} null runs (seeds {10_000 + first_run}-{10_000 + first_run + runs - 1}) "
        "of check_arrays on a tiny T5 drawn from the scheme"
    )
    print("tests per run: " + ", ".join(f"{test} {count}" for test, count in sorted(counts.items())))
    chunk = max(1, runs // (workers * 8))
    jobs = [(first_run + start, min(chunk, runs - start)) for start in range(0, runs, chunk)]
    with get_context("spawn").Pool(workers) as pool:
        outcomes = [outcome for part in pool.map(_null_chunk, jobs) for outcome in part]
    print(
        f"\n{'nominal family-wise alpha':<28}{'runs with a finding':>22}{'measured rate':>16}{'95% upper bound':>18}"
    )
    from scipy.stats import beta

    for alpha in NULL_ALPHAS:
        alarms = sum(outcome[alpha] for outcome in outcomes)
        upper = float(beta.ppf(0.95, alarms + 1, len(outcomes) - alarms)) if alarms < len(outcomes) else 1.0
        print(f"{alpha:<28g}{alarms:>22}{alarms / len(outcomes):>16.5f}{upper:>18.5f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=2000, help="null trials per n and test (default 2000)")
    parser.add_argument(
        "--power-trials", type=int, default=2000, help="trials per point of the bisection (>= 200; default 2000)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="500 null trials, 200 per bisection point")
    parser.add_argument("--suite", action="store_true", help="only the suite's table (3 to 5): docs/power.md")
    parser.add_argument("--tensor-tests", type=int, default=1000, help="per-tensor tests of one check (m)")
    parser.add_argument("--distribution-tests", type=int, default=1000, help="distribution tests of one check")
    parser.add_argument("--null-runs", type=int, default=2000, help="whole-suite null runs (>= 2000)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the null runs")
    parser.add_argument(
        "--first-run", type=int, default=0, help="index of the first null run (more runs on fresh seeds)"
    )
    parser.add_argument(
        "--false-alarms-only", action="store_true", help="with --suite: only the whole-suite null runs (5)"
    )
    args = parser.parse_args()
    trials, power_trials = (500, 200) if args.quick else (args.trials, args.power_trials)
    if power_trials < 200:
        parser.error("--power-trials must be at least 200: 99% power is 2 misses in 200")
    started = time.perf_counter()
    if args.suite:
        if not args.false_alarms_only:
            suite_power(power_trials, args.seed, args.tensor_tests, args.distribution_tests)
        suite_false_alarms(args.null_runs, args.workers, args.first_run)
        print(f"\n{time.perf_counter() - started:.1f} s")
        return

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
