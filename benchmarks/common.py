"""Shared by the benchmarks: t5-shaped configs and a switch between stock and scheme builds."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MODES = ("stock", "scheme")


def t5_config(size: str):
    """T5 v1.1 shapes (untied lm_head, gated-gelu), as in the t5-v1_1-small / -base configs."""
    from transformers import T5Config

    shapes = {
        "small": dict(d_model=512, d_ff=1024, d_kv=64, num_heads=6, num_layers=8),
        "base": dict(d_model=768, d_ff=2048, d_kv=64, num_heads=12, num_layers=12),
    }[size]
    return T5Config(
        vocab_size=32128, feed_forward_proj="gated-gelu", tie_word_embeddings=False, decoder_start_token_id=0, **shapes
    )


def mode_switch(mode: str):
    import init_parity

    return init_parity.use_scheme(mode == "scheme")
