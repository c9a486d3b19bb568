"""Tiny configs, one per model type: small enough to build in a second, large enough that each
parameter role carries about a thousand samples or more.

Sizes are set by attribute name on the model type's default config (only the attributes that
config has), then by the per-family overrides below. T5-family configs have
``num_heads * d_kv != d_model`` so that the two fan-ins the frameworks disagree on differ, and an
untied lm_head (T5 v1.1, mT5, UMT5).
"""

from __future__ import annotations

import copy
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

_GQA_STACK = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "max_position_embeddings": 64,
}
_T5GEMMA_STACK = {**_GQA_STACK, "vocab_size": 512, "query_pre_attn_scalar": 16, "sliding_window": 16}
_BART_STACK = {
    "vocab_size": 512,
    "d_model": 64,
    "encoder_layers": 2,
    "decoder_layers": 2,
    "encoder_attention_heads": 4,
    "decoder_attention_heads": 4,
    "encoder_ffn_dim": 128,
    "decoder_ffn_dim": 128,
    "max_position_embeddings": 64,
}


def _resnet(out_features: list[str]) -> dict[str, Any]:
    """A tiny transformers ResNet backbone (no timm, nothing pretrained)."""
    return {
        "model_type": "resnet",
        "embedding_size": 16,
        "hidden_sizes": [16, 32, 64, 128],
        "depths": [1, 1, 1, 1],
        "layer_type": "basic",
        "out_features": out_features,
    }


# DETR-style detectors: transformers' own tiny backbone instead of timm's, never a pretrained one
_DETR = {"use_timm_backbone": False, "backbone": None, "use_pretrained_backbone": False, "num_queries": 16}
_SWIN = {
    "model_type": "swin",
    "embed_dim": 16,
    "depths": [1, 1, 1, 1],
    "num_heads": [1, 1, 1, 1],
    "window_size": 7,
    "image_size": 224,
    "out_indices": [2, 3, 4],
}
_DETR_SINGLE_LEVEL = ("detr", "conditional_detr", "table-transformer", "dab-detr")
_RT_DETR = {
    "backbone_config": {
        "model_type": "rt_detr_resnet",
        "embedding_size": 16,
        "hidden_sizes": [16, 32, 64, 128],
        "depths": [1, 1, 1, 1],
        "layer_type": "basic",
        "out_indices": [2, 3, 4],
    },
    "encoder_in_channels": [32, 64, 128],
    "encoder_hidden_dim": 64,
    "encoder_ffn_dim": 128,
    "decoder_in_channels": [64, 64, 64],
    "decoder_ffn_dim": 128,
    "num_queries": 16,
    "num_denoising": 8,
    "num_labels": 16,  # the class heads hold num_labels rows: enough samples from one build
    "decoder_n_points": 2,
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
    **{
        model_type: {"num_encoder_layers": 2, "num_decoder_layers": 2}
        for model_type in ("prophetnet", "xlm-prophetnet")
    },
    **{
        model_type: {
            "speech_encoder_layers": 2,
            "speech_encoder_attention_heads": 4,
            "speech_encoder_intermediate_size": 128,
            "feature_projection_input_dim": 32,
            "t2u_encoder_layers": 2,
            "t2u_decoder_layers": 2,
            "t2u_encoder_ffn_dim": 128,
            "t2u_decoder_ffn_dim": 128,
            "t2u_encoder_attention_heads": 4,
            "t2u_decoder_attention_heads": 4,
            "t2u_vocab_size": 512,
            "char_vocab_size": 64,
            "unit_embed_dim": 64,
            "unit_hifi_gan_vocab_size": 512,
            "upsample_initial_channel": 32,
            "upsample_rates": [2, 2],
            "upsample_kernel_sizes": [4, 4],
            "resblock_kernel_sizes": [3],
            "resblock_dilation_sizes": [[1, 3]],
            "spkr_embed_dim": 16,
            "lang_embed_dim": 16,
            "vocoder_num_spkrs": 4,
            "vocoder_num_langs": 4,
            "variance_predictor_kernel_size": 3,
            "t2u_variance_predictor_embed_dim": 64,
            "t2u_variance_predictor_hidden_dim": 256,
        }
        for model_type in ("seamless_m4t", "seamless_m4t_v2")
    },
    "speecht5": {"conv_dim": [128, 32], "conv_stride": [5, 2], "conv_kernel": [10, 3], "num_conv_pos_embeddings": 16},
    "fastspeech2_conformer": {
        "encoder_num_attention_heads": 4,
        "decoder_num_attention_heads": 4,
        "decoder_layers": 2,
        "encoder_linear_units": 128,
        "decoder_linear_units": 128,
        "num_mel_bins": 16,
        "speech_decoder_postnet_units": 32,
        "speech_decoder_postnet_layers": 2,
        "duration_predictor_channels": 32,
        "energy_predictor_channels": 32,
        "pitch_predictor_channels": 32,
        "pitch_predictor_layers": 2,
    },
    "fsmt": {"src_vocab_size": 512, "tgt_vocab_size": 512, "langs": ["en", "de"]},
    **{
        model_type: {"prediction_length": 8, "context_length": 16, "lags_sequence": [1, 2, 3]}
        for model_type in ("autoformer", "informer", "time_series_transformer")
    },
    "t5gemma": {"encoder": _T5GEMMA_STACK, "decoder": _T5GEMMA_STACK, "vocab_size": 512},
    "dia": {
        "encoder_config": {**_GQA_STACK, "vocab_size": 256},
        "decoder_config": {
            **_GQA_STACK,
            "vocab_size": 512,
            "num_channels": 2,
            "cross_num_attention_heads": 4,
            "cross_head_dim": 16,
            "cross_num_key_value_heads": 2,
            "cross_hidden_size": 64,
        },
        "delay_pattern": [0, 1],
    },
    "florence2": {
        "text_config": {"model_type": "bart", **_BART_STACK},
        "vision_config": {
            "depths": [1, 1],
            "patch_size": [7, 3],
            "patch_stride": [4, 2],
            "patch_padding": [3, 1],
            "patch_prenorm": [False, True],
            "embed_dim": [32, 64],
            "num_heads": [2, 4],
            "num_groups": [2, 4],
            "window_size": 4,
            "projection_dim": 64,
            "max_temporal_embeddings": 4,
            "max_position_embeddings": 16,
        },
        "image_token_id": 511,
    },
    "pix2struct": {
        "text_config": {
            "vocab_size": 512,
            "hidden_size": 64,
            "d_kv": 16,
            "d_ff": 128,
            "num_layers": 2,
            "num_heads": 4,
        },
        "vision_config": {
            "hidden_size": 64,
            "patch_embed_hidden_size": 48,
            "d_ff": 128,
            "d_kv": 16,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "seq_len": 64,
        },
    },
    **{model_type: {**_DETR, "backbone_config": _resnet(["stage4"])} for model_type in _DETR_SINGLE_LEVEL},
    **{
        model_type: {**_DETR, "backbone_config": _resnet(["stage2", "stage3", "stage4"]), "encoder_n_points": 2}
        for model_type in ("deformable_detr", "deta")
    },
    **{model_type: _RT_DETR for model_type in ("rt_detr", "rt_detr_v2", "d_fine")},
    **{
        model_type: {
            **_DETR,
            "backbone_config": _SWIN,
            "text_config": {
                "model_type": "bert",
                "vocab_size": 512,
                "hidden_size": 64,
                "num_hidden_layers": 1,
                "num_attention_heads": 4,
                "intermediate_size": 128,
            },
            "encoder_n_points": 2,
            "decoder_n_points": 2,
            "max_text_len": 32,
        }
        for model_type in ("grounding-dino", "mm-grounding-dino")
    },
    "omdet-turbo": {
        "use_timm_backbone": False,
        "backbone": None,
        "use_pretrained_backbone": False,
        "backbone_config": _SWIN,
        "text_config": {
            "model_type": "clip_text_model",
            "vocab_size": 512,
            "hidden_size": 64,
            "num_hidden_layers": 1,
            "num_attention_heads": 4,
            "intermediate_size": 128,
            "projection_dim": 64,
        },
        "encoder_in_channels": [32, 64, 128],
        "text_projection_in_dim": 64,
        "text_projection_out_dim": 64,
        "task_encoder_hidden_dim": 128,
        "class_embed_dim": 64,
        "vision_features_channels": [128, 128, 128],
        "encoder_hidden_dim": 64,
        "encoder_attention_heads": 4,
        "encoder_dim_feedforward": 128,
        "decoder_hidden_dim": 128,
        "decoder_num_heads": 4,
        "decoder_dim_feedforward": 128,
        "decoder_num_layers": 2,
        "decoder_num_points": 2,
        "num_queries": 16,
    },
}


def tiny_config(model_type: str, **changes: Any) -> Any:
    """The tiny config of ``model_type``, with ``changes`` applied last."""
    from transformers import AutoConfig

    default = AutoConfig.for_model(model_type)
    settable = (
        key for key in SIZES if hasattr(default, key) and not isinstance(getattr(type(default), key, None), property)
    )
    values = {key: SIZES[key] for key in settable}
    values.update(OVERRIDES.get(model_type, {}))
    # special token ids of the full vocabulary (Marian's pad 58100, Whisper's 50256) must fit the tiny one
    vocab = values.get("vocab_size")
    for key, value in vars(default).items():
        if vocab and key.endswith("_token_id") and isinstance(value, int) and value >= vocab:
            values[key] = value % vocab
    values.update(changes)
    # through the constructor, so that derived attributes (T5's is_gated_act, ...) follow
    # a copy: some configs pop keys from the sub-config dicts they are given
    config = AutoConfig.for_model(model_type, **copy.deepcopy(values))
    if hasattr(config, "attention_window") and isinstance(config.attention_window, list):
        config.attention_window = [values.get("attention_window", 8)] * len(config.attention_window)
    return config
