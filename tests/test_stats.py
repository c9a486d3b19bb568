"""The statistics module: null samples pass, the drifts the suite exists for are caught.

Every sample is drawn from a seeded generator, so each test is deterministic. The comments give,
for each statistical assertion, the probability that it would fail for an arbitrary seed: the
false-alarm rate for a "passes" assertion, the miss rate for a "fails" one.
"""

import math
import unittest

import numpy as np
from parameterized import parameterized

from init_parity.scheme import Constant, Deterministic, Normal, TruncatedNormal, Uniform
from init_parity.suite.stats import (
    FAMILY_ALPHAS,
    FAMILY_WISE_ALPHA,
    MIN_SAMPLES,
    TEST_ALPHA,
    TestResult,
    corrected_rejections,
    detectable_ratio,
    gaussianize,
    holm,
    independence,
    one_sample,
    pool,
    required_samples,
    tensor_scale,
    two_sample,
    verdict,
)


def draw(dist, n: int, seed: int) -> np.ndarray:
    """``n`` float32 draws of ``dist``, as a framework would store them."""
    rng = np.random.default_rng(seed)
    if isinstance(dist, Uniform):
        values = rng.uniform(dist.low, dist.high, n)
    elif isinstance(dist, TruncatedNormal):
        z = rng.standard_normal(4 * n)
        values = dist.mean + dist.std * z[np.abs(z) <= dist.bound][:n]
    else:
        values = rng.normal(dist.mean, dist.std, n)
    return values.astype(np.float32)


def by_test(results: list[TestResult]) -> dict[str, TestResult]:
    return {result.test: result for result in results}


NULL_CASES = [
    ("normal", Normal(0.02)),
    ("normal_shifted", Normal(0.5, mean=1.0)),
    ("truncated_normal", TruncatedNormal(0.02)),
    ("uniform", Uniform(-0.05, 0.05)),
]


class OneSampleTest(unittest.TestCase):
    @parameterized.expand([(f"{name}_seed{seed}", dist, seed) for name, dist in NULL_CASES for seed in (0, 1)])
    def test_null_sample_passes(self, _, dist, seed):
        # a sample of the expected distribution: ks, std and kurtosis each fail with probability 1e-4, 3e-4 per case
        results = by_test(one_sample(draw(dist, 4096, seed), dist))
        self.assertEqual(set(results), {"ks", "std", "kurtosis"})
        for result in results.values():
            self.assertTrue(result.passes(TEST_ALPHA), result)
            self.assertEqual(result.n, 4096)

    def test_std_test_reports_the_measured_std(self):
        results = by_test(one_sample(draw(Normal(0.02), 4096, 2), Normal(0.02)))
        # 4096 normal draws: the sample std is within 0.02 * (1 +- 0.05) but with probability ~1e-10
        self.assertAlmostEqual(results["std"].statistic, 0.02, delta=0.001)
        self.assertIn("expected 0.02", results["std"].detail)

    @parameterized.expand([("too_large", 1.1), ("too_small", 0.9)])
    def test_ten_percent_std_error_fails(self, _, ratio):
        # detectable_ratio(16384) = 1.035: a 10% error moves the std z-score by ~17, a miss never happens
        sample = draw(Normal(0.02 * ratio), 16384, 3)
        result = by_test(one_sample(sample, Normal(0.02)))["std"]
        self.assertFalse(result.passes(TEST_ALPHA), result)
        self.assertAlmostEqual(result.statistic / 0.02, ratio, delta=0.02)

    def test_truncated_embedding_against_normal_is_detected(self):
        # TensorFlow's truncated_normal(std) where the scheme says normal(std): actual std 0.88 * std.
        # A 12% std drop at n = 4096 is a z-score of ~8: missed with probability < 1e-8
        truncated = TruncatedNormal(0.02)
        self.assertAlmostEqual(truncated.actual_std / 0.02, 0.8796, places=3)
        result = by_test(one_sample(draw(truncated, 4096, 4), Normal(0.02)))["std"]
        self.assertFalse(result.passes(TEST_ALPHA), result)
        self.assertAlmostEqual(result.statistic / 0.02, 0.88, delta=0.02)

    def test_normal_against_truncated_is_detected(self):
        # a normal sample has 4.6% of its mass beyond 2 std, where the truncated cdf is flat: KS D = 0.023 vs a
        # 1e-4 critical value of 0.017 at n = 16384 (missed with probability < 1e-5); the std is 1.14x too large
        # (z ~ 30, never missed)
        results = by_test(one_sample(draw(Normal(0.02), 16384, 5), TruncatedNormal(0.02)))
        self.assertFalse(results["ks"].passes(TEST_ALPHA), results["ks"])
        self.assertFalse(results["std"].passes(TEST_ALPHA), results["std"])

    def test_uniform_against_normal_of_equal_std_is_detected_by_ks_only(self):
        # equal std, different shape: D = 0.057 vs a 1e-4 critical value of 0.017 at n = 16384 (missed with
        # probability < 1e-9); the std test passes (false alarm < 1e-4: a uniform's m2 varies less than a normal's)
        half_width = 0.02 * math.sqrt(3.0)
        results = by_test(one_sample(draw(Uniform(-half_width, half_width), 16384, 6), Normal(0.02)))
        self.assertFalse(results["ks"].passes(TEST_ALPHA), results["ks"])
        self.assertTrue(results["std"].passes(TEST_ALPHA), results["std"])

    def test_constant(self):
        value = np.float32(0.1)  # not exactly 0.1: float32 rounding is within the tolerance
        exact = by_test(one_sample(np.full(64, value), Constant(0.1)))["constant"]
        self.assertEqual(exact.p_value, 1.0)
        noisy = np.full(64, value)
        noisy[10] += 1e-4
        self.assertEqual(by_test(one_sample(noisy, Constant(0.1)))["constant"].p_value, 0.0)
        self.assertEqual(by_test(one_sample(np.zeros(8), Constant(1.0)))["constant"].p_value, 0.0)
        self.assertEqual(by_test(one_sample(np.zeros(8), Constant(0.0)))["constant"].p_value, 1.0)

    def test_deterministic_is_not_a_distribution_test(self):
        with self.assertRaises(ValueError):
            one_sample(np.zeros(8), Deterministic("sinusoidal"))

    def test_non_finite_values_fail(self):
        sample = draw(Normal(0.02), 4096, 7)
        sample[3] = np.nan
        (result,) = one_sample(sample, Normal(0.02))
        self.assertEqual((result.test, result.p_value), ("finite", 0.0))


class TwoSampleTest(unittest.TestCase):
    @parameterized.expand([("normal", Normal(0.02)), ("uniform", Uniform(-0.05, 0.05))])
    def test_independent_null_samples_pass(self, _, dist):
        # same distribution on both sides: ks2 and std_ratio each fail with probability ~1e-4, so 2e-4 per case
        results = by_test(two_sample(draw(dist, 16384, 10), draw(dist, 16384, 11)))
        self.assertEqual(set(results), {"ks2", "std_ratio"})
        for result in results.values():
            self.assertTrue(result.passes(TEST_ALPHA), result)

    def test_std_ratio_of_1_1_is_detected(self):
        # two-sample z-score shift ln(1.1) * sqrt(n) = 12.2 at n = 16384: missed with probability < 1e-10
        result = by_test(two_sample(draw(Normal(0.022), 16384, 12), draw(Normal(0.02), 16384, 13)))["std_ratio"]
        self.assertFalse(result.passes(TEST_ALPHA), result)
        self.assertAlmostEqual(result.statistic, 1.1, delta=0.02)

    def test_uniform_vs_normal_of_equal_std_is_detected_by_ks2(self):
        # D = 0.057 vs a 1e-4 critical value of 0.025 for 16384 on each side: missed with probability < 1e-8
        half_width = 0.02 * math.sqrt(3.0)
        uniform, normal = draw(Uniform(-half_width, half_width), 16384, 14), draw(Normal(0.02), 16384, 15)
        self.assertFalse(by_test(two_sample(uniform, normal))["ks2"].passes(TEST_ALPHA))

    def test_constants(self):
        self.assertEqual(by_test(two_sample(np.ones(16), np.ones(32)))["constant2"].p_value, 1.0)
        self.assertEqual(by_test(two_sample(np.ones(16), np.zeros(16)))["constant2"].p_value, 0.0)
        self.assertEqual(by_test(two_sample(np.ones(16), draw(Normal(1.0), 16, 16)))["constant2"].p_value, 0.0)
        self.assertEqual(by_test(two_sample(draw(Normal(1.0), 16, 17), np.zeros(16)))["constant2"].p_value, 0.0)


class IndependenceTest(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(20)
        self.tensors = {f"layer.{i}.weight": rng.normal(0, 0.02, (64, 64)).astype(np.float32) for i in range(12)}
        self.tensors.update({f"layer.{i}.bias": rng.normal(0, 0.02, 64).astype(np.float32) for i in range(4)})
        # constants are ignored, although two layer-norm scales are equal to each other
        self.tensors.update({"norm.0.weight": np.ones(64, np.float32), "norm.1.weight": np.ones(64, np.float32)})

    def findings(self, tensors):
        return [result for result in independence(tensors) if not result.passes(TEST_ALPHA)]

    def test_independent_tensors_pass(self):
        results = independence(self.tensors)
        correlations = [result for result in results if result.test == "correlation"]
        self.assertEqual(len(correlations), 66 + 6)  # pairs among 12 weights and among 4 biases
        self.assertEqual(sum(result.test == "duplicate_rows" for result in results), 12)
        # Bonferroni over the 72 pairs: a false alarm with probability 1e-4 for the whole assertion
        self.assertGreater(min(result.p_value for result in correlations), TEST_ALPHA / len(correlations))
        self.assertTrue(all(result.p_value == 1.0 for result in results if result.test != "correlation"))
        self.assertFalse(any(result.test == "identical" for result in results))

    def test_identical_tensors_are_flagged(self):
        self.tensors["lm_head.weight"] = self.tensors["layer.3.weight"].copy()
        identical = [result for result in self.findings(self.tensors) if result.test == "identical"]
        self.assertEqual(len(identical), 1)
        self.assertIn("layer.3.weight and lm_head.weight", identical[0].detail)

    def test_identical_values_in_another_shape_are_flagged(self):
        self.tensors["reshaped"] = self.tensors["layer.5.weight"].reshape(16, 256)
        self.assertIn("identical", {result.test for result in self.findings(self.tensors)})

    def test_correlated_tensors_are_flagged(self):
        # r = 0.5 on 4096 elements: z = 32, missed with probability ~1e-200
        noise = np.random.default_rng(21).normal(0, 0.02, (64, 64))
        self.tensors["correlated"] = (0.5 * self.tensors["layer.0.weight"] + math.sqrt(0.75) * noise).astype(
            np.float32
        )
        findings = self.findings(self.tensors)
        self.assertEqual([result.test for result in findings], ["correlation"])
        self.assertIn("layer.0.weight ~ correlated", findings[0].detail)
        self.assertAlmostEqual(findings[0].statistic, 0.5, delta=0.05)

    def test_duplicated_rows_are_flagged(self):
        self.tensors["layer.7.weight"][40] = self.tensors["layer.7.weight"][9]
        findings = self.findings(self.tensors)
        self.assertEqual([result.test for result in findings], ["duplicate_rows"])
        self.assertIn("rows [9, 40]", findings[0].detail)

    def test_large_tensors_are_subsampled_deterministically(self):
        rng = np.random.default_rng(22)
        big = {"a": rng.standard_normal(1_200_000).astype(np.float32)}
        big["b"] = (0.01 * big["a"] + rng.standard_normal(1_200_000)).astype(np.float32)
        first, second = independence(big), independence(big)
        self.assertEqual(first, second)
        (result,) = first
        self.assertEqual(result.n, 1_000_000)
        # r = 0.01 on 1e6 positions: z = 10, missed with probability ~1e-13
        self.assertFalse(result.passes(TEST_ALPHA), result)


class HolmTest(unittest.TestCase):
    def test_hand_computed_example(self):
        # sorted: 0.001 <= 0.05/4 rejected; 0.02 > 0.05/3 stops, so 0.024 (<= 0.05/2) is not rejected either
        self.assertEqual(holm([0.02, 0.024, 0.001, 0.5], alpha=0.05), [False, False, True, False])
        # 0.015 > 0.05/4 (Bonferroni keeps it) but is the second smallest: 0.015 <= 0.05/3, rejected
        self.assertEqual(holm([0.015, 0.04, 0.03, 0.005], alpha=0.05), [True, False, False, True])
        # every step passes its threshold: 0.01 <= 0.0125, 0.015 <= 0.0167, 0.02 <= 0.025, 0.04 <= 0.05
        self.assertEqual(holm([0.04, 0.015, 0.02, 0.01], alpha=0.05), [True, True, True, True])

    def test_edge_cases(self):
        self.assertEqual(holm([]), [])
        self.assertEqual(holm([math.nan, 0.5]), [True, False])
        self.assertEqual(holm([FAMILY_WISE_ALPHA]), [True])


class VerdictTest(unittest.TestCase):
    def stat(self, p_value, n=4096, test="std"):
        return TestResult(test, 0.0, p_value, n)

    def test_drift_is_reported_by_label(self):
        results = {
            "encoder.q [pt]": [self.stat(0.3), self.stat(1e-9)],
            "encoder.q [tf]": [self.stat(0.3), self.stat(0.5)],
            "norm [pt]": [self.stat(1.0, n=64, test="constant")],
        }
        outcome = verdict(results)
        self.assertFalse(outcome.passed)
        self.assertEqual(outcome.n_tests, 5)
        self.assertEqual(outcome.alpha, FAMILY_WISE_ALPHA)
        self.assertEqual(list(outcome.drifting), ["encoder.q [pt]"])
        self.assertEqual(outcome.drifting["encoder.q [pt]"][0].p_value, 1e-9)
        self.assertEqual(outcome.underpowered, {})

    def test_holm_applies_across_labels(self):
        # 3e-4 passes alone at the distribution family's 4e-4, but is the smallest of 4 p-values:
        # 3e-4 > 4e-4 / 4 does not reject
        results = {f"role{i} [pt]": [self.stat(p)] for i, p in enumerate([3e-4, 0.5, 0.5, 0.5])}
        self.assertTrue(verdict(results).passed)
        self.assertFalse(verdict({"role0 [pt]": [self.stat(3e-4)]}).passed)

    def test_underpowered_labels_do_not_pass_silently(self):
        results = {"big [pt]": [self.stat(0.5)], "small [pt]": [self.stat(0.5, n=MIN_SAMPLES - 1), self.stat(0.5)]}
        outcome = verdict(results)
        self.assertEqual(outcome.underpowered, {"small [pt]": MIN_SAMPLES - 1})
        self.assertEqual(outcome.drifting, {})
        self.assertFalse(outcome.passed)
        self.assertTrue(verdict(results, allow_underpowered=True).passed)
        self.assertTrue(verdict(results, min_samples=100).passed)

    @parameterized.expand([("constant",), ("constant2",), ("identical",), ("duplicate_rows",)])
    def test_exact_tests_are_exempt_from_the_sample_minimum(self, test):
        self.assertTrue(verdict({"bias [pt]": [self.stat(1.0, n=8, test=test)]}).passed)

    def test_families_do_not_dilute_each_other(self):
        # 2000 correlation pairs at p = 0.5 used to raise the threshold of a std test to 1e-3 / 2001;
        # in its own family (4e-4 over 2 tests) a std p-value of 1e-5 is rejected
        results = {"independence [pt]": [self.stat(0.5, test="correlation")] * 2000}
        results["q [pt]"] = [self.stat(1e-5), self.stat(0.5, test="ks")]
        outcome = verdict(results)
        self.assertEqual(list(outcome.drifting), ["q [pt]"])
        self.assertEqual(sum(FAMILY_ALPHAS.values()), FAMILY_WISE_ALPHA)
        self.assertEqual(corrected_rejections([1e-5, 1e-5], ["std", "correlation"]), [True, True])
        # the same p-value in a family of 40 tests (threshold 2e-4 / 40 = 5e-6) is not
        self.assertEqual(corrected_rejections([1e-5] + [0.5] * 39, ["correlation"] * 40)[0], False)

    def test_exact_tests_reject_exactly_at_zero(self):
        self.assertEqual(
            corrected_rejections([0.0, 1.0, math.nan], ["padding_row", "tie", "identical"]), [True, False, True]
        )


class ShapeTest(unittest.TestCase):
    """The kurtosis test sees laws of the right std but the wrong tails, where KS has little power."""

    def test_same_std_uniform_is_caught_at_1024(self):
        # uniform with std 0.02: b2 = 1.8 against 3, z about -9 at n = 1024 (benchmarks/power.py: power 1.000)
        rng = np.random.default_rng(3)
        half_width = 0.02 * math.sqrt(3.0)
        results = by_test(one_sample(rng.uniform(-half_width, half_width, 1024), Normal(0.02)))
        self.assertFalse(results["kurtosis"].passes(1e-8), results["kurtosis"])
        self.assertLess(results["kurtosis"].statistic, 2.0)
        self.assertIn("lighter tails", results["kurtosis"].detail)
        self.assertTrue(results["std"].passes(TEST_ALPHA), results["std"])  # the std is right

    def test_same_std_student_t_is_caught_at_16384(self):
        # Student t with 10 degrees of freedom (kurtosis 4) scaled to std 0.02; miss rate < 1e-6 here
        rng = np.random.default_rng(4)
        sample = rng.standard_t(10, 16384) * 0.02 / math.sqrt(10 / 8)
        result = by_test(one_sample(sample, Normal(0.02)))["kurtosis"]
        self.assertFalse(result.passes(1e-8), result)
        self.assertIn("heavier tails", result.detail)

    @parameterized.expand([("truncated_normal", TruncatedNormal(0.02)), ("uniform", Uniform(-0.05, 0.05))])
    def test_gaussianized_null_is_standard_normal(self, _, dist):
        z = gaussianize(draw(dist, 1 << 16, 5), dist)
        self.assertAlmostEqual(float(np.mean(z)), 0.0, delta=0.02)  # 5 standard errors
        self.assertAlmostEqual(float(np.std(z)), 1.0, delta=0.02)

    def test_normal_sample_against_a_uniform_is_caught(self):
        # mass outside the uniform's support maps to |z| = 8.2
        sample = np.random.default_rng(6).normal(0.0, 0.05 / math.sqrt(3.0), 4096)
        self.assertFalse(by_test(one_sample(sample, Uniform(-0.05, 0.05)))["kurtosis"].passes(1e-8))


class TensorScaleTest(unittest.TestCase):
    def test_one_tensor_five_percent_off_is_named(self):
        # 16384 draws with the std 5% high: ln(1.05) sqrt(2n) = 8.8 standard errors
        sample = np.random.default_rng(7).normal(0.0, 0.021, 16384)
        result = tensor_scale("decoder.block.1.layer.0.SelfAttention.q.weight", sample, Normal(0.02))
        self.assertEqual(result.test, "tensor_std")
        self.assertLess(result.p_value, 1e-12)
        self.assertTrue(result.detail.startswith("decoder.block.1.layer.0.SelfAttention.q.weight: "))
        self.assertIn("(ratio 1.0", result.detail)

    def test_null_tensor_passes_and_constant_roles_are_left_to_their_exact_test(self):
        rng = np.random.default_rng(8)
        # false-alarm rate 1e-4 each
        self.assertTrue(tensor_scale("w", rng.normal(0.0, 0.02, 8192), Normal(0.02)).passes(TEST_ALPHA))
        pair = tensor_scale("w", rng.normal(0.0, 0.02, 8192), other=rng.normal(0.0, 0.02, 8192))
        self.assertEqual(pair.test, "tensor_std_ratio")
        self.assertTrue(pair.passes(TEST_ALPHA))
        self.assertEqual(tensor_scale("w", np.zeros(64), Normal(0.02)).p_value, 0.0)  # a layer left at zero
        self.assertIsNone(tensor_scale("ln", np.ones(64), Constant(1.0)))


class PowerTest(unittest.TestCase):
    @parameterized.expand([(256,), (1000,), (4096,), (16384,), (10**6,)])
    def test_required_samples_inverts_detectable_ratio(self, n):
        ratio = detectable_ratio(n)
        self.assertGreater(ratio, 1.0)
        self.assertEqual(required_samples(ratio), n)
        self.assertEqual(required_samples(1.0 / ratio), required_samples(ratio))

    @parameterized.expand([(1.01,), (1.05,), (1.1,), (1.5,)])
    def test_detectable_ratio_inverts_required_samples(self, ratio):
        n = required_samples(ratio)
        self.assertLessEqual(detectable_ratio(n), ratio)
        self.assertGreater(detectable_ratio(n - 1), ratio)

    def test_known_value(self):
        # (z_{5e-5} + z_{0.99})^2 / (2 ln(1.1)^2) = (3.8906 + 2.3263)^2 / 0.018170 = 2127.2
        self.assertEqual(required_samples(1.1), 2128)
        self.assertGreater(required_samples(1.1, alpha=1e-6), required_samples(1.1))
        self.assertGreater(required_samples(1.1, power=0.999), required_samples(1.1))


class PoolTest(unittest.TestCase):
    def test_pool_flattens_to_float64(self):
        pooled = pool([np.ones((2, 3), np.float32), np.zeros(4, np.float16)])
        self.assertEqual(pooled.dtype, np.float64)
        np.testing.assert_array_equal(pooled, [1, 1, 1, 1, 1, 1, 0, 0, 0, 0])
        self.assertEqual(pool([]).size, 0)


if __name__ == "__main__":
    unittest.main()
