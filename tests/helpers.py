"""Small helpers shared by the tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap


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
