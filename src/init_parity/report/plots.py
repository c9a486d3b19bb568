"""The report's figures, drawn with matplotlib's Agg backend (no display needed).

* one figure per model type and mode: for each drawn role, the frameworks' histograms (density)
  over the scheme's pdf, and a QQ plot against the scheme (against PyTorch where there is none);
* one summary heat map: per model type and role (rows) and per mode and framework (columns), the
  ratio of the drawn std to the scheme's (to PyTorch's without a scheme), on a log colour scale
  centred at 1.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..naming import FRAMEWORK_TITLES
from .collect import FamilyReport, Report, reference_std, role_status, std_ratio

COLOURS = {"pt": "#ee4c2c", "tf": "#1f77b4", "flax": "#2ca02c"}
# frameworks that agree draw on top of each other: the later ones thinner and dashed, so all show
STYLES = {"pt": ("-", 2.2), "tf": ("-", 1.6), "flax": ((0, (3, 2)), 1.4)}
_QUANTILES = np.linspace(0.002, 0.998, 199)
_ANNOTATE_MAX_ROWS = 400
HEATMAP_EXTENT = 2.0
MAX_FIGURE_ROLES = 24


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _drawn(family: FamilyReport, mode: str, role: str) -> bool:
    """A role worth a histogram: drawn from a distribution (not a constant or a formula table)."""
    summary = family.modes[mode].roles.get(role) if mode in family.modes else None
    if summary is None:
        return False
    if summary.expected is not None:
        return summary.expected.kind in ("normal", "truncated_normal", "uniform")
    return summary.varies


def comparable(family: FamilyReport) -> bool:
    """Whether there is anything to draw against: a scheme, or a second framework."""
    return family.scheme_family is not None or len(family.frameworks) > 1


def plotted_roles(family: FamilyReport, mode: str) -> tuple[list[str], int]:
    """The roles of the family figure, at most :data:`MAX_FIGURE_ROLES` (drifting ones first), and
    how many drawn roles there are in all."""
    drawn = [role for role in family.roles() if _drawn(family, mode, role)]
    if len(drawn) <= MAX_FIGURE_ROLES:
        return drawn, len(drawn)
    check = family.modes[mode].check
    drifting = set(check.drifting_roles()) if check is not None else set()
    chosen = [role for role in drawn if role in drifting][:MAX_FIGURE_ROLES]
    chosen += [role for role in drawn if role not in drifting][: MAX_FIGURE_ROLES - len(chosen)]
    return [role for role in drawn if role in chosen], len(drawn)


def _ppf(expected, probabilities: np.ndarray) -> np.ndarray:
    """Quantiles of a scheme distribution, by inverting its cdf on a fine grid (any kind)."""
    centre = float(getattr(expected, "mean", 0.0) or 0.0)
    spread = 10.0 * float(expected.actual_std)
    grid = np.linspace(centre - spread, centre + spread, 20001)
    cdf = np.maximum.accumulate(np.asarray(expected.cdf(grid), dtype=np.float64))
    keep = np.concatenate([[True], np.diff(cdf) > 0])
    return np.interp(probabilities, cdf[keep], grid[keep])


def _few_ticks(ax) -> None:
    """Four ticks at most on each axis of a small panel (every tick is a few artists to lay out and
    draw: with dozens of panels per figure they are most of its cost)."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(4))
    if ax.get_yscale() == "linear":
        ax.yaxis.set_major_locator(MaxNLocator(4))
    ax.tick_params(labelsize=8)


def _histogram(ax, family: FamilyReport, mode: str, role: str) -> None:
    from matplotlib.ticker import LogLocator, NullLocator

    check = family.modes[mode].check
    role_check = check.roles[role]
    expected = role_check.expected
    samples = role_check.samples
    spreads = [float(np.std(sample)) for sample in samples.values() if sample.size]
    low = min(float(np.quantile(sample, 0.0005)) for sample in samples.values())
    high = max(float(np.quantile(sample, 0.9995)) for sample in samples.values())
    if expected is not None:
        centre = float(getattr(expected, "mean", 0.0) or 0.0)
        low, high = min(low, centre - 4.5 * expected.actual_std), max(high, centre + 4.5 * expected.actual_std)
        spreads.append(float(expected.actual_std))
    smallest = min(sample.size for sample in samples.values())
    bins = np.linspace(low, high, int(np.clip(np.sqrt(smallest) / 2, 20, 80)) + 1)
    peaks = []
    for fw in check.frameworks:
        if fw in samples:
            heights, _, _ = ax.hist(
                samples[fw],
                bins=bins,
                density=True,
                histtype="step",
                linestyle=STYLES.get(fw, ("-", 1.4))[0],
                linewidth=STYLES.get(fw, ("-", 1.4))[1],
                color=COLOURS.get(fw),
                label=FRAMEWORK_TITLES.get(fw, fw),
            )
            peaks.append(float(np.max(heights)))
    if expected is not None and hasattr(expected, "pdf"):
        xs = np.linspace(low, high, 600)
        density = expected.pdf(xs)
        peaks.append(float(np.max(density)))
        ax.plot(xs, density, color="black", linestyle="--", linewidth=1.2, label="scheme pdf")
    positive = [spread for spread in spreads if spread > 0]
    if positive and max(positive) / min(positive) > 3.0 and min(peaks) > 0:
        # stds apart by a factor: on a log axis the wide and the narrow density both show
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(numticks=4))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_ylim(min(peaks) * 1e-3, max(peaks) * 3.0)
        ax.set_ylabel("density (log)")
    else:
        ax.set_ylim(0, max(peaks, default=1.0) * 1.2)  # room for the std line at the top
        ax.set_ylabel("density")
    ax.set_xlabel("weight value")
    ax.set_xlim(low, high)
    _few_ticks(ax)
    stds = [f"{fw} {role_check.std(fw):.3g}" for fw in check.frameworks if fw in samples]
    ax.text(
        0.02,
        0.97,
        "std " + " · ".join(stds),
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=8.5,
        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5},
    )


def _qq(ax, family: FamilyReport, mode: str, role: str) -> None:
    check = family.modes[mode].check
    role_check = check.roles[role]
    expected = role_check.expected
    samples = role_check.samples
    if expected is not None:
        reference = _ppf(expected, _QUANTILES)
        xlabel = "scheme quantile"
        others = [fw for fw in check.frameworks if fw in samples]
    else:
        base = "pt" if "pt" in samples else next(iter(samples))
        reference = np.quantile(samples[base], _QUANTILES)
        xlabel = f"{FRAMEWORK_TITLES.get(base, base)} quantile"
        others = [fw for fw in check.frameworks if fw in samples and fw != base]
    if not others:
        ax.text(0.5, 0.5, "no scheme and no second\nframework to compare", ha="center", va="center", fontsize=8)
        ax.set_axis_off()
        return
    for fw in others:
        ax.plot(
            reference,
            np.quantile(samples[fw], _QUANTILES),
            marker=".",
            markersize=3,
            linestyle=STYLES.get(fw, ("-", 1.4))[0],
            linewidth=STYLES.get(fw, ("-", 1.4))[1] * 0.8,
            color=COLOURS.get(fw),
            label=FRAMEWORK_TITLES.get(fw, fw),
        )
    ends = [float(reference[0]), float(reference[-1])]
    ax.plot(ends, ends, color="black", linestyle="--", linewidth=1.0, label="y = x")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("sample quantile")
    _few_ticks(ax)


def _short(role: str, width: int = 52) -> str:
    """A role name that fits a subplot title: long generic names keep their end."""
    return role if len(role) <= width else "…" + role[-(width - 1) :]


def family_figure(family: FamilyReport, mode: str, path: Path) -> Path | None:
    """Histograms and QQ plots of every drawn role of ``family`` in ``mode``, two roles per row."""
    roles, drawn = plotted_roles(family, mode)
    if not roles:
        return None
    plt = _pyplot()
    per_row = 2
    rows = math.ceil(len(roles) / per_row)
    fig, axes = plt.subplots(rows, 2 * per_row, figsize=(18, 3.5 * rows + 1.2), squeeze=False)
    check = family.modes[mode].check
    for index, role in enumerate(roles):
        ax_hist, ax_qq = (
            axes[index // per_row][2 * (index % per_row)],
            axes[index // per_row][2 * (index % per_row) + 1],
        )
        _histogram(ax_hist, family, mode, role)
        _qq(ax_qq, family, mode, role)
        status = role_status(check, role)
        verdict = f"DRIFT: {', '.join(status.labels)}" if status.status == "drift" else status.status
        colour = "#b00020" if status.status == "drift" else "black"
        expected = check.roles[role].expected
        against = f"scheme std {expected.actual_std:.3g}" if expected is not None else "no scheme"
        # titles at a fixed height: placed automatically, matplotlib measures every tick label of the axes
        ax_hist.set_title(f"{_short(role)}\nhistogram · {against}", fontsize=10, y=1.0, pad=4)
        ax_qq.set_title(f"{_short(role)}\nQQ · {verdict}", fontsize=10, color=colour, y=1.0, pad=4)
    for index in range(len(roles), rows * per_row):
        axes[index // per_row][2 * (index % per_row)].set_axis_off()
        axes[index // per_row][2 * (index % per_row) + 1].set_axis_off()
    handles = [
        plt.Line2D(
            [],
            [],
            color=COLOURS.get(fw),
            linestyle=STYLES.get(fw, ("-", 2))[0],
            linewidth=2,
            label=FRAMEWORK_TITLES.get(fw, fw),
        )
        for fw in check.frameworks
    ]
    reference = "scheme pdf / y = x" if any(check.roles[role].expected is not None for role in roles) else "y = x"
    handles.append(plt.Line2D([], [], color="black", linestyle="--", label=reference))
    fig.legend(handles=handles, loc="upper right", ncol=len(handles), fontsize=10, frameon=False)
    title = "stock transformers, no scheme applied" if mode == "stock" else "with the scheme applied"
    fig.suptitle(
        f"{family.model_type} · {mode} ({title}): fresh weights per role, histogram and QQ plot"
        + (f" — {len(roles)} of {drawn} roles, drifting ones first" if drawn > len(roles) else ""),
        x=0.01,
        ha="left",
        fontsize=13,
    )
    # fixed margins in inches (two-line titles above each axes, tick labels and a label below): what
    # tight_layout would find, without the extra full draw it makes to measure every text
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.045, right=0.99, bottom=0.55 / height, top=1 - 1.25 / height, wspace=0.28, hspace=0.42)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _marked(family: FamilyReport, mode: str, role: str, framework: str) -> bool:
    """Whether the suite finds ``framework`` drifting on ``role``: off the scheme, or (without a
    scheme) apart from the reference framework its ratio is taken to."""
    check = family.modes[mode].check
    if check is None:
        return False
    status = role_status(check, role)
    if status.status != "drift":
        return False
    if check.roles[role].expected is not None:
        return framework in status.std_rejected
    reference = reference_std(family, mode, role)[1]
    return f"{reference}~{framework}" in status.std_rejected or f"{framework}~{reference}" in status.std_rejected


def heatmap(report: Report, path: Path) -> Path | None:
    """Rows: model type · role; columns: mode · framework; cells: std / reference std, ``*`` where
    the suite finds a drift. The colour scale is logarithmic, centred at 1 and saturates at
    :data:`HEATMAP_EXTENT` (the cells carry the numbers)."""
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import FixedLocator, NullLocator

    columns = [(mode, fw) for mode in report.modes for fw in report.frameworks]
    row_labels, values, marks = [], [], []
    for family in report.families:
        if not family.checked:
            continue
        for role in family.roles():
            if not any(_drawn(family, mode, role) for mode in family.modes):
                continue  # constants and formula tables have no std to compare
            present = [mode in family.modes and fw in family.frameworks for mode, fw in columns]
            row = [std_ratio(family, m, role, fw) if ok else math.nan for (m, fw), ok in zip(columns, present)]
            reference = next((reference_std(family, m, role)[1] for m in report.modes if m in family.modes), "")
            compared = [value for value, (_, fw) in zip(row, columns) if fw != reference]
            if any(math.isfinite(value) and value > 0 for value in compared):
                suffix = "" if reference in ("scheme", "") else f" (÷ {reference})"
                row_labels.append(f"{family.model_type} · {role}{suffix}")
                values.append(row)
                marks.append([ok and _marked(family, m, role, fw) for (m, fw), ok in zip(columns, present)])
    if not values:
        return None
    data = np.array(values, dtype=np.float64)
    finite = data[np.isfinite(data) & (data > 0)]
    beyond = bool(finite.size) and float(np.max(np.abs(np.log(finite)))) > math.log(HEATMAP_EXTENT)
    plt = _pyplot()
    dense = len(row_labels) > 60
    height = max(3.0, (0.24 if dense else 0.36) * len(row_labels) + 2.0)
    width = 3.5 + 1.1 * len(columns) + 0.075 * max(len(label) for label in row_labels)
    fig, ax = plt.subplots(figsize=(width, height))
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="#dddddd")
    image = ax.imshow(
        np.ma.masked_invalid(np.where(data > 0, data, np.nan)),
        cmap=cmap,
        norm=LogNorm(vmin=1.0 / HEATMAP_EXTENT, vmax=HEATMAP_EXTENT),
        aspect="auto",
    )
    ax.set_xticks(range(len(columns)), [f"{mode}\n{FRAMEWORK_TITLES.get(fw, fw)}" for mode, fw in columns])
    ax.set_yticks(range(len(row_labels)), row_labels, fontsize=8 if dense else 10)
    ax.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False)
    for boundary in range(1, len(report.modes)):
        ax.axvline(boundary * len(report.frameworks) - 0.5, color="black", linewidth=2)
    if len(row_labels) <= _ANNOTATE_MAX_ROWS:
        for (i, j), value in np.ndenumerate(data):
            text = "n/a" if not math.isfinite(value) else f"{value:.2f}" + ("*" if marks[i][j] else "")
            dark = math.isfinite(value) and value > 0 and abs(math.log(value)) > 0.6 * math.log(HEATMAP_EXTENT)
            weight = "bold" if marks[i][j] else "normal"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=7 if dense else 9,
                color="white" if dark else "black",
                fontweight=weight,
            )
    bar = fig.colorbar(
        image, ax=ax, shrink=min(1.0, 6.0 / height), extend="both" if beyond else "neither", fraction=0.04
    )
    ticks = [1 / HEATMAP_EXTENT, 1 / math.sqrt(HEATMAP_EXTENT), 1.0, math.sqrt(HEATMAP_EXTENT), HEATMAP_EXTENT]
    bar.ax.yaxis.set_major_locator(FixedLocator(ticks))
    bar.ax.yaxis.set_minor_locator(NullLocator())
    bar.ax.set_yticklabels([f"{tick:.3g}" for tick in ticks])
    bar.set_label(f"std ratio, log scale (1 = conforms; saturates beyond ×{HEATMAP_EXTENT:g})")
    ax.set_title(
        "std of each framework ÷ the scheme's std (÷ PyTorch's where there is no scheme); * = the suite finds a drift",
        fontsize=10,
        pad=12,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def draw_family(family: FamilyReport, folder: Path, step=None) -> list[str]:
    """The figure of each mode of ``family`` into ``folder``; returns the file names."""
    names = []
    for mode in family.modes:
        if step is not None:
            step(f"plot {family.model_type} {mode}")
        if family.modes[mode].check is None or not comparable(family):
            continue
        name = f"{family.model_type}-{mode}.png"
        if family_figure(family, mode, folder / name) is not None:
            names.append(name)
    return names
