"""What the package costs a test run: the conformance suite's build loop, with the scheme and without.

A model test file builds tiny models over and over; so does the suite. One loop here is what the
suite does per model type and framework: build the tiny config fresh (seed 0, 1, ...) and read its
weights as numpy arrays (:func:`init_parity.suite.models.build.fresh_weights`), over every model type with
a scheme. Loops alternate stock and scheme in one process (``--rounds`` of each, the order flipped
every round); printed per framework: the median loop time of each and the ratio, with the spread of
the per-round ratios (min-max). Budget 1.05.

    python build_loop.py
    python build_loop.py --frameworks pt --rounds 7
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from common import MODES, mode_switch, rotation
from init_parity.scheme import FAMILIES
from init_parity.suite.frameworks import installed
from init_parity.suite.models.build import fresh_weights
from init_parity.suite.models.discovery import family
from init_parity.suite.models.tiny_configs import tiny_config

BUDGET = 1.05


def cases(framework: str) -> list[tuple[str, str]]:
    found = []
    for scheme in FAMILIES.values():
        for model_type in scheme.model_types:
            try:
                classes = family(model_type).classes
            except KeyError:
                continue
            if framework in classes:
                found.append((model_type, classes[framework]))
    return found


def loop(framework: str, builds: list[tuple[str, object]], seeds: int) -> float:
    start = time.perf_counter()
    for class_name, config in builds:
        for seed in range(seeds):
            fresh_weights(framework, class_name, config, seed)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frameworks", default=",".join(installed()))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=2, help="builds per model type in one loop")
    args = parser.parse_args()
    print(f"suite build loop: every model type with a scheme, {args.seeds} seeds; {args.rounds} rounds per mode")
    print(f"{'fw':<5} {'types':>5} {'stock s':>8} {'scheme s':>9} {'ratio':>6}  {'min-max':<11}  <={BUDGET}")
    for framework in args.frameworks.split(","):
        types = cases(framework)
        configs = {mode: [] for mode in MODES}
        for mode in MODES:  # on 5.x the scheme keeps a T5 config untied: each mode builds its own
            with mode_switch(mode):
                configs[mode] = [(class_name, tiny_config(model_type)) for model_type, class_name in types]
        seconds: dict[str, list[float]] = {mode: [] for mode in MODES}
        for warm in MODES:  # imports, kernels, the scheme's plans
            with mode_switch(warm):
                loop(framework, configs[warm], 1)
        for round_ in range(args.rounds):
            for mode in rotation(MODES, round_):
                gc.collect()
                with mode_switch(mode):
                    seconds[mode].append(loop(framework, configs[mode], args.seeds))
        ratios = [scheme / stock for stock, scheme in zip(seconds["stock"], seconds["scheme"])]
        stock, scheme = (statistics.median(seconds[mode]) for mode in MODES)
        ratio = scheme / stock
        print(
            f"{framework:<5} {len(types):>5} {stock:>8.2f} {scheme:>9.2f} {ratio:>6.3f}  "
            f"{min(ratios):.3f}-{max(ratios):.3f}  {ratio <= BUDGET}",
            flush=True,
        )


if __name__ == "__main__":
    main()
