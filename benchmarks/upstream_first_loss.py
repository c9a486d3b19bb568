"""First loss of fresh T5 / MT5 / UMT5ForConditionalGeneration at the t5-v1_1-small shape, with the untied config
(T5 v1.1, mT5, UMT5 checkpoints) and the tied one, on the transformers that is importable, without init-parity unless
asked (run it with the patched checkout first on the path):

    INIT_PARITY=0 PYTHONPATH=/path/to/transformers/src python benchmarks/upstream_first_loss.py
    INIT_PARITY=1 python benchmarks/upstream_first_loss.py   # 4.57.6 with init-parity's runtime patch

t5-v1_1-small shape: d_model 512, d_ff 1024, 8 layers, 6 heads, d_kv 64, vocab 32128, gated-gelu. Every row reads
the same batch: random tokens, batch 4, length 32, from a generator seeded 0 (inputs, then labels); the model is
built after torch.manual_seed(0). The bound is ln(V) + 1 = 11.38. Prints one row per class and config, whether the
lm_head is the shared embedding, and one JSON line with every loss (for PR.md).
"""

from __future__ import annotations

import json
import math
import os

import torch

SHAPE = {
    "d_model": 512,
    "d_ff": 1024,
    "num_layers": 8,
    "num_heads": 6,
    "d_kv": 64,
    "vocab_size": 32128,
    "feed_forward_proj": "gated-gelu",
    "decoder_start_token_id": 0,
}
CLASSES = ("T5", "MT5", "UMT5")


def main() -> None:
    os.environ.setdefault("INIT_PARITY", "0")
    if os.environ["INIT_PARITY"] != "0":
        import init_parity  # noqa: F401  (the runtime patch, activated on import)
    import transformers

    bound = math.log(SHAPE["vocab_size"]) + 1
    print(f"transformers {transformers.__version__} from {os.path.dirname(transformers.__file__)}")
    print(f"INIT_PARITY={os.environ['INIT_PARITY']}")
    print(f"{'class':<30} {'config':>6} {'tied':>5} {'first loss':>10} {'<= ln V + 1':>12}")
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randint(0, SHAPE["vocab_size"], (4, 32), generator=generator)
    labels = torch.randint(0, SHAPE["vocab_size"], (4, 32), generator=generator)
    losses = {}
    for prefix in CLASSES:
        for tied in (False, True):
            config = getattr(transformers, f"{prefix}Config")(**SHAPE, tie_word_embeddings=tied)
            torch.manual_seed(0)
            model = getattr(transformers, f"{prefix}ForConditionalGeneration")(config).eval()
            shared = model.lm_head.weight.data_ptr() == model.shared.weight.data_ptr()
            with torch.no_grad():
                loss = model(input_ids=inputs, labels=labels).loss.item()
            name, variant = prefix + "ForConditionalGeneration", "tied" if tied else "untied"
            print(f"{name:<30} {variant:>6} {shared!s:>5} {loss:>10.2f} {loss <= bound!s:>12}")
            losses[f"{name} {variant}"] = round(loss, 2)
            del model
    print(json.dumps({"transformers": transformers.__version__, "losses": losses}))


if __name__ == "__main__":
    main()
