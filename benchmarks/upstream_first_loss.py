"""First loss of fresh T5 / MT5 / UMT5ForConditionalGeneration from an untied t5-v1_1-small config, on the
transformers that is importable, without init-parity (run it with the patched checkout first on the path):

    INIT_PARITY=0 PYTHONPATH=/path/to/transformers/src python benchmarks/upstream_first_loss.py

t5-v1_1-small shape: d_model 512, d_ff 1024, 8 layers, 6 heads, d_kv 64, vocab 32128, gated-gelu,
tie_word_embeddings=False. Random tokens (batch 4, length 32, seed 0); the bound is ln(V) + 1 = 11.38.
Prints one row per class and whether the model is really untied.
"""

from __future__ import annotations

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
    "tie_word_embeddings": False,
    "decoder_start_token_id": 0,
}
CLASSES = ("T5", "MT5", "UMT5")


def main() -> None:
    os.environ.setdefault("INIT_PARITY", "0")
    import transformers

    bound = math.log(SHAPE["vocab_size"]) + 1
    print(f"transformers {transformers.__version__} from {os.path.dirname(transformers.__file__)}")
    print(f"{'class':<30} {'untied':>6} {'first loss':>10} {'<= ln V + 1':>12}")
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randint(0, SHAPE["vocab_size"], (4, 32), generator=generator)
    labels = torch.randint(0, SHAPE["vocab_size"], (4, 32), generator=generator)
    for prefix in CLASSES:
        config = getattr(transformers, f"{prefix}Config")(**SHAPE)
        torch.manual_seed(0)
        model = getattr(transformers, f"{prefix}ForConditionalGeneration")(config).eval()
        untied = model.lm_head.weight.data_ptr() != model.shared.weight.data_ptr()
        with torch.no_grad():
            loss = model(input_ids=inputs, labels=labels).loss.item()
        print(f"{prefix + 'ForConditionalGeneration':<30} {untied!s:>6} {loss:>10.2f} {loss <= bound!s:>12}")
        del model


if __name__ == "__main__":
    main()
