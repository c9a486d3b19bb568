"""The first loss of a fresh untied T5 on random tokens: near ln(vocab) with the scheme, far above
it with the stock N(0, 1) lm_head, in each framework. (benchmarks/initial_loss.py measures the
t5-v1_1-small shape; this test uses the same 32128-token vocabulary on a tiny body.)"""

import math
import unittest

from parameterized import parameterized

import init_parity
from init_parity.suite.first_loss import decoder_start, mean_cross_entropy, random_batch
from init_parity.suite.models.build import build_model
from init_parity.suite.models.tiny_configs import tiny_config
from tests.helpers import skip_unless_available

CLASSES = {
    "pt": "T5ForConditionalGeneration",
    "tf": "TFT5ForConditionalGeneration",
    "flax": "FlaxT5ForConditionalGeneration",
}
VOCAB = 32128


class InitialLossTest(unittest.TestCase):
    @parameterized.expand([(fw,) for fw in ("pt", "tf", "flax")])
    def test_scheme_starts_near_the_uniform_guess(self, framework):
        skip_unless_available(self, framework)
        config = tiny_config("t5", vocab_size=VOCAB, decoder_start_token_id=0)
        inputs, labels = random_batch(VOCAB, seed=0, batch=4, length=16)
        losses = {}
        for active in (False, True):
            with init_parity.use_scheme(active):
                model = build_model(framework, CLASSES[framework], config, seed=0)
            losses[active] = mean_cross_entropy(framework, model, inputs, labels, decoder_start(config))
        ideal = math.log(VOCAB)
        self.assertLessEqual(losses[True], ideal + 1, losses)  # the bound
        self.assertGreater(losses[False], ideal + 5, losses)  # stock: logits std ~ sqrt(d_model)
