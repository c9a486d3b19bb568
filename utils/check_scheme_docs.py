"""Check that the scheme tables in docs/ match the scheme data (transformers' utils/check_*.py style).

    python utils/check_scheme_docs.py                       # fails when a table drifted
    python utils/check_scheme_docs.py --fix_and_overwrite   # rewrites the tables

Each table lives between ``BEGIN GENERATED`` / ``END GENERATED`` markers in ``docs/init_scheme.md``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from init_parity.scheme.docs import BEGIN, END, generated_blocks

DOC = Path(__file__).resolve().parent.parent / "docs" / "init_scheme.md"


def refresh(text: str) -> tuple[str, list[str]]:
    """``text`` with every generated block rewritten, and the names of blocks that changed or are missing."""
    drifted = []
    for name, body in generated_blocks().items():
        begin, end = BEGIN.format(name=name), END.format(name=name)
        body += "\n"
        pattern = re.compile(re.escape(begin) + r"\n(.*?)" + re.escape(end), re.DOTALL)
        match = pattern.search(text)
        if match is None:
            drifted.append(f"{name} (markers missing)")
            text = text.rstrip("\n") + f"\n\n{begin}\n{body}{end}\n"
        elif match.group(1) != body:
            drifted.append(name)
            text = text[: match.start(1)] + body + text[match.end(1) :]
    return text, drifted


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fix_and_overwrite", action="store_true", help="rewrite the drifted tables")
    args = parser.parse_args()
    current = DOC.read_text()
    updated, drifted = refresh(current)
    if not drifted:
        return 0
    if args.fix_and_overwrite:
        DOC.write_text(updated)
        print(f"rewrote {', '.join(drifted)} in {DOC}")
        return 0
    print(f"{DOC} is out of date with the scheme data: {', '.join(drifted)}. Run `make style` to update it.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
