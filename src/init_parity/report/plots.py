"""The report's figures, drawn with matplotlib's Agg backend (no display needed).

* one figure per model type, its modes side by side (before and after): every drawn role at once,
  as a PP plot per mode against the scheme (against PyTorch where there is none) and the ratio of
  each framework's std to the scheme's; then one role per kind of drift found in either mode, the
  frameworks' histograms (density) over the scheme's pdf, per mode;
* one summary heat map: per model type and role (rows; per model type, its farthest role, when
  there are many) and per mode and framework (columns), the ratio of the drawn std to the scheme's
  (to PyTorch's without a scheme), on a log colour scale centred at 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..scheme.naming import FRAMEWORK_TITLES
from ..scheme.naming import FRAMEWORKS as FRAMEWORKS_ORDER
from .collect import FamilyReport, Report, reference_std, role_status, std_ratio

COLOURS = {"pt": "#ee4c2c", "tf": "#1f77b4", "flax": "#2ca02c"}
# frameworks that agree draw on top of each other: the later ones thinner and dashed, so all show
STYLES = {"pt": ("-", 2.2), "tf": ("-", 1.6), "flax": ((0, (3, 2)), 1.4)}
_QUANTILES = np.linspace(0.002, 0.998, 199)
_LEFT_HALF = _QUANTILES < 0.5
_QUANTILE_ELEMENTS = 20_000
HEATMAP_EXTENT = 2.0
HEATMAP_MAX_ROLE_ROWS = 60
"""Above this many roles (``--models all`` has hundreds), the heat map has a row per model type."""
DPI = 90
_SMALL_TICKS = {"xtick.labelsize": 8, "ytick.labelsize": 8}
_PP_LABELS = 4  # per corner of a PP plot: labels of drifting curves (curves drawn alike share one)
_PP_SAME_RATIO = 1.1  # drifting curves whose std ratios are within this factor are drawn alike: one label
MAX_FEATURED_ROLES = 4
"""Roles drawn as histograms per figure: one per kind of drift. Each is a matplotlib axes per mode,
the bulk of a figure's cost; every drawn role is in the figure's PP plots and std panel."""


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


def drawn_roles(family: FamilyReport, mode: str) -> list[str]:
    """The roles of ``family`` drawn from a distribution in ``mode``, in the scheme's order."""
    return [role for role in family.roles() if _drawn(family, mode, role)]


def _drift_kind(family: FamilyReport, role: str) -> tuple:
    """What a role's drift looks like: per mode, what the suite finds drifting (frameworks, pairs)
    and whether each framework's std is above, near (within 10 %) or below the reference."""

    def direction(ratio: float) -> int | None:
        return None if not math.isfinite(ratio) else (ratio > 1.1) - (ratio < 1 / 1.1)

    return tuple(
        (
            mode,
            role_status(result.check, role).scopes,
            tuple(direction(std_ratio(family, mode, role, fw)) for fw in family.frameworks),
        )
        for mode, result in family.modes.items()
        if result.check is not None
    )


def featured_roles(family: FamilyReport, roles: list[str]) -> tuple[list[str], int]:
    """Of ``roles`` (the drawn ones), those the figure shows as histograms in every mode (before and
    after): of the roles drifting in any mode of ``family``, the first of each kind of drift
    (:func:`_drift_kind`), at most :data:`MAX_FEATURED_ROLES`. Also returns how many parameter
    roles drift in any mode, drawn or not, counted as the summary counts them
    (:meth:`~.collect.ModeResult.drifts`: independence and the first loss are not roles)."""
    drifting_in = [set(result.drifts()[0]) for result in family.modes.values() if result.check is not None]
    drifting = [role for role in family.roles() if any(role in found for found in drifting_in)]
    featured: dict[tuple, str] = {}
    for role in drifting:
        if role in roles:
            featured.setdefault(_drift_kind(family, role), role)
    return list(featured.values())[:MAX_FEATURED_ROLES], len(drifting)


def _quantiles(sample: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """``np.quantile(sample, probabilities)`` (its linear method), of at most
    :data:`_QUANTILE_ELEMENTS` elements: a larger sample is cut to a fixed random subset of that
    size first. The quantiles move by about 1 / sqrt(20 000) = 0.007 of a probability, less than a
    line's width in the figure; sorting a million elements per curve cost most of a figure's time."""
    flat = np.ravel(sample)
    if flat.size > _QUANTILE_ELEMENTS:
        flat = flat[np.random.default_rng(0).choice(flat.size, _QUANTILE_ELEMENTS, replace=False)]
    ordered = np.sort(flat)
    return np.interp(probabilities * (ordered.size - 1), np.arange(ordered.size), ordered)


def _few_ticks(ax) -> None:
    """Four ticks at most on each axis of a small panel (every tick is a few artists to lay out and
    draw: with dozens of panels per figure they are most of its cost; their size is set by
    :data:`_SMALL_TICKS` for the whole figure, not per tick)."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(4))
    if ax.get_yscale() == "linear":
        ax.yaxis.set_major_locator(MaxNLocator(4))


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
    bins = int(np.clip(np.sqrt(smallest) / 2, 20, 80))
    peaks = []
    for fw in check.frameworks:
        if fw in samples:
            # equal bins given as a count and a range: numpy bins by arithmetic, not by sorting the sample
            heights, edges = np.histogram(samples[fw], bins=bins, range=(low, high), density=True)
            ax.stairs(
                heights,
                edges,
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


def _short(role: str, width: int = 52) -> str:
    """A role name that fits a subplot title: long generic names keep their end."""
    return role if len(role) <= width else "…" + role[-(width - 1) :]


def _reference_cdf(role_check, base: str | None):
    """The cdf a role's samples are held against in the PP plot: the scheme's, else the empirical
    cdf of framework ``base``'s sample."""
    if role_check.expected is not None:
        return role_check.expected.cdf
    ordered = np.sort(role_check.samples[base])
    return lambda x: np.searchsorted(ordered, x, side="right") / ordered.size


def _is_marked_drift(status, framework: str, against_scheme: bool) -> bool:
    """Whether ``framework``'s curve of a role is drawn thick: found off the scheme, or without a
    scheme in a pair that differs (with a scheme, PyTorch on the diagonal is not marked because
    TensorFlow differs from it)."""
    if status.status != "drift":
        return False
    singles, pairs = status.split()
    if against_scheme:
        return any(label.frameworks == (framework,) for label in singles)
    return any(framework in label.frameworks for label in pairs)


def _pp(ax, family: FamilyReport, mode: str, roles: list[str]) -> None:
    """Every drawn role of ``mode`` in one panel: per framework, the reference cdf at the sample's
    quantiles against the quantiles' probabilities. On the diagonal where the sample follows the
    reference (the scheme, else PyTorch); a scale drift bends it into an S (too narrow) or a Z (too
    wide)."""
    check = family.modes[mode].check
    marks = []  # (x, y, role, framework, std ratio) at the widest gap of each drifting curve
    for role in roles:
        role_check = check.roles.get(role)
        if role_check is None:
            continue
        samples = role_check.samples
        base = None if role_check.expected is not None else ("pt" if "pt" in samples else next(iter(samples)))
        others = [fw for fw in check.frameworks if fw in samples and fw != base]
        if not others:
            continue
        cdf = _reference_cdf(role_check, base)
        status = role_status(check, role)
        for fw in others:
            curve = np.asarray(cdf(_quantiles(samples[fw], _QUANTILES)), dtype=np.float64)
            drifting = _is_marked_drift(status, fw, role_check.expected is not None)
            ax.plot(
                _QUANTILES,
                curve,
                color=COLOURS.get(fw),
                linestyle=STYLES.get(fw, ("-", 1.4))[0],
                linewidth=1.6 if drifting else 0.8,
                alpha=1.0 if drifting else 0.35,
            )
            if drifting:
                # on the left half: a curve too narrow lies above the diagonal there, one too wide below,
                # which decides its label's corner (a scale drift is symmetric: the right half mirrors it)
                widest = int(np.argmax(np.abs(curve - _QUANTILES)[_LEFT_HALF]))
                ratio = std_ratio(family, mode, role, fw)
                marks.append((float(_QUANTILES[widest]), float(curve[widest]), role, fw, ratio))
    ax.plot([0, 1], [0, 1], color="black", linestyle="--", linewidth=1.0)
    _pp_labels(ax, marks)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("probability")
    ax.set_ylabel("reference cdf at the sample quantile")
    _few_ticks(ax)
    ax.set_title(
        f"{mode}: PP plot of all {len(roles)} drawn roles against the scheme\n"
        "(PyTorch without one); thick = the suite finds a drift",
        fontsize=10,
        y=1.0,
        pad=4,
    )


def _pp_label_groups(marks: list[tuple]) -> list[tuple[float, float, list[str], list[str]]]:
    """Drifting curves grouped by their std ratio to the reference: sorted by it, a curve joins the
    group before it while its ratio is within :data:`_PP_SAME_RATIO` of that group's first. Curves of
    one kind of drift (TensorFlow's q, k and v, all 0.71 of the scheme) lie on each other and share
    one label. Each group: the widest gap of its curve met first, its frameworks and its roles."""
    finite = [mark for mark in marks if math.isfinite(mark[4]) and mark[4] > 0]
    groups: list[list] = []  # [anchor log ratio, first index, x, y, frameworks, roles]
    for index, (x, y, role, fw, ratio) in sorted(enumerate(finite), key=lambda item: item[1][4]):
        if not groups or math.log(ratio) - groups[-1][0] > math.log(_PP_SAME_RATIO):
            groups.append([math.log(ratio), index, x, y, [], []])
        group = groups[-1]
        if index < group[1]:
            group[1:4] = [index, x, y]
        if fw not in group[4]:
            group[4].append(fw)
        if role not in group[5]:
            group[5].append(role)
    ordered = sorted(groups, key=lambda group: group[1])
    met = {role: index for index, (_, _, role, _, _) in reversed(list(enumerate(finite)))}
    for group in ordered:  # roles in the order drawn (the scheme's), so a label names the first
        group[5].sort(key=met.__getitem__)
    apart = [(x, y, [fw], [role]) for x, y, role, fw, ratio in marks if not (math.isfinite(ratio) and ratio > 0)]
    return [(x, y, [fw for fw in FRAMEWORKS_ORDER if fw in fws], roles) for _, _, x, y, fws, roles in ordered] + apart


def _pp_labels(ax, marks: list[tuple]) -> None:
    """A label per group of drifting curves (:func:`_pp_label_groups`), stacked in a corner no
    scale drift reaches (a curve too narrow or too wide stays out of the upper-left and lower-right
    corners), joined to its curves by a thin line: labels above the diagonal go to the upper-left
    corner, those below to the lower-right; at most :data:`_PP_LABELS` in each, then ``+n more``."""
    corners = {True: [], False: []}  # above the diagonal -> upper left
    for group in _pp_label_groups(marks):
        corners[group[1] >= group[0]].append(group)
    for above, groups in corners.items():
        for index, (x, y, frameworks, roles) in enumerate(groups[:_PP_LABELS]):
            # short enough to stay on its side of the centre, which curves too wide or too narrow cross
            names = _short(roles[0], 26) + (f" +{len(roles) - 1}" if len(roles) > 1 else "")
            colour = COLOURS.get(frameworks[0], "black") if len(frameworks) == 1 else "black"
            text = f"{'/'.join(frameworks)}: {names}"
            step = 0.085 * index
            ax.annotate(
                text,
                xy=(x, y),
                xytext=(0.03, 0.97 - step) if above else (0.97, 0.03 + step),
                textcoords="axes fraction",
                ha="left" if above else "right",
                va="top" if above else "bottom",
                fontsize=7,
                color=colour,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": colour, "linewidth": 0.6},
                arrowprops={"arrowstyle": "-", "color": colour, "linewidth": 0.6, "shrinkA": 0, "shrinkB": 1},
                zorder=5,
            )
        if len(groups) > _PP_LABELS:
            more = sum(len(roles) for *_, roles in groups[_PP_LABELS:])
            ax.text(
                0.03 if above else 0.97,
                0.97 - 0.085 * _PP_LABELS if above else 0.03 + 0.085 * _PP_LABELS,
                f"+{more} more drifting: see the std panel",
                transform=ax.transAxes,
                ha="left" if above else "right",
                va="top" if above else "bottom",
                fontsize=7.5,
            )


def _std_panel(ax, family: FamilyReport, roles: list[str]) -> None:
    """Every drawn role in one panel: each framework's std ÷ the reference std (scheme, else
    PyTorch), on a log axis, per mode (stock hollow, scheme filled: a drift fixed moves from a
    hollow marker off the line to a filled one on it); a cross where the suite finds that std
    drifting."""
    positions = np.arange(len(roles))
    ratios_seen = [1.0]
    for mode in family.modes:
        if family.modes[mode].check is None:
            continue
        for offset, fw in zip((-0.2, 0.0, 0.2), family.frameworks):
            ratios = np.array([std_ratio(family, mode, role, fw) for role in roles])
            marked = np.array([_marked(family, mode, role, fw) for role in roles], dtype=bool)
            shown = np.isfinite(ratios) & (ratios > 0)
            ratios_seen.extend(ratios[shown])
            for selection, marker, size in ((shown & ~marked, "o", 22), (shown & marked, "X", 60)):
                if selection.any():
                    hollow = mode == "stock" and marker == "o"  # before: hollow; after: filled
                    ax.scatter(
                        ratios[selection],
                        positions[selection] + offset,
                        s=size,
                        marker=marker,
                        facecolors="none" if hollow else COLOURS.get(fw),
                        edgecolors=COLOURS.get(fw),
                        alpha=0.6 if mode == "stock" else 1.0,
                    )
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1.0)
    ax.set_xscale("log")
    low, high = min(min(ratios_seen), 0.5), max(max(ratios_seen), 2.0)
    ax.set_xlim(low / 1.3, high * 1.3)
    ax.set_ylim(len(roles) - 0.5, -0.5)
    ax.set_yticks(positions, [_short(role, 40) for role in roles], fontsize=7 if len(roles) > 20 else 8)
    ax.set_xlabel("std ÷ reference std (log)")
    ax.set_title(
        "std ÷ the scheme's (÷ PyTorch's without one): stock hollow,\nscheme filled; × = the suite finds that std drifting",
        fontsize=10,
        y=1.0,
        pad=4,
    )


def _checked_modes(family: FamilyReport) -> list[str]:
    return [mode for mode, result in family.modes.items() if result.check is not None]


def family_figure(family: FamilyReport, path: Path) -> Path | None:
    """One figure of ``family``, its modes side by side: a PP plot per mode and the std panel of
    every drawn role, then one histogram per mode of each featured role (one per kind of drift)."""
    modes = _checked_modes(family)
    roles = list(dict.fromkeys(role for mode in modes for role in drawn_roles(family, mode)))
    if not roles:
        return None
    featured, drifting = featured_roles(family, roles)
    plt = _pyplot()
    columns = max(4, 2 * len(modes))  # featured roles: a histogram per mode, side by side
    per_row = columns // len(modes)
    rows = math.ceil(len(featured) / per_row)
    top = max(3.4, 0.17 * len(roles) + 1.4)
    with plt.rc_context(_SMALL_TICKS):
        fig = plt.figure(figsize=(18, top + 3.4 * rows + 1.2))
        grid = fig.add_gridspec(1 + rows, columns, height_ratios=[top] + [3.4] * rows)
        # the std panel's role names (up to 40 characters) take the gap before it
        summary = grid[0, :].subgridspec(1, len(modes) + 1, width_ratios=[1] * len(modes) + [1.2], wspace=0.45)
        for index, mode in enumerate(modes):
            _pp(fig.add_subplot(summary[0, index]), family, mode, roles)
        _std_panel(fig.add_subplot(summary[0, len(modes)]), family, roles)
        for index, role in enumerate(featured):
            row, first = 1 + index // per_row, len(modes) * (index % per_row)
            for offset, mode in enumerate(modes):
                _featured_histogram(fig.add_subplot(grid[row, first + offset]), family, mode, role)
        _legend_and_title(fig, plt, family, modes, len(featured), drifting)
        # fixed margins in inches (two-line titles above each axes, tick labels and a label below): what
        # tight_layout would find, without the extra full draw it makes to measure every text
        height = fig.get_figheight()
        fig.subplots_adjust(
            left=0.045, right=0.99, bottom=0.55 / height, top=1 - 1.25 / height, wspace=0.28, hspace=0.42
        )
        fig.savefig(path, dpi=DPI)
        plt.close(fig)
    return path


def _featured_histogram(ax, family: FamilyReport, mode: str, role: str) -> None:
    """A featured role's histogram in one mode, titled with its verdict (an empty cell where the mode
    has no such role)."""
    check = family.modes[mode].check
    if role not in check.roles:
        ax.set_axis_off()
        return
    _histogram(ax, family, mode, role)
    status = role_status(check, role)
    verdict = f"DRIFT: {', '.join(status.scopes)}" if status.status == "drift" else status.status
    # titles at a fixed height: placed automatically, matplotlib measures every tick label
    ax.set_title(
        f"{_short(role, 40)}\n{mode} · {verdict}",
        fontsize=10,
        color="#b00020" if status.status == "drift" else "black",
        y=1.0,
        pad=4,
    )


def _legend_and_title(fig, plt, family: FamilyReport, modes: list[str], featured: int, drifting: int) -> None:
    """The frameworks' line styles, and the title saying which drifting roles have a histogram."""
    handles = [
        plt.Line2D(
            [], [], color=COLOURS.get(fw), linestyle=STYLES.get(fw, ("-", 2))[0], linewidth=2,
            label=FRAMEWORK_TITLES.get(fw, fw),
        )
        for fw in family.frameworks
    ]  # fmt: skip
    handles.append(plt.Line2D([], [], color="black", linestyle="--", label="scheme pdf / reference"))
    fig.legend(handles=handles, loc="upper right", ncol=len(handles), fontsize=10, frameon=False)
    counts = ", ".join(f"{mode} {len(family.modes[mode].drifts()[0])}" for mode in modes)
    if not drifting:
        shown = "no role drifts"
    elif drifting > featured:
        shown = f"histograms of {featured} of the {drifting} drifting roles ({counts}), one per kind of drift"
    else:
        shown = f"histograms of the {drifting} drifting role{'s' if drifting > 1 else ''} ({counts})"
    fig.suptitle(f"{family.model_type} · {' vs '.join(modes)}: {shown}", x=0.01, ha="left", fontsize=13)


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
        return status.std_off(framework)
    reference = reference_std(family, mode, role)[1]
    return status.std_off(reference, framework)


@dataclass
class _HeatmapRow:
    label: str
    values: list[float]  # per column
    marks: list[bool]  # per column: the suite finds a drift
    notes: list[str] = field(default_factory=list)  # per column: the role shown (model type rows)


def _role_rows(report: Report, columns: list[tuple[str, str]]) -> dict[str, list[_HeatmapRow]]:
    """Per model type, a row per role with a std to compare."""
    rows: dict[str, list[_HeatmapRow]] = {}
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
                marks = [ok and _marked(family, m, role, fw) for (m, fw), ok in zip(columns, present)]
                rows.setdefault(family.model_type, []).append(
                    _HeatmapRow(f"{family.model_type} · {role}{suffix}", row, marks, [role] * len(columns))
                )
    return rows


def _farthest(values: list[float]) -> int | None:
    """The index of the ratio farthest from 1 (on a log scale), None when none is finite."""
    distances = [abs(math.log(value)) if math.isfinite(value) and value > 0 else -1.0 for value in values]
    best = max(range(len(values)), key=distances.__getitem__, default=None)
    return best if best is not None and distances[best] >= 0 else None


def _model_type_row(model_type: str, rows: list[_HeatmapRow]) -> _HeatmapRow:
    """One row for a model type: per column, the role whose std is farthest from the reference
    (a drift the suite finds first), so that the worst of every model type shows."""
    summary = _HeatmapRow(f"{model_type} ({len(rows)} role{'s' if len(rows) > 1 else ''})", [], [], [])
    for column in range(len(rows[0].values)):
        marked = [row for row in rows if row.marks[column]]
        candidates = marked or rows
        index = _farthest([row.values[column] for row in candidates])
        chosen = candidates[index] if index is not None else None
        summary.values.append(chosen.values[column] if chosen else math.nan)
        summary.marks.append(bool(marked))
        summary.notes.append(chosen.notes[column] if chosen else "")
    return summary


def heatmap_rows(report: Report, columns: list[tuple[str, str]]) -> tuple[list[_HeatmapRow], bool]:
    """The heat map's rows: one per role, or one per model type (its farthest role) when there are
    more than :data:`HEATMAP_MAX_ROLE_ROWS` roles; and whether they are per model type."""
    by_model_type = _role_rows(report, columns)
    rows = [row for found in by_model_type.values() for row in found]
    if len(rows) <= HEATMAP_MAX_ROLE_ROWS:
        return rows, False
    return [_model_type_row(model_type, found) for model_type, found in by_model_type.items()], True


def heatmap(report: Report, path: Path) -> Path | None:
    """Rows: model type · role (a row per model type, its farthest role, when there are more than
    :data:`HEATMAP_MAX_ROLE_ROWS`: the figure of each model type has its roles); columns: mode ·
    framework; cells: std / reference std, ``*`` where the suite finds a drift. The colour scale is
    logarithmic, centred at 1 and saturates at :data:`HEATMAP_EXTENT` (the cells carry the numbers)."""
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import FixedLocator, NullLocator

    columns = [(mode, fw) for mode in report.modes for fw in report.frameworks]
    rows, per_model_type = heatmap_rows(report, columns)
    if not rows:
        return None
    row_labels = [row.label for row in rows]
    values = [row.values for row in rows]
    marks = [row.marks for row in rows]
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
    for (i, j), value in np.ndenumerate(data):
        text = "n/a" if not math.isfinite(value) else f"{value:.2f}" + ("*" if marks[i][j] else "")
        if per_model_type and math.isfinite(value):
            text += f"\n{_short(rows[i].notes[j], 22)}"
        dark = math.isfinite(value) and value > 0 and abs(math.log(value)) > 0.6 * math.log(HEATMAP_EXTENT)
        weight = "bold" if marks[i][j] else "normal"
        ax.text(
            j,
            i,
            text,
            ha="center",
            va="center",
            fontsize=6.5 if per_model_type else 7 if dense else 9,
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
    title = (
        "std of each framework ÷ the scheme's std (÷ PyTorch's where there is no scheme);\n* = the suite finds a drift"
    )
    if per_model_type:
        title += "\nper model type, the role farthest from its reference in each column (a drifting one first)"
    ax.set_title(title, fontsize=10, pad=12)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def draw_family(family: FamilyReport, folder: Path, step=None) -> list[str]:
    """The figure of ``family`` (its modes side by side) into ``folder``; returns its file name, or
    nothing when there is nothing to draw."""
    if step is not None:
        step(f"plot {family.model_type}")
    if not _checked_modes(family) or not comparable(family):
        return []
    name = f"{family.model_type}.png"
    return [name] if family_figure(family, folder / name) is not None else []
