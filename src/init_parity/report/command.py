"""``init-parity report``: the parity table and plots, stock transformers against the scheme.

Parses the options, checks them (a user error is :class:`init_parity.cli.BadInput`, exit 2), runs
the suite's checks (:mod:`.collect`), writes the requested formats and returns the exit code.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..exits import EXIT_BAD_INPUT, EXIT_DRIFT, EXIT_OK, BadInput
from ..scheme.naming import FRAMEWORKS
from ..suite.frameworks import FrameworkMissing, installed, require
from ..suite.stats import FAMILY_WISE_ALPHA
from .collect import MODES, FamilyReport, Report, collect, plan, summary_line
from .workers import collect_in_workers, start_workers, worker_count

FORMATS = ("terminal", "markdown", "json", "html")
DEFAULT_FORMATS = "terminal,html"
DEFAULT_OUTPUT = "init-parity-report"
FILES = {"markdown": "report.md", "json": "report.json", "html": "report.html"}

DESCRIPTION = """\
How fresh weights of encoder-decoder models are drawn in PyTorch, TensorFlow and Flax: per model
type and parameter role, the std each framework draws, the scheme's value and the conformance
suite's verdict; and the first loss of models with an LM head. Writes a terminal table, Markdown,
JSON and HTML with plots.
"""

EPILOG = f"""\
modes:
  --both (the default) checks every model twice, as transformers draws it (stock) and with this
  package's scheme (scheme), and shows the two side by side. The exit code judges the modes shown,
  except that with --both only the scheme mode is judged: stock drifting is the point of the
  comparison. --stock judges stock, --scheme judges the scheme.

tie modes:
  a model with an LM head is also checked in the tie mode its tiny config does not use (T5's is
  untied, BART's tied), as the conformance suite's mixin checks both: a defect of that mode (a tied
  head without its rescale, an untied head silently tied) fails the model in the mode judged.

exit codes:
  {EXIT_OK}  every checked role of every model conforms in the judged mode (the suite's
     Holm-corrected tests, family-wise alpha {FAMILY_WISE_ALPHA:g})
  {EXIT_DRIFT}  a role drifts, has too few samples to pass, or a model could not be built
  {EXIT_BAD_INPUT}  bad input: unknown model type (any case; the closest names suggested), framework or
     format, an empty item in a comma-separated list, a framework not installed, an INIT_PARITY that
     is neither on nor off, or an --output that is a file or a folder that cannot be created or
     written to (all checked first, before any framework is loaded and anything written)

A model type that lacks one of the requested frameworks is checked in the others and reported
with "no counterpart". PNG plots go with the Markdown, JSON and HTML files into --output; the
terminal format alone writes nothing to disk.
"""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="the parity table and plots: stock transformers against the scheme, per framework",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--models",
        default="t5",
        help="comma-separated model types (default: t5), or 'all' for every encoder-decoder model type found",
    )
    parser.add_argument(
        "--frameworks",
        default=None,
        help=f"comma-separated, from {','.join(FRAMEWORKS)} (default: those installed: {','.join(installed()) or 'none'})",
    )
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--stock", dest="mode", action="store_const", const="stock", help="stock transformers only")
    modes.add_argument("--scheme", dest="mode", action="store_const", const="scheme", help="with the scheme only")
    modes.add_argument(
        "--both",
        dest="mode",
        action="store_const",
        const="both",
        help="stock and scheme side by side; the exit code judges the scheme (default)",
    )
    parser.set_defaults(mode="both")
    parser.add_argument(
        "--seeds",
        default=None,
        help="comma-separated seeds, e.g. 0 or 0,1 (default: as many as the smallest role needs for 1000 samples)",
    )
    parser.add_argument(
        "--format",
        default=DEFAULT_FORMATS,
        help=f"comma-separated, from {','.join(FORMATS)} (default: {DEFAULT_FORMATS})",
    )
    parser.add_argument(
        "--output", default=DEFAULT_OUTPUT, help=f"folder for the files and plots (default: {DEFAULT_OUTPUT})"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes checking model types in parallel (default: one per core as memory allows, "
        "1 for a single model type)",
    )
    parser.add_argument("--no-plots", action="store_true", help="write no PNG figures")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no list of the files written")
    parser.add_argument(
        "--train",
        metavar="RESULTS.json",
        default=None,
        help="also write the pretraining benchmark's figure and tables (training.md) to --output, from the "
        "pretrain.json that benchmarks/pretrain.py wrote (nothing is trained here)",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="the terminal shows the test results behind each verdict (folded in the HTML and Markdown)",
    )
    parser.set_defaults(func=run)


# ------------------------------------------------------------------------------------------- parsing


def _items(text: str, option: str) -> list[str]:
    """The comma-separated items of ``option``'s value; an empty one (``t5,,bart``) is bad input."""
    items = [item.strip() for item in text.split(",")]
    if any(items) and not all(items):
        position = items.index("") + 1
        kept = ",".join(item for item in items if item)
        raise BadInput(
            f"{option} {text!r} has an empty item (item {position}): remove the extra comma: {option} {kept}"
        )
    return [item for item in items if item]


def parse_formats(text: str) -> tuple[str, ...]:
    formats = _items(text, "--format")
    unknown = [item for item in formats if item not in FORMATS]
    if unknown or not formats:
        raise BadInput(f"unknown format {', '.join(unknown) or repr(text)}: choose from {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(formats))


def parse_frameworks(text: str | None) -> tuple[str, ...]:
    if text is None:
        found = installed()
        if not found:
            raise BadInput("no framework is installed: pip install 'transformers-init-parity[all]'")
        return found
    frameworks = tuple(dict.fromkeys(_items(text, "--frameworks")))
    unknown = [fw for fw in frameworks if fw not in FRAMEWORKS]
    if unknown or not frameworks:
        raise BadInput(f"unknown framework {', '.join(unknown) or repr(text)}: choose from {', '.join(FRAMEWORKS)}")
    for framework in frameworks:
        try:
            require(framework)
        except FrameworkMissing as error:
            raise BadInput(str(error)) from None
    return frameworks


def parse_models(text: str) -> tuple[str, ...] | None:
    """The model types of ``--models``, spelled as transformers spells them (``T5`` -> ``t5``); None
    for ``all``. Checked against transformers' list of model types read without importing it, and
    the types with a scheme: a misspelt name fails at once. Only a model type of transformers
    without a scheme has its default config built to tell whether it is an encoder-decoder."""
    from ..suite.models.discovery import COMPOSITES
    from ..suite.models.names import Names, UnknownModelType

    items = _items(text, "--models")
    if not items:
        raise BadInput("--models is empty: give model types such as t5,bart, or all")
    if any(item.lower() == "all" for item in items):
        if len(items) > 1:
            raise BadInput(
                f"--models {text!r}: all stands alone (every encoder-decoder model type), or name model types"
            )
        return None
    names = Names.installed()
    try:
        models = tuple(dict.fromkeys(names.resolve(item, COMPOSITES) for item in items))
    except UnknownModelType as error:
        raise BadInput(str(error)) from None
    unsure = [model_type for model_type in models if not names.certain(model_type)]
    if unsure:
        from ..suite.models.discovery import is_encoder_decoder
        from . import quiet

        with quiet.filtered_native_stderr():
            for model_type in unsure:
                if not is_encoder_decoder(model_type):
                    raise BadInput(names.not_encoder_decoder(model_type))
    return models


def every_family(frameworks: tuple[str, ...]) -> list[FamilyReport]:
    """``--models all``: every encoder-decoder model type, planned in ``frameworks``."""
    from ..suite.models.discovery import discover

    return plan(tuple(found.model_type for found in discover()), frameworks)


def parse_seeds(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        seeds = tuple(dict.fromkeys(int(item) for item in _items(text, "--seeds")))
    except ValueError:
        raise BadInput(f"--seeds takes comma-separated integers such as 0 or 0,1, not {text!r}") from None
    if not seeds or any(seed < 0 for seed in seeds):
        raise BadInput(f"--seeds takes non-negative integers, not {text!r}")
    return seeds


# -------------------------------------------------------------------------------------------- running


class _Progress:
    """A tqdm bar on stderr (each call starts the next step), or nothing."""

    def __init__(self, enabled: bool) -> None:
        self.bar = None
        self.started = False
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                return
            self.bar = tqdm(total=1, file=sys.stderr, unit="step", leave=False, dynamic_ncols=True)

    def add(self, steps: int) -> None:
        if self.bar is not None:
            self.bar.total += steps
            self.bar.refresh()

    def __call__(self, description: str) -> None:
        if self.bar is None:
            return
        if self.started:
            self.bar.update(1)
        self.started = True
        self.bar.set_description_str(description)

    def close(self) -> None:
        if self.bar is not None:
            if self.started:
                self.bar.update(1)
            self.bar.close()


def prepare_output(output: Path) -> None:
    """Make sure the report can be written to the folder ``output`` (creating it), before any work:
    a file in its place, a folder that cannot be created or one that cannot be written to is bad
    input (exit 2), not a drift found after minutes of computing."""
    fix = "give --output a folder you can write to"
    if output.exists() and not output.is_dir():
        raise BadInput(f"--output {output} is a file, not a folder: {fix}")
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BadInput(f"--output {output}: the folder cannot be created ({error.strerror or error}): {fix}") from None
    try:
        with tempfile.TemporaryFile(dir=output):
            pass
    except OSError as error:
        raise BadInput(
            f"--output {output}: the folder cannot be written to ({error.strerror or error}): {fix}"
        ) from None


def load_training(path: str | None) -> dict | None:
    """``--train``: the saved pretraining results, checked before any work (bad input: exit 2)."""
    if path is None:
        return None
    from . import training

    try:
        return training.load(Path(path))
    except ValueError as error:
        raise BadInput(str(error)) from None


def write_training(results: dict, output: Path, plots: bool) -> Path:
    """``training.md`` in ``output``, with the figures beside it when matplotlib is there."""
    from . import plots as plotting
    from . import training

    figures = training.draw(results, output) if plots and plotting.available() else {}
    links = {line: path.name for line, path in figures.items()}
    return _write(output / "training.md", training.markdown(results, links))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class _Run:
    """One report run: its arguments, checked, and what it has found and drawn so far."""

    args: argparse.Namespace
    formats: tuple[str, ...]
    named: tuple[str, ...] | None  # None: every model type
    frameworks: tuple[str, ...]
    seeds: tuple[int, ...] | None
    modes: tuple[str, ...]
    judged: tuple[str, ...]
    output: Path
    trained: dict | None
    plots: bool = False
    workers: int = 1
    images: dict[str, list[str]] = field(default_factory=dict)
    heatmap: str | None = None


def _checked(args: argparse.Namespace) -> _Run:
    """Every argument checked before any framework is imported, any model type discovered and anything
    written (a bad one: BadInput, exit 2); the output folder prepared."""
    formats = parse_formats(args.format)
    named = parse_models(args.models)
    frameworks = parse_frameworks(args.frameworks)
    seeds = parse_seeds(args.seeds)
    modes = tuple(MODES) if args.mode == "both" else (args.mode,)
    judged = ("scheme",) if args.mode == "both" else modes
    run = _Run(args, formats, named, frameworks, seeds, modes, judged, Path(args.output), load_training(args.train))
    files = [fmt for fmt in formats if fmt in FILES]
    if files or run.trained is not None:
        prepare_output(run.output)
    if not args.quiet:
        print(f"init-parity report: loading transformers with {', '.join(installed())} ...", file=sys.stderr)
    run.plots = bool(files) and not args.no_plots and _plotting_available()
    return run


def _plotting_available() -> bool:
    from . import plots as plotting

    if plotting.available():
        return True
    print(
        "init-parity: matplotlib is not installed, so no plots: pip install 'transformers-init-parity[report]'",
        file=sys.stderr,
    )
    return False


def _families(run: _Run, pool) -> list[FamilyReport]:
    """The model types to check: those named, or every one (found by the first worker to have loaded its
    frameworks: transformers' configs import PyTorch, which this process, holding the summaries, need
    not hold)."""
    from . import quiet

    if run.named is not None:
        return plan(run.named, run.frameworks)
    with quiet.filtered_native_stderr():
        return pool.submit(every_family, run.frameworks).result() if pool is not None else every_family(run.frameworks)


def _draw(run: _Run, progress: _Progress):
    """The figure drawer of one model type, called while its samples are in memory."""

    def draw(family) -> None:
        if not run.plots:
            return
        from . import plots as plotting

        try:
            run.images[family.model_type] = plotting.draw_family(family, run.output, step=progress)
        except Exception as error:  # noqa: BLE001 - one figure failing must not lose the report
            print(f"init-parity: no figure for {family.model_type}: {type(error).__name__}: {error}", file=sys.stderr)

    return draw


def _collect(run: _Run, progress: _Progress) -> list[FamilyReport]:
    """Every model type checked in each mode, in worker processes or in this one; figures drawn."""
    from . import quiet

    progress("finding model types")
    run.workers = worker_count(None if run.named is None else len(run.named), run.args.workers)
    # started first: the workers load their frameworks while the model types are found
    pool = start_workers(run.workers, run.frameworks, run.output if run.plots else None) if run.workers > 1 else None
    try:
        families = _families(run, pool)
        models = len(run.named) if run.named is not None else len(families)
        if not run.args.quiet:
            print(f"init-parity report: {models} model types on {run.workers} worker process(es)", file=sys.stderr)
        if pool is None:  # in this process; workers load the frameworks themselves
            quiet.import_frameworks(installed())
        progress.add(models * (len(run.modes) + (1 if run.plots else 0)) + (1 if run.plots else 0))
        if pool is not None:
            families, run.images = collect_in_workers(
                pool, families, run.modes, run.seeds, step=progress, plots=run.plots
            )
            return families
        with quiet.quiet_builds():
            return collect(families, run.modes, run.seeds, step=progress, on_family=_draw(run, progress))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _report(run: _Run) -> Report:
    progress = _Progress(enabled=not run.args.quiet)
    try:
        report = Report(_collect(run, progress), run.modes, run.judged, run.frameworks, run.seeds)
        if run.plots:
            from . import plots as plotting

            progress("plot heat map")
            written = plotting.heatmap(report, run.output / "std-ratio-heatmap.png")
            run.heatmap = written.name if written is not None else None
    finally:
        progress.close()
    return report


def _write_files(run: _Run, report: Report, exit_code: int) -> list[Path]:
    """The report's files, and the terminal table (``terminal`` format)."""
    written = []
    if "markdown" in run.formats:
        from .tables import markdown

        written.append(_write(run.output / FILES["markdown"], markdown(report, run.images, run.heatmap)))
    if "json" in run.formats:
        from .json_report import render

        written.append(_write(run.output / FILES["json"], render(report, exit_code)))
    if "html" in run.formats:
        from .html import render

        written.append(_write(run.output / FILES["html"], render(report, run.images, run.heatmap)))
    if "terminal" in run.formats:
        from .tables import terminal, use_colour

        print(terminal(report, colour=use_colour(), verbose=run.args.verbose))
        print()
    return written


def _closing(run: _Run, report: Report, exit_code: int, seconds: float) -> str:
    """The last line: what was judged, the verdict, the exit code, the time."""
    failed = [
        f"{model_type} ({mode} {family.modes[mode].failure()})"
        for family in report.families
        for model_type, mode in report.failed()
        if model_type == family.model_type
    ]
    verdict = "all checked roles conform" if not failed else "not conforming: " + ", ".join(failed)
    processes = f"{run.workers} worker processes" if run.workers > 1 else "in one process"
    return f"judged on {'/'.join(run.judged)}: {verdict}; exit {exit_code} ({seconds:.0f} s, {processes})"


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    run = _checked(args)
    report = _report(run)
    exit_code = EXIT_DRIFT if report.failed() else EXIT_OK
    written = _write_files(run, report, exit_code)
    for family in report.families:
        print(summary_line(family))
    if run.trained is not None:
        written.append(write_training(run.trained, run.output, plots=not args.no_plots))
    if not args.quiet:
        for path in written:
            print(f"wrote {path}")
        if run.plots:
            print(
                f"wrote {sum(map(len, run.images.values())) + (1 if run.heatmap else 0)} PNG figures to {run.output}"
            )
    print(_closing(run, report, exit_code, time.perf_counter() - started))
    return exit_code
