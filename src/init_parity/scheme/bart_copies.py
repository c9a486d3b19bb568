"""The families whose PyTorch ``_init_weights`` is BART's, copied: FSMT, M2M100, MVP, NLLB-MoE, PLBart,
BigBird-Pegasus, Pegasus-X, ProphetNet and XLM-ProphetNet (all PyTorch only in 4.57.6).

Each draws every Linear and Embedding weight normal(0, ``init_std``), zeroes biases and the padding row
of the token embedding, and sets LayerNorm to 1 / 0 (PyTorch's own default where ``_init_weights``
leaves it). What differs is the position table (learned, or a fairseq sinusoid) and the names; the
rules are :func:`.bart.seq2seq_rules` where the names are BART's, :func:`.generic.generic_rules`
for the rest.
"""

from __future__ import annotations

from .bart import PAD, Origins, S, learned_positions, seq2seq_rules, sinusoidal_positions
from .generic import LINE_4, generic_rules
from .rules import FamilyScheme, Rule


def _origins(model: str, original: str, norm: str = "LayerNorm ones / zeros") -> Origins:
    pt = f"PyTorch {model}PreTrainedModel._init_weights (4.57.6)"
    return Origins(pt=pt, linear=original, embedding=f"{original}, padding row zero", positions=original, norm=norm)


def _bart_copy(
    model_type: str,
    origins: Origins,
    positions: tuple[Rule, ...],
    reference: str,
    notes: tuple[str, ...] = (),
    pad: str | None = PAD,
    lm_head: str = "lm_head",
    head_is_decoder_embedding: str = "",
) -> FamilyScheme:
    """BART's rules, then the generic ones for every name BART does not have (MoE experts, BigBird's
    sparse attention, Pegasus-X's global tokens), in the order first match wins."""
    rules = seq2seq_rules(origins, positions, heads=True, lm_head=lm_head, after=generic_rules(S, origins.pt, pad))
    if pad is None:  # the token embedding rule of seq2seq_rules zeroes the padding row: drop that
        rules = tuple(
            Rule(r.role, r.pattern, r.kind, r.param, r.when, r.source, None) if r.role == "embedding.tokens" else r
            for r in rules
        )
    return FamilyScheme(
        family=model_type,
        model_types=(model_type,),
        rules=rules,
        reference=reference,
        notes=notes,
        first_loss_margin=1.0,
        lines=LINE_4,
        head_is_decoder_embedding=head_is_decoder_embedding,
    )


_FAIRSEQ = "fairseq transformer: normal(0, 0.02) as BART's init_bert_params"

FSMT_FAMILY = _bart_copy(
    "fsmt",
    _origins("FSMT", "fairseq wmt19 transformer, ported by FSMT", norm="PyTorch LayerNorm default ones / zeros"),
    (
        sinusoidal_positions(
            "fairseq_sinusoids(max_position_embeddings + pad_token_id + 1, d_model, padding_idx=pad_token_id)",
            "PyTorch FSMT SinusoidalPositionalEmbedding.get_embedding (4.57.6), set by _init_weights = fairseq "
            "SinusoidalPositionalEmbedding: a frozen Parameter, computed, not drawn",
        ),
    ),
    "PyTorch PretrainedFSMTModel._init_weights (4.57.6)",
    head_is_decoder_embedding=(
        "FSMTDecoder sets output_projection.weight = embed_tokens.weight when built (4.57.6), as fairseq's wmt19 "
        "models share the decoder's input and output embeddings; FSMTModel._tie_weights ties the decoder's "
        "embedding to the encoder's when tie_word_embeddings (default False: source and target vocabularies differ)"
    ),
)
M2M100_FAMILY = _bart_copy(
    "m2m_100",
    _origins("M2M100", _FAIRSEQ),
    (),  # sinusoidal positions are a non-persistent buffer, never a weight
    "PyTorch M2M100PreTrainedModel._init_weights (4.57.6)",
)
MVP_FAMILY = _bart_copy(
    "mvp",
    _origins("Mvp", "MVP is BART-large's architecture: = BART", norm="PyTorch LayerNorm default ones / zeros"),
    (learned_positions(_origins("Mvp", "= BART")),),
    "PyTorch MvpPreTrainedModel._init_weights (4.57.6) = BART's",
)
NLLB_MOE_FAMILY = _bart_copy(
    "nllb-moe",
    _origins("NllbMoe", _FAIRSEQ),
    (),
    "PyTorch NllbMoePreTrainedModel._init_weights (4.57.6) = M2M100's; the router and experts are Linear layers",
)
PLBART_FAMILY = _bart_copy(
    "plbart",
    Origins(
        pt="PyTorch PreTrainedModel._init_weights (4.57.6; PLBart defines none: std 0.02, config.init_std unread)",
        linear="PLBart is BART-base: = BART",
    ),
    (learned_positions(Origins(pt="PyTorch PreTrainedModel._init_weights (4.57.6)")),),
    "PyTorch PreTrainedModel._init_weights (4.57.6): PLBartPreTrainedModel has no _init_weights of its own",
    notes=(
        "PLBart reads no init_std: the generic method uses config.initializer_range, which PLBartConfig lacks, so "
        "the std is the library default 0.02 whatever init_std says (the default init_std is 0.02 too).",
    ),
)
BIGBIRD_PEGASUS_FAMILY = _bart_copy(
    "bigbird_pegasus",
    _origins("BigBirdPegasus", "BigBird's Pegasus: = BART's normal(0, init_std)"),
    (learned_positions(_origins("BigBirdPegasus", "= BART")),),
    "PyTorch BigBirdPegasusPreTrainedModel._init_weights (4.57.6)",
)
PEGASUS_X_FAMILY = _bart_copy(
    "pegasus_x",
    _origins("PegasusX", "= BART's normal(0, init_std)"),
    (),  # sinusoidal positions computed in forward
    "PyTorch PegasusXPreTrainedModel._init_weights (4.57.6), with the padding row of the token embedding zero",
    notes=(
        "Stock Pegasus-X redraws the whole token embedding, padding row included, though nn.Embedding(padding_idx) "
        "never updates that row: the pad token keeps a frozen random vector. The scheme zeroes it, as every other "
        "BART copy does (a strict xfail of the stock run records the drift).",
    ),
)


def _prophetnet(model_type: str, model: str) -> FamilyScheme:
    origins = _origins(
        model, "ProphetNet (fairseq): normal(0, init_std)", norm="PyTorch LayerNorm default ones / zeros"
    )
    return FamilyScheme(
        family=model_type,
        model_types=(model_type,),
        rules=(
            Rule(
                "embedding.positions",
                r"(^|\.)position_embeddings\.weight$",
                "normal",
                S,
                source=f"{origins.pt}: nn.Embedding with the padding row zero",
                zero_row=PAD,
            ),
            *generic_rules(S, origins.pt, PAD),
        ),
        reference=f"PyTorch {model}PreTrainedModel._init_weights (4.57.6)",
        first_loss_margin=1.0,
        lines=LINE_4,
    )


PROPHETNET_FAMILY = _prophetnet("prophetnet", "ProphetNet")
XLM_PROPHETNET_FAMILY = _prophetnet("xlm-prophetnet", "XLMProphetNet")

BART_COPY_FAMILIES = (
    FSMT_FAMILY,
    M2M100_FAMILY,
    MVP_FAMILY,
    NLLB_MOE_FAMILY,
    PLBART_FAMILY,
    BIGBIRD_PEGASUS_FAMILY,
    PEGASUS_X_FAMILY,
    PROPHETNET_FAMILY,
    XLM_PROPHETNET_FAMILY,
)
