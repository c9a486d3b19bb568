"""The speech encoder-decoders: Speech2Text and Whisper.

Their transformer is BART's (the shared rules of :func:`.bart.seq2seq_rules`); each adds the
convolutions in front of its encoder and its own position tables. ``docs/init_scheme.md`` gives
the reasoning and is generated from these tables.
"""

from __future__ import annotations

from .bart import Origins, S, learned_positions, seq2seq_rules, sinusoidal_positions
from .rules import FamilyScheme, Rule

SPEECH2TEXT_ORIGINS = Origins(
    pt="PyTorch Speech2TextPreTrainedModel._init_weights (4.57.6)",
    linear="fairseq s2t_transformer: fairseq's default transformer init, not init_bert_params, see docs",
    embedding="fairseq: normal(0, d_model**-0.5), padding row zero, see docs",
    norm="PyTorch LayerNorm default ones / zeros (Speech2Text's _init_weights leaves it)",
)

SPEECH2TEXT_FAMILY = FamilyScheme(
    family="speech_to_text",
    model_types=("speech_to_text",),
    reference="PyTorch Speech2TextPreTrainedModel._init_weights (4.57.6)",
    rules=seq2seq_rules(
        SPEECH2TEXT_ORIGINS,
        (
            sinusoidal_positions(
                "fairseq_sinusoids(max_source_positions + 2, d_model, padding_idx=pad_token_id)",
                "PyTorch Speech2TextSinusoidalPositionalEmbedding (4.57.6) = fairseq SinusoidalPositionalEmbedding; "
                "a non-persistent buffer, never a weight",
                pattern=r"(^|\.)embed_positions\.weights$",
            ),
        ),
        final_logits_bias=False,
        before=(
            Rule(
                "conv",
                r"(^|\.)conv\.conv_layers\.\d+\.weight$",
                "normal",
                S,
                source=f"{SPEECH2TEXT_ORIGINS.pt}: Conv1d as Linear; fairseq Conv1dSubsampler: PyTorch default",
            ),
            Rule(
                "conv.bias",
                r"(^|\.)conv\.conv_layers\.\d+\.bias$",
                "constant",
                "0.0",
                source=SPEECH2TEXT_ORIGINS.pt,
            ),
        ),
    ),
)

WHISPER_ORIGINS = Origins(
    pt="PyTorch WhisperPreTrainedModel._init_weights (4.57.6)",
    linear="no training code was released (openai/whisper's model.py leaves weights to the checkpoint)",
    embedding="no training code was released",
    positions="openai/whisper: decoder positional_embedding an uninitialised Parameter",
    norm="LayerNorm ones / zeros",
)

WHISPER_FAMILY = FamilyScheme(
    family="whisper",
    model_types=("whisper",),
    reference="PyTorch WhisperPreTrainedModel._init_weights (4.57.6)",
    rules=seq2seq_rules(
        WHISPER_ORIGINS,
        (learned_positions(WHISPER_ORIGINS),),
        before=(
            sinusoidal_positions(
                "whisper_sinusoids(max_source_positions, d_model)",
                "PyTorch WhisperPreTrainedModel._init_weights (4.57.6): sinusoids(), = openai/whisper's "
                "sinusoids() buffer; computed by the model, not drawn",
                pattern=r"(^|\.)encoder\.embed_positions\.weight$",
            ),
            Rule("conv", r"(^|\.)encoder\.conv[12]\.weight$", "normal", S, source=f"{WHISPER_ORIGINS.pt}: Conv1d"),
            Rule("conv.bias", r"(^|\.)encoder\.conv[12]\.bias$", "constant", "0.0", source=WHISPER_ORIGINS.pt),
        ),
        after=(
            Rule(
                "head.audio_classification",
                r"(^|\.)(projector|classifier)\.weight$",
                "normal",
                S,
                source=WHISPER_ORIGINS.pt,
            ),
            Rule(
                "head.audio_classification_bias",
                r"(^|\.)(projector|classifier)\.bias$",
                "constant",
                "0.0",
                source=WHISPER_ORIGINS.pt,
            ),
            Rule(
                "head.layer_weights",
                r"(^|\.)layer_weights$",
                "constant",
                "1 / (num_hidden_layers + 1)",
                source=f"{WHISPER_ORIGINS.pt}: an equal weight per hidden state",
            ),
        ),
        lm_head="proj_out|lm_head",
        final_logits_bias=False,
    ),
)

SPEECH_FAMILIES = (SPEECH2TEXT_FAMILY, WHISPER_FAMILY)
