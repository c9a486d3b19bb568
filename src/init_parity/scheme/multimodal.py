"""The text and vision-language encoder-decoders of the PyTorch-only kind: T5Gemma, Florence-2 and
Pix2Struct.

T5Gemma is Gemma 2's init (the generic rules, with RMSNorm weights 0 because its norm scales by
``1 + weight``). Florence-2 joins a DaViT vision tower (the generic rules) and a BART language model,
which BART's own ``_init_weights`` draws with the text config's ``init_std``. Pix2Struct's decoder is
T5's Mesh-TensorFlow scheme, its vision encoder draws every Linear from ``initializer_range``.
"""

from __future__ import annotations

from .generic import LINE_4, generic_rules
from .rules import FamilyScheme, Rule, SubModel

_T5GEMMA = "PyTorch T5GemmaPreTrainedModel._init_weights (4.57.6), = Gemma 2's"
T5GEMMA_FAMILY = FamilyScheme(
    family="t5gemma",
    model_types=("t5gemma",),
    rules=(
        Rule(
            "head.classification",
            r"(^|\.)score\.out_proj\.weight$",
            "normal",
            "initializer_range * num_labels ** -0.5",
            source=f"{_T5GEMMA}: T5GemmaClassificationHead, std initializer_range * out_features**-0.5",
        ),
        Rule(
            "lm_head.untied",
            r"(^|\.)lm_head\.out_proj\.weight$",
            "normal",
            "initializer_range * vocab_size ** -0.5",
            when="not tie_word_embeddings",
            source=f"{_T5GEMMA}: T5GemmaLMHead when untied, std initializer_range * out_features**-0.5",
        ),
        *generic_rules(
            "initializer_range", _T5GEMMA + "; RMSNorm weight 0 (it scales by 1 + weight)", "pad_token_id", "0.0"
        ),
    ),
    reference=_T5GEMMA,
    first_loss_margin=1.0,
    lines=LINE_4,
)

_FLORENCE = (
    "PyTorch PreTrainedModel._init_weights (4.57.6; Florence2 defines none): std 0.02, the library default, "
    "since neither Florence2Config nor its BART text config has initializer_range"
)
_FLORENCE_BART = (
    "PyTorch BartPreTrainedModel._init_weights (4.57.6) on the language model, with the text config's init_std"
)
FLORENCE2_FAMILY = FamilyScheme(
    family="florence2",
    model_types=("florence2",),
    rules=(
        Rule(
            "language_model.embedding.tokens",
            r"(^|\.)language_model\.(shared|(encoder|decoder)\.embed_tokens)\.weight$",
            "normal",
            "text_config.init_std",
            source=f"{_FLORENCE_BART}, padding row zero",
            zero_row="text_config.pad_token_id",
        ),
        Rule(
            "language_model.weight",
            r"(^|\.)language_model\..*(?<!norm)(?<!layernorm_embedding)\.weight$",
            "normal",
            "text_config.init_std",
            source=_FLORENCE_BART,
        ),
        Rule(
            "vision.positions.cosine",
            r"visual_temporal_embed\.pos_idx_to_embed$",
            "deterministic",
            "cosine_1d(max_temporal_embeddings, projection_dim)",
            source="PyTorch Florence2VisionPositionalEmbeddingCosine1D (4.57.6): a sin / cos table computed in "
            "__init__, a persistent buffer, not drawn",
        ),
        *generic_rules("0.02", _FLORENCE),
    ),
    reference=_FLORENCE,
    lines=LINE_4,
)

_PIX2STRUCT = "PyTorch Pix2StructPreTrainedModel._init_weights (4.57.6)"
_TEXT = "text_config.initializer_factor"
_HIDDEN = "text_config.hidden_size"
_MESH = "Mesh TensorFlow attention (as T5): query folded with d_kv**-0.5"
_TEXT_ATTENTION = r"(^|\.)decoder\.layer\.\d+\.(self_attention|encoder_decoder_attention)\.attention\."
PIX2STRUCT_FAMILY = FamilyScheme(
    family="pix2struct",
    model_types=("pix2struct",),
    rules=(
        Rule(
            "vision.embedding",
            r"(^|\.)encoder\.embeddings\.(row|column)_embedder\.weight$",
            "normal",
            "vision_config.initializer_factor * vision_config.hidden_size ** -0.5",
            source=f"{_PIX2STRUCT}: nn.Embedding, factor * hidden_size**-0.5 of the vision config",
        ),
        Rule(
            "text.attention.q",
            _TEXT_ATTENTION + r"query\.weight$",
            "normal",
            f"{_TEXT} * ({_HIDDEN} * text_config.d_kv) ** -0.5",
            source=f"{_PIX2STRUCT}; {_MESH} (the code reads hidden_size for d_kv when built from a text config: "
            "a stock defect the scheme fixes)",
        ),
        Rule(
            "text.attention.kv",
            _TEXT_ATTENTION + r"(key|value)\.weight$",
            "normal",
            f"{_TEXT} * {_HIDDEN} ** -0.5",
            source=f"{_PIX2STRUCT}; {_MESH}",
        ),
        Rule(
            "text.attention.o",
            _TEXT_ATTENTION + r"output\.weight$",
            "normal",
            f"{_TEXT} * (text_config.num_heads * text_config.d_kv) ** -0.5",
            source=f"{_PIX2STRUCT}; {_MESH} (hidden_size read for d_kv: a stock defect the scheme fixes)",
        ),
        Rule(
            "text.fan_in_d_model",
            r"(^|\.)decoder\.(embed_tokens|lm_head|layer\.\d+\.mlp\.DenseReluDense\.wi_[01]|"
            r"layer\.\d+\.self_attention\.attention\.relative_attention_bias)\.weight$",
            "normal",
            f"{_TEXT} * {_HIDDEN} ** -0.5",
            source=f"{_PIX2STRUCT}: the decoder's embedding, gated MLP input, relative bias and lm_head, "
            "factor * hidden_size**-0.5 (T5's fan-in)",
        ),
        Rule(
            "text.mlp.wo",
            r"(^|\.)decoder\.layer\.\d+\.mlp\.DenseReluDense\.wo\.weight$",
            "normal",
            f"{_TEXT} * text_config.d_ff ** -0.5",
            source=f"{_PIX2STRUCT}: T5's fan-in",
        ),
        Rule(
            "layer_norm",
            r"(layer_norm|layernorm|norm)\.weight$",
            "constant",
            "initializer_factor",
            source=f"{_PIX2STRUCT}: Pix2StructLayerNorm weight = factor",
        ),
        Rule(
            "vision.linear",
            r"(^|\.)encoder\..*\.weight$",
            "normal",
            "initializer_range",
            source=f"{_PIX2STRUCT}: nn.Linear trunc_normal_(std=initializer_range) with torch's absolute bounds "
            "±2, i.e. ±100 std at 0.02: a plain normal in effect",
        ),
        Rule("bias", r"\.bias$", "constant", "0.0", source=f"{_PIX2STRUCT}: zero biases"),
    ),
    reference=_PIX2STRUCT,
    lines=LINE_4,
    submodels=(
        SubModel("pix2struct_vision_model", "vision_config", "encoder."),
        SubModel("pix2struct_text_model", "text_config", "decoder."),
    ),
    notes=(
        "Pix2StructTextAttention's init reads key_value_proj_dim = hidden_size when the module's config is the text "
        "config, as it is when Pix2StructTextModel initialises itself: the query std is factor * (hidden * hidden)"
        "**-0.5 and the output's factor * (heads * hidden)**-0.5 instead of T5's d_kv. The scheme states d_kv and "
        "covers the text and vision models where they initialise under their own configs (their names get the "
        "decoder / encoder prefix, the formulas read the sub-config as text_config / vision_config): the package "
        "fixes it, and the stock drift is a strict xfail of the stock run.",
    ),
)

MULTIMODAL_FAMILIES = (T5GEMMA_FAMILY, FLORENCE2_FAMILY, PIX2STRUCT_FAMILY)
