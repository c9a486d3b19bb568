"""Tie structure: a tied output head is the input embedding itself, an untied one a tensor of its own.

``tie_word_embeddings`` decides whether a model with an LM head multiplies by its input embedding
or by a separate head. Which one a framework really built is a structural fact, checked here and
not assumed: a head that is only a copy of the embedding (equal at first, apart after one step of
training) and a head tied although the config unties it both pass every statistical test of the
weights. The checks read the weights dictionary of :func:`init_parity.suite.models.build.weights`, which
holds every distinct tensor once under PyTorch's name: a tied head is absent from it, an untied
head present.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..scheme.heads import HEAD_PATTERN, INPUT_EMBEDDING_PATTERN, TOKEN_EMBEDDING_PATTERN, has_lm_head, tie_flag
from .stats import TestResult


def pytorch_output_head(model: Any) -> str | None:
    """The parameter name of a PyTorch model's output head (``get_output_embeddings().weight``), found
    among all names of the model's modules, aliases of tied tensors included; None without a head."""
    try:
        head = model.get_output_embeddings()
    except (AttributeError, NotImplementedError):
        return None
    if head is None or not hasattr(head, "weight"):
        return None
    for name, module in model.named_modules(remove_duplicate=False):
        if module is head:
            return f"{name}.weight" if name else "weight"
    return None


def tie_findings(
    class_name: str, config: Any, weights: Mapping[str, np.ndarray], head: str | None = None
) -> list[TestResult]:
    """Exact ``tie`` results (p = 0) for a model of ``class_name`` whose distinct tensors are
    ``weights`` (PyTorch names; tied tensors once): the head must be absent (one tensor with the
    embedding) when ``config`` ties it and present when it does not. ``head`` is the head's name
    where the model says it (:func:`pytorch_output_head`); else the names are matched against
    :data:`HEAD_PATTERN`. Nothing for a class without an LM head."""
    if not has_lm_head(class_name):
        return []
    from ..scheme.plan import family_of

    scheme = family_of(config)
    if scheme is not None and scheme.head_is_decoder_embedding:
        return _decoder_embedding_head_findings(class_name, config, weights)
    tied = tie_flag(config)
    heads = [head] if head is not None and head in weights else []
    if head is None:
        heads = sorted(name for name in weights if HEAD_PATTERN.search(name))
    if tied and heads:
        embeddings = [name for name in weights if INPUT_EMBEDDING_PATTERN.search(name)]
        equal = [
            other
            for other in embeddings
            if weights[other].shape == weights[heads[0]].shape and np.array_equal(weights[other], weights[heads[0]])
        ]
        copy = f" (a copy equal to {equal[0]})" if equal else ""
        detail = (
            f"{class_name}: tie_word_embeddings=True but {heads[0]} is a tensor of its own{copy}: "
            "the tied head is not the input embedding"
        )
        return [TestResult("tie", 1.0, 0.0, int(weights[heads[0]].size), detail)]
    if not tied and not heads:
        detail = (
            f"{class_name}: tie_word_embeddings=False but it has no output head of its own "
            f"({head or 'no lm_head / proj_out / output_projection weight'} is the input embedding): "
            "the untied head is silently tied"
        )
        return [TestResult("tie", 1.0, 0.0, 0, detail)]
    return []


def _decoder_embedding_head_findings(
    class_name: str, config: Any, weights: Mapping[str, np.ndarray]
) -> list[TestResult]:
    """For a family whose head is always the decoder's token embedding
    (:attr:`init_parity.scheme.FamilyScheme.head_is_decoder_embedding`): no head of its own, and the encoder's
    and decoder's token embeddings one tensor exactly when the config's own ``tie_word_embeddings`` says so
    (its private decoder config's flag, a default, is not read)."""
    findings = []
    for head in sorted(name for name in weights if HEAD_PATTERN.search(name)):
        detail = f"{class_name}: {head} is a tensor of its own: the head is the decoder's token embedding by design"
        findings.append(TestResult("tie", 1.0, 0.0, int(weights[head].size), detail))
    sides = {match.group(1) for name in weights if (match := TOKEN_EMBEDDING_PATTERN.search(name))}
    tied = tie_flag(config, own=True)
    if tied and sides == {"encoder", "decoder"}:
        detail = (
            f"{class_name}: tie_word_embeddings=True but the encoder's and decoder's token embeddings are two tensors"
        )
        findings.append(TestResult("tie", 1.0, 0.0, 0, detail))
    if not tied and len(sides) < 2:
        detail = (
            f"{class_name}: tie_word_embeddings=False but the encoder's and decoder's token embeddings are one tensor"
        )
        findings.append(TestResult("tie", 1.0, 0.0, 0, detail))
    return findings
