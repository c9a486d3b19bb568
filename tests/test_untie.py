"""transformers 5.x: a fresh T5-family model whose config says ``tie_word_embeddings=False`` has an
lm_head of its own, drawn by the scheme, and keeps every other tie its class declares.

Stock 5.23.0 forces the tie in the configs of t5, mt5, umt5, longt5, pop2piano and udop, so such a
model's lm_head *is* the N(0, 1) shared embedding (first loss 160 for a t5-v1_1-small shape,
benchmarks/initial_loss.py)."""

import math
import unittest

import torch
from parameterized import parameterized

import init_parity
from init_parity.scheme import FAMILIES
from init_parity.suite.first_loss import decoder_start, mean_cross_entropy, random_batch
from init_parity.suite.models.build import build_model
from init_parity.suite.models.tiny_configs import tiny_config
from tests.helpers import needs_transformers_5

LM_CLASSES = {
    "t5": "T5ForConditionalGeneration",
    "mt5": "MT5ForConditionalGeneration",
    "umt5": "UMT5ForConditionalGeneration",
    "longt5": "LongT5ForConditionalGeneration",
    "switch_transformers": "SwitchTransformersForConditionalGeneration",
    "pop2piano": "Pop2PianoForConditionalGeneration",
    "udop": "UdopForConditionalGeneration",
}
SCHEME_LM_HEAD_STD = 64**-0.5  # initializer_factor * d_model ** -0.5 for the tiny config's d_model = 64
VOCAB = 32128


def config_of(model_type, active, **changes):
    """The model type's default config with ``changes``, built with the package on or off (the config
    class is what forces the tie)."""
    from transformers import AutoConfig

    with init_parity.use_scheme(active):
        return AutoConfig.for_model(model_type, **changes)


@needs_transformers_5
class UntieTest(unittest.TestCase):
    def test_every_model_type_of_the_family_is_covered(self):
        self.assertEqual(set(LM_CLASSES), set(FAMILIES["t5"].model_types))

    @parameterized.expand(sorted(LM_CLASSES))
    def test_the_config_keeps_what_it_is_given(self, model_type):
        self.assertIs(config_of(model_type, True, tie_word_embeddings=False).tie_word_embeddings, False)
        self.assertIs(config_of(model_type, True, tie_word_embeddings=True).tie_word_embeddings, True)
        self.assertIs(config_of(model_type, True).tie_word_embeddings, True)  # the default stays tied
        if model_type != "switch_transformers":  # stock 5.23.0 forces the tie in every other config
            self.assertIs(config_of(model_type, False, tie_word_embeddings=False).tie_word_embeddings, True)

    @parameterized.expand(sorted(LM_CLASSES))
    def test_a_fresh_untied_model_has_its_own_head_and_keeps_its_other_ties(self, model_type):
        with init_parity.use_scheme(False):
            tied = build_model("pt", LM_CLASSES[model_type], tiny_config(model_type, tie_word_embeddings=True), 0)
        with init_parity.use_scheme(True):
            untied = build_model("pt", LM_CLASSES[model_type], tiny_config(model_type), seed=0)
        head = [target for target in tied.all_tied_weights_keys if target.endswith("lm_head.weight")]
        self.assertEqual(head, [] if model_type == "pop2piano" else ["lm_head.weight"])  # Pop2Piano never ties it
        expected = {target: source for target, source in tied.all_tied_weights_keys.items() if target not in head}
        self.assertEqual(untied.all_tied_weights_keys, expected)
        untied.tie_weights()  # recomputed from the configs, as a user's call does
        for target, source in expected.items():
            self.assertIs(untied.get_parameter(target), untied.get_parameter(source), target)
        self.assertIsNot(untied.lm_head.weight, untied.shared.weight)
        # 32768 samples: the sample std is within 3% of the true std with probability > 1 - 1e-6
        std = float(untied.lm_head.weight.detach().std())
        self.assertAlmostEqual(std, SCHEME_LM_HEAD_STD, delta=0.03 * SCHEME_LM_HEAD_STD)

    @parameterized.expand(["t5", "mt5", "umt5"])
    def test_first_loss_is_near_the_uniform_guess(self, model_type):
        inputs, labels = random_batch(VOCAB, seed=0, batch=4, length=16)
        with init_parity.use_scheme(True):
            config = tiny_config(model_type, vocab_size=VOCAB, decoder_start_token_id=0)
            model = build_model("pt", LM_CLASSES[model_type], config, seed=0)
        with torch.no_grad():
            loss = mean_cross_entropy("pt", model, inputs, labels, decoder_start(config))
        self.assertLessEqual(loss, math.log(VOCAB) + 1)  # the bound
