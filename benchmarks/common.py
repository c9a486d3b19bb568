"""Shared by the benchmarks: t5-shaped configs and a switch between stock and scheme builds."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MODES = ("stock", "scheme")


def t5_config(size: str, model_type: str = "t5"):
    """T5 v1.1 shapes (untied lm_head, gated-gelu), as in the t5-v1_1-small / -base / -xl configs, for
    ``model_type`` (t5, mt5, umt5 ...). On transformers 5.x the stock config forces the tie: build it
    under the same :func:`mode_switch` as the model."""
    from transformers import AutoConfig

    shapes = {
        "small": dict(d_model=512, d_ff=1024, d_kv=64, num_heads=6, num_layers=8),
        "base": dict(d_model=768, d_ff=2048, d_kv=64, num_heads=12, num_layers=12),
        "xl": dict(d_model=2048, d_ff=5120, d_kv=64, num_heads=32, num_layers=24),
    }[size]
    return AutoConfig.for_model(
        model_type,
        vocab_size=32128,
        feed_forward_proj="gated-gelu",
        tie_word_embeddings=False,
        decoder_start_token_id=0,
        **shapes,
    )


def rotation(variants, index: int) -> list:
    """``variants`` in the order of run ``index``: rotated by one each run, so that over alternating
    runs each variant comes first, last and between equally often (two variants: flipped)."""
    variants = list(variants)
    shift = index % len(variants)
    return variants[shift:] + variants[:shift]


def mode_switch(mode: str):
    import init_parity

    return init_parity.use_scheme(mode == "scheme")
