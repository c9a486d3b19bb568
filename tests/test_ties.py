"""Tie structure from the weights dictionary: a tied head is absent, an untied one present."""

import unittest

import numpy as np

from init_parity.scheme.heads import has_lm_head as is_lm_class
from init_parity.scheme.naming import pytorch_class_name
from init_parity.suite.models.tiny_configs import tiny_config
from init_parity.suite.ties import tie_findings
from tests.helpers import line_4_scheme


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


@line_4_scheme
class DecoderEmbeddingHeadTest(unittest.TestCase):
    """FSMT's head is the decoder's token embedding by design; its flag ties the encoder's embedding to it."""

    def setUp(self):
        rng = np.random.default_rng(1)
        self.encoder, self.decoder = rng.normal(size=(2, 8, 4)).astype(np.float32)

    def test_untied_means_two_token_embeddings_and_no_head_of_its_own(self):
        config = tiny_config("fsmt", tie_word_embeddings=False)  # its private decoder config still says True
        two = {"model.encoder.embed_tokens.weight": self.encoder, "model.decoder.embed_tokens.weight": self.decoder}
        self.assertEqual(tie_findings("FSMTForConditionalGeneration", config, two), [])
        (finding,) = tie_findings(
            "FSMTForConditionalGeneration", config, {"model.encoder.embed_tokens.weight": self.encoder}
        )
        self.assertIn(
            "tie_word_embeddings=False but the encoder's and decoder's token embeddings are one tensor", finding.detail
        )
        own_head = {**two, "model.decoder.output_projection.weight": self.decoder.copy()}
        (finding,) = tie_findings("FSMTForConditionalGeneration", config, own_head)
        self.assertIn("output_projection.weight is a tensor of its own", finding.detail)

    def test_tied_means_one_token_embedding(self):
        config = tiny_config("fsmt", tie_word_embeddings=True)
        one = {"model.encoder.embed_tokens.weight": self.encoder}
        self.assertEqual(tie_findings("FSMTForConditionalGeneration", config, one), [])
        two = {**one, "model.decoder.embed_tokens.weight": self.decoder}
        (finding,) = tie_findings("FSMTForConditionalGeneration", config, two)
        self.assertIn(
            "tie_word_embeddings=True but the encoder's and decoder's token embeddings are two tensors", finding.detail
        )

    def test_a_fresh_fsmt_has_no_tie_finding_in_either_mode(self):
        from init_parity.suite.building import check_family

        for tied in (False, True):
            check = check_family("fsmt", ("pt",), tie_word_embeddings=tied)
            self.assertEqual(check.extra.get("ties [pt]", []), [], f"tie_word_embeddings={tied}")
