"""Rules shared by the PyTorch-only families: what transformers' generic ``_init_weights`` does, and
what most families copy from it or from BART's.

``PreTrainedModel._init_weights`` (4.57.6) draws every ``nn.Linear`` / ``nn.Conv*`` / ``nn.Embedding``
weight normal(0, ``initializer_range``), zeroes their biases and the padding row of an embedding, and
sets every norm (LayerNorm, RMSNorm, GroupNorm, BatchNorm) to weight 1, bias 0. Most families' own
``_init_weights`` are this method with ``init_std`` for the std. :func:`norm_rules` and
:func:`linear_rules` state that once; a family puts its own rules in front (first match wins).
"""

from __future__ import annotations

from .rules import Rule

LINE_4 = ("4",)
"""The release line the PyTorch-only families' schemes describe: transformers 4.57.6. On 5.x they are not
applied (its modelling code differs, e.g. FSMT's head and tie defaults) until checked there."""

NORM = r"(norm[^.]*|_ln|(^|\.)ln[^.]*)"
"""Parameter-name part of a norm layer: ``layer_norm``, ``self_attn_layer_norm``, ``layernorm_embedding``,
``input_layernorm``, ``norm``, ``batch_norm``, ``final_ln``."""


def norm_rules(source: str, weight: str = "1.0", pattern: str = NORM) -> tuple[Rule, ...]:
    """Norm layers: weight ``weight`` (1, or 0 for a ``1 + weight`` RMSNorm), bias 0; their running
    statistics (BatchNorm) mean 0, variance 1."""
    return (
        Rule("norm.weight", pattern + r"\.weight$", "constant", weight, source=source),
        Rule("norm.bias", pattern + r"\.bias$", "constant", "0.0", source=source),
        Rule("norm.running_mean", r"(^|\.)running_mean$", "constant", "0.0", source=f"{source}: BatchNorm buffer"),
        Rule("norm.running_var", r"(^|\.)running_var$", "constant", "1.0", source=f"{source}: BatchNorm buffer"),
    )


def linear_rules(std: str, source: str, pad: str | None = None) -> tuple[Rule, ...]:
    """Every other weight (Linear, Conv, Embedding) normal(0, ``std``), every other bias 0; the token
    embedding's padding row (``pad``, a formula) zero."""
    return (
        Rule(
            "embedding.tokens",
            r"(^|\.)(shared|embed_tokens|word_embeddings)\.weight$",
            "normal",
            std,
            source=f"{source}: nn.Embedding, padding row zero" if pad else f"{source}: nn.Embedding",
            zero_row=pad,
        ),
        Rule("weight", r"\.weight$", "normal", std, source=f"{source}: nn.Linear / nn.Conv / nn.Embedding"),
        Rule("bias", r"\.bias$", "constant", "0.0", source=f"{source}: zero biases"),
    )


def generic_rules(std: str, source: str, pad: str | None = None, norm_weight: str = "1.0") -> tuple[Rule, ...]:
    """:func:`norm_rules` then :func:`linear_rules`: the whole of the generic ``_init_weights``."""
    return (*norm_rules(source, norm_weight), *linear_rules(std, source, pad))
