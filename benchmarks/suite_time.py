"""Seconds per family of the conformance suite: building the tiny config in every framework where
the family exists and running every test on it, scheme on; printed with the share of the total."""

from __future__ import annotations

import argparse
import time

import common  # noqa: F401 - sets the offline / quiet environment before transformers is imported
from init_parity.scheme import scheme_for_model_type
from init_parity.suite.building import check_family
from init_parity.suite.models.build import build_model
from init_parity.suite.models.discovery import discover
from init_parity.suite.models.tiny_configs import tiny_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default="", help="comma list; default: every family the suite checks")
    args = parser.parse_args()
    families = [
        f
        for f in discover()
        if "pt" in f.classes and (len(f.classes) > 1 or scheme_for_model_type(f.model_type) is not None)
    ]
    if args.models:
        families = [f for f in families if f.model_type in args.models.split(",")]
    for framework in ("pt", "tf", "flax"):  # imports and first-call costs are paid once, not by the first family
        build_model(
            framework, {"pt": "T5Model", "tf": "TFT5Model", "flax": "FlaxT5Model"}[framework], tiny_config("t5"), 0
        )
    rows = []
    for family in families:
        start = time.perf_counter()
        check = check_family(family.model_type, patched=True)
        rows.append((family.model_type, "/".join(family.frameworks), time.perf_counter() - start, check.passed))
    total = sum(seconds for _, _, seconds, _ in rows)
    print(f"{'family':<22} {'frameworks':<13} {'seconds':>8} {'share':>6}  passed")
    for model_type, frameworks, seconds, passed in sorted(rows, key=lambda row: -row[2]):
        print(f"{model_type:<22} {frameworks:<13} {seconds:>8.2f} {seconds / total:>6.1%}  {passed}")
    print(f"{'total':<22} {'':<13} {total:>8.2f}")


if __name__ == "__main__":
    main()
