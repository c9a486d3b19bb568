"""What the upstream defect fixes (``init_parity.upstream.defects``) change, measured on the transformers that is
importable, with init-parity's runtime patch off (it reads only the suite's tiny configs from our ``src``, so a
checkout's own venv, where init-parity is not installed, runs it with ``PYTHONPATH=src``):

    PYTHONPATH=src /path/to/checkout-venv/bin/python benchmarks/upstream_defects.py [--defect pix2struct-d-kv ...]
    INIT_PARITY=0 .venv-5x/bin/python benchmarks/upstream_defects.py   # the installed release, patch off

Each model is built from the suite's tiny config of its type (``init_parity.models.tiny_configs``; DEIMv2 and
PP-DocLayoutV2 with RT-DETR's), after ``torch.manual_seed(0)``, with the class a user builds (the
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
import json
import os

import torch

from init_parity.suite.models.tiny_configs import OVERRIDES, tiny_config

# the models on RT-DETR's init code; DEIMv2 and PP-DocLayoutV2 are in 5.x releases after main at 9a90500b0b
DETECTORS = (
    ("RTDetr", "rt_detr"),
    ("RTDetrV2", "rt_detr_v2"),
    ("DFine", "d_fine"),
    ("Deimv2", "deimv2"),
    ("PPDocLayoutV2", "pp_doclayout_v2"),
)


def _build(transformers, model_class: str, config):
    torch.manual_seed(0)
    return getattr(transformers, model_class)(config).eval()


def pix2struct(transformers) -> list[dict]:
    rows = []
    config = tiny_config("pix2struct")
    text = config.text_config  # with the initializer_range Pix2StructConfig copies into it
    factor = text.initializer_factor
    expected = {
        "query": factor * (text.hidden_size * text.d_kv) ** -0.5,
        "key": factor * text.hidden_size**-0.5,
        "value": factor * text.hidden_size**-0.5,
        "output": factor * (text.num_heads * text.d_kv) ** -0.5,
    }
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
        model = _build(transformers, "FSMTForConditionalGeneration", tiny_config("fsmt", tie_word_embeddings=tied))
        label = f"FSMTForConditionalGeneration tie_word_embeddings={tied}"
        for name in ("encoder.embed_tokens", "decoder.embed_tokens"):
            rows.append(_padding_row("fsmt-padding-row", label, f"model.{name}", model.model.get_submodule(name)))
    model = _build(transformers, "PegasusXForConditionalGeneration", tiny_config("pegasus_x"))
    rows.append(
        _padding_row("pegasus-x-padding-row", "PegasusXForConditionalGeneration", "model.shared", model.model.shared)
    )
    for prefix, model_type in DETECTORS:
        if not hasattr(transformers, f"{prefix}ForObjectDetection"):
            continue
        config = tiny_config(model_type, **OVERRIDES["rt_detr"])  # the tiny RT-DETR shape for each of them
        model = _build(transformers, f"{prefix}ForObjectDetection", config)
        embedding = model.model.denoising_class_embed
        rows.append(
            _padding_row(
                "rt-detr-denoising-padding-row",
                f"{prefix}ForObjectDetection",
                "model.denoising_class_embed",
                embedding,
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
        import init_parity

        init_parity.enable()  # the runtime patch, to compare
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
