"""The BART-like families: BART, mBART, Blenderbot, BlenderbotSmall, Pegasus, Marian and LED, and the
rules they share with Speech2Text and Whisper (:mod:`.speech`).

Their PyTorch modelling code descends from BART's, and so does ``_init_weights`` in 4.57.6:
normal(0, init_std) for every Linear (and Conv1d) and Embedding weight, zero biases, LayerNorm
1 / 0, and the row of the padding token zero in the token embedding. The rules every family
shares are built once, by :func:`seq2seq_rules`; each family adds its positions and what is its
own (LED's Longformer attention, the speech models' convolutions). ``docs/init_scheme.md``
gives the reasoning per family and is generated from these tables.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .rules import FamilyScheme, Rule

S = "init_std"
PAD = "pad_token_id"


@dataclass(frozen=True)
class Origins:
    """Where a family's values come from: the PyTorch reference, and what the original training code
    does for each group of roles (said next to the reference in the ``source`` column)."""

    pt: str
    linear: str = ""
    embedding: str = ""
    positions: str = ""
    norm: str = ""

    def source(self, group: str = "") -> str:
        original = getattr(self, group) if group else ""
        return f"{self.pt}; {original}" if original else self.pt


def learned_positions(origins: Origins, pattern: str = r"(^|\.)embed_positions\.weight$") -> Rule:
    """Learned position embeddings: normal(0, init_std), no padding row (BART's offset of 2 leaves
    rows 0 and 1 unused instead)."""
    return Rule("embedding.positions", pattern, "normal", S, source=origins.source("positions"))


def sinusoidal_positions(table: str, source: str, pattern: str = r"(^|\.)embed_positions\.weight$") -> Rule:
    """A sinusoidal position table: computed by the model, never drawn."""
    return Rule("embedding.positions.sinusoidal", pattern, "deterministic", table, source=source)


def seq2seq_rules(
    origins: Origins,
    positions: tuple[Rule, ...],
    before: tuple[Rule, ...] = (),
    after: tuple[Rule, ...] = (),
    lm_head: str = "lm_head",
    final_logits_bias: bool = True,
    heads: bool = False,
) -> tuple[Rule, ...]:
    """The rules of a BART-like encoder-decoder, first match wins: ``before`` (a family's rules that
    must win over the shared ones), the token embedding, ``positions``, the attention and MLP
    projections, the layer norms, the output projection (named ``lm_head``, a regex alternative), the
    ``final_logits_bias`` buffer and, with ``heads``, the sequence-classification and
    question-answering heads (for the families that have them), then ``after``."""
    linear, norm = origins.source("linear"), origins.source("norm")
    attention = r"(self_attn|encoder_attn)\."
    head_rules = (
        Rule(
            "head.weight",
            r"(classification_head\.(dense|out_proj)|(^|\.)qa_outputs)\.weight$",
            "normal",
            S,
            source=origins.pt,
        ),
        Rule(
            "head.bias",
            r"(classification_head\.(dense|out_proj)|(^|\.)qa_outputs)\.bias$",
            "constant",
            "0.0",
            source=origins.pt,
        ),
    )
    bias_rule = Rule(
        "final_logits_bias", r"(^|\.)final_logits_bias$", "constant", "0.0", source=f"{origins.pt}: zeros"
    )
    return (
        *before,
        Rule(
            "embedding.tokens",
            r"(^|\.)(shared|embed_tokens)\.weight$",
            "normal",
            S,
            source=origins.source("embedding"),
            zero_row=PAD,
        ),
        *positions,
        Rule("attention.q", attention + r"q_proj\.weight$", "normal", S, source=linear),
        Rule("attention.k", attention + r"k_proj\.weight$", "normal", S, source=linear),
        Rule("attention.v", attention + r"v_proj\.weight$", "normal", S, source=linear),
        Rule("attention.out", attention + r"out_proj\.weight$", "normal", S, source=linear),
        Rule(
            "attention.bias", attention + r"(q_proj|k_proj|v_proj|out_proj)\.bias$", "constant", "0.0", source=linear
        ),
        Rule("mlp.fc1", r"\.fc1\.weight$", "normal", S, source=linear),
        Rule("mlp.fc2", r"\.fc2\.weight$", "normal", S, source=linear),
        Rule("mlp.bias", r"\.(fc1|fc2)\.bias$", "constant", "0.0", source=linear),
        Rule("layer_norm.weight", r"(layer_norm|layernorm_embedding)\.weight$", "constant", "1.0", source=norm),
        Rule("layer_norm.bias", r"(layer_norm|layernorm_embedding)\.bias$", "constant", "0.0", source=norm),
        Rule(
            "lm_head",
            rf"(^|\.)({lm_head})\.weight$",
            "normal",
            S,
            source=f"{origins.pt}: a Linear; a separate tensor only when the config unties it from the token "
            "embedding",
        ),
        *((bias_rule,) if final_logits_bias else ()),
        *(head_rules if heads else ()),
        *after,
    )


_FAIRSEQ_BERT_INIT = "fairseq BART: init_bert_params, normal(0, 0.02)"
_FAIRSEQ_LN = "LayerNorm ones / zeros"

BART_ORIGINS = Origins(
    pt="PyTorch BartPreTrainedModel._init_weights (4.57.6)",
    linear=f"= {_FAIRSEQ_BERT_INIT}, zero biases",
    embedding=f"= {_FAIRSEQ_BERT_INIT}, padding row zero",
    positions=f"= {_FAIRSEQ_BERT_INIT} (fairseq also zeroes row 1, which BART never reads)",
    norm=f"= fairseq, {_FAIRSEQ_LN}",
)
MBART_ORIGINS = Origins(
    pt="PyTorch MBartPreTrainedModel._init_weights (4.57.6)",
    linear=f"= {_FAIRSEQ_BERT_INIT} (mbart_large is a BART architecture), zero biases",
    embedding=f"= {_FAIRSEQ_BERT_INIT}, padding row zero",
    positions=f"= {_FAIRSEQ_BERT_INIT}",
    norm=f"= fairseq, {_FAIRSEQ_LN}",
)
_PARLAI = "ParlAI: Xavier-normal attention, Xavier-uniform FFN, see docs"
_PARLAI_EMBEDDING = "ParlAI: normal(0, d_model**-0.5), padding row zero, see docs"
BLENDERBOT_ORIGINS = Origins(
    pt="PyTorch BlenderbotPreTrainedModel._init_weights (4.57.6)",
    linear=_PARLAI,
    embedding=_PARLAI_EMBEDDING,
    positions="ParlAI learned positions: normal(0, d_model**-0.5), see docs",
    norm=f"= ParlAI, {_FAIRSEQ_LN}",
)
BLENDERBOT_SMALL_ORIGINS = replace(
    BLENDERBOT_ORIGINS, pt="PyTorch BlenderbotSmallPreTrainedModel._init_weights (4.57.6)"
)
PEGASUS_ORIGINS = Origins(
    pt="PyTorch PegasusPreTrainedModel._init_weights (4.57.6)",
    linear="Pegasus (TF): Dense glorot-uniform, no attention biases, see docs",
    embedding="Pegasus (TF): normal(0, d_model**-0.5), no padding row, see docs",
    norm=f"= Pegasus, {_FAIRSEQ_LN}",
)
MARIAN_ORIGINS = Origins(
    pt="PyTorch MarianPreTrainedModel._init_weights (4.57.6)",
    linear="Marian-NMT: glorotUniform matrices, zero biases, see docs",
    embedding="Marian-NMT: glorotUniform, see docs",
    norm=f"= Marian-NMT, {_FAIRSEQ_LN}",
)
LED_ORIGINS = Origins(
    pt="PyTorch LEDPreTrainedModel._init_weights (4.57.6)",
    linear="LED is BART-large's weights, extended: = BART's normal(0, 0.02)",
    embedding="= BART: normal(0, 0.02), padding row zero",
    positions="= BART (LED copies BART's 1024 positions 16 times)",
    norm="PyTorch LayerNorm default ones / zeros (LED's _init_weights leaves it)",
)


def _sinusoids_source(model: str) -> str:
    return (
        f"PyTorch {model}SinusoidalPositionalEmbedding._init_weight (4.57.6): sin(pos / 10000**(2i / d_model)) "
        "in the first half of the features, cos in the second; computed by the model, not drawn"
    )


def _family(family: str, reference: str, rules: tuple[Rule, ...], notes: tuple[str, ...] = ()) -> FamilyScheme:
    return FamilyScheme(
        family=family, model_types=(family,), rules=rules, reference=reference, notes=notes, first_loss_margin=1.0
    )


BART_FAMILY = _family(
    "bart",
    "PyTorch BartPreTrainedModel._init_weights (4.57.6) = fairseq BART's init_bert_params",
    seq2seq_rules(BART_ORIGINS, (learned_positions(BART_ORIGINS),), heads=True),
)
MBART_FAMILY = _family(
    "mbart",
    "PyTorch MBartPreTrainedModel._init_weights (4.57.6) = fairseq mBART's init_bert_params",
    seq2seq_rules(MBART_ORIGINS, (learned_positions(MBART_ORIGINS),), heads=True),
)
BLENDERBOT_FAMILY = _family(
    "blenderbot",
    "PyTorch BlenderbotPreTrainedModel._init_weights (4.57.6)",
    seq2seq_rules(BLENDERBOT_ORIGINS, (learned_positions(BLENDERBOT_ORIGINS),)),
)
BLENDERBOT_SMALL_FAMILY = _family(
    "blenderbot-small",
    "PyTorch BlenderbotSmallPreTrainedModel._init_weights (4.57.6)",
    seq2seq_rules(BLENDERBOT_SMALL_ORIGINS, (learned_positions(BLENDERBOT_SMALL_ORIGINS),)),
)
PEGASUS_FAMILY = _family(
    "pegasus",
    "PyTorch PegasusPreTrainedModel._init_weights (4.57.6)",
    seq2seq_rules(
        PEGASUS_ORIGINS,
        (
            sinusoidal_positions(
                "marian_sinusoids(max_position_embeddings, d_model)",
                _sinusoids_source("Pegasus") + " (the original's timing signal differs slightly, see docs)",
            ),
        ),
    ),
)
MARIAN_FAMILY = _family(
    "marian",
    "PyTorch MarianPreTrainedModel._init_weights (4.57.6)",
    seq2seq_rules(
        MARIAN_ORIGINS,
        (sinusoidal_positions("marian_sinusoids(max_position_embeddings, d_model)", _sinusoids_source("Marian")),),
    ),
)

_LONGFORMER = r"longformer_self_attn\.(query|key|value)"
LED_FAMILY = _family(
    "led",
    "PyTorch LEDPreTrainedModel._init_weights (4.57.6)",
    seq2seq_rules(
        LED_ORIGINS,
        (learned_positions(LED_ORIGINS),),
        heads=True,
        before=(
            Rule(
                "attention.longformer",
                _LONGFORMER + r"\.weight$",
                "normal",
                S,
                source=f"{LED_ORIGINS.pt}; LED copies BART's q/k/v_proj into query/key/value",
            ),
            Rule(
                "attention.longformer_global",
                _LONGFORMER + r"_global\.weight$",
                "normal",
                S,
                source=f"{LED_ORIGINS.pt}; Longformer copies query/key/value into the *_global projections",
            ),
            Rule(
                "attention.longformer_output",
                r"self_attn\.output\.weight$",
                "normal",
                S,
                source=f"{LED_ORIGINS.pt}; LED copies BART's out_proj",
            ),
            Rule(
                "attention.longformer_bias",
                rf"({_LONGFORMER}(_global)?|self_attn\.output)\.bias$",
                "constant",
                "0.0",
                source=LED_ORIGINS.pt,
            ),
        ),
    ),
)

BART_LIKE_FAMILIES = (
    BART_FAMILY,
    MBART_FAMILY,
    BLENDERBOT_FAMILY,
    BLENDERBOT_SMALL_FAMILY,
    PEGASUS_FAMILY,
    MARIAN_FAMILY,
    LED_FAMILY,
)
