"""``init-parity report``: every argument is checked before any framework is imported, any model type
discovered and anything written. Each bad input below exits 2 with a message naming the fix, in a
fresh interpreter (the start-up hook runs as for a user) that has not imported transformers or a
framework and has not created the output folder. How fast they fail is measured in
``benchmarks/bad_input_time.py`` (docs/performance.md), not here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from init_parity.cli import EXIT_BAD_INPUT
from init_parity.suite.models.discovery import COMPOSITES, encoder_decoder_model_types
from init_parity.suite.models.names import Names, UnknownModelType
from tests.helpers import run_python

HEAVY = ("transformers", "torch", "tensorflow", "jax")

# runs the command in-process and reports what it imported: the process's exit code alone would not say
REPORT = f"""
import contextlib, io, json, sys
from init_parity.cli import main
err = io.StringIO()
with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
    code = main(["report", *sys.argv[1:]])
print(json.dumps({{"code": code, "err": err.getvalue(), "imported": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


def report(*argv: str, **env: str) -> dict:
    """``init-parity report ARGV --output FOLDER`` in a fresh interpreter: its exit code, its stderr,
    the heavy modules it imported, and whether FOLDER exists afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="init-parity-args-")) / "report"
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", **env}
    done = subprocess.run(
        [sys.executable, "-c", REPORT, *argv, "--output", str(folder), "--format", "terminal,json"],
        capture_output=True, text=True, env=environment, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["written"] = folder.exists()
    result["startup"] = done.stderr
    return result


class BadArgumentsTest(unittest.TestCase):
    def assert_rejected_before_any_work(self, result: dict, *messages: str) -> None:
        self.assertEqual(result["code"], EXIT_BAD_INPUT, result)
        for message in messages:
            self.assertIn(message, result["err"])
        self.assertEqual(result["imported"], [], "checked before transformers or a framework was imported")
        self.assertFalse(result["written"], "nothing written: not even the output folder")

    def test_an_unknown_model_type_suggests_the_closest(self):
        result = report("--models", "t5,T55")
        self.assert_rejected_before_any_work(result, "unknown model type 'T55'", "did you mean t5", "bart")

    def test_a_model_type_spelled_with_a_hyphen_suggests_the_underscore(self):
        result = report("--models", "pegasus-x")
        self.assert_rejected_before_any_work(result, "did you mean pegasus_x")

    def test_an_empty_item(self):
        result = report("--models", "t5,,bart")
        self.assert_rejected_before_any_work(result, "has an empty item (item 2)", "--models t5,bart")

    def test_an_empty_item_in_another_list(self):
        result = report("--models", "t5", "--frameworks", "pt,")
        self.assert_rejected_before_any_work(result, "--frameworks 'pt,' has an empty item (item 2)")

    def test_all_mixed_with_model_types(self):
        self.assert_rejected_before_any_work(report("--models", "all,t5"), "all stands alone")

    def test_a_composite(self):
        self.assert_rejected_before_any_work(report("--models", "encoder-decoder"), "composite")

    def test_an_unknown_switch_value(self):
        result = report("--models", "t5", INIT_PARITY="banana")
        self.assert_rejected_before_any_work(
            result, "INIT_PARITY='banana' is neither on (1, true, on, yes) nor off (0, false, off, no)"
        )

    def test_a_model_type_that_is_not_encoder_decoder(self):
        result = report("--models", "t5,gpt2")
        self.assert_rejected_before_any_work(
            result, "'gpt2' is a model type of transformers", "not an encoder-decoder one", "bart"
        )


class SwitchAtStartUpTest(unittest.TestCase):
    def test_an_unknown_value_warns_and_the_interpreter_runs_with_the_scheme_on(self):
        done = subprocess.run(
            [sys.executable, "-c", "import init_parity; print(init_parity.is_enabled())"],
            capture_output=True, text=True, env={**os.environ, "INIT_PARITY": "banana"}, timeout=300,
        )  # fmt: skip
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.strip(), "True")
        self.assertIn("INIT_PARITY='banana' is neither on", done.stderr)
        self.assertIn("the scheme stays on", done.stderr)

    def test_the_spellings_in_any_case(self):
        for value, enabled in (("OFF", False), (" no ", False), ("Yes", True), ("", True)):
            result = run_python(
                "import json, init_parity; print(json.dumps(init_parity.is_enabled()))", INIT_PARITY=value
            )
            self.assertIs(result, enabled, value)


class ModelTypeNamesTest(unittest.TestCase):
    """The lists the names are checked against, read without importing transformers, agree with
    discovery, which builds every default config."""

    @classmethod
    def setUpClass(cls):
        cls.names = Names.installed()

    def test_any_case(self):
        self.assertEqual(self.names.resolve("T5", COMPOSITES), "t5")
        self.assertEqual(self.names.resolve("BART", COMPOSITES), "bart")
        with self.assertRaises(UnknownModelType):
            self.names.resolve("t55", COMPOSITES)

    def test_the_lists_agree_with_discovery(self):
        # on a supported release, the types with a scheme and WITHOUT_SCHEME are exactly the ones
        # discovery finds: a type added to or dropped from transformers' encoder-decoders fails here
        discovered = set(encoder_decoder_model_types())
        self.assertIsNotNone(self.names.every)
        self.assertLessEqual(discovered, self.names.every, "every encoder-decoder type is a known name")
        self.assertTrue(self.names.complete, f"WITHOUT_SCHEME records transformers {self.names.version}")
        self.assertEqual(set(self.names.encoder_decoder), discovered)


if __name__ == "__main__":
    unittest.main()
