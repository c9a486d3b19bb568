"""The family x framework summary attributes each rejected test to the right framework."""

import unittest

from init_parity.suite.labels import Label
from init_parity.suite.summary import _involves, short_role


class SummaryTest(unittest.TestCase):
    def test_attribution(self):
        frameworks = ("pt", "tf", "flax")
        self.assertTrue(_involves(Label("attention.q", ("tf",)), "tf", frameworks))
        self.assertFalse(_involves(Label("attention.q", ("tf",)), "pt", frameworks))
        # PyTorch is the reference: a PyTorch-TensorFlow difference counts against TensorFlow
        self.assertTrue(_involves(Label("x.weight", ("pt", "tf")), "tf", frameworks))
        self.assertFalse(_involves(Label("x.weight", ("pt", "tf")), "pt", frameworks))
        # with PyTorch present, the TF-Flax comparison is implied by the two PyTorch comparisons
        self.assertFalse(_involves(Label("x.weight", ("tf", "flax")), "flax", frameworks))
        self.assertTrue(_involves(Label("x.weight", ("tf", "flax")), "flax", ("tf", "flax")))
        self.assertTrue(_involves(Label("independence", ("flax",)), "flax", frameworks))

    def test_short_role(self):
        self.assertEqual(short_role("model.decoder.layers.*.encoder_attn.k_proj.weight"), "encoder_attn.k_proj")
        self.assertEqual(short_role("attention.q"), "attention.q")
