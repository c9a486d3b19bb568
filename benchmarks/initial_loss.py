"""First loss of a fresh model from an untied t5-v1_1-small-shaped config on random tokens, stock vs
scheme, for T5, mT5 and UMT5 in PyTorch and T5 in TensorFlow and Flax.

A well-initialised model starts near the entropy of a uniform guess, ln(vocab) = 10.38 for the
32128-token vocabulary; the stock N(0, 1) lm_head starts far above it, and on transformers 5.x,
whose T5-family configs force the tie, the head is the N(0, 1) shared embedding itself.

Each release line lives in its own environment: ``--with PYTHON`` also runs this script with the
interpreter of another environment (e.g. ``.venv-5x/bin/python``) and prints one table with two
columns per transformers version.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys

import numpy as np

from common import MODES, mode_switch, t5_config
from init_parity.suite.first_loss import decoder_start, mean_cross_entropy
from init_parity.suite.frameworks import installed
from init_parity.suite.models.build import build_model

ROWS = (  # (framework, model type, class)
    ("pt", "t5", "T5ForConditionalGeneration"),
    ("pt", "mt5", "MT5ForConditionalGeneration"),
    ("pt", "umt5", "UMT5ForConditionalGeneration"),
    ("tf", "t5", "TFT5ForConditionalGeneration"),
    ("flax", "t5", "FlaxT5ForConditionalGeneration"),
)
VOCAB = 32128
MODE_TITLES = {"stock": "stock", "scheme": "+ this package"}


def measure(frameworks: list[str], batch: int, length: int, seed: int) -> dict:
    """{"version": transformers', "losses": {class: {mode: first loss}}} on this environment."""
    import transformers

    rng = np.random.default_rng(seed)
    inputs = rng.integers(0, VOCAB, (batch, length))
    labels = rng.integers(0, VOCAB, (batch, length))
    losses: dict[str, dict[str, float]] = {}
    for framework, model_type, class_name in ROWS:
        if framework not in frameworks:
            continue
        for mode in MODES:
            with mode_switch(mode):  # the config too: stock 5.x ties the head in the config class
                config = t5_config("small", model_type)
                model = build_model(framework, class_name, config, seed)
            loss = mean_cross_entropy(framework, model, inputs, labels, decoder_start(config))
            losses.setdefault(class_name, {})[mode] = loss
            del model
    return {"version": transformers.__version__, "losses": losses}


def table(lines: list[dict]) -> str:
    ideal = math.log(VOCAB)
    columns = [(line, mode) for line in lines for mode in MODES]
    titles = [f"{line['version']} {MODE_TITLES[mode]}" for line, mode in columns]
    rows = [
        f"t5-v1_1-small shape (d_model 512, d_ff 1024, 8+8 layers, 6 heads, d_kv 64, gated-gelu, untied), "
        f"vocab {VOCAB}, random tokens: ideal first loss ln(V) = {ideal:.2f}; bound ln(V) + 1 = {ideal + 1:.2f}",
        "",
        "| fresh model, untied config | " + " | ".join(titles) + " | every '+ this package' <= ln(V)+1 |",
        "|---|" + "---|" * (len(titles) + 1),
    ]
    for _, _, class_name in ROWS:
        found = [line["losses"].get(class_name, {}).get(mode) for line, mode in columns]
        if all(loss is None for loss in found):
            continue
        cells = ["—" if loss is None else f"{loss:.1f}" for loss in found]
        ours = [loss for loss, (_, mode) in zip(found, columns) if mode == "scheme" and loss is not None]
        rows.append(f"| {class_name} | " + " | ".join(cells) + f" | {all(loss <= ideal + 1 for loss in ours)} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frameworks", default=",".join(installed()))
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--length", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--with", dest="other", metavar="PYTHON", help="also measure with this interpreter")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = parser.parse_args()
    lines = [measure(args.frameworks.split(","), args.batch, args.length, args.seed)]
    if args.other:
        command = [args.other, __file__, "--json", "--batch", str(args.batch), "--length", str(args.length)]
        completed = subprocess.run([*command, "--seed", str(args.seed)], capture_output=True, text=True)
        if completed.returncode:
            sys.exit(f"{args.other} failed:\n{completed.stderr}")
        lines.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    if args.json:
        print(json.dumps(lines[0]))
        return
    print(table(sorted(lines, key=lambda line: [int(part) for part in line["version"].split(".")[:3]])))


if __name__ == "__main__":
    main()
