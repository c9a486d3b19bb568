"""``init-parity report``: the parity table and plots, stock transformers against the scheme.

Parses the options, checks them (a user error is :class:`init_parity.cli.BadInput`, exit 2), runs
the suite's checks (:mod:`.collect`), writes the requested formats and returns the exit code.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
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


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    # every argument is checked before any framework is imported, any model type discovered and
    # anything written (a bad one: BadInput, exit 2)
    formats = parse_formats(args.format)
    named = parse_models(args.models)
    frameworks = parse_frameworks(args.frameworks)
    seeds = parse_seeds(args.seeds)
    modes = tuple(MODES) if args.mode == "both" else (args.mode,)
    judged = ("scheme",) if args.mode == "both" else modes
    files = [fmt for fmt in formats if fmt in FILES]
    output = Path(args.output)
    trained = load_training(args.train)
    if files or trained is not None:
        prepare_output(output)

    from . import quiet

    if not args.quiet:
        print(f"init-parity report: loading transformers with {', '.join(installed())} ...", file=sys.stderr)
    plots = bool(files) and not args.no_plots
    if plots:
        from . import plots as plotting

        if not plotting.available():
            print(
                "init-parity: matplotlib is not installed, so no plots: pip install 'transformers-init-parity[report]'",
                file=sys.stderr,
            )
            plots = False

    progress = _Progress(enabled=not args.quiet)
    images: dict[str, list[str]] = {}
    heatmap = None
    try:
        progress("finding model types")
        every = named is None
        models = named or ()
        workers = worker_count(None if every else len(models), args.workers)
        # started first: the workers load their frameworks while the model types are found
        pool = start_workers(workers, frameworks, output if plots else None) if workers > 1 else None
        try:
            if every:
                with quiet.filtered_native_stderr():
                    # by the first worker to have loaded its frameworks: transformers' configs import
                    # PyTorch, which this process, holding the summaries, need not hold
                    families = (
                        pool.submit(every_family, frameworks).result()
                        if pool is not None
                        else every_family(frameworks)
                    )
                models = tuple(family.model_type for family in families)
            else:
                families = plan(models, frameworks)
            if not args.quiet:
                print(
                    f"init-parity report: {len(models)} model types on {workers} worker process(es)", file=sys.stderr
                )
            if pool is None:  # in this process; workers load the frameworks themselves
                quiet.import_frameworks(installed())
            progress.add(len(models) * (len(modes) + (1 if plots else 0)) + (1 if plots else 0))

            def draw(family) -> None:  # while its samples are in memory
                if not plots:
                    return
                try:
                    images[family.model_type] = plotting.draw_family(family, output, step=progress)
                except Exception as error:  # noqa: BLE001 - one figure failing must not lose the report
                    print(
                        f"init-parity: no figure for {family.model_type}: {type(error).__name__}: {error}",
                        file=sys.stderr,
                    )

            if pool is not None:
                families, images = collect_in_workers(pool, families, modes, seeds, step=progress, plots=plots)
            else:
                with quiet.quiet_builds():
                    families = collect(families, modes, seeds, step=progress, on_family=draw)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        report = Report(families, modes, judged, frameworks, seeds)
        if plots:
            progress("plot heat map")
            written_heatmap = plotting.heatmap(report, output / "std-ratio-heatmap.png")
            heatmap = written_heatmap.name if written_heatmap is not None else None
    finally:
        progress.close()

    exit_code = EXIT_DRIFT if report.failed() else EXIT_OK
    written = []
    if "markdown" in formats:
        from .tables import markdown

        written.append(_write(output / FILES["markdown"], markdown(report, images, heatmap)))
    if "json" in formats:
        from .json_report import render

        written.append(_write(output / FILES["json"], render(report, exit_code)))
    if "html" in formats:
        from .html import render

        written.append(_write(output / FILES["html"], render(report, images, heatmap)))
    if "terminal" in formats:
        from .tables import terminal, use_colour

        print(terminal(report, colour=use_colour(), verbose=args.verbose))
        print()
    for family in report.families:
        print(summary_line(family))
    if trained is not None:
        written.append(write_training(trained, output, plots=not args.no_plots))
    if not args.quiet:
        for path in written:
            print(f"wrote {path}")
        if plots:
            print(f"wrote {sum(map(len, images.values())) + (1 if heatmap else 0)} PNG figures to {output}")
    failed = [
        f"{model_type} ({mode} {family.modes[mode].failure()})"
        for family in report.families
        for model_type, mode in report.failed()
        if model_type == family.model_type
    ]
    verdict = "all checked roles conform" if not failed else "not conforming: " + ", ".join(failed)
    elapsed = time.perf_counter() - started
    processes = f"{workers} worker processes" if workers > 1 else "in one process"
    print(f"judged on {'/'.join(judged)}: {verdict}; exit {exit_code} ({elapsed:.0f} s, {processes})")
    return exit_code
