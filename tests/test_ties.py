"""Tie structure from the weights dictionary: a tied head is absent, an untied one present."""

import unittest

import numpy as np

from init_parity.models.tiny_configs import tiny_config
from init_parity.ties import is_lm_class, pytorch_class_name, tie_findings


class TieFindingsTest(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(0)
        self.shared = rng.normal(size=(8, 4)).astype(np.float32)
        self.head = rng.normal(size=(8, 4)).astype(np.float32)

    def test_classes(self):
        self.assertEqual(pytorch_class_name("TFT5ForConditionalGeneration"), "T5ForConditionalGeneration")
        self.assertEqual(pytorch_class_name("FlaxBartModel"), "BartModel")
        self.assertTrue(is_lm_class("FlaxT5ForConditionalGeneration"))
        self.assertTrue(is_lm_class("BartForCausalLM"))
        self.assertFalse(is_lm_class("T5EncoderModel"))

    def test_tied_head_must_be_the_embedding(self):
        config = tiny_config("t5", tie_word_embeddings=True)
        self.assertEqual(tie_findings("T5ForConditionalGeneration", config, {"shared.weight": self.shared}), [])
        copy = {"shared.weight": self.shared, "lm_head.weight": self.shared.copy()}
        (finding,) = tie_findings("T5ForConditionalGeneration", config, copy)
        self.assertEqual((finding.test, finding.p_value), ("tie", 0.0))
        self.assertIn("lm_head.weight is a tensor of its own (a copy equal to shared.weight)", finding.detail)

    def test_untied_head_must_be_its_own_tensor(self):
        config = tiny_config("t5", tie_word_embeddings=False)
        own = {"shared.weight": self.shared, "lm_head.weight": self.head}
        self.assertEqual(tie_findings("TFT5ForConditionalGeneration", config, own), [])
        (finding,) = tie_findings("T5ForConditionalGeneration", config, {"shared.weight": self.shared})
        self.assertIn("untied head is silently tied", finding.detail)
        self.assertEqual(tie_findings("T5EncoderModel", config, {"shared.weight": self.shared}), [])
