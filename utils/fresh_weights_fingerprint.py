"""Fingerprints of fresh weights and report verdicts, to show that a restructuring changed no draw
and no verdict.

``record`` builds every encoder-decoder model type of the installed transformers in every installed
framework (its tiny config, both tie modes, two seeds, the scheme on) and keeps a SHA-256 of each
tensor's bytes (a model type whose tiny config exceeds the report's parameter limit is skipped, as the
report skips it); with ``--report`` it also runs ``init-parity report --models all --format json``
and keeps its verdicts: the summary lines and, per model type and mode, whether it passed, its
drifting roles, each role's status, the structural findings and the independence status (not the
measured values: stock TensorFlow draws differ from one process to the next).

``compare BEFORE AFTER [--again BEFORE2]`` prints the differences and exits 1 when there is one;
``--again`` is a second record of the unchanged tree: what differs between BEFORE and BEFORE2 varies
by itself, is listed apart and does not count.

    python utils/fresh_weights_fingerprint.py record --output /tmp/before-4x.json --report
    python utils/fresh_weights_fingerprint.py compare /tmp/before-4x.json /tmp/after-4x.json --again /tmp/before2-4x.json

Run it with ``PYTHONPATH=src`` from the tree under test, once per transformers line.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SEEDS = (0, 1)
TIE_MODES = {"tied": True, "untied": False}
# where the suite's pieces live, before and after the move into suite/ (the first that imports wins)
_MODULES = {
    "build": ("init_parity.suite.models.build", "init_parity.models.build"),
    "discovery": ("init_parity.suite.models.discovery", "init_parity.models.discovery"),
    "tiny": ("init_parity.suite.models.tiny_configs", "init_parity.models.tiny_configs"),
    "mixin": ("init_parity.suite.mixin", "init_parity.testing.mixin"),
    "collect": ("init_parity.report.collect",),
}


def _module(key: str) -> Any:
    for name in _MODULES[key]:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    raise ModuleNotFoundError(f"none of {_MODULES[key]}")


def _digest(array: Any) -> str:
    import numpy as np

    array = np.ascontiguousarray(array)
    return hashlib.sha256(str(array.dtype).encode() + str(array.shape).encode() + array.tobytes()).hexdigest()[:16]


def fingerprints(only: set[str] | None = None) -> dict[str, Any]:
    import transformers

    build, discovery = _module("build"), _module("discovery")
    tiny, mixin, collect = _module("tiny"), _module("mixin"), _module("collect")
    found: dict[str, Any] = {}
    for family in discovery.discover():
        if only is not None and family.model_type not in only:
            continue
        skipped = discovery.missing_dependency(family)
        if skipped is None and "pt" in family.classes:
            try:
                config = tiny.tiny_config(family.model_type)
            except Exception:  # noqa: BLE001 - its builds below record the error
                config = None
            count = (
                None if config is None else collect.parameter_count(family.model_type, family.classes["pt"], config)
            )
            skipped = f"{count} parameters" if count is not None and count > collect.MAX_PARAMETERS else None
        if skipped:
            found[family.model_type] = {"skipped": skipped}
            continue
        per_type: dict[str, Any] = {}
        for framework, class_name in family.classes.items():
            for mode, tied in TIE_MODES.items():
                for seed in SEEDS:
                    key = f"{framework}/{mode}/{seed}"
                    try:
                        config = mixin.with_tie_mode(tiny.tiny_config(family.model_type), tied)
                        arrays = build.fresh_weights(framework, class_name, config, seed)
                    except Exception as error:  # noqa: BLE001 - a build that fails is recorded as such
                        per_type[key] = {"error": type(error).__name__}
                        continue
                    per_type[key] = {name: _digest(array) for name, array in sorted(arrays.items())}
        found[family.model_type] = per_type
        print(family.model_type, len(per_type), file=sys.stderr, flush=True)
    return {"transformers": transformers.__version__, "weights": found}


def _verdict(mode: dict[str, Any]) -> dict[str, Any]:
    return {
        "passed": mode.get("passed"),
        "error": mode.get("error"),
        "drifting_roles": mode.get("drifting_roles"),
        "roles": {role["role"]: role["status"] for role in mode.get("roles", [])},
        "structural": mode.get("structural"),
        "independence": (mode.get("independence") or {}).get("status"),
    }


def _verdicts(report: dict[str, Any]) -> dict[str, Any]:
    families = {
        family["model_type"]: {name: _verdict(mode) for name, mode in family.get("modes", {}).items()}
        for family in report["families"]
    }
    return {"summary": report.get("summary"), "families": families}


def report_verdicts() -> Any:
    with tempfile.TemporaryDirectory() as output:
        command = [sys.executable, "-m", "init_parity", "report", "--models", "all", "--format", "json"]
        command += ["--no-plots", "--quiet", "--output", output]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        files = sorted(Path(output).glob("**/*.json"))
        reports = {str(p.relative_to(output)): _verdicts(json.loads(p.read_text())) for p in files}
        return {"exit_code": completed.returncode, "reports": reports}


BATCH = 6  # model types per child process: one process building them all grows past 8 GB on 5.x


def _in_batches() -> dict[str, Any]:
    """:func:`fingerprints` of every model type, a few per child process (its memory freed with it)."""
    discovery = _module("discovery")
    types = [family.model_type for family in discovery.discover()]
    merged: dict[str, Any] = {"weights": {}}
    with tempfile.TemporaryDirectory() as folder:
        for start in range(0, len(types), BATCH):
            part = Path(folder) / f"{start}.json"
            command = [sys.executable, __file__, "record", "--output", str(part)]
            command += ["--only", ",".join(types[start : start + BATCH])]
            subprocess.run(command, check=True)
            found = json.loads(part.read_text())
            merged["transformers"] = found["transformers"]
            merged["weights"].update(found["weights"])
    return merged


def record(args: argparse.Namespace) -> int:
    result = fingerprints(set(args.only.split(","))) if args.only else _in_batches()
    if args.report:
        result["report"] = report_verdicts()
    Path(args.output).write_text(json.dumps(result, indent=1, sort_keys=True))
    count = sum(len(v) for t in result["weights"].values() for v in t.values() if isinstance(v, dict))
    print(f"{args.output}: {len(result['weights'])} model types, {count} tensor fingerprints")
    return 0


def _differences(before: Any, after: Any, path: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        found = [f"{path}/{k}: only before" for k in before.keys() - after.keys()]
        found += [f"{path}/{k}: only after" for k in after.keys() - before.keys()]
        for key in sorted(before.keys() & after.keys()):
            found += _differences(before[key], after[key], f"{path}/{key}")
        return found
    return [] if before == after else [f"{path}: {before!r} -> {after!r}"]


def _paths(lines: list[str]) -> set[str]:
    return {line.split(": ", 1)[0] for line in lines}


def compare(args: argparse.Namespace) -> int:
    before, after = (json.loads(Path(p).read_text()) for p in (args.before, args.after))
    unstable = _paths(_differences(before, json.loads(Path(args.again).read_text()))) if args.again else set()
    differences = [line for line in _differences(before, after) if line.split(": ", 1)[0] not in unstable]
    for line in differences[:50]:
        print(line[:300])
    weights = sum(len(v) for t in before["weights"].values() for v in t.values() if isinstance(v, dict))
    families = len(before.get("report", {}).get("reports", {}).get("report.json", {}).get("families", {}))
    print(f"transformers {before['transformers']}: {weights} tensor fingerprints, {families} model types' verdicts")
    if unstable:
        groups = sorted({"/".join(path.split("/")[:5]) for path in unstable})
        print(f"{len(unstable)} value(s) differ between two records of the unchanged tree, not counted: {groups[:20]}")
    print(f"{len(differences)} difference(s)")
    return 1 if differences else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("--output", required=True)
    rec.add_argument("--report", action="store_true", help="also the verdicts of init-parity report --models all")
    rec.add_argument("--only", help="comma-separated model types, in this process (default: all, in batches)")
    rec.set_defaults(func=record)
    cmp = sub.add_parser("compare")
    cmp.add_argument("before")
    cmp.add_argument("after")
    cmp.add_argument("--again", help="a second record of the unchanged tree: what varies by itself")
    cmp.set_defaults(func=compare)
    args = parser.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
