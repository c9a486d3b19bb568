"""Activation: the scheme is on after installation with no change to user code, and every switch
that turns it off gives back upstream behaviour exactly."""

import unittest

from init_parity.compat import is_supported
from tests.helpers import run_python

LM_HEAD_STD = """
    import json, sys
    started_with = sorted(m for m in ("transformers", "torch", "tensorflow", "jax", "numpy") if m in sys.modules)
    import torch
    from transformers import T5Config, T5ForConditionalGeneration
    torch.manual_seed(0)
    config = T5Config(vocab_size=512, d_model=64, d_kv=32, num_heads=4, d_ff=128, num_layers=2,
                      tie_word_embeddings=False)
    model = T5ForConditionalGeneration(config)
    print(json.dumps({"started_with": started_with, "lm_head_std": float(model.lm_head.weight.std())}))
"""


class ActivationTest(unittest.TestCase):
    def test_plain_import_gets_the_scheme_and_start_up_imports_nothing(self):
        result = run_python(LM_HEAD_STD)
        self.assertEqual(result["started_with"], [])
        # scheme: 64 ** -0.5 = 0.125; 32768 samples, so the sample std is within 0.125 * (1 +- 0.03)
        self.assertAlmostEqual(result["lm_head_std"], 0.125, delta=0.125 * 0.03)

    def test_environment_switch_gives_stock_behaviour(self):
        result = run_python(LM_HEAD_STD, INIT_PARITY="0")
        self.assertAlmostEqual(result["lm_head_std"], 1.0, delta=0.03)  # stock: normal(0, factor * 1.0)

    def test_enable_from_code_after_the_environment_switch(self):
        result = run_python(
            "import init_parity; init_parity.enable(); init_parity.enable()\n" + LM_HEAD_STD.replace("\n    ", "\n"),
            INIT_PARITY="0",
        )
        self.assertAlmostEqual(result["lm_head_std"], 0.125, delta=0.125 * 0.03)

    def test_disable_restores_the_upstream_functions_exactly(self):
        result = run_python(
            """
            import json
            import init_parity
            import transformers
            from transformers.models.t5 import configuration_t5, modeling_t5
            from transformers.modeling_utils import PreTrainedModel

            line_4 = transformers.__version__.startswith("4.")
            if line_4:
                from transformers.models.t5 import modeling_tf_t5, modeling_flax_t5
                others = [(modeling_tf_t5.TFT5ForConditionalGeneration, "build"),
                          (modeling_flax_t5.FlaxT5PreTrainedModel, "init_weights")]
            else:  # 5.x: the config keeps an untied head, and the model keeps its other ties
                others = [(configuration_t5.T5Config, "__post_init__"),
                          (PreTrainedModel, "get_expanded_tied_weights_keys")]
            patched = modeling_t5.T5PreTrainedModel.__dict__["_init_weights"]
            others_patched = all(hasattr(cls.__dict__[name], "__init_parity_wrapped__") for cls, name in others)
            init_parity.disable(); init_parity.disable()
            stock = modeling_t5.T5PreTrainedModel.__dict__["_init_weights"]
            others_restored = not any(hasattr(cls.__dict__[name], "__init_parity_wrapped__") for cls, name in others)
            init_parity.enable(); init_parity.enable()
            again = modeling_t5.T5PreTrainedModel.__dict__["_init_weights"]
            with init_parity.use_scheme(False):
                inside = modeling_t5.T5PreTrainedModel.__dict__["_init_weights"]
            after = modeling_t5.T5PreTrainedModel.__dict__["_init_weights"]
            init_parity.disable()
            print(json.dumps({
                "stock_is_upstream": stock.__module__ == modeling_t5.__name__ and stock is not patched,
                "stock_is_original": stock is getattr(patched, "__wrapped__", None),
                "others_patched": others_patched,
                "others_restored": others_restored,
                "enabled_again": again is not stock and hasattr(again, "__init_parity_wrapped__"),
                "context_off": inside is stock,
                "context_restores": hasattr(after, "__init_parity_wrapped__"),
                "finally_stock": modeling_t5.T5PreTrainedModel.__dict__["_init_weights"] is stock,
            }))
            """
        )
        self.assertEqual(set(result.values()), {True}, result)

    def test_unsupported_transformers_warns_once_and_patches_nothing(self):
        result = run_python(
            """
            import json, warnings
            import init_parity.compat
            # an installed transformers other than the supported one: move the supported version instead
            init_parity.compat.SUPPORTED_TRANSFORMERS = ("4.99.0", "5.99.x")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                from transformers.models.t5 import modeling_t5
                from transformers.models.mt5 import modeling_mt5
                import transformers
            ours = [str(w.message) for w in caught if "init_parity" in str(w.message)]
            wrapped = hasattr(modeling_t5.T5PreTrainedModel._init_weights, "__init_parity_wrapped__")
            print(json.dumps({"warnings": ours, "wrapped": wrapped, "installed": transformers.__version__}))
            """
        )
        self.assertFalse(result["wrapped"])
        self.assertEqual(len(result["warnings"]), 1, result["warnings"])
        self.assertIn("supports transformers 4.99.0 or 5.99.x", result["warnings"][0])
        self.assertIn(f"{result['installed']} is installed", result["warnings"][0])
        self.assertIn("pip install 'transformers==4.99.0' or 'transformers==5.99.*'", result["warnings"][0])

    def test_both_release_lines_are_supported(self):
        self.assertTrue(all(map(is_supported, ("4.57.6", "5.23.0", "5.23.1", "5.23.12"))))
        self.assertFalse(any(map(is_supported, ("4.57.5", "4.57.6.dev0", "5.22.0", "5.24.0", "5.230.0", "", None))))
