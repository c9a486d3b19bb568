"""Time to build a fresh t5-base-shaped model, scheme / stock, per framework, in one run.

Builds alternate stock and scheme (``--repeats`` of each) so that drift in the machine's speed
hits both; the ratio of the medians is printed beside the budget (PyTorch 1.05, TF and Flax 1.2).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from common import MODES, mode_switch, t5_config
from init_parity.frameworks import installed
from init_parity.models.build import build_model

CLASSES = {
    "pt": "T5ForConditionalGeneration",
    "tf": "TFT5ForConditionalGeneration",
    "flax": "FlaxT5ForConditionalGeneration",
}
BUDGET = {"pt": 1.05, "tf": 1.2, "flax": 1.2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frameworks", default=",".join(installed()))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--size", default="base", choices=("small", "base"))
    args = parser.parse_args()
    config = t5_config(args.size)
    print(f"t5-v1_1-{args.size} shape: median build seconds over {args.repeats} alternating builds")
    print(f"{'framework':<10} {'stock s':>8} {'scheme s':>9} {'ratio':>6} {'budget':>7} {'ok':>5}")
    for framework in args.frameworks.split(","):
        with mode_switch("stock"):
            build_model(framework, CLASSES[framework], t5_config("small"), 0)  # warm-up: imports, kernels
        seconds = {mode: [] for mode in MODES}
        for repeat in range(args.repeats):
            for mode in MODES if repeat % 2 == 0 else MODES[::-1]:
                gc.collect()
                with mode_switch(mode):
                    start = time.perf_counter()
                    model = build_model(framework, CLASSES[framework], config, repeat)
                    seconds[mode].append(time.perf_counter() - start)
                del model
        stock, scheme = (statistics.median(seconds[mode]) for mode in MODES)
        ratio = scheme / stock
        print(
            f"{framework:<10} {stock:>8.2f} {scheme:>9.2f} {ratio:>6.3f} {BUDGET[framework]:>7.2f} {str(ratio <= BUDGET[framework]):>5}"
        )


if __name__ == "__main__":
    main()
