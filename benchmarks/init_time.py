"""Time to build a fresh model with the scheme / stock, for every family with a scheme, in each
framework where transformers has it, at two sizes: the tiny config (as the conformance suite and
model tests build it) and the model type's default config.

Builds alternate stock and scheme in one process (``--pairs`` pairs, the order flipped every pair)
so that drift in the machine's speed hits both. Printed per row: the median build time of each, the
ratio of the medians, and its spread: the 25th-75th percentile of the per-pair ratios. The budget
is 1.05 for every framework and size. A default config larger than ``--max-params`` is skipped with
its size (it would not fit the machine), and so is a type whose default config cannot be built.

    python init_time.py                                  # everything (long: default sizes)
    python init_time.py --sizes tiny                     # tiny configs only
    python init_time.py --issue                          # the rows of issue 11's table
"""

from __future__ import annotations

import argparse
import functools
import gc
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from common import MODES, mode_switch, rotation
from init_parity.scheme import FAMILIES
from init_parity.suite.frameworks import installed
from init_parity.suite.models.build import build_model
from init_parity.suite.models.discovery import family
from init_parity.suite.models.tiny_configs import tiny_config

BUDGET = 1.05
PAIRS = {"tiny": 15, "default": 3}
# issue 11's table: tiny T5 / BART / Whisper / LED, and the default configs of Marian, Pegasus, Whisper, T5
ISSUE_ROWS = (
    ("t5", "tiny"),
    ("bart", "tiny"),
    ("whisper", "tiny"),
    ("led", "tiny"),
    ("marian", "default"),
    ("pegasus", "default"),
    ("whisper", "default"),
    ("t5", "default"),
)


@dataclass
class Row:
    model_type: str
    framework: str
    size: str
    parameters: int
    stock: float
    scheme: float
    spread: tuple[float, float]

    @property
    def ratio(self) -> float:
        return self.scheme / self.stock


def config_for(model_type: str, size: str, mode: str):
    """The tiny or default config, built under ``mode`` (on transformers 5.x the scheme keeps a T5
    config untied where stock ties it)."""
    from transformers import AutoConfig

    with mode_switch(mode):
        return tiny_config(model_type) if size == "tiny" else AutoConfig.for_model(model_type)


def parameter_count(framework_classes: dict[str, str], config) -> int | None:
    """Parameters of the PyTorch model, counted on the meta device (nothing allocated); None when the
    type has no PyTorch class."""
    if "pt" not in framework_classes:
        return None
    import torch
    import transformers

    with torch.device("meta"), mode_switch("stock"):
        model = getattr(transformers, framework_classes["pt"])(config)
    return sum(p.numel() for p in model.parameters())


def timed_pairs(
    framework: str, class_name: str, configs: dict, pairs: int, switches: dict[str, Callable] | None = None
) -> dict[str, list[float]]:
    """Build times per variant over ``pairs`` runs, the variants' order rotated every run. A variant
    is a mode (stock, scheme) by default; ``switches`` maps other variant names to the context that
    makes them (``configs`` is keyed the same way)."""
    switches = switches or {mode: functools.partial(mode_switch, mode) for mode in MODES}
    seconds: dict[str, list[float]] = {name: [] for name in switches}
    for pair in range(pairs):
        for name in rotation(switches, pair):
            gc.collect()
            with switches[name]():
                start = time.perf_counter()
                model = build_model(framework, class_name, configs[name], pair)
                seconds[name].append(time.perf_counter() - start)
            del model
    return seconds


def quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) == 1:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def measure(model_type: str, framework: str, class_name: str, size: str, pairs: int, parameters: int | None) -> Row:
    configs = {mode: config_for(model_type, size, mode) for mode in MODES}
    seconds = timed_pairs(framework, class_name, configs, pairs)
    ratios = [scheme / stock for stock, scheme in zip(seconds["stock"], seconds["scheme"])]
    stock, scheme = (statistics.median(seconds[mode]) for mode in MODES)
    return Row(model_type, framework, size, parameters or 0, stock, scheme, quartiles(ratios))


def warm_up(framework: str, class_name: str, model_type: str) -> None:
    """Imports, kernels and the scheme's plan: paid once per class, before the timed builds."""
    configs = {mode: config_for(model_type, "tiny", mode) for mode in MODES}
    timed_pairs(framework, class_name, configs, 2)


def human(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def print_row(row: Row) -> None:
    size = f"{row.parameters / 1e6:.1f}M" if row.parameters else "-"
    low, high = row.spread
    print(
        f"{row.model_type:<20} {row.framework:<5} {row.size:<8} {size:>8} {human(row.stock):>10} "
        f"{human(row.scheme):>10} {row.ratio:>6.3f}  {low:.3f}-{high:.3f}  {row.ratio <= BUDGET}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frameworks", default=",".join(installed()))
    parser.add_argument("--sizes", default="tiny,default")
    parser.add_argument("--models", default="", help="comma list of model types; default: every one with a scheme")
    parser.add_argument("--pairs-tiny", type=int, default=PAIRS["tiny"])
    parser.add_argument("--pairs-default", type=int, default=PAIRS["default"])
    parser.add_argument("--max-params", type=float, default=1e9, help="largest default config built")
    parser.add_argument("--issue", action="store_true", help="only the rows of issue 11's table (PyTorch)")
    args = parser.parse_args()
    frameworks = args.frameworks.split(",")
    pairs = {"tiny": args.pairs_tiny, "default": args.pairs_default}
    if args.issue:
        wanted = [(model_type, "pt", size) for model_type, size in ISSUE_ROWS]
    else:
        model_types = args.models.split(",") if args.models else [t for s in FAMILIES.values() for t in s.model_types]
        wanted = [(t, fw, size) for t in model_types for fw in frameworks for size in args.sizes.split(",")]
    print(
        f"median build time over alternating stock / scheme pairs ({pairs['tiny']} tiny, {pairs['default']} default)"
    )
    print(
        f"{'model type':<20} {'fw':<5} {'size':<8} {'params':>8} {'stock':>10} {'scheme':>10} {'ratio':>6}  "
        f"{'q1-q3':<11}  <={BUDGET}"
    )
    rows: list[Row] = []
    warmed: set[tuple[str, str]] = set()
    for model_type, framework, size in wanted:
        try:
            classes = family(model_type).classes
        except KeyError:
            print(f"{model_type:<20} skipped: not an encoder-decoder type of this transformers")
            continue
        if framework not in classes:
            continue
        try:
            parameters = parameter_count(classes, config_for(model_type, size, "stock"))
        except Exception as error:  # noqa: BLE001 - a default config some types cannot build alone
            print(f"{model_type:<20} {framework:<5} {size:<8} skipped: {type(error).__name__}: {error}"[:160])
            continue
        if size == "default" and parameters and parameters > args.max_params:
            print(f"{model_type:<20} {framework:<5} {size:<8} skipped: {parameters / 1e6:.0f}M parameters")
            continue
        if (framework, classes[framework]) not in warmed:
            warm_up(framework, classes[framework], model_type)
            warmed.add((framework, classes[framework]))
        row = measure(model_type, framework, classes[framework], size, pairs[size], parameters)
        rows.append(row)
        print_row(row)
    print()
    for framework in frameworks:
        for size in ("tiny", "default"):
            ratios = [row.ratio for row in rows if row.framework == framework and row.size == size]
            if ratios:
                print(
                    f"{framework} {size}: {len(ratios)} rows, ratio median {statistics.median(ratios):.3f}, "
                    f"max {max(ratios):.3f}; within {BUDGET}: {sum(r <= BUDGET for r in ratios)}/{len(ratios)}"
                )
    sys.exit(0 if all(row.ratio <= BUDGET for row in rows) else 1)


if __name__ == "__main__":
    main()
