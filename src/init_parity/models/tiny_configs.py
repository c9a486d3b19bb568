"""Tiny configs, one per model type: small enough to build in a second, large enough that each
parameter role carries about a thousand samples or more.

Sizes are set by attribute name on the model type's default config (only the attributes that
config has), then by the per-family overrides below. T5-family configs have
``num_heads * d_kv != d_model`` so that the two fan-ins the frameworks disagree on differ, and an
untied lm_head (T5 v1.1, mT5, UMT5).
"""

from __future__ import annotations

from typing import Any

SIZES: dict[str, Any] = {
    "vocab_size": 512,
    "decoder_vocab_size": 512,
    "d_model": 64,
    "hidden_size": 64,
    "d_ff": 128,
    "d_kv": 32,
    "num_layers": 2,
    "num_decoder_layers": 2,
    "num_hidden_layers": 2,
    "encoder_layers": 2,
    "decoder_layers": 2,
    "num_heads": 4,
    "num_attention_heads": 4,
    "encoder_attention_heads": 4,
    "decoder_attention_heads": 4,
    "encoder_ffn_dim": 128,
    "decoder_ffn_dim": 128,
    "intermediate_size": 128,
    "max_position_embeddings": 64,
}

OVERRIDES: dict[str, dict[str, Any]] = {
    **{
        model_type: {
            "feed_forward_proj": "gated-gelu",
            "tie_word_embeddings": False,
            "relative_attention_num_buckets": 128,
        }
        for model_type in ("t5", "mt5", "umt5", "longt5", "pop2piano")
    },
    "switch_transformers": {
        "tie_word_embeddings": False,
        "relative_attention_num_buckets": 128,
        "num_experts": 4,
        "num_sparse_encoder_layers": 1,
        "num_sparse_decoder_layers": 1,
    },
    "udop": {"relative_attention_num_buckets": 128, "tie_word_embeddings": False},
    "whisper": {"max_source_positions": 64, "max_target_positions": 64, "num_mel_bins": 16},
    "speech_to_text": {
        "max_source_positions": 64,
        "max_target_positions": 64,
        "input_feat_per_channel": 16,
        "conv_channels": 64,
        "d_model": 64,
    },
    "led": {"max_encoder_position_embeddings": 64, "max_decoder_position_embeddings": 64, "attention_window": 8},
}


def tiny_config(model_type: str, **changes: Any) -> Any:
    """The tiny config of ``model_type``, with ``changes`` applied last."""
    from transformers import AutoConfig

    default = AutoConfig.for_model(model_type)
    values = {key: value for key, value in SIZES.items() if hasattr(default, key)}
    values.update(OVERRIDES.get(model_type, {}))
    # special token ids of the full vocabulary (Marian's pad 58100, Whisper's 50256) must fit the tiny one
    vocab = values.get("vocab_size")
    for key, value in vars(default).items():
        if vocab and key.endswith("_token_id") and isinstance(value, int) and value >= vocab:
            values[key] = value % vocab
    values.update(changes)
    # through the constructor, so that derived attributes (T5's is_gated_act, ...) follow
    config = AutoConfig.for_model(model_type, **values)
    if hasattr(config, "attention_window") and isinstance(config.attention_window, list):
        config.attention_window = [values.get("attention_window", 8)] * len(config.attention_window)
    return config
