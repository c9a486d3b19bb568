"""First loss of a fresh untied t5-small-shaped model on random tokens, per framework, stock vs scheme.

A well-initialised model starts near the entropy of a uniform guess, ln(vocab) = 10.38 for the
32128-token vocabulary; the stock N(0, 1) lm_head starts far above it. Prints one table.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from common import MODES, mode_switch, t5_config
from init_parity.frameworks import installed
from init_parity.models.build import build_model
from init_parity.report.first_loss import decoder_start, mean_cross_entropy

CLASSES = {
    "pt": "T5ForConditionalGeneration",
    "tf": "TFT5ForConditionalGeneration",
    "flax": "FlaxT5ForConditionalGeneration",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frameworks", default=",".join(installed()))
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--length", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = t5_config("small")
    rng = np.random.default_rng(args.seed)
    inputs = rng.integers(0, config.vocab_size, (args.batch, args.length))
    labels = rng.integers(0, config.vocab_size, (args.batch, args.length))
    ideal = math.log(config.vocab_size)
    print(f"t5-v1_1-small shape, vocab {config.vocab_size}: ideal first loss ln(V) = {ideal:.2f}; bound ln(V) + 1")
    print(f"{'framework':<10} {'stock':>8} {'scheme':>8} {'scheme <= ln(V)+1':>18}")
    for framework in args.frameworks.split(","):
        losses = {}
        for mode in MODES:
            with mode_switch(mode):
                model = build_model(framework, CLASSES[framework], config, args.seed)
            losses[mode] = mean_cross_entropy(framework, model, inputs, labels, decoder_start(config))
            del model
        ok = losses["scheme"] <= ideal + 1
        print(f"{framework:<10} {losses['stock']:>8.2f} {losses['scheme']:>8.2f} {str(ok):>18}")


if __name__ == "__main__":
    main()
