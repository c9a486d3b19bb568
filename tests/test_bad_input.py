"""Bad input gets a clear error that names the fix."""

import unittest
from unittest import mock

from init_parity import frameworks
from init_parity.conformance import counterparts
from init_parity.models.discovery import family


class BadInputTest(unittest.TestCase):
    def test_unknown_framework(self):
        with self.assertRaisesRegex(
            frameworks.FrameworkMissing, "unknown framework 'mxnet': choose from pt, tf, flax"
        ):
            frameworks.require("mxnet")

    def test_missing_framework_names_the_extra(self):
        real_find_spec = frameworks.importlib.util.find_spec
        with mock.patch.object(
            frameworks.importlib.util, "find_spec", lambda name: None if name == "jax" else real_find_spec(name)
        ):
            with self.assertRaisesRegex(
                frameworks.FrameworkMissing, r"Flax is not installed \(missing jax\).*\[flax\]"
            ):
                frameworks.require("flax")

    def test_model_with_no_counterpart(self):
        with self.assertRaisesRegex(LookupError, "umt5 has no tf counterpart.*it exists in: pt"):
            counterparts("umt5", ("pt", "tf"))

    def test_unknown_model_type_lists_the_known_ones(self):
        with self.assertRaisesRegex(KeyError, "not an encoder-decoder model type.*t5"):
            family("gpt2")
