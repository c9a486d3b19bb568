"""How long ``init-parity report`` takes to reject each bad input (exit 2), from the start of a fresh
interpreter, and whether it wrote anything. With ``--before SRC`` (a ``src`` folder of an older
commit, e.g. a ``git archive`` of 1c46c59), the same inputs run against that code too, alternating
with this tree's. Results in docs/performance.md ("Bad input").

    python benchmarks/bad_input_time.py [--runs 3] [--before /tmp/before/src]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

CASES = {  # name -> (arguments, extra environment)
    "--models T55 (unknown)": (["--models", "T55"], {}),
    "--models t5,,bart (empty item)": (["--models", "t5,,bart"], {}),
    "--models gpt2 (not encoder-decoder)": (["--models", "gpt2"], {}),
    "INIT_PARITY=banana": (["--models", "t5"], {"INIT_PARITY": "banana"}),
}


def once(src: Path, arguments: list[str], environment: dict[str, str]) -> tuple[float, int, bool]:
    """(seconds, exit code, whether the output folder exists afterwards)."""
    output = Path(tempfile.mkdtemp(prefix="bad-input-")) / "report"
    env = {**os.environ, "PYTHONPATH": str(src), "HF_HUB_OFFLINE": "1", **environment}
    command = [sys.executable, "-m", "init_parity", "report", *arguments, "--output", str(output)]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    return time.perf_counter() - started, done.returncode, output.exists()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None, help="the src folder of an older commit")
    args = parser.parse_args()
    trees = {"this tree": SRC} | ({"before": args.before} if args.before else {})
    for name, (arguments, environment) in CASES.items():
        seconds: dict[str, list[float]] = {label: [] for label in trees}
        outcome: dict[str, tuple[int, bool]] = {}
        for run in range(args.runs):
            labels = list(trees) if run % 2 == 0 else list(reversed(trees))
            for label in labels:
                elapsed, code, written = once(trees[label], arguments, environment)
                seconds[label].append(elapsed)
                outcome[label] = (code, written)
        for label in trees:
            code, written = outcome[label]
            print(
                f"{name} [{label}]: exit {code}, median {statistics.median(seconds[label]):.2f} s "
                f"(runs {', '.join(f'{s:.2f}' for s in seconds[label])}), output folder "
                f"{'created' if written else 'not created'}"
            )


if __name__ == "__main__":
    main()
