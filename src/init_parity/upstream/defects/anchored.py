"""One exact, anchored edit applied to every modelling file of a transformers tree that holds the defective code.

A fix names the defective code (a regular expression), its replacement and the form the fixed code takes. Every
``modular_<model>.py`` and ``modeling_<model>.py`` under ``src/transformers/models`` that holds the defective code
gets the same edit: a model that inherits the code through its modular file holds an inlined copy in its generated
modelling file, and a release sdist has no converter to regenerate it. In a tree that has
``utils/modular_model_converter.py`` (a git checkout of main), every generated modelling file the edit changed is
then written by that converter instead (:func:`..generator.convert`), from the edited modular and hand-written
files, so that ``utils/check_modular_conversion.py`` holds. ``# Copied from`` blocks must stay consistent
(:mod:`..copies`).

A tree that holds only the fixed form (upstream fixed it) gets no change; a tree that holds neither is refused.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ...exits import BadInput
from .. import copies
from ..checkout import Checkout
from ..generator import CONVERTER, convert

MODELS = "src/transformers/models"
GENERATED = "This file was automatically generated from"


class UnknownCode(BadInput):
    """The tree holds neither the defective code nor its fixed form: its modelling code changed (exit code 2)."""


@dataclass(frozen=True)
class AnchoredEdit:
    name: str  # what is fixed, for messages
    defect: re.Pattern[str]  # the defective code; its match is replaced by `replacement` (re.sub syntax)
    replacement: str
    fixed: re.Pattern[str]  # the fixed code, as the edit (or upstream) writes it
    files: str = "*/modeling_*.py"  # which files under src/transformers/models may hold it (a glob)

    def apply(self, root: Path, python: str = sys.executable) -> dict[str, str]:
        """{path relative to ``root``: new text} for every file the fix changes; {} where the tree is fixed."""
        models = root / MODELS
        candidates = sorted({*models.glob(self.files), *models.glob(self.files.replace("modeling_", "modular_"))})
        before = {path.relative_to(root).as_posix(): path.read_text(encoding="utf-8") for path in candidates}
        after = {file: self.defect.sub(self.replacement, text) for file, text in before.items()}
        changed = {file: text for file, text in after.items() if text != before[file]}
        if not changed:
            if any(self.fixed.search(text) for text in before.values()):
                return {}
            raise UnknownCode(
                f"{self.name}: {root / MODELS} holds neither the defective code nor its fix; the fix knows upstream "
                "main at 9a90500b0b and the 5.23 release: check out one of those"
            )
        for file, text in changed.items():
            if self.defect.search(text) or not self.fixed.search(text):
                raise RuntimeError(f"{self.name}: the edit of {file} did not leave the fixed form")
        if (root / CONVERTER).is_file():
            changed = self._regenerate(root, before, changed, python)
        broken = copies.broken_copies({f: before[f] for f in changed}, changed)
        if broken:
            raise RuntimeError(f"{self.name}: the edit would break `# Copied from` blocks:\n  " + "\n  ".join(broken))
        return changed

    def _regenerate(self, root: Path, before: dict[str, str], changed: dict[str, str], python: str) -> dict[str, str]:
        """The generated modelling files among ``changed`` as the tree's converter writes them."""
        generated = {file for file in changed if "/modeling_" in file and GENERATED in before[file][:2000]}
        sources = {file: text for file, text in changed.items() if file not in generated}
        modulars = sorted(file.replace("/modeling_", "/modular_") for file in generated)
        if not modulars:
            return changed
        checkout = Checkout(root, version="", allowed=tuple(changed))  # convert reads only its root and git
        converted = convert(checkout, sources, modulars, python)
        for file, text in converted.items():
            if not self.fixed.search(text) or self.defect.search(text):
                raise RuntimeError(f"{self.name}: {CONVERTER} did not carry the fix into {file}")
        return {**sources, **converted}
