"""Issue acceptance for the T5 family: a T5 config with num_heads * d_kv != d_model, untied and
gated-gelu, built in PyTorch, TensorFlow and Flax, follows the scheme role by role."""

import math
import unittest

import numpy as np
from parameterized import parameterized

import init_parity
from init_parity.suite import stats
from init_parity.suite.building import collect, seeds_needed
from init_parity.suite.conformance import check_arrays
from init_parity.suite.models.build import fresh_weights
from init_parity.suite.models.tiny_configs import tiny_config
from tests.helpers import skip_unless_available

CLASSES = {
    "pt": "T5ForConditionalGeneration",
    "tf": "TFT5ForConditionalGeneration",
    "flax": "FlaxT5ForConditionalGeneration",
}
# num_heads * d_kv = 128 != d_model = 64, so that the fan-ins the frameworks disagreed on differ;
# 512 buckets give the relative bias 4096 samples per model
CONFIG_CHANGES = {"d_model": 64, "d_kv": 32, "num_heads": 4, "relative_attention_num_buckets": 512}
STD_TOLERANCE = 0.03
# samples per role so that 3% is 5 standard errors of the sample std (SE ~ 1 / sqrt(2n)): a false
# alarm of the 3% check has probability ~6e-7 per role
SAMPLES_FOR_TOLERANCE = math.ceil(0.5 * (5 / STD_TOLERANCE) ** 2)


def t5_config():
    config = tiny_config("t5", **CONFIG_CHANGES)
    assert config.num_heads * config.d_kv != config.d_model and not config.tie_word_embeddings and config.is_gated_act
    return config


class T5SchemeTest(unittest.TestCase):
    @parameterized.expand([(fw,) for fw in ("pt", "tf", "flax")])
    def test_each_role_follows_the_table(self, framework):
        skip_unless_available(self, framework)
        config = t5_config()
        with init_parity.use_scheme(True):
            first = fresh_weights(framework, CLASSES[framework], config, seed=0)
            seeds = tuple(range(seeds_needed(first, config, SAMPLES_FOR_TOLERANCE)))
            check = check_arrays("t5", config, collect({framework: CLASSES[framework]}, config, seeds), patched=True)
        checked = 0
        for role, role_check in check.roles.items():
            expected = role_check.expected
            self.assertIsNotNone(expected, f"{role} has no rule in the T5 scheme")
            sample = role_check.samples[framework]
            if expected.kind == "constant":
                np.testing.assert_array_equal(sample, expected.value, err_msg=role)
                continue
            self.assertGreaterEqual(sample.size, SAMPLES_FOR_TOLERANCE, role)
            measured = role_check.std(framework)
            self.assertLess(
                abs(measured / expected.actual_std - 1),
                STD_TOLERANCE,
                f"{role}: std {measured:.5g} vs {expected.describe()}",
            )
            (ks,) = [r for r in stats.one_sample(sample, expected) if r.test == "ks"]
            self.assertGreater(ks.p_value, stats.TEST_ALPHA, f"{role}: {ks}")  # false alarm 1e-4 per role
            checked += 1
        self.assertGreaterEqual(checked, 8)  # shared, lm_head, q, k, v, o, relative bias, wi, wo
        identical = [r.detail for r in check.independence[framework] if r.test == "identical"]
        self.assertEqual(identical, [], "no two tensors of a model may be equal")

    @parameterized.expand([(fw,) for fw in ("tf", "flax")])
    def test_stock_behaviour_comes_back_when_disabled(self, framework):
        skip_unless_available(self, framework)
        with init_parity.use_scheme(False):
            weights = fresh_weights(framework, CLASSES[framework], t5_config(), seed=0)
        # 32768 samples each: the sample std's standard error is 1 / sqrt(2 n) = 0.39%, 3% is 7.7 of them
        self.assertAlmostEqual(float(weights["lm_head.weight"].std()), 1.0, delta=0.03)
        expected_shared = 0.8796 if framework == "tf" else 1.0  # TF: truncated normal at 2 std
        self.assertAlmostEqual(float(weights["shared.weight"].std()), expected_shared, delta=0.03)
