"""Small helpers shared by the tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import unittest


def run_python(code: str, **env: str) -> dict:
    """Run ``code`` in a fresh interpreter (so the start-up hook runs as it would for a user) and
    return the JSON object it prints on its last line."""
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3", **env}
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=environment, timeout=600
    )
    if completed.returncode != 0:
        raise AssertionError(f"subprocess failed:\n{completed.stdout}\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def transformers_line() -> str:
    """``"4"`` on transformers 4.57.6, ``"5"`` on the 5.x line."""
    from init_parity.compat import installed_line

    return installed_line()


ON_TRANSFORMERS_5 = transformers_line() == "5"
# for tests of TensorFlow / Flax models or of 4.57-only behaviour: they skip on 5.x, saying why
needs_transformers_4 = unittest.skipIf(
    ON_TRANSFORMERS_5, "needs transformers 4.57.6: TensorFlow and Flax models were removed in transformers 5.0"
)
# for tests of what only the 5.x line does (forced ties, meta-device loading)
line_4_scheme = unittest.skipIf(
    ON_TRANSFORMERS_5,
    "the model type's scheme describes the transformers 4.x modelling code (FamilyScheme.lines): no scheme on 5.x",
)
needs_transformers_5 = unittest.skipUnless(ON_TRANSFORMERS_5, "needs transformers 5.23.x: tests 5.x-only behaviour")


def skip_unless_available(test: unittest.TestCase, framework: str) -> None:
    """Skip ``test`` with the reason when ``framework`` cannot be used here (not installed, or not in
    this transformers)."""
    from init_parity.suite.frameworks import unavailable

    reason = unavailable(framework)
    if reason is not None:
        test.skipTest(reason)
