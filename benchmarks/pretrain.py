"""Span-corruption pretraining, stock against scheme: does the initialisation matter after step 0,
and do PyTorch, TensorFlow and Flax train alike from one config?

T5's objective (noise density 0.15, mean span 3, sentinels from the top of the vocabulary) on the
docstrings of the Python standard library, loaded through ``datasets`` and tokenised as ByT5 does
(bytes + 3, no vocabulary file). The batches are made once by numpy from ``--data-seed`` and fed to
every framework, mode and seed; ``--seeds`` vary the model's draws only. Models (pretrain_loop.py):
a T5 v1.1 shape (gated-gelu, untied lm_head), the tied T5 v1.0 shape (relu) as a control, and BART.

``python pretrain.py run`` trains every run of this interpreter's transformers in separate worker
processes (``--with PYTHON`` adds another environment's, e.g. ``../.venv-5x/bin/python``), writes one
JSON per job under ``--output``/runs and merges them into ``--output``/pretrain.json; ``python
pretrain.py plot`` draws the figures and prints the tables and tests from that file
(``init-parity report --train PATH`` shows the same). ``python pretrain.py job ...`` is one worker.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = Path(__file__).resolve().parent
# one thread per worker: the workers run side by side, one per core
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}


def settings_of(args) -> dict:
    return {
        "steps": args.steps,
        "batch": args.batch,
        "input_length": args.input_length,
        "data_seed": args.data_seed,
        "seeds": [int(s) for s in args.seeds.split(",")],
        "shape": {
            "d_model": args.d_model,
            "d_ff": args.d_ff,
            "heads": args.heads,
            "d_kv": args.d_kv,
            "layers": args.layers,
        },
        "optimizer": {
            "name": "AdamW, linear warm-up then constant",
            "peak": args.lr,
            "warmup": args.warmup,
            "weight_decay": args.weight_decay,
            "beta1": 0.9,
            "beta2": 0.999,
            "eps": 1e-8,
        },
    }


def job(args) -> int:
    """One worker: every mode and seed of one model in one framework, in this interpreter."""
    import transformers

    import pretrain_data as data
    import pretrain_loop as loop

    target = Path(args.output) / "runs" / f"{transformers.__version__}-{args.framework}-{args.model}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    claim = target.with_suffix(".running")
    try:  # done or under way in another runner on the same --output (delete runs/ to train again)
        if target.exists():
            raise FileExistsError
        claim.open("x").close()
    except FileExistsError:
        print(f"{transformers.__version__} {args.model} {args.framework}: {target.name} done or running, skipped")
        return 0
    started, started_at, cpu = time.perf_counter(), time.time(), time.process_time()
    settings = settings_of(args)
    corpus_folder = Path(args.output) / "corpus"
    path = data.write_corpus(corpus_folder)
    texts = data.load_texts(path, corpus_folder / "hf-cache")
    stream = data.byte_ids(texts)
    batches = data.make_batches(stream, args.steps, args.batch, args.input_length, args.data_seed)
    shape = loop.Shape(**settings["shape"])
    optimizer = loop.Optimizer(peak=args.lr, warmup=args.warmup, weight_decay=args.weight_decay)
    runs = []
    for seed in settings["seeds"]:
        for mode in ("stock", "scheme"):  # alternating, so that a slower moment hits both modes
            model = loop.build(args.model, args.framework, mode, shape, seed, data.VOCAB)
            parameters = _parameter_count(args.framework, model)
            result = loop.train(
                args.framework, model, batches.inputs, batches.decoder_inputs, batches.targets, optimizer
            )
            del model
            runs.append(
                {
                    "model": args.model,
                    "framework": args.framework,
                    "mode": mode,
                    "seed": seed,
                    "parameters": parameters,
                    **result,
                }
            )
            print(
                f"{transformers.__version__} {args.model} {args.framework} {mode} seed {seed}: loss {result['loss'][0]:.2f} -> {result['loss'][-1]:.3f} ({result['seconds']:.0f} s)",
                flush=True,
            )
    out = {
        "transformers": transformers.__version__,
        "python": platform.python_version(),
        "corpus": data.corpus_summary(path, texts, stream),
        "lengths": {"inputs": int(batches.inputs.shape[-1]), "targets": int(batches.targets.shape[-1])},
        "settings": settings,
        "runs": runs,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "started_at": started_at,
    }
    target.write_text(json.dumps(out))
    claim.unlink()
    return 0


def _parameter_count(framework: str, model) -> int:
    if framework == "pt":
        return sum(p.numel() for p in model.parameters())
    if framework == "tf":
        return int(sum(v.shape.num_elements() for v in model.trainable_variables))
    import jax

    return int(sum(x.size for x in jax.tree_util.tree_leaves(model.params)))


def _version(python: str) -> str:
    code = "import importlib.metadata as m; print(m.version('transformers'))"
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def plan(args) -> list[tuple[str, str, str]]:
    """(python, framework, model) jobs, the longest first: every model in PyTorch; the T5 v1.1 shape
    also in TensorFlow and Flax where the interpreter's transformers has them (4.x)."""
    jobs = []
    for python in [sys.executable, *args.other]:
        four = _version(python).startswith("4.")
        for model in args.models.split(","):
            jobs.append((python, "pt", model))
            if four and model in args.tf_flax_models.split(","):
                jobs.extend([(python, "flax", model), (python, "tf", model)])
    weight = {"flax": 3, "tf": 2, "pt": 1}
    jobs = sorted(jobs, key=lambda j: -weight[j[1]])
    return jobs[::-1] if args.reverse else jobs


def run(args) -> int:
    started = time.perf_counter()
    output = Path(args.output)
    jobs = plan(args)
    print(f"{len(jobs)} jobs on {args.jobs} worker processes", flush=True)
    shared = [
        "--output", str(output), "--steps", str(args.steps), "--batch", str(args.batch),
        "--input-length", str(args.input_length), "--data-seed", str(args.data_seed), "--seeds", args.seeds,
        "--d-model", str(args.d_model), "--d-ff", str(args.d_ff), "--heads", str(args.heads), "--d-kv", str(args.d_kv),
        "--layers", str(args.layers), "--lr", str(args.lr), "--warmup", str(args.warmup), "--weight-decay", str(args.weight_decay),
    ]  # fmt: skip
    environment = {**os.environ, **ONE_THREAD}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), environment.get("PYTHONPATH")]))

    def launch(spec) -> int:
        python, framework, model = spec
        command = [python, str(HERE / "pretrain.py"), "job", "--framework", framework, "--model", model, *shared]
        completed = subprocess.run(command, env=environment, capture_output=True, text=True)
        lines = [line for line in completed.stdout.splitlines() if line.strip()]
        print("\n".join(lines), flush=True)
        if completed.returncode:
            print(f"FAILED: {' '.join(command)}\n{completed.stderr[-3000:]}", flush=True)
        return completed.returncode

    write_corpus_first(output)
    with ThreadPoolExecutor(args.jobs) as pool:
        codes = list(pool.map(launch, jobs))
    merged = merge(output)
    merged["wall_seconds"] = time.perf_counter() - started
    merged["workers"] = args.jobs
    (output / "pretrain.json").write_text(json.dumps(merged))
    print(f"wrote {output / 'pretrain.json'}: {len(merged['runs'])} runs, {merged['wall_seconds']:.0f} s wall")
    return max(codes, default=0)


def merge_only(args) -> int:
    """``pretrain.json`` from the job files already under ``--output``/runs (e.g. after two runners
    shared the jobs); the wall time is that from the first job's start to the last job's end."""
    output = Path(args.output)
    merged = merge(output)
    spans = [
        (part.get("started_at", path.stat().st_mtime - part["seconds"]), path.stat().st_mtime)
        for path in sorted((output / "runs").glob("*.json"))
        for part in [json.loads(path.read_text())]
    ]
    merged["wall_seconds"] = max(end for _, end in spans) - min(start for start, _ in spans)
    merged["workers"] = args.workers
    (output / "pretrain.json").write_text(json.dumps(merged))
    print(f"wrote {output / 'pretrain.json'}: {len(merged['runs'])} runs, {merged['wall_seconds']:.0f} s wall")
    return 0


def write_corpus_first(output: Path) -> None:
    """The corpus file before the workers start, so that they do not all write it at once."""
    import pretrain_data as data

    data.write_corpus(output / "corpus")


def merge(output: Path) -> dict:
    """Every job's JSON under ``output/runs``: {"lines": {version: {corpus, settings, ...}}, "runs": [...]}
    with each run tagged by its transformers version."""
    import pretrain_data as data

    lines, runs = {}, []
    for path in sorted((output / "runs").glob("*.json")):
        part = json.loads(path.read_text())
        version = part["transformers"]
        line = lines.setdefault(version, {key: part[key] for key in ("python", "corpus", "lengths", "settings")})
        line["job_seconds"] = line.get("job_seconds", 0.0) + part["seconds"]
        if "cpu_seconds" in part:
            line["job_cpu_seconds"] = line.get("job_cpu_seconds", 0.0) + part["cpu_seconds"]
        runs.extend({"transformers": version, **r} for r in part["runs"])
    return {"vocab": data.VOCAB, "lines": lines, "runs": runs}


def plot(args) -> int:
    """The figures into ``--figures`` and the tables on stdout, as Markdown whose figure links are
    relative to ``docs/`` (where docs/training.md reads them)."""
    from init_parity.report import training

    results = training.load(Path(args.results))
    figures = training.draw(results, Path(args.figures))
    for path in figures.values():
        print(f"wrote {path}", file=sys.stderr)
    links = {line: os.path.relpath(path, HERE.parent / "docs") for line, path in figures.items()}
    print(training.markdown(results, links))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "job"):
        p = sub.add_parser(name)
        p.add_argument("--output", default="pretrain-results")
        p.add_argument("--steps", type=int, default=250)
        p.add_argument("--batch", type=int, default=16)
        p.add_argument("--input-length", type=int, default=128)
        p.add_argument("--data-seed", type=int, default=0)
        p.add_argument("--seeds", default="0,1,2")
        p.add_argument("--d-model", type=int, default=128)
        p.add_argument("--d-ff", type=int, default=256)
        p.add_argument("--heads", type=int, default=4)
        p.add_argument("--d-kv", type=int, default=32)
        p.add_argument("--layers", type=int, default=2)
        p.add_argument("--lr", type=float, default=1e-3)
        p.add_argument("--warmup", type=int, default=20)
        p.add_argument("--weight-decay", type=float, default=0.01)
    run_parser, job_parser = sub.choices["run"], sub.choices["job"]
    run_parser.add_argument("--with", dest="other", action="append", default=[], metavar="PYTHON")
    run_parser.add_argument("--models", default="t5-v1.1,t5-v1.0,bart")
    run_parser.add_argument("--tf-flax-models", default="t5-v1.1")
    run_parser.add_argument("--jobs", type=int, default=2)
    run_parser.add_argument(
        "--reverse", action="store_true", help="take the jobs last first: a second runner on the same --output"
    )
    job_parser.add_argument("--framework", required=True)
    job_parser.add_argument("--model", required=True)
    merge_parser = sub.add_parser("merge")
    merge_parser.add_argument("--output", default="pretrain-results")
    merge_parser.add_argument("--workers", type=int, default=2, help="worker processes the jobs ran on (recorded)")
    plot_parser = sub.add_parser("plot")
    plot_parser.add_argument("--results", default="pretrain-results/pretrain.json")
    plot_parser.add_argument("--figures", default=str(HERE.parent / "docs" / "training"))
    args = parser.parse_args()
    return {"run": run, "job": job, "merge": merge_only, "plot": plot}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
