"""Both tie modes of a model type: a config set to one, and the check of the tie mode its tiny config does not use.

``tie_word_embeddings`` decides the output head (the input embedding, or a tensor of its own) and with it the
forward pass (T5 rescales a tied decoder output). The tiny config of a model type is in one mode (T5 untied, BART
tied); a check of that mode alone misses a defect of the other (a tied T5 without the rescale, an untied BART head
silently tied). :class:`init_parity.suite.mixin.InitParityTesterMixin` runs both modes; the report and the
invariants test check the other mode of every class with an LM head too (:func:`other_tie_check`). Each mode's
check holds the suite's family-wise false-alarm rate on its own.
"""

from __future__ import annotations

import copy
from typing import Any

from ..compat import set_tie_mode
from ..runtime.activation import use_scheme
from ..scheme.heads import has_lm_head, tie_flag
from .building import ClassEntry, check_classes

TIE_MODES = {"tied": True, "untied": False}


def with_tie_mode(config: Any, tied: bool) -> Any:
    """A copy of ``config`` with ``tie_word_embeddings`` set (on its text config too)."""
    config = copy.deepcopy(config)
    set_tie_mode(config, tied)
    return config


def tie_mode_of(config: Any) -> str:
    """``tied`` or ``untied``: the mode ``config`` is in."""
    return "tied" if tie_flag(config) else "untied"


def other_tie_mode(class_name: str, config: Any) -> tuple[str, Any] | None:
    """The mode ``config`` is not in and a copy of ``config`` in it, for a class with an LM head (the mode decides
    nothing in a class without one: None)."""
    if not has_lm_head(class_name):
        return None
    other = "untied" if tie_flag(config) else "tied"
    return other, with_tie_mode(config, TIE_MODES[other])


def other_tie_check(
    model_type: str, classes: dict[str, str], config: Any, seeds: tuple[int, ...] | None, patched: bool
) -> tuple[str, Any] | None:
    """The suite's check of ``classes`` (framework -> class, PyTorch's first when there is one) in the tie mode
    ``config`` is not in: its name and the :class:`~init_parity.suite.conformance.FamilyCheck`; None for a class
    without an LM head."""
    tag = classes.get("pt") or next(iter(classes.values()))
    found = other_tie_mode(tag, config)
    if found is None:
        return None
    mode, other = found
    with use_scheme(patched):
        return mode, check_classes([ClassEntry(tag, dict(classes))], other, seeds)
