"""The speech and audio encoder-decoders of the PyTorch-only kind: SeamlessM4T (v1, v2), SpeechT5,
Moonshine, Dia and FastSpeech2-Conformer.

Their transformers are drawn by the generic rules (:mod:`.generic`, normal(0, ``initializer_range``));
what each adds is a wav2vec2-style front end or a conformer, whose ``_init_weights`` branches use
fan-in formulas of their own: Kaiming-normal convolutions (std sqrt(2 / fan_in)), Xavier-uniform
relative-position biases, and uniform(±fan_in**-0.5) feature projections. Those are written here
with the fan-in read from the config.
"""

from __future__ import annotations

from .generic import LINE_4, generic_rules, norm_rules
from .rules import FamilyScheme, LeftToFramework, Rule

R = "initializer_range"
PAD = "pad_token_id"

_WEIGHT_NORM = LeftToFramework(
    r"pos_conv_embed\.conv\.(parametrizations\.weight\.original[01]|weight_[gv])$",
    "a weight-normalised Conv1d: _init_weights draws the direction v normal(0, 2 (kernel * in_channels / groups)"
    "**-0.5) and torch.nn.utils.weight_norm sets the magnitude g to the norm of v, a deterministic function of it",
)


def _kaiming(role: str, pattern: str, fan_in: str, source: str) -> Rule:
    """A Conv1d drawn by ``nn.init.kaiming_normal_``: normal(0, sqrt(2 / fan_in))."""
    return Rule(role, pattern, "normal", f"(2 / ({fan_in})) ** 0.5", source=f"{source}: kaiming_normal_, fan_in")


def _conv_bias(role: str, pattern: str, fan_in: str, source: str) -> Rule:
    """A Conv1d bias drawn uniform(±sqrt(groups / (in_channels * kernel))), PyTorch's own default."""
    return Rule(role, pattern, "uniform", f"({fan_in}) ** -0.5", source=f"{source}: uniform(±fan_in**-0.5)")


def _xavier_uniform(role: str, pattern: str, fan_in: str, fan_out: str, source: str) -> Rule:
    return Rule(role, pattern, "uniform", f"(6 / ({fan_in} + {fan_out})) ** 0.5", source=f"{source}: xavier_uniform_")


def _seamless_v2_t2u(pt: str) -> tuple[Rule, ...]:
    """SeamlessM4Tv2's text-to-unit decoder: Conv1d layers (kernel 7, hard-coded) and a duration predictor, drawn by
    the Conv1d branch of its ``_init_weights`` (Kaiming-normal weights, PyTorch's uniform biases)."""
    layer, predictor = r"decoder\.layers\.\d+\.conv[12]\.", r"decoder\.duration_predictor\."
    first = "t2u_variance_predictor_embed_dim * t2u_variance_predictor_kernel_size"
    second = "t2u_variance_predictor_hidden_dim * t2u_variance_predictor_kernel_size"
    return (
        _kaiming("t2u.conv", layer + "weight$", "hidden_size * 7", pt),
        _conv_bias("t2u.conv_bias", layer + "bias$", "hidden_size * 7", pt),
        _kaiming("t2u.duration.conv1", predictor + r"conv1\.weight$", first, pt),
        _conv_bias("t2u.duration.conv1_bias", predictor + r"conv1\.bias$", first, pt),
        _kaiming("t2u.duration.conv2", predictor + r"conv2\.weight$", second, pt),
        _conv_bias("t2u.duration.conv2_bias", predictor + r"conv2\.bias$", second, pt),
    )


def _seamless(model_type: str, model: str) -> FamilyScheme:
    pt = f"PyTorch {model}PreTrainedModel._init_weights (4.57.6)"
    heads = "speech_encoder_attention_heads"
    # no "speech_encoder." in front: the speech encoder initialises itself first, its names then start at "encoder."
    projection = r"feature_projection\.projection\."
    rules = (
        _xavier_uniform("conformer.pos_bias", r"self_attn\.pos_bias_[uv]$", f"hidden_size / {heads}", heads, pt),
        Rule(
            "conformer.feature_projection",
            projection + r"(weight|bias)$",
            "uniform",
            "feature_projection_input_dim ** -0.5",
            source=f"{pt}: uniform(±in_features**-0.5), weight and bias",
        ),
        _kaiming("conformer.pointwise_conv", r"conv_module\.pointwise_conv[12]\.weight$", "hidden_size", pt),
        _kaiming(
            "conformer.depthwise_conv", r"conv_module\.depthwise_conv\.weight$", "conv_depthwise_kernel_size", pt
        ),
        _kaiming(
            "adapter.conv",
            r"adapter\.layers\.\d+\.(residual_conv|self_attn_conv)\.weight$",
            "hidden_size * adaptor_kernel_size",
            pt,
        ),
        _conv_bias(
            "adapter.conv_bias",
            r"adapter\.layers\.\d+\.(residual_conv|self_attn_conv)\.bias$",
            "hidden_size * adaptor_kernel_size",
            pt,
        ),
        Rule(
            "t2u.embedding.tokens",
            r"(^|\.)model\.decoder\.embed_tokens\.weight$",  # the text-to-unit model initialises itself: no t2u_model.
            "normal",
            R,
            source=f"{pt}: nn.Embedding of the unit vocabulary, padding row (t2u_pad_token_id) zero",
            zero_row="t2u_pad_token_id",
        ),
        Rule(
            "t2u.pos_emb_alpha",
            r"(^|\.)pos_emb_alpha(_char)?$",
            "constant",
            "1.0",
            source=f"{pt}: the scale of the text-to-unit decoder's positions, 1",
        ),
        *(_seamless_v2_t2u(pt) if model_type.endswith("v2") else ()),
        *generic_rules(R, pt, PAD),
    )
    return FamilyScheme(
        family=model_type,
        model_types=(model_type,),
        rules=rules,
        reference=f"{pt}; the vocoder by {model}CodeHifiGan._init_weights (normal(0, initializer_range))",
        first_loss_margin=1.0,
        lines=LINE_4,
        left=(
            LeftToFramework(
                r"(^|\.)embed_positions\.weights$",
                "sinusoidal positions: a non-persistent buffer computed by the model",
            ),
        ),
    )


SEAMLESS_M4T_FAMILY = _seamless("seamless_m4t", "SeamlessM4T")
SEAMLESS_M4T_V2_FAMILY = _seamless("seamless_m4t_v2", "SeamlessM4Tv2")

_SPEECHT5 = "PyTorch SpeechT5PreTrainedModel._init_weights (4.57.6)"
SPEECHT5_FAMILY = FamilyScheme(
    family="speecht5",
    model_types=("speecht5",),
    rules=(
        _kaiming(
            "feature_encoder.conv0", r"feature_encoder\.conv_layers\.0\.conv\.weight$", "conv_kernel[0]", _SPEECHT5
        ),
        _kaiming(
            "feature_encoder.conv",
            r"feature_encoder\.conv_layers\.[1-9]\d*\.conv\.weight$",
            "conv_dim[0] * conv_kernel[1]",
            _SPEECHT5,
        ),
        Rule(
            "feature_projection",
            r"feature_projection\.projection\.(weight|bias)$",
            "uniform",
            "conv_dim[-1] ** -0.5",
            source=f"{_SPEECHT5}: uniform(±in_features**-0.5), weight and bias",
        ),
        Rule("pos_conv_embed.bias", r"pos_conv_embed\.conv\.bias$", "constant", "0.0", source=_SPEECHT5),
        _kaiming(
            "postnet.conv0",
            r"speech_decoder_postnet\.layers\.0\.conv\.weight$",
            "num_mel_bins * speech_decoder_postnet_kernel",
            f"{_SPEECHT5}, SpeechT5ForTextToSpeech's postnet (its first Conv1d reads the mel bins)",
        ),
        _kaiming(
            "postnet.conv",
            r"speech_decoder_postnet\.layers\.[1-9]\d*\.conv\.weight$",
            "speech_decoder_postnet_units * speech_decoder_postnet_kernel",
            f"{_SPEECHT5}, SpeechT5ForTextToSpeech's postnet",
        ),
        Rule(
            "positions.alpha",
            r"(^|\.)encode_positions\.alpha$",
            "constant",
            "1.0",
            source=f"{_SPEECHT5}: the scale of SpeechT5ScaledPositionalEncoding, 1",
        ),
        *generic_rules(R, _SPEECHT5, PAD),
    ),
    reference=_SPEECHT5,
    lines=LINE_4,
    left=(
        _WEIGHT_NORM,
        LeftToFramework(
            r"(^|\.)masked_spec_embed$",
            "uniform(0, 1) by nn.init.uniform_'s defaults (SpeechT5 _init_weights): a one-sided interval, which the "
            "scheme's symmetric uniform rules do not express; the vector is only used for SpecAugment masking",
        ),
    ),
)

_GENERIC = "PyTorch PreTrainedModel._init_weights (4.57.6; {model} defines none)"


def _generic_family(model_type: str, model: str, pad: str | None = PAD, norm_weight: str = "1.0") -> FamilyScheme:
    source = _GENERIC.format(model=model)
    return FamilyScheme(
        family=model_type,
        model_types=(model_type,),
        rules=generic_rules(R, source, pad, norm_weight),
        reference=source,
        lines=LINE_4,
    )


MOONSHINE_FAMILY = _generic_family("moonshine", "Moonshine")
DIA_FAMILY = _generic_family("dia", "Dia", pad=None)

_FASTSPEECH = "PyTorch FastSpeech2ConformerPreTrainedModel._init_weights (4.57.6)"


def _conformer_stack(stack: str) -> tuple[Rule, ...]:
    """The conformer layers of FastSpeech2's ``stack`` (encoder / decoder): Xavier-uniform position biases,
    Kaiming-normal convolutions with PyTorch's uniform biases, each with its fan-in from the config."""
    module = f"{stack}_config"  # the config keeps each stack's sizes in a dict
    heads, units, kernel = (f"{module}['{key}']" for key in ("num_attention_heads", "linear_units", "kernel_size"))
    layer = rf"(^|\.){stack}\.conformer_layers\.\d+\."
    ff_in, ff_out = "hidden_size * positionwise_conv_kernel_size", f"{units} * positionwise_conv_kernel_size"
    return (
        _xavier_uniform(
            f"{stack}.pos_bias", layer + r"self_attn\.pos_bias_[uv]$", f"hidden_size / {heads}", heads, _FASTSPEECH
        ),
        _kaiming(f"{stack}.ff.conv1", layer + r"feed_forward(_macaron)?\.conv1\.weight$", ff_in, _FASTSPEECH),
        _conv_bias(f"{stack}.ff.conv1_bias", layer + r"feed_forward(_macaron)?\.conv1\.bias$", ff_in, _FASTSPEECH),
        _kaiming(f"{stack}.ff.conv2", layer + r"feed_forward(_macaron)?\.conv2\.weight$", ff_out, _FASTSPEECH),
        _conv_bias(f"{stack}.ff.conv2_bias", layer + r"feed_forward(_macaron)?\.conv2\.bias$", ff_out, _FASTSPEECH),
        _kaiming(
            f"{stack}.pointwise_conv", layer + r"conv_module\.pointwise_conv[12]\.weight$", "hidden_size", _FASTSPEECH
        ),
        _conv_bias(
            f"{stack}.pointwise_bias", layer + r"conv_module\.pointwise_conv[12]\.bias$", "hidden_size", _FASTSPEECH
        ),
        _kaiming(f"{stack}.depthwise_conv", layer + r"conv_module\.depthwise_conv\.weight$", kernel, _FASTSPEECH),
        _conv_bias(f"{stack}.depthwise_bias", layer + r"conv_module\.depthwise_conv\.bias$", kernel, _FASTSPEECH),
    )


FASTSPEECH2_FAMILY = FamilyScheme(
    family="fastspeech2_conformer",
    model_types=("fastspeech2_conformer",),
    rules=(
        *_conformer_stack("encoder"),
        *_conformer_stack("decoder"),
        Rule(
            "embedding.tokens",
            r"(^|\.)encoder\.embed\.weight$",
            "normal",
            "1.0",
            source=f"{_FASTSPEECH}: nn.Embedding normal(0, 1), the ESPnet default; padding_idx 0 (hard-coded) zero, "
            "which stock leaves drawn",
            zero_row="0",
        ),
        Rule(
            "linear",
            r"self_attn\.linear_(q|k|v|out|pos)\.weight$|speech_decoder_postnet\.feat_out\.weight$",
            "normal",
            "hidden_size ** -0.5",
            source=f"{_FASTSPEECH}: nn.Linear normal(0, in_features**-0.5), ESPnet's LeCun-normal",
        ),
        *norm_rules(_FASTSPEECH),
        Rule(
            "linear.bias",
            r"(self_attn\.linear_(q|k|v|out|pos)|\.linear|feat_out)\.bias$",
            "constant",
            "0.0",
            source=f"{_FASTSPEECH}: zero Linear biases",
        ),
    ),
    reference=_FASTSPEECH,
    lines=LINE_4,
    left=(
        LeftToFramework(
            r"(predictor|_embed|postnet\.layers\.\d+)\.(conv_layers\.\d+\.)?conv\.(weight|bias)$|predictor\.linear\.weight$",
            "the variance predictors', pitch / energy embeddings' and postnet's Conv1d (kaiming_normal_, PyTorch's "
            "uniform bias) and the predictors' output Linear (normal(0, channels**-0.5)): the fan-in differs per "
            "layer of each stack (first layer reads hidden_size or num_mel_bins, the rest the channels); stock "
            "_init_weights stands",
        ),
    ),
)

AUDIO_FAMILIES = (
    SEAMLESS_M4T_FAMILY,
    SEAMLESS_M4T_V2_FAMILY,
    SPEECHT5_FAMILY,
    MOONSHINE_FAMILY,
    DIA_FAMILY,
    FASTSPEECH2_FAMILY,
)
