"""The first-loss tests of ``init_parity.suite.forward`` on given losses (the suite measures them)."""

import math
import unittest

import numpy as np

from init_parity.suite.forward import compare_first_losses, first_loss_bound, first_loss_within_bound
from init_parity.suite.models.tiny_configs import tiny_config


class FirstLossTest(unittest.TestCase):
    def test_the_same_law_passes_and_a_dropped_rescale_is_caught(self):
        rng = np.random.default_rng(0)
        scheme = 6.9 + 0.15 * rng.standard_normal((3, 6))  # spread of tiny tied T5's first loss over seeds
        # Welch's test at 1e-4: a false alarm with probability 1e-4
        self.assertGreater(compare_first_losses("pt~tf", scheme[0], scheme[1]).p_value, 1e-4)
        dropped = 40.0 + 2.0 * rng.standard_normal(6)
        result = compare_first_losses("pt~tf", dropped, scheme[2])
        self.assertLess(result.p_value, 1e-6)  # the forward family rejects below 1e-4 / (its tests)
        self.assertEqual(result.test, "first_loss")
        self.assertIn("Welch t", result.detail)

    def test_bound(self):
        config = tiny_config("t5")
        bound = first_loss_bound(config)
        self.assertAlmostEqual(bound, math.log(config.vocab_size) + 1.0)
        self.assertGreater(first_loss_within_bound("pt", [6.9, 7.0, 6.8, 7.1], bound).p_value, 0.5)
        stock = first_loss_within_bound("pt", [25.2, 25.1, 27.3, 25.0, 27.6, 25.4], bound)
        self.assertLess(stock.p_value, 1e-6)
        self.assertEqual(stock.test, "first_loss_bound")
        self.assertIsNone(first_loss_bound(tiny_config("whisper")))  # no token input: no bound stated

    def test_constant_losses(self):
        self.assertEqual(compare_first_losses("x", [1.0, 1.0], [1.0, 1.0]).p_value, 1.0)
        self.assertEqual(compare_first_losses("x", [1.0, 1.0], [2.0, 2.0]).p_value, 0.0)
        with self.assertRaises(ValueError):
            compare_first_losses("x", [1.0], [1.0, 2.0])
