"""Nothing is lost: weights loaded with ``from_pretrained`` are bit-identical with the package on
and off, and weights missing from a checkpoint are drawn by the scheme.

On transformers 5.x ``from_pretrained`` builds the model on the meta device, loads the checkpoint,
marks every loaded tensor ``_is_hf_initialized`` and then calls ``_init_weights`` on every module:
a scheme draw that ignored the mark would overwrite loaded weights. Checkpoints of both tie modes
are saved and loaded, in every framework the installed transformers has."""

import tempfile
import unittest

import numpy as np
from parameterized import parameterized

import init_parity
from init_parity.suite.models.build import build_model, weights
from init_parity.suite.models.tiny_configs import tiny_config
from tests.helpers import ON_TRANSFORMERS_5, skip_unless_available

CLASSES = {  # (framework, model_type) -> (base model, model with the LM head)
    ("pt", "t5"): ("T5Model", "T5ForConditionalGeneration"),
    ("pt", "mt5"): ("MT5Model", "MT5ForConditionalGeneration"),
    ("pt", "umt5"): ("UMT5Model", "UMT5ForConditionalGeneration"),
    ("tf", "t5"): ("TFT5Model", "TFT5ForConditionalGeneration"),
    ("flax", "t5"): ("FlaxT5Model", "FlaxT5ForConditionalGeneration"),
}
TIE_MODES = {"untied": False, "tied": True}
SCHEME_LM_HEAD_STD = 64**-0.5  # initializer_factor * d_model ** -0.5 for the tiny config's d_model = 64


def load(framework, class_name, path):
    import transformers

    model = getattr(transformers, class_name).from_pretrained(path)
    if framework == "tf":
        model.build_in_name_scope()
    return weights(framework, model)


class PretrainedRoundTripTest(unittest.TestCase):
    @parameterized.expand([(fw, mt, tie) for fw, mt in CLASSES for tie in TIE_MODES])
    def test_loaded_weights_are_bit_identical_with_and_without_the_package(self, framework, model_type, tie):
        skip_unless_available(self, framework)
        _, full_class = CLASSES[framework, model_type]
        with tempfile.TemporaryDirectory() as path:
            with init_parity.use_scheme(True):
                config = tiny_config(model_type, tie_word_embeddings=TIE_MODES[tie])
                saved = build_model(framework, full_class, config, seed=1)
                saved.save_pretrained(path)
                expected = weights(framework, saved)
                with_package = load(framework, full_class, path)
            with init_parity.use_scheme(False):
                without_package = load(framework, full_class, path)
        self.assertEqual(set(with_package), set(expected))
        self.assertEqual(set(without_package), set(expected))
        self.assertEqual("lm_head.weight" in expected, tie == "untied")  # each tensor once: a tied head is shared
        for name, array in expected.items():
            np.testing.assert_array_equal(with_package[name], array, err_msg=name)
            np.testing.assert_array_equal(without_package[name], array, err_msg=name)

    @parameterized.expand(list(CLASSES))
    def test_weights_missing_from_a_checkpoint_are_drawn_by_the_scheme(self, framework, model_type):
        skip_unless_available(self, framework)
        base_class, full_class = CLASSES[framework, model_type]
        with tempfile.TemporaryDirectory() as path:
            with init_parity.use_scheme(True):
                config = tiny_config(
                    model_type
                )  # untied: the lm_head is a tensor of its own, absent from a base checkpoint
                base = build_model(framework, base_class, config, seed=2)
                base.save_pretrained(path)
                saved = weights(framework, base)
                loaded = load(framework, full_class, path)
            with init_parity.use_scheme(False):
                stock = load(framework, full_class, path)
        for name, array in saved.items():
            np.testing.assert_array_equal(loaded[name], array, err_msg=name)
            np.testing.assert_array_equal(stock[name], array, err_msg=name)
        # 32768 samples: the sample std's standard error is 1 / sqrt(2 n) = 0.39%, so 3% is 7.7 standard errors
        self.assertAlmostEqual(
            float(loaded["lm_head.weight"].std()), SCHEME_LM_HEAD_STD, delta=0.03 * SCHEME_LM_HEAD_STD
        )
        if ON_TRANSFORMERS_5:  # stock 5.x forces the tie: the head is the N(0, 1) shared embedding
            self.assertNotIn("lm_head.weight", stock)
        else:  # stock 4.57.6 draws the untied head N(0, 1)
            self.assertAlmostEqual(float(stock["lm_head.weight"].std()), 1.0, delta=0.03)

    def test_init_weights_after_loading_keeps_what_was_loaded(self):
        """``from_pretrained`` builds the model empty (on meta): a later ``init_weights()`` must keep every
        loaded tensor, the buffers the scheme sets when an empty build is materialised among them (BART's
        ``final_logits_bias``, which the scheme gives 0: saved non-zero here)."""
        import torch
        import transformers

        with tempfile.TemporaryDirectory() as path:
            saved = build_model("pt", "BartForConditionalGeneration", tiny_config("bart"), seed=1)
            with torch.no_grad():
                saved.final_logits_bias.normal_()
            saved.save_pretrained(path)
            expected = weights("pt", saved)
            model = transformers.BartForConditionalGeneration.from_pretrained(path)
            model.init_weights()
            found = weights("pt", model)
        self.assertEqual(set(found), set(expected))
        for name, array in expected.items():
            np.testing.assert_array_equal(found[name], array, err_msg=name)
