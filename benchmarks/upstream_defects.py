"""What the upstream defect fixes (``init_parity.upstream.defects``) change, measured on the transformers that is
importable, without init-parity (run it with a checkout's venv, or with ``INIT_PARITY=0``):

    INIT_PARITY=0 /path/to/venv/bin/python benchmarks/upstream_defects.py [--defect pix2struct-d-kv ...]

Each model is built tiny from a config, after ``torch.manual_seed(0)``, with the class a user builds (the
``...ForConditionalGeneration`` / ``...ForObjectDetection`` head), in its eval state:

- ``pix2struct-d-kv``: the std of every decoder ``Pix2StructTextAttention`` query and output weight (self and cross
  attention pooled), against Mesh TensorFlow's ``factor * (hidden_size * d_kv) ** -0.5`` and ``factor * (num_heads *
  d_kv) ** -0.5`` (hidden 64, d_kv 16, 4 heads: 0.03125 and 0.125); key and value (``hidden_size ** -0.5``) beside
  them, which no fix changes. Built as ``Pix2StructForConditionalGeneration`` and as ``Pix2StructTextModel`` alone.
- ``padding-rows``: the L1 norm of the padding row (``padding_idx``) of each ``nn.Embedding`` that has one and that
  the fixes touch (FSMT's encoder and decoder embeddings, tied and untied; Pegasus-X's shared embedding; the
  RT-DETR / RT-DETR v2 / D-FINE ``denoising_class_embed``, padding_idx = num_labels, and where the release has them
  DEIMv2's and PP-DocLayoutV2's), which must be 0, and the std of the other rows; an embedding without padding_idx
  (PP-DocLayoutV2 replaces its own by one) gets the std of the whole, which no fix may change.

Prints one row per tensor and one JSON line with every number (for PR.md and the known-failure reasons).
"""

from __future__ import annotations

import argparse
import copy
import json
import os

import torch

PIX2STRUCT_TEXT = {"vocab_size": 512, "hidden_size": 64, "d_kv": 16, "d_ff": 128, "num_layers": 2, "num_heads": 4}
PIX2STRUCT_VISION = {
    "hidden_size": 64,
    "patch_embed_hidden_size": 48,
    "d_ff": 128,
    "d_kv": 16,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "seq_len": 64,
}
BART_LIKE = {
    "d_model": 64,
    "encoder_layers": 2,
    "decoder_layers": 2,
    "encoder_attention_heads": 4,
    "decoder_attention_heads": 4,
    "encoder_ffn_dim": 128,
    "decoder_ffn_dim": 128,
    "max_position_embeddings": 64,
}
RT_DETR = {
    "backbone_config": {
        "model_type": "rt_detr_resnet",
        "embedding_size": 16,
        "hidden_sizes": [16, 32, 64, 128],
        "depths": [1, 1, 1, 1],
        "layer_type": "basic",
        "out_indices": [2, 3, 4],
    },
    "d_model": 64,
    "encoder_in_channels": [32, 64, 128],
    "encoder_hidden_dim": 64,
    "encoder_ffn_dim": 128,
    "decoder_in_channels": [64, 64, 64],
    "decoder_ffn_dim": 128,
    "num_queries": 16,
    "num_denoising": 8,
    "num_labels": 16,
    "decoder_n_points": 2,
}
# the models on RT-DETR's init code; DEIMv2 and PP-DocLayoutV2 are in 5.x releases after main at 9a90500b0b
DETECTORS = ("RTDetr", "RTDetrV2", "DFine", "Deimv2", "PPDocLayoutV2")


def _build(transformers, model_class: str, config):
    torch.manual_seed(0)
    return getattr(transformers, model_class)(config).eval()


def pix2struct(transformers) -> list[dict]:
    rows = []
    # Pix2StructConfig copies its initializer_range into the text config; a text config built alone lacks it, and
    # _init_weights reads it (for the Linear layers outside the attention and MLP branches)
    text = transformers.Pix2StructTextConfig(**PIX2STRUCT_TEXT, initializer_range=0.02)
    factor = text.initializer_factor
    expected = {
        "query": factor * (text.hidden_size * text.d_kv) ** -0.5,
        "key": factor * text.hidden_size**-0.5,
        "value": factor * text.hidden_size**-0.5,
        "output": factor * (text.num_heads * text.d_kv) ** -0.5,
    }
    config = transformers.Pix2StructConfig(text_config=PIX2STRUCT_TEXT, vision_config=PIX2STRUCT_VISION)
    for model_class, built in (
        ("Pix2StructForConditionalGeneration", config),
        ("Pix2StructTextModel", text),
    ):
        model = _build(transformers, model_class, built)
        attentions = [m for m in model.modules() if type(m).__name__ == "Pix2StructTextAttention"]
        for name, want in expected.items():
            weights = torch.cat([getattr(m, name).weight.detach().flatten() for m in attentions])
            std = weights.std().item()
            rows.append(
                {
                    "defect": "pix2struct-d-kv",
                    "model": model_class,
                    "tensor": f"decoder attention.{name} (x{len(attentions)})",
                    "measured": round(std, 4),
                    "expected": round(want, 4),
                    "ok": abs(std / want - 1) < 0.1,
                }
            )
    return rows


def _padding_row(defect: str, model_class: str, name: str, embedding) -> dict:
    weight = embedding.weight.detach()
    if embedding.padding_idx is None:  # nothing to zero: the std of the whole, which no fix may change
        std = round(weight.std().item(), 4)
        return {"defect": defect, "model": model_class, "tensor": f"{name} has no padding_idx: std", "measured": std}
    row = weight[embedding.padding_idx]
    rest = torch.cat([weight[: embedding.padding_idx], weight[embedding.padding_idx + 1 :]])
    l1 = row.abs().sum().item()
    return {
        "defect": defect,
        "model": model_class,
        "tensor": f"{name} row {embedding.padding_idx} |row|_1 (std of the rest {rest.std().item():.4f})",
        "measured": round(l1, 3),
        "expected": 0.0,
        "ok": l1 == 0.0,
    }


def padding_rows(transformers) -> list[dict]:
    rows = []
    for tied in (False, True):
        config = transformers.FSMTConfig(
            langs=["en", "de"], src_vocab_size=512, tgt_vocab_size=512, tie_word_embeddings=tied, **BART_LIKE
        )
        model = _build(transformers, "FSMTForConditionalGeneration", config)
        label = f"FSMTForConditionalGeneration tie_word_embeddings={tied}"
        for name in ("encoder.embed_tokens", "decoder.embed_tokens"):
            rows.append(_padding_row("fsmt-padding-row", label, f"model.{name}", model.model.get_submodule(name)))
    config = transformers.PegasusXConfig(vocab_size=512, **BART_LIKE)
    model = _build(transformers, "PegasusXForConditionalGeneration", config)
    rows.append(
        _padding_row("pegasus-x-padding-row", "PegasusXForConditionalGeneration", "model.shared", model.model.shared)
    )
    for prefix in (prefix for prefix in DETECTORS if hasattr(transformers, f"{prefix}ForObjectDetection")):
        config = getattr(transformers, f"{prefix}Config")(**copy.deepcopy(RT_DETR))  # the config pops from it
        model = _build(transformers, f"{prefix}ForObjectDetection", config)
        rows.append(
            _padding_row(
                "rt-detr-denoising-padding-row",
                f"{prefix}ForObjectDetection",
                "model.denoising_class_embed",
                model.model.denoising_class_embed,
            )
        )
    return rows


DEFECTS = {"pix2struct-d-kv": pix2struct, "padding-rows": padding_rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--defect", choices=sorted(DEFECTS), action="append", help="only these (default: all)")
    arguments = parser.parse_args()
    os.environ.setdefault("INIT_PARITY", "0")
    if os.environ["INIT_PARITY"] != "0":
        import init_parity  # noqa: F401  (the runtime patch, activated on import)
    import transformers

    transformers.logging.set_verbosity_error()
    print(f"transformers {transformers.__version__} from {os.path.dirname(transformers.__file__)}")
    print(f"INIT_PARITY={os.environ['INIT_PARITY']}")
    rows = [row for name in arguments.defect or list(DEFECTS) for row in DEFECTS[name](transformers)]
    print(f"{'model':<52} {'tensor':<66} {'measured':>9} {'expected':>9} {'ok':>5}")
    for row in rows:
        expected, ok = row.get("expected", "-"), row.get("ok", "-")
        print(f"{row['model']:<52} {row['tensor']:<66} {row['measured']:>9} {expected:>9} {ok!s:>5}")
    print(json.dumps({"transformers": transformers.__version__, "rows": rows}))


if __name__ == "__main__":
    main()
