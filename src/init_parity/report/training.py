"""The pretraining benchmark's results (``benchmarks/pretrain.py``): tables, tests and figures.

Reads the JSON that ``pretrain.py run`` writes: ``{"lines": {transformers version: settings},
"runs": [{"transformers", "model", "framework", "mode", "seed", "loss": [...], "grad_norm": [...]}]}``.
Used by ``pretrain.py plot`` and by ``init-parity report --train PATH``.

Cross-framework test: per release line, model, mode and window of steps, each run's mean loss over
the window; the one-way F statistic of those means grouped by framework, with its exact permutation
p-value (every relabelling of the runs into groups of the same sizes; for three frameworks of three
seeds, 1680 of them). A small p says the frameworks train differently from one config.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..scheme.naming import FRAMEWORK_TITLES, FRAMEWORKS

MODES = ("stock", "scheme")
MODELS = ("t5-v1.1", "t5-v1.0", "bart")  # the benchmark's, in the order shown; others follow
TABLE_STEPS = (0, 10, 50, 100)
THRESHOLDS = (4.0, 3.0, 2.75)
"""Losses (nats per target byte) whose first crossing is reported, on the 10-step running mean."""
RUNNING = 10
CATCH_UP_TOLERANCE = 0.05
"""Stock has caught up from the first step after which its running mean stays within this many
nats of the scheme's (or below it) to the end of the run."""
GRAD_STEPS = 30


@dataclass(frozen=True)
class Curves:
    """The seeds' curves of one (line, model, framework, mode): arrays (seeds, steps)."""

    line: str
    model: str
    framework: str
    mode: str
    seeds: tuple[int, ...]
    loss: np.ndarray
    grad_norm: np.ndarray

    @property
    def steps(self) -> int:
        return self.loss.shape[1]

    def running(self) -> np.ndarray:
        """The 10-step trailing running mean of each seed's loss (shorter windows at the start)."""
        cumulative = np.cumsum(self.loss, axis=1)
        shifted = np.concatenate([np.zeros((len(self.loss), RUNNING)), cumulative[:, :-RUNNING]], axis=1)
        counts = np.minimum(np.arange(1, self.steps + 1), RUNNING)
        return (cumulative - shifted[:, : self.steps]) / counts


def load(path: Path) -> dict:
    """The results at ``path``; ValueError naming the fix when it is not a pretraining result."""
    fix = "give the pretrain.json that `python benchmarks/pretrain.py run` writes"
    if not path.is_file():
        raise ValueError(f"--train {path}: no such file: {fix}")
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"--train {path}: not JSON ({error}): {fix}") from None
    runs = results.get("runs") if isinstance(results, dict) else None
    keys = {"transformers", "model", "framework", "mode", "seed", "loss", "grad_norm"}
    if not runs or not isinstance(runs, list) or not all(isinstance(r, dict) and keys <= set(r) for r in runs):
        raise ValueError(f"--train {path}: no training runs in it: {fix}")
    return results


def group(results: dict) -> list[Curves]:
    """The runs as curves, in the order line, model, framework, mode."""
    found: dict[tuple, list[dict]] = {}
    for run in results["runs"]:
        found.setdefault((run["transformers"], run["model"], run["framework"], run["mode"]), []).append(run)
    model_order = list(dict.fromkeys([*MODELS, *(run["model"] for run in results["runs"])]))

    def order(key):
        line, model, framework, mode = key
        return (_version_key(line), model_order.index(model), FRAMEWORKS.index(framework), MODES.index(mode))

    curves = []
    for key in sorted(found, key=order):
        runs = sorted(found[key], key=lambda r: r["seed"])
        curves.append(
            Curves(
                *key,
                seeds=tuple(r["seed"] for r in runs),
                loss=np.array([r["loss"] for r in runs], dtype=float),
                grad_norm=np.array([r["grad_norm"] for r in runs], dtype=float),
            )
        )
    return curves


def _version_key(version: str) -> list[int]:
    return [int(part) if part.isdigit() else 0 for part in version.split(".")[:3]]


def lines(curves: list[Curves]) -> list[str]:
    return list(dict.fromkeys(c.line for c in curves))


def first_below(curve: Curves, threshold: float) -> int | None:
    """The first step at which the seed-mean of the running loss is at or below ``threshold``."""
    below = np.flatnonzero(curve.running().mean(axis=0) <= threshold)
    return int(below[0]) if len(below) else None


def catch_up(stock: Curves, scheme: Curves) -> int | None:
    """The first step from which stock's seed-mean running loss stays within
    :data:`CATCH_UP_TOLERANCE` of the scheme's until the end; None if it never does."""
    gap = stock.running().mean(axis=0) - scheme.running().mean(axis=0)
    above = np.flatnonzero(gap > CATCH_UP_TOLERANCE)
    if not len(above):
        return 0
    return int(above[-1]) + 1 if above[-1] + 1 < len(gap) else None


def _f_statistic(values: np.ndarray, labels: np.ndarray, groups: int) -> float:
    grand = values.mean()
    between = sum(
        (labels == g).sum() * (values[labels == g].mean() - grand) ** 2 for g in range(groups) if (labels == g).any()
    )
    within = sum(((values[labels == g] - values[labels == g].mean()) ** 2).sum() for g in range(groups))
    between /= groups - 1
    within /= len(values) - groups
    return float(between / within) if within > 0 else math.inf


def _relabellings(sizes: list[int]):
    """Every assignment of ``sum(sizes)`` runs to groups of these sizes, as label arrays."""
    total = sum(sizes)

    def assign(remaining: tuple[int, ...], group_index: int):
        if group_index == len(sizes) - 1:
            yield {i: group_index for i in remaining}
            return
        for chosen in itertools.combinations(remaining, sizes[group_index]):
            rest = tuple(i for i in remaining if i not in chosen)
            for tail in assign(rest, group_index + 1):
                yield {**{i: group_index for i in chosen}, **tail}

    for mapping in assign(tuple(range(total)), 0):
        yield np.array([mapping[i] for i in range(total)])


def permutation_f(samples: list[np.ndarray]) -> tuple[float, float]:
    """(F, exact permutation p-value) of the one-way F statistic of ``samples`` (one array per group)."""
    values = np.concatenate(samples)
    sizes = [len(s) for s in samples]
    labels = np.repeat(np.arange(len(samples)), sizes)
    observed = _f_statistic(values, labels, len(samples))
    statistics = np.array([_f_statistic(values, relabel, len(samples)) for relabel in _relabellings(sizes)])
    return observed, float(np.mean(statistics >= observed * (1 - 1e-12)))


def windows(steps: int) -> list[tuple[str, int, int]]:
    """(name, first step, end) of the windows the frameworks are compared on."""
    found = [("step 0", 0, 1), ("steps 1-10", 1, 11), ("steps 50-59", 50, 60), ("steps 100-109", 100, 110)]
    if steps >= 100:
        found.append((f"last 50 (steps {steps - 50}-{steps - 1})", steps - 50, steps))
    return [(name, start, end) for name, start, end in found if end <= steps]


@dataclass(frozen=True)
class Comparison:
    line: str
    model: str
    mode: str
    window: str
    means: dict[str, float]  # framework -> mean over seeds of the window means
    spread: float  # pooled within-framework standard deviation of the window means
    f: float
    p: float


def compare_frameworks(curves: list[Curves]) -> list[Comparison]:
    """The permutation F test across frameworks, per line, model, mode and window."""
    found = []
    by_key: dict[tuple, list[Curves]] = {}
    for curve in curves:
        by_key.setdefault((curve.line, curve.model, curve.mode), []).append(curve)
    for (line, model, mode), group_curves in by_key.items():
        if len(group_curves) < 2:
            continue
        steps = min(c.steps for c in group_curves)
        for name, start, end in windows(steps):
            samples = [c.loss[:, start:end].mean(axis=1) for c in group_curves]
            f, p = permutation_f(samples)
            within = sum(((s - s.mean()) ** 2).sum() for s in samples) / (sum(map(len, samples)) - len(samples))
            means = {c.framework: float(s.mean()) for c, s in zip(group_curves, samples)}
            found.append(Comparison(line, model, mode, name, means, float(math.sqrt(within)), f, p))
    return found


# ------------------------------------------------------------------------------------------ markdown


def _cell(values: np.ndarray) -> str:
    return f"{values.mean():.2f} ± {values.std(ddof=1):.2f}" if len(values) > 1 else f"{values.mean():.2f}"


def _title(curve: Curves) -> str:
    return f"{curve.model} {FRAMEWORK_TITLES[curve.framework]}"


def loss_table(curves: list[Curves]) -> str:
    steps = max(c.steps for c in curves)
    columns = [s for s in TABLE_STEPS if s < steps] + [steps - 1]
    head = (
        ["line", "model, framework", "mode", "seeds"]
        + [f"loss @{s}" for s in columns]
        + [f"steps to {t:g}" for t in THRESHOLDS]
        + ["grad norm @0", f"grad norm, mean of steps 0-{min(GRAD_STEPS, steps) - 1}"]
    )
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for c in curves:
        reached = [first_below(c, t) for t in THRESHOLDS]
        cells = [c.line, _title(c), c.mode, str(len(c.seeds))]
        cells += [_cell(c.loss[:, s]) for s in columns]
        cells += ["—" if r is None else str(r) for r in reached]
        cells += [_cell(c.grad_norm[:, 0]), _cell(c.grad_norm[:, :GRAD_STEPS].mean(axis=1))]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def catch_up_table(curves: list[Curves]) -> str:
    rows = [
        "| line | model, framework | gap @50 | gap @100 | gap, last 50 steps | stock within "
        f"{CATCH_UP_TOLERANCE:g} nats of the scheme from step |",
        "|---|---|---|---|---|---|",
    ]
    index = {(c.line, c.model, c.framework, c.mode): c for c in curves}
    for c in curves:
        if c.mode != "stock" or (c.line, c.model, c.framework, "scheme") not in index:
            continue
        scheme = index[c.line, c.model, c.framework, "scheme"]
        gap = c.loss.mean(axis=0) - scheme.loss.mean(axis=0)
        step = catch_up(c, scheme)
        cells = [f"{gap[s]:+.3f}" if s < len(gap) else "—" for s in (50, 100)]
        cells.append(f"{gap[-50:].mean():+.3f}")
        cells.append("never (within the run)" if step is None else str(step))
        rows.append(f"| {c.line} | {_title(c)} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def comparison_table(comparisons: list[Comparison]) -> str:
    rows = [
        "| line | model | mode | window | PyTorch | TensorFlow | Flax | seed spread (sd) | F | permutation p |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in comparisons:
        means = [f"{c.means[fw]:.3f}" if fw in c.means else "—" for fw in FRAMEWORKS]
        rows.append(
            f"| {c.line} | {c.model} | {c.mode} | {c.window} | "
            + " | ".join(means)
            + f" | {c.spread:.3f} | {c.f:.2f} | {c.p:.4f} |"
        )
    return "\n".join(rows)


def markdown(results: dict, figures: dict[str, str] | None = None) -> str:
    """The tables and tests as Markdown; ``figures`` maps a line to its figure's path for a link."""
    curves = group(results)
    parts = ["# Pretraining: stock against scheme", ""]
    for line, settings in results.get("lines", {}).items():
        corpus = settings.get("corpus", {})
        parts.append(
            f"- transformers {line}: {corpus.get('name', '?')}, {corpus.get('tokens', '?')} byte tokens; "
            f"inputs {settings.get('lengths', {}).get('inputs')} / targets {settings.get('lengths', {}).get('targets')}; "
            f"settings {json.dumps(settings.get('settings', {}))}"
        )
    if "wall_seconds" in results:
        parts.append(
            f"- wall time of the run: {results['wall_seconds']:.0f} s on {results.get('workers', '?')} workers"
        )
    parts += ["", "## Loss (mean ± sd over seeds)", "", loss_table(curves), ""]
    parts += ["## Stock against scheme (gap = stock - scheme, seed-means)", "", catch_up_table(curves), ""]
    comparisons = compare_frameworks(curves)
    if comparisons:
        parts += ["## Across frameworks (window means per seed; exact permutation F test)", ""]
        parts += [comparison_table(comparisons), ""]
    for line, path in (figures or {}).items():
        parts += [f"![pretraining, transformers {line}]({path})", ""]
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------- figures


def draw(results: dict, folder: Path) -> dict[str, Path]:
    """One PNG per release line in ``folder``: per model and framework the loss of stock and
    scheme (seed-mean, band from the lowest to the highest seed), the scheme's frameworks over each
    other, and the gradient norm over the first steps. {line: path}."""
    from .plots import COLOURS, DPI, _pyplot

    plt = _pyplot()
    folder.mkdir(parents=True, exist_ok=True)
    curves = group(results)
    vocab = results.get("vocab")  # written by pretrain.py's merge
    written = {}
    for line in lines(curves):
        mine = [c for c in curves if c.line == line]
        pairs = list(dict.fromkeys((c.model, c.framework) for c in mine))
        panels = len(pairs) + 3
        columns = 3
        rows = -(-panels // columns)
        figure, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, 3.6 * rows), squeeze=False)
        flat = list(axes.flat)
        for ax, (model, framework) in zip(flat, pairs):
            for c in mine:
                if (c.model, c.framework) != (model, framework):
                    continue
                colour = COLOURS[framework] if c.mode == "scheme" else "0.35"
                _band(ax, c, colour, "-" if c.mode == "scheme" else "--", c.mode)
            if vocab:
                ax.axhline(math.log(vocab), color="0.6", lw=0.8, ls=":", label=f"ln V = {math.log(vocab):.2f}")
            ax.set_title(f"{model}, {FRAMEWORK_TITLES[framework]}", fontsize=10)
            ax.set_yscale("log")
            ax.set_xlabel("step", fontsize=8)
            ax.set_ylabel("loss (nats / target byte)", fontsize=8)
            ax.legend(fontsize=7)
        frameworks_ax, grad_ax, gap_ax = flat[len(pairs)], flat[len(pairs) + 1], flat[len(pairs) + 2]
        model = mine[0].model
        for c in (c for c in mine if c.model == model):
            colour = COLOURS[c.framework]
            style = "-" if c.mode == "scheme" else "--"
            _band(frameworks_ax, c, colour, style, f"{FRAMEWORK_TITLES[c.framework]} {c.mode}")
            steps = np.arange(min(GRAD_STEPS, c.steps))
            grad_ax.plot(steps, c.grad_norm[:, : len(steps)].mean(axis=0), style, color=colour, lw=1.4,
                         label=f"{FRAMEWORK_TITLES[c.framework]} {c.mode}")  # fmt: skip
        frameworks_ax.set_title(f"{model}: the frameworks over each other", fontsize=10)
        frameworks_ax.set_yscale("log")
        frameworks_ax.set_xlabel("step", fontsize=8)
        frameworks_ax.legend(fontsize=7)
        grad_ax.set_title(f"{model}: gradient norm, first {GRAD_STEPS} steps (seed-mean)", fontsize=10)
        grad_ax.set_yscale("log")
        grad_ax.set_xlabel("step", fontsize=8)
        grad_ax.legend(fontsize=7)
        _gaps(gap_ax, mine)
        for ax in flat[panels:]:
            ax.axis("off")
        figure.suptitle(f"span-corruption pretraining, transformers {line}: stock (dashed) against scheme (solid)")
        figure.tight_layout()
        path = folder / f"pretrain-{line}.png"
        figure.savefig(path, dpi=DPI)
        plt.close(figure)
        written[line] = path
    return written


def _gaps(ax, curves: list[Curves]) -> None:
    """Stock's seed-mean running loss minus the scheme's, per model and framework."""
    from .plots import COLOURS

    index = {(c.model, c.framework, c.mode): c for c in curves}
    styles = dict(zip(MODELS, ("-", "--", ":")))
    lowest = -0.2
    for (model, framework, mode), stock in index.items():
        scheme = index.get((model, framework, "scheme"))
        if mode != "stock" or scheme is None:
            continue
        gap = stock.running().mean(axis=0) - scheme.running().mean(axis=0)
        lowest = min(lowest, 1.5 * float(gap.min()))
        ax.plot(gap, linestyle=styles.get(model, "-."), color=COLOURS[framework], lw=1.3,
                label=f"{model} {FRAMEWORK_TITLES[framework]}")  # fmt: skip
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.axhline(CATCH_UP_TOLERANCE, color="0.6", lw=0.8, ls=":")
    ax.set_yscale("symlog", linthresh=0.1)
    ax.set_ylim(bottom=lowest)
    ax.set_title(f"stock minus scheme ({RUNNING}-step running mean, seed-means)", fontsize=10)
    ax.set_xlabel("step", fontsize=8)
    ax.legend(fontsize=7)


def _band(ax, curve: Curves, colour: str, style, label: str) -> None:
    steps = np.arange(curve.steps)
    ax.plot(steps, curve.loss.mean(axis=0), linestyle=style, color=colour, lw=1.4, label=label)
    ax.fill_between(steps, curve.loss.min(axis=0), curve.loss.max(axis=0), color=colour, alpha=0.18, lw=0)
