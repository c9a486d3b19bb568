"""The DETR-style detectors: DETR, Conditional DETR, Table Transformer, DAB-DETR, Deformable DETR, RT-DETR
(v1, v2), D-FINE, Grounding DINO, MM-Grounding-DINO and OmDet-Turbo (PyTorch only in 4.57.6).

Their ``_init_weights`` descend from DETR's: every Linear / Conv2d weight normal(0, ``init_std`` or
``initializer_range``) with zero biases, norms 1 / 0. The deformable-attention models add the init of
Deformable DETR's multi-scale attention (zero offsets and attention weights, a fixed grid of sampling
directions as the offset bias, Xavier-uniform value / output projections) and the RT-DETR line the
focal-loss prior on classification biases. The convolutional or Swin backbone, and the text backbone of
the grounding models, are separate transformers models initialised by their own ``_init_weights``: they
are left to the framework (``FamilyScheme.left``), not part of the encoder-decoder.

Heads cloned with ``copy.deepcopy`` on purpose (DETR's per-layer class / box heads) are redrawn per
clone by ``_init_weights`` here, so the suite finds them independent; zero-initialised last layers are
constants, which the independence test leaves out.
"""

from __future__ import annotations

from .generic import LINE_4, generic_rules
from .rules import FamilyScheme, LeftToFramework, Rule

_BACKBONE = LeftToFramework(
    r"(^|\.)backbone\.(conv_encoder\.)?model\.|(^|\.)backbone\.(?!.*(position|input_proj))",
    "the vision backbone (ResNet / Swin / RT-DETR ResNet) is a separate transformers model built by load_backbone and "
    "initialised by its own _init_weights (Kaiming-normal convolutions, BatchNorm 1 / 0), frozen BatchNorm buffers "
    "copied from it; not part of the encoder-decoder",
)
_TEXT_BACKBONE = LeftToFramework(
    r"(^|\.)(text_backbone|language_backbone\.model)\.",
    "the text backbone (BERT / CLIP text) is a separate transformers model initialised by its own _init_weights",
)


def _deformable(pt: str, d_model: str) -> tuple[Rule, ...]:
    """Deformable DETR's multi-scale deformable attention, as each descendant's ``_init_weights`` writes it."""
    attention = r"(self_attn|encoder_attn|attn|cross_attn|deformable_layer\.attn)\."
    return (
        Rule("deformable.sampling_offsets", attention + r"sampling_offsets\.weight$", "constant", "0.0", source=pt),
        Rule(
            "deformable.sampling_grid",
            attention + r"sampling_offsets\.bias$",
            "deterministic",
            "deformable_grid(heads, levels, points)",
            source=f"{pt}: a fixed grid of sampling directions (cos / sin of 2 pi h / heads, scaled by the point "
            "index), computed, not drawn",
        ),
        Rule(
            "deformable.attention_weights",
            attention + r"attention_weights\.(weight|bias)$",
            "constant",
            "0.0",
            source=pt,
        ),
        Rule(
            "deformable.value_output",
            attention + r"(value_proj|output_proj)\.weight$",
            "uniform",
            f"(3 / {d_model}) ** 0.5",
            source=f"{pt}: xavier_uniform_, fan_in = fan_out = d_model",
        ),
        Rule(
            "deformable.value_output_bias",
            attention + r"(value_proj|output_proj)\.bias$",
            "constant",
            "0.0",
            source=pt,
        ),
        Rule("level_embed", r"(^|\.)level_embed$", "normal", "1.0", source=f"{pt}: nn.init.normal_, std 1"),
    )


def _detr_family(
    model_type: str,
    model: str,
    std: str,
    rules: tuple[Rule, ...] = (),
    left: tuple[LeftToFramework, ...] = (),
    notes: tuple[str, ...] = (),
) -> FamilyScheme:
    pt = f"PyTorch {model}PreTrainedModel._init_weights (4.57.6)"
    return FamilyScheme(
        family=model_type,
        model_types=(model_type,),
        rules=(*rules, *generic_rules(std, pt)),
        reference=pt,
        left=(_BACKBONE, *left),
        notes=notes,
        lines=LINE_4,
    )


def _pt(model: str) -> str:
    return f"PyTorch {model}PreTrainedModel._init_weights (4.57.6)"


def _xavier(role: str, pattern: str, fan_sum: str, source: str) -> Rule:
    """``nn.init.xavier_uniform_`` (gain 1): uniform(±sqrt(6 / (fan_in + fan_out)))."""
    return Rule(role, pattern, "uniform", f"(6 / ({fan_sum})) ** 0.5", source=f"{source}: xavier_uniform_")


def _sequential_norm(pattern: str, source: str) -> tuple[Rule, ...]:
    """The norm at index 1 of ``nn.Sequential(conv or linear, norm)`` blocks (``input_proj.0.1``): weight 1, bias 0."""
    return (
        Rule("projection.norm.weight", pattern + r"\.1\.weight$", "constant", "1.0", source=source),
        Rule("projection.norm.bias", pattern + r"\.1\.bias$", "constant", "0.0", source=source),
    )


def _box_head_zero(pt: str, heads: str = r"bbox_embed(\.\d+)?") -> Rule:
    """The last Linear (``layers.2``) of each three-layer box-regression MLP whose name ``heads`` matches: zero."""
    return Rule(
        "head.last_layer",
        rf"(^|\.){heads}\.layers\.2\.(weight|bias)$",
        "constant",
        "0.0",
        source=f"{pt}: the last Linear of each box-regression MLP head starts at zero",
    )


_FOCAL_PRIOR = LeftToFramework(
    r"(^|\.)(enc_score_head|encoder_output_class_embed|class_embed(\.\d+)?)\.bias$",
    "the focal-loss prior -log((1 - p) / p), p = initializer_bias_prior_prob or 1 / (num_labels + 1): a constant "
    "the formula language (no log) does not express; stock _init_weights stands",
)

DETR_FAMILY = _detr_family("detr", "Detr", "init_std")
CONDITIONAL_DETR_FAMILY = _detr_family("conditional_detr", "ConditionalDetr", "init_std")
TABLE_TRANSFORMER_FAMILY = _detr_family("table-transformer", "TableTransformer", "init_std")
DAB_DETR_FAMILY = _detr_family(
    "dab-detr",
    "DabDetr",
    "init_std",
    (
        Rule(
            "activation.prelu",
            r"(^|\.)activation_fn\.weight$",
            "constant",
            "0.25",
            source=f"{_pt('DabDetr')}: nn.PReLU.reset_parameters, 0.25",
        ),
        _box_head_zero(_pt("DabDetr")),
    ),
    (_FOCAL_PRIOR,),
)

_DEFORMABLE = _pt("DeformableDetr")
DEFORMABLE_DETR_FAMILY = _detr_family(
    "deformable_detr",
    "DeformableDetr",
    "init_std",
    (
        *_sequential_norm(
            r"(^|\.)input_proj\.\d+", f"{_DEFORMABLE}: GroupNorm, PyTorch's default (the branch skips it)"
        ),
        Rule(
            "reference_points",
            r"(^|\.)reference_points\.weight$",
            "uniform",
            "(6 / (d_model + 2)) ** 0.5",
            when="not two_stage",
            source=f"{_DEFORMABLE}: xavier_uniform_ (gain 1) of Linear(d_model, 2) unless two_stage",
        ),
        *_deformable(_DEFORMABLE, "d_model"),
    ),
)


def _rt_detr_rules(model: str) -> tuple[Rule, ...]:
    pt = _pt(model)
    return (
        Rule(
            "conv.batch_norm",
            r"(^|\.)(?<!gateway\.)(norm|\d+\.1)\.weight$",
            "normal",
            "initializer_range",
            source=f"{pt}: BatchNorm2d shares DETR's branch with Linear / Conv2d, weight normal(0, initializer_range) "
            "(the original RT-DETR keeps PyTorch's ones; see notes)",
        ),
        *_sequential_norm(r"(^|\.)enc_output", f"{pt}: LayerNorm 1 / 0"),
        Rule(
            "denoising_class_embed",
            r"(^|\.)denoising_class_embed\.weight$",
            "uniform",
            "(6 / (d_model + num_labels + 1)) ** 0.5",
            source=f"{pt}: xavier_uniform_ (num_denoising > 0), with the padding row (padding_idx = num_labels) zero, "
            "which stock redraws",
            zero_row="num_labels",
        ),
        _xavier("enc_score_head", r"(^|\.)enc_score_head\.weight$", "d_model + num_labels", pt),
        _xavier(
            "head.class",
            r"(^|\.)decoder\.class_embed\.\d+\.weight$",
            "d_model + num_labels",
            f"{pt} (ForObjectDetection)",
        ),
        _box_head_zero(pt, r"decoder\.bbox_embed\.\d+"),
        Rule(
            "deformable.points_scale",
            r"(^|\.)(n_points_scale|num_points_scale)$",
            "deterministic",
            "1 / points per level",
            source=f"{pt}: a buffer computed in __init__",
        ),
        Rule("decoder.reg_scale", r"(^|\.)reg_scale$", "constant", "reg_scale", source=f"{pt}: config.reg_scale"),
        Rule("decoder.up", r"(^|\.)up$", "constant", "up", source=f"{pt}: config.up"),
        Rule(
            "gate",
            r"(^|\.)gateway\.gate\.(weight|bias)$",
            "constant",
            "0.0",
            source=f"{pt}: DFineGate, weight 0 and bias -log(1) = 0",
        ),
        *_deformable(pt, "d_model"),
    )


_RT_DETR_NOTE = (
    "RT-DETR, RT-DETR v2 and D-FINE inherit DETR's `(nn.Linear, nn.Conv2d, nn.BatchNorm2d)` branch: the BatchNorm "
    "scales of the hybrid encoder's conv blocks are drawn normal(0, initializer_range) (0.01), not 1 as in the "
    "original RT-DETR, so each conv-BN block starts with its output scaled by about 0.01. The scheme keeps PyTorch's "
    "value (the reference) and records it here.",
)
RT_DETR_FAMILY = _detr_family(
    "rt_detr", "RTDetr", "initializer_range", _rt_detr_rules("RTDetr"), (_FOCAL_PRIOR,), _RT_DETR_NOTE
)
RT_DETR_V2_FAMILY = _detr_family(
    "rt_detr_v2", "RTDetrV2", "initializer_range", _rt_detr_rules("RTDetrV2"), (_FOCAL_PRIOR,), _RT_DETR_NOTE
)
_LQE = LeftToFramework(
    r"(^|\.)lqe_layers\.\d+\.reg_conf\.layers\.\d+\.(weight|bias)$",
    "DFineLQE's reg_conf MLP: its last Linear (layer lqe_layers - 1) starts at zero, the others normal(0, "
    "initializer_range); which one is last is config.lqe_layers, which a name pattern cannot read: stock "
    "_init_weights stands",
)
D_FINE_FAMILY = _detr_family(
    "d_fine", "DFine", "initializer_range", _rt_detr_rules("DFine"), (_FOCAL_PRIOR, _LQE), _RT_DETR_NOTE
)


def _grounding_rules(model: str) -> tuple[Rule, ...]:
    pt = _pt(model)
    return (
        *_sequential_norm(r"(^|\.)input_proj_vision\.\d+", f"{pt}: GroupNorm 1 / 0"),
        _xavier(
            "fusion.projections",
            r"fusion_layer\.attn\.(vision_proj|text_proj|values_vision_proj|values_text_proj|out_vision_proj|"
            r"out_text_proj)\.weight$",
            "d_model + encoder_ffn_dim / 2",
            f"{pt}: GroundingDinoBiMultiHeadAttention",
        ),
        Rule(
            "head.last_layer",
            r"(reference_points_head\.layers\.1|bbox_embed(\.\d+)?\.layers\.2)\.(weight|bias)$",
            "constant",
            "0.0",
            source=f"{pt}: the last Linear of each GroundingDinoMLPPredictionHead starts at zero",
        ),
        Rule(
            "fusion.layer_scale",
            r"fusion_layer\.(vision|text)_param$",
            "constant",
            "1e-4",
            source=f"{pt}: GroundingDinoFusionLayer, 1e-4",
        ),
        *_deformable(pt, "d_model"),
    )


GROUNDING_DINO_FAMILY = _detr_family(
    "grounding-dino", "GroundingDino", "init_std", _grounding_rules("GroundingDino"), (_TEXT_BACKBONE, _FOCAL_PRIOR)
)
MM_GROUNDING_DINO_FAMILY = _detr_family(
    "mm-grounding-dino",
    "MMGroundingDino",
    "init_std",
    _grounding_rules("MMGroundingDino"),
    (_TEXT_BACKBONE, _FOCAL_PRIOR),
)

_OMDET = _pt("OmDetTurbo")
_HIDDEN = "decoder_hidden_dim"
OMDET_TURBO_FAMILY = _detr_family(
    "omdet-turbo",
    "OmDetTurbo",
    "init_std",
    (
        _box_head_zero(_OMDET, r"(encoder_bbox_head|decoder_bbox_head\.\d+)"),
        Rule("backbone.layer_norms", r"(^|\.)layer_norms\.\d+\.weight$", "constant", "1.0", source=_OMDET),
        Rule("backbone.layer_norms_bias", r"(^|\.)layer_norms\.\d+\.bias$", "constant", "0.0", source=_OMDET),
        Rule(
            "text_projection",
            r"(^|\.)language_backbone\.text_projection$",
            "normal",
            "text_projection_in_dim ** -0.5",
            source=_OMDET,
        ),
        Rule(
            "encoder.fc1",
            r"(^|\.)encoder\.encoder\.\d+\.layers\.\d+\.fc1\.(weight|bias)$",
            "uniform",
            "encoder_dim_feedforward ** -0.5",
            source=f"{_OMDET}: linear_init_, uniform(±out_features**-0.5), weight and bias",
        ),
        Rule(
            "encoder.fc2",
            r"(^|\.)encoder\.encoder\.\d+\.layers\.\d+\.fc2\.(weight|bias)$",
            "uniform",
            "encoder_hidden_dim ** -0.5",
            source=f"{_OMDET}: linear_init_, uniform(±out_features**-0.5), weight and bias",
        ),
        _xavier(
            "decoder.query_position_head.0", r"query_position_head\.layers\.0\.weight$", f"4 + 2 * {_HIDDEN}", _OMDET
        ),
        _xavier("decoder.query_position_head.1", r"query_position_head\.layers\.1\.weight$", f"3 * {_HIDDEN}", _OMDET),
        _xavier("decoder.vision_features", r"encoder_vision_features\.0\.weight$", f"2 * {_HIDDEN}", _OMDET),
        *_sequential_norm(
            r"(encoder_vision_features|channel_projection_layers\.\d+)", f"{_OMDET}: LayerNorm / BatchNorm 1 / 0"
        ),
    ),
    (
        LeftToFramework(r"(^|\.)vision_backbone\.vision_backbone\.", _BACKBONE.reason),
        LeftToFramework(
            r"(^|\.)decoder\.channel_projection_layers\.\d+\.0\.weight$",
            "xavier_uniform_ with the fan-in of each feature level's channels (vision_features_channels[i]); stock "
            "_init_weights stands",
        ),
        LeftToFramework(
            r"(^|\.)decoder\.encoder_vision_features\.0\.bias$",
            "linear_init_'s uniform(±decoder_hidden_dim**-0.5): one vector of decoder_hidden_dim elements, eight "
            "builds short of the 1000 samples a distribution test needs; checked for the invariants only",
        ),
        _TEXT_BACKBONE,
    ),
    notes=(
        "OmDet-Turbo's _init_weights has no branch for its decoder's deformable attention: sampling offsets and "
        "attention weights are drawn normal(0, init_std) like any Linear, with zero biases, where Deformable DETR "
        "starts them at zero with a fixed grid of directions. The scheme keeps PyTorch's value.",
    ),
)

DETR_FAMILIES = (
    DETR_FAMILY,
    CONDITIONAL_DETR_FAMILY,
    TABLE_TRANSFORMER_FAMILY,
    DAB_DETR_FAMILY,
    DEFORMABLE_DETR_FAMILY,
    RT_DETR_FAMILY,
    RT_DETR_V2_FAMILY,
    D_FINE_FAMILY,
    GROUNDING_DINO_FAMILY,
    MM_GROUNDING_DINO_FAMILY,
    OMDET_TURBO_FAMILY,
)
