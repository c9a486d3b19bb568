"""The T5 family: T5, mT5 and every model whose initialisation is T5's or copied from it.

The values follow T5X / Mesh TensorFlow (fan-in variance scaling, with the 1/sqrt(d_kv) of the
attention logits folded into the query projection), drawn untruncated. ``docs/init_scheme.md``
states the reasoning for each line and is generated from this table.
"""

from .rules import FamilyScheme, LeftToFramework, Rule

F = "initializer_factor"
MESH_ATTENTION = "Mesh TensorFlow attention.py (query folded with d_kv**-0.5); T5X dense_attention"
MESH_FF = "Mesh TensorFlow transformer_layers.py DenseReluDense; T5X MlpBlock (fan_in)"

T5_FAMILY = FamilyScheme(
    family="t5",
    model_types=("t5", "mt5", "umt5", "longt5", "switch_transformers", "pop2piano", "udop"),
    reference="PyTorch T5PreTrainedModel._init_weights (4.57.6), with the untied lm_head of T5X",
    first_loss_margin=1.0,
    left=(
        LeftToFramework(
            r"(^|\.)(patch_embed\.proj|embed_patches\.proj|cell_2d_embedding\.[xy]_position_embeddings)\.(weight|bias)$",
            "UDOP's vision patch projection (Conv2d; embed_patches on 5.x) and 2-D cell position embeddings: vision parts outside T5's "
            "Mesh TensorFlow scheme, drawn by UdopPreTrainedModel._init_weights's own branches",
        ),
    ),
    rules=(
        Rule(
            "embedding.shared",
            r"(^|\.)(shared|embed_tokens)\.weight$",
            "normal",
            F,
            source="Mesh TensorFlow layers.py embedding: normal(0, 1); T5X Embed: normal(0, 1)",
        ),
        Rule(
            "lm_head.untied",
            r"(^|\.)lm_head\.weight$",
            "normal",
            f"{F} * d_model ** -0.5",
            when="not tie_word_embeddings",
            source="T5X logits_dense: variance_scaling(1.0, fan_in, truncated_normal), fan_in = d_model",
        ),
        Rule(
            "lm_head.tied",
            r"(^|\.)lm_head\.weight$",
            "normal",
            F,
            when="tie_word_embeddings",
            source="the lm_head is the shared embedding; the decoder output is rescaled by d_model**-0.5",
        ),
        Rule("attention.q", r"\.q\.weight$", "normal", f"{F} * (d_model * d_kv) ** -0.5", source=MESH_ATTENTION),
        Rule("attention.k", r"\.k\.weight$", "normal", f"{F} * d_model ** -0.5", source=MESH_ATTENTION),
        Rule("attention.v", r"\.v\.weight$", "normal", f"{F} * d_model ** -0.5", source=MESH_ATTENTION),
        Rule("attention.o", r"\.o\.weight$", "normal", f"{F} * (num_heads * d_kv) ** -0.5", source=MESH_ATTENTION),
        Rule(
            "attention.relative_bias",
            r"relative_attention_bias\.weight$",
            "normal",
            f"{F} * d_model ** -0.5",
            source="PyTorch T5 (4.57.6); T5X draws it uniform fan_avg, see docs",
        ),
        Rule("mlp.wi", r"\.(wi|wi_0|wi_1)\.weight$", "normal", f"{F} * d_model ** -0.5", source=MESH_FF),
        Rule("mlp.wo", r"\.wo\.weight$", "normal", f"{F} * d_ff ** -0.5", source=MESH_FF),
        Rule("mlp.bias", r"\.(wi|wi_0|wi_1|wo)\.bias$", "constant", "0.0", source=MESH_FF),
        Rule("layer_norm", r"layer_norm\.weight$", "constant", F, source="Mesh TensorFlow layer_norm scale: ones"),
        Rule("moe.router", r"router\.classifier\.weight$", "normal", F, source="PyTorch SwitchTransformers (4.57.6)"),
        Rule(
            "mel_conditioner.embedding",
            r"mel_conditioner\.embedding\.weight$",
            "normal",
            F,
            source="PyTorch Pop2Piano (4.57.6)",
        ),
        Rule(
            "head.qa_outputs",
            r"(^|\.)qa_outputs\.weight$",
            "normal",
            f"{F} * d_model ** -0.5",
            source="PyTorch T5 (4.57.6)",
        ),
        Rule("head.classifier", r"(^|\.)classifier\.weight$", "normal", F, source="PyTorch T5 (4.57.6)"),
        Rule(
            "head.classification",
            r"classification_head\.(dense|out_proj)\.weight$",
            "normal",
            f"{F} * d_model ** -0.5",
            source="PyTorch T5 (4.57.6)",
        ),
        Rule(
            "head.bias",
            r"(^|\.)(qa_outputs|classifier|classification_head\.dense|classification_head\.out_proj)"
            r"\.bias$",
            "constant",
            "0.0",
            source="PyTorch T5 (4.57.6)",
        ),
    ),
)
