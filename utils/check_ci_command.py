"""Check that .ci/run runs exactly the test command that README.md gives a newcomer."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    blocks = re.findall(r"```(?:bash|sh|shell)\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    return [
        line.strip() for block in blocks for line in block.splitlines() if line.strip() and not line.startswith("#")
    ]


def main() -> int:
    commands = readme_commands()
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    test_commands = [c for c in commands if "make test" in c]
    if len(test_commands) != 1:
        print(f"README.md must give exactly one test command (with `make test`); found {test_commands}")
        return 1
    if test_commands[0] not in ci:
        print(f".ci/run does not run README's test command:\n  {test_commands[0]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
