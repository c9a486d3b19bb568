"""Bad input gets a clear error that names the fix."""

import unittest
from unittest import mock

from init_parity.suite import frameworks
from init_parity.suite.building import counterparts
from init_parity.suite.models.discovery import family


class BadInputTest(unittest.TestCase):
    def test_unknown_framework(self):
        with self.assertRaisesRegex(
            frameworks.FrameworkMissing, "unknown framework 'mxnet': choose from pt, tf, flax"
        ):
            frameworks.require("mxnet")

    def test_missing_framework_names_the_extra(self):
        real_find_spec = frameworks.importlib.util.find_spec
        with (
            mock.patch.object(frameworks, "transformers_version", lambda: "4.57.6"),
            mock.patch.object(
                frameworks.importlib.util, "find_spec", lambda name: None if name == "jax" else real_find_spec(name)
            ),
        ):
            with self.assertRaisesRegex(
                frameworks.FrameworkMissing, r"Flax is not installed \(missing jax[,)].*\[flax\]"
            ):
                frameworks.require("flax")

    def test_tensorflow_and_flax_on_transformers_5_name_the_extra_that_installs_4_57_6(self):
        with mock.patch.object(frameworks, "transformers_version", lambda: "5.23.0"):
            self.assertEqual(frameworks.frameworks_of("5.23.0"), ("pt",))
            for framework, extra in (("tf", r"\[tf\]"), ("flax", r"\[flax\]")):
                with self.assertRaisesRegex(
                    frameworks.FrameworkMissing, rf"transformers 5.23.0 has no .* models.*{extra}.*4\.57\.6"
                ):
                    frameworks.require(framework)

    def test_model_with_no_counterpart(self):
        with self.assertRaisesRegex(LookupError, "umt5 has no tf counterpart.*it exists in: pt"):
            counterparts("umt5", ("pt", "tf"))

    def test_unknown_model_type_lists_the_known_ones(self):
        with self.assertRaisesRegex(KeyError, "not an encoder-decoder model type.*t5"):
            family("gpt2")
