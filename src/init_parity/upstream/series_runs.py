"""What PR 1's description reports as measured: ``pytest -k test_init_scheme`` on main with the series, as data.

Each entry is one run's outcome, written from its output; ``RUNS_COMMAND`` says how they were run.
"""

from __future__ import annotations

RUNS_COMMAND = "Not measured yet."
RUNS: tuple[str, ...] = ()
