"""The parity table as text: aligned for the terminal, or GitHub Markdown.

Each model type's section leads with the answer (:mod:`.answer`): per mode its verdict, and each
drift with what was measured against the scheme. Then the table: a row per role with its sample
size, the scheme's std (``=1`` for a role set to a constant), and per mode the std each framework
drew (the value it set, for a constant) and the suite's verdict. A std marked ``*`` is one that the
std test of that framework rejects (not a role that drifts by its shape, one tensor or a padding
row). The test results behind the verdicts follow with ``--verbose`` (terminal) or folded
(Markdown ``<details>``).
"""

from __future__ import annotations

import math
import os
import sys
from collections import Counter
from collections.abc import Sequence

from ..scheme.docs import markdown_table
from ..scheme.naming import FRAMEWORK_TITLES
from ..suite.stats import FAMILY_WISE_ALPHA, describe_result
from .answer import answers, measured_words
from .collect import INDEPENDENCE, FamilyReport, Report, expected_text, measured_text, role_status, summary_line

_COLOURS = {"drift": "\033[31m", "ok": "\033[32m", "low n": "\033[33m", "error": "\033[31m"}
_RESET = "\033[0m"


def use_colour(stream=None) -> bool:
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty() and "NO_COLOR" not in os.environ


def _n_text(family: FamilyReport, role: str) -> str:
    for result in family.modes.values():
        if role in result.roles:
            sizes = {fw: result.roles[role].n[fw] for fw in family.frameworks if fw in result.roles[role].n}
            if len(set(sizes.values())) == 1:
                return str(next(iter(sizes.values())))
            return " / ".join(f"{fw} {n}" for fw, n in sizes.items())
    return "—"


def family_rows(family: FamilyReport, markdown: bool = False) -> tuple[list[str], list[list[str]], list[str]]:
    """The header, the rows (one per role, plus independence) and the mode of each verdict column."""
    frameworks = family.frameworks
    header = ["role", "n", "scheme"]
    verdict_modes = []
    for mode in family.modes:
        header.extend(f"{mode} {fw}" if markdown else fw for fw in frameworks)
        header.append(f"{mode} verdict" if markdown else "verdict")
        verdict_modes.append(mode)
    rows = []
    for role in [*family.roles(), INDEPENDENCE]:
        row = [role, "—" if role == INDEPENDENCE else _n_text(family, role)]
        row.append("" if role == INDEPENDENCE else expected_text(family.expected(role)))
        for result in family.modes.values():
            check = result.check
            if check is None:
                row.extend(["—"] * len(frameworks) + ["error" if result.error else "—"])
                continue
            status = role_status(check, role)
            for fw in frameworks:
                if role == INDEPENDENCE:
                    row.append("")
                    continue
                value = measured_text(result.roles.get(role), fw)
                star = "*" if status.std_off(fw) else ""
                row.append(f"**{value}\\***" if markdown and star else value + star)
            verdict = status.status if status.status != "untested" else "—"
            if markdown and status.status == "drift":
                verdict = f"**drift** ({', '.join(status.scopes)})"
            row.append(verdict)
        rows.append(row)
    return header, rows, verdict_modes


def findings(family: FamilyReport, details: bool = True) -> list[str]:
    """What drifted, per mode, and anything else the check found (structure, small samples, errors);
    with ``details``, each drifting role's rejected tests under it (hundreds of lines for a model
    type that drifts everywhere)."""
    lines = []
    for mode, result in family.modes.items():
        if result.error is not None:
            lines.append(f"{mode}: could not be checked: {result.error}")
            continue
        check = result.check
        if check is None:
            continue
        for role in result.drifting_roles():
            status = role_status(check, role)
            if role == INDEPENDENCE:
                for label in status.labels:
                    framework, rejected = label.scope, check.verdict.drifting.get(label, [])
                    counts = Counter(result.test for result in rejected)
                    what = ", ".join(f"{count} {test}" for test, count in counts.items())
                    example = f"; e.g. {rejected[0].detail}" if rejected else ""
                    lines.append(f"{mode}: {framework} tensors not independent ({what}){example}")
                continue
            against, pairs = status.split()
            what = []
            if against:
                what.append(f"{', '.join(label.scope for label in against)} off the scheme")
            if pairs:
                what.append(f"{', '.join(label.scope for label in pairs)} differ")
            lines.append(f"{mode}: {role} drifts: {'; '.join(what)}")
            for label in status.labels if details else ():
                rejected = check.verdict.drifting.get(label, [])
                lines.extend(f"{mode}:   {label.scope}: {describe_result(result)}" for result in rejected[:4])
                if len(rejected) > 4:
                    lines.append(f"{mode}:   {label.scope}: +{len(rejected) - 4} more")
        lines.extend(f"{mode}: structure: {line}" for line in check.structural)
        lines.extend(
            f"{mode}: {label} has {n} samples, fewer than {check.verdict.min_samples}: underpowered"
            for label, n in check.verdict.underpowered.items()
        )
        if result.other_tie is not None:
            lines.extend(f"{mode} {result.other_tie_mode}: {line}" for line in result.other_tie.describe_drifts())
    if family.missing:
        lines.append(f"{family.missing_note()} in this transformers: not compared there")
    return lines


def first_loss_rows(family: FamilyReport) -> tuple[list[str], list[list[str]]] | None:
    """framework | loss per mode | ln(V); None when no model of the family is a text-to-text LM."""
    losses = {mode: result.first_loss for mode, result in family.modes.items() if result.first_loss}
    shown = [loss for per_mode in losses.values() for loss in per_mode.values()]
    if not any(loss.loss is not None or loss.note.startswith("error") for loss in shown):
        return None  # no text-to-text LM: nothing to show
    header = ["framework", *(f"{mode} loss" for mode in losses), "ln(V)"]
    rows = []
    for fw in family.frameworks:
        row = [FRAMEWORK_TITLES.get(fw, fw)]
        ideal = math.nan
        for per_mode in losses.values():
            loss = per_mode.get(fw)
            if loss is None:
                row.append("—")
                continue
            ideal = loss.ideal
            row.append(f"{loss.loss:.2f}" if loss.loss is not None else f"— ({loss.note})")
        row.append(f"{ideal:.2f}")
        rows.append(row)
    return header, rows


# ------------------------------------------------------------------------------------------ terminal


def _widths(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    return [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]


def _line(cells: Sequence[str], widths: Sequence[int], colour: bool) -> str:
    out = []
    for index, (cell, width) in enumerate(zip(cells, widths)):
        text = cell.ljust(width) if index == 0 else cell.rjust(width)
        key = cell.strip().lower()
        if colour and key in _COLOURS:
            text = text.replace(cell, f"{_COLOURS[key]}{cell}{_RESET}")
        out.append(text)
    return "  ".join(out).rstrip()


def _group_line(header: Sequence[str], widths: Sequence[int], modes: Sequence[str], per_mode: int) -> str:
    """``── stock ──`` spanning each mode's columns."""
    fixed = sum(widths[:3]) + 2 * 3
    out = " " * fixed
    for index, mode in enumerate(modes):
        span = widths[3 + index * per_mode : 3 + (index + 1) * per_mode]
        total = sum(span) + 2 * (len(span) - 1)
        label = f" {mode} "
        out += label.center(total, "─") + "  "
    return out.rstrip()


def intro_sentences(family: FamilyReport, code: str = "") -> list[str]:
    """What a family's section opens with in the Markdown and HTML reports: its scheme, and the
    frameworks it lacks; ``code`` quotes the docs path (a backtick in Markdown)."""
    sentences = [
        f"Scheme: the {family.scheme_family} family ({code}docs/init_scheme.md{code})."
        if family.scheme_family
        else "No scheme for this family: the frameworks are compared with each other."
    ]
    if family.missing:
        sentences.append(f"{family.missing_note()} in this transformers.")
    return sentences


def answer_rows(family: FamilyReport) -> list[tuple[str, str, list[list[str]]]]:
    """Per mode: the mode, its verdict, and a row per drift (what, measured, scheme, which tests)."""
    return [
        (found.mode, found.verdict, [[d.what, measured_words(d), d.expected, d.how] for d in found.drifts])
        for found in answers(family)
    ]


def answer_lines(family: FamilyReport, colour: bool = False) -> list[str]:
    """The answer, aligned: a verdict line per mode, a line per drift under it."""
    found = answer_rows(family)
    rows = [row for _, _, mode_rows in found for row in mode_rows]
    widths = _widths(["", "", "", ""], rows) if rows else []
    lines = []
    for mode, verdict, mode_rows in found:
        key = "ok" if verdict == "conforms" else "drift"
        shown = f"{_COLOURS[key]}{verdict}{_RESET}" if colour else verdict
        lines.append(f"  {mode}: {shown}")
        lines.extend(
            "    " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in mode_rows
        )
    return lines


def terminal_table(family: FamilyReport, colour: bool = False, verbose: bool = False) -> str:
    """A model type's section: the answer, the table of every role, the first loss, and with
    ``verbose`` the test results behind each verdict."""
    title = f"{family.model_type}"
    details = []
    if family.scheme_family:
        details.append(f"scheme: {family.scheme_family} family")
    else:
        details.append("no scheme: frameworks compared with each other")
    if family.frameworks:
        details.append(f"frameworks: {', '.join(family.frameworks)}")
    if family.missing or family.unavailable:
        details.append(family.missing_note())
    lines = [f"{title} ({'; '.join(details)})"]
    if not family.checked:
        return "\n".join(lines)
    lines.extend(answer_lines(family, colour))
    header, rows, modes = family_rows(family)
    widths = _widths(header, rows)
    lines.append(_group_line(header, widths, modes, len(family.frameworks) + 1))
    lines.append(_line(header, widths, False))
    lines.extend(_line(row, widths, colour) for row in rows)
    if verbose:
        lines.extend(f"  {line}" for line in findings(family))
    loss = first_loss_rows(family)
    if loss is not None:
        loss_header, loss_rows = loss
        loss_widths = _widths(loss_header, loss_rows)
        lines.append("first loss: mean cross-entropy of the fresh model on random tokens (ideal: ln(V))")
        lines.append("  " + _line(loss_header, loss_widths, False))
        lines.extend("  " + _line(row, loss_widths, False) for row in loss_rows)
    return "\n".join(lines)


def legend(report: Report) -> str:
    judged = ", ".join(report.judged)
    return (
        "std: sample standard deviation of the pooled role; a role the scheme sets to a constant shows the "
        "value (=1), and a framework the value it set; * = the std test rejects that std (a drift of "
        "shape, of one tensor or of a padding row is named in the answer, unmarked). "
        f"verdict: the suite's tests, Holm-corrected per test family, at family-wise alpha {FAMILY_WISE_ALPHA:g}. "
        f"Exit code judged on: {judged}."
    )


def terminal(report: Report, colour: bool = False, verbose: bool = False) -> str:
    blocks = [terminal_table(family, colour, verbose) for family in report.families]
    tests = sum(len(findings(family)) for family in report.families)
    hint = "" if verbose or not tests else f" The {tests} lines of test results behind the verdicts: --verbose."
    blocks.append(legend(report) + hint)
    return "\n\n".join(blocks)


# ------------------------------------------------------------------------------------------ markdown


def _numbers_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table whose columns after the first hold numbers (right-aligned)."""
    return markdown_table(header, rows, ["---"] + ["---:"] * (len(header) - 1))


def markdown(report: Report, images: dict[str, list[str]] | None = None, heatmap: str | None = None) -> str:
    """The whole report as Markdown; ``images`` maps a model type to its figure files (relative)."""
    images = images or {}
    lines = ["# init-parity report", ""]
    lines.append(
        f"Modes: {', '.join(report.modes)}; frameworks requested: {', '.join(report.frameworks)}; "
        f"seeds: {', '.join(map(str, report.seeds)) if report.seeds else 'auto (enough for 1000 samples per role)'}."
    )
    lines += ["", "## Summary", ""]
    lines.extend(f"- {summary_line(family)}" for family in report.families)
    lines += ["", legend(report)]
    for family in report.families:
        lines += ["", f"## {family.model_type}", ""]
        lines.extend(intro_sentences(family, code="`"))
        if not family.checked:
            continue
        lines.append("")
        for mode, verdict, rows in answer_rows(family):
            lines.append(f"**{mode}: {verdict}**")
            if rows:
                lines += ["", _numbers_table(["drifts", "measured", "scheme", "found by"], rows)]
            lines.append("")
        header, rows, _ = family_rows(family, markdown=True)
        lines += [_numbers_table(header, rows), ""]
        notes = findings(family)
        if notes:
            lines += [f"<details><summary>The test results behind the verdicts ({len(notes)} lines)</summary>", ""]
            lines.extend(f"- {line}" for line in notes)
            lines += ["", "</details>"]
        loss = first_loss_rows(family)
        if loss is not None:
            lines += ["", "First loss (mean cross-entropy of the fresh model on random tokens; ideal ln(V)):", ""]
            lines.append(_numbers_table(*loss))
        for path in images.get(family.model_type, []):
            lines += ["", f"![{family.model_type}]({path})"]
    if heatmap:
        lines += ["", "## Every model type: the std ratio heat map", "", f"![std ratio heat map]({heatmap})"]
    return "\n".join(lines).rstrip() + "\n"
