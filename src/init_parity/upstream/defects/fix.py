"""What one fix pull request is, as data: the series reads it, each fix module builds one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DefectFix:
    slug: str  # the branch suffix and the key of its known-failure marks, e.g. "pix2struct-d-kv"
    title: str  # the commit and PR title in upstream's convention (a leading 🚨 where fresh weights change)
    model_types: tuple[str, ...]  # the model types whose known-failure marks the fix removes
    reason: str  # the known-failure reason written on those models, with the measured numbers
    edit: Callable[[Path], dict[str, str]]  # checkout root -> {path relative to it: new text}, changed files only
    description: str  # the body of PR.md: what, why, the numbers with their commands, how it was tested
