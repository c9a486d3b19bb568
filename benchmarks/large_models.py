"""The scheme where big models are built (issue 22), on the transformers line of this interpreter.

``paths``: a T5 v1.1-shaped model (untied head, gated-gelu), tiny (the suite's config) and
t5-v1_1-small-sized, built along every path of :mod:`init_parity.suite.models.materialised` (eager; meta and
accelerate's ``init_empty_weights``, then ``to_empty``, ``tie_weights``, ``init_weights``; FSDP2 and
DeepSpeed ZeRO-3 over 2 CPU ranks, gathered), stock and with the scheme. Printed per path: the
conformance verdict of the full weights (the suite's check, family-wise false-alarm rate 1e-3), what
drifts, and the first loss on the seed's random batch against ln(V) + 1.

``scale``: the default config of t5-v1_1-xl (2.85B parameters) and of Blenderbot (2.7B, the BART line)
built eagerly on the CPU, stock and with the scheme, each build in a fresh process (so its peak RSS is
its own), alternating the order. Printed: the build time and peak RSS of each, and the ratios
scheme / stock (budget: 1.05 for time, 1.02 for memory).

    python large_models.py paths [--sizes tiny,small] [--paths eager,meta,accelerate,fsdp2,zero3]
    python large_models.py scale [--models t5-v1_1-xl,blenderbot] [--pairs 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

from common import MODES, mode_switch, rotation, t5_config

TIME_BUDGET, MEMORY_BUDGET = 1.05, 1.02
T5_CLASS = "T5ForConditionalGeneration"


def _config(size: str):
    from init_parity.suite.models.tiny_configs import tiny_config

    return tiny_config("t5", tie_word_embeddings=False) if size == "tiny" else t5_config(size)


def _path_row(path: str, size: str, mode: str) -> dict:
    """One path's conformance verdict and first loss, for one size and mode (seed 0 and as many more
    as the smallest role needs)."""
    from init_parity.suite.building import check_seeded_weights, seeds_needed
    from init_parity.suite.first_loss import first_loss_of
    from init_parity.suite.forward import first_loss_bound
    from init_parity.suite.models.build import weights
    from init_parity.suite.models.materialised import DISTRIBUTED_PATHS, build_on, distributed_weights, holding

    with mode_switch(mode):
        config = _config(size)
        first = weights("pt", build_on("meta", T5_CLASS, config, 0))
        seeds = list(range(seeds_needed(first, config)))
        started = time.perf_counter()
        if path in DISTRIBUTED_PATHS:
            os.environ["INIT_PARITY"] = "1" if mode == "scheme" else "0"  # the ranks' interpreters read it
            by_seed = distributed_weights(path, T5_CLASS, config, seeds).full
        else:
            by_seed = {seed: weights("pt", build_on(path, T5_CLASS, config, seed)) for seed in seeds}
        seconds = time.perf_counter() - started
        finite = all(np.isfinite(a).all() for found in by_seed.values() for a in found.values())
        check = check_seeded_weights(config, by_seed) if finite else None
        loss = first_loss_of("pt", holding(T5_CLASS, config, by_seed[0]), config, 0)
    return {
        "path": path,
        "size": size,
        "mode": mode,
        "seeds": len(seeds),
        "seconds": round(seconds, 1),
        "verdict": "NaN/inf in the weights" if check is None else ("conforms" if check.passed else "drifts"),
        "drifts": [] if check is None else check.describe_drifts()[:3],
        "first_loss": round(loss, 2) if np.isfinite(loss) else str(loss),
        "bound": round(first_loss_bound(config), 2),
    }


def paths(args: argparse.Namespace) -> None:
    import transformers

    print(f"transformers {transformers.__version__}: T5 v1.1 (untied) along each build path")
    print(f"{'size':6} {'path':11} {'mode':7} {'seeds':>5} {'s':>6}  {'verdict':24} {'first loss':>10} {'bound':>6}")
    rows = []
    for size in args.sizes.split(","):
        for path in args.paths.split(","):
            if path == "zero3" and importlib.util.find_spec("deepspeed") is None:
                print(f"{size:6} {path:11} skipped: DeepSpeed is not installed (make deepspeed)")
                continue
            for mode in MODES:
                row = _path_row(path, size, mode)
                rows.append(row)
                print(
                    f"{size:6} {path:11} {mode:7} {row['seeds']:>5} {row['seconds']:>6}  {row['verdict']:24} "
                    f"{row['first_loss']:>10} {row['bound']:>6}"
                )
                for drift in row["drifts"]:
                    print(f"{'':34}{drift[:100]}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"transformers": transformers.__version__, "rows": rows}, out, indent=1)


SCALE_CLASSES = {"t5-v1_1-xl": T5_CLASS, "blenderbot": "BlenderbotForConditionalGeneration"}


def _scale_config(model: str):
    """The default config of ``model`` (one of :data:`SCALE_CLASSES`)."""
    import transformers

    return t5_config("xl") if model == "t5-v1_1-xl" else transformers.BlenderbotConfig()


def _one_build(model: str, mode: str) -> dict:
    """Build ``model``'s default config once in this fresh process; its time and peak RSS."""
    import torch
    import transformers

    with mode_switch(mode):
        config = _scale_config(model)
        cls = getattr(transformers, SCALE_CLASSES[model])
        torch.manual_seed(0)
        started = time.perf_counter()
        built = cls(config)
        seconds = time.perf_counter() - started
    parameters = sum(p.numel() for p in built.parameters())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": seconds, "peak_bytes": peak, "parameters": parameters}


def scale(args: argparse.Namespace) -> None:
    import transformers

    print(f"transformers {transformers.__version__}: default configs built eagerly on the CPU, one process per build")
    print(
        f"{'model':12} {'params':>7} {'stock s':>8} {'scheme s':>9} {'ratio':>6} {'stock GB':>9} {'scheme GB':>10} {'ratio':>6}"
    )
    for model in args.models.split(","):
        runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
        for index in range(args.pairs):
            for mode in rotation(MODES, index):
                done = subprocess.run(
                    [sys.executable, __file__, "one-build", model, mode], capture_output=True, text=True, check=True
                )
                runs[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))
        seconds = {mode: statistics.median(r["seconds"] for r in runs[mode]) for mode in MODES}
        peak = {mode: statistics.median(r["peak_bytes"] for r in runs[mode]) / 2**30 for mode in MODES}
        billions = runs["stock"][0]["parameters"] / 1e9
        time_ratio, memory_ratio = seconds["scheme"] / seconds["stock"], peak["scheme"] / peak["stock"]
        print(
            f"{model:12} {billions:>6.2f}B {seconds['stock']:>8.1f} {seconds['scheme']:>9.1f} {time_ratio:>6.3f} "
            f"{peak['stock']:>9.2f} {peak['scheme']:>10.2f} {memory_ratio:>6.3f}"
            f"   (time {'within' if time_ratio <= TIME_BUDGET else 'over'} {TIME_BUDGET}, "
            f"memory {'within' if memory_ratio <= MEMORY_BUDGET else 'over'} {MEMORY_BUDGET}; "
            f"{args.pairs} per mode, medians)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    on_paths = commands.add_parser("paths")
    on_paths.add_argument("--sizes", default="tiny,small")
    on_paths.add_argument("--paths", default="eager,meta,accelerate,fsdp2,zero3")
    on_paths.add_argument("--json", help="also write the rows to this JSON file")
    on_scale = commands.add_parser("scale")
    on_scale.add_argument("--models", default="t5-v1_1-xl,blenderbot")
    on_scale.add_argument("--pairs", type=int, default=2)
    one = commands.add_parser("one-build")
    one.add_argument("model", choices=sorted(SCALE_CLASSES))
    one.add_argument("mode", choices=MODES)
    args = parser.parse_args()
    if args.command == "one-build":
        print(json.dumps(_one_build(args.model, args.mode)))
    else:
        {"paths": paths, "scale": scale}[args.command](args)


if __name__ == "__main__":
    main()
