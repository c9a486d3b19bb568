"""The report as one HTML page, with its figures referenced as PNG files next to it.

Each model type's section leads with the answer (per mode its verdict, and each drift measured
against the scheme), then the table of every role; the test results behind the verdicts are folded
in a ``<details>`` element."""

from __future__ import annotations

from html import escape

from ..compat import transformers_version
from .answer import answers, measured_words
from .collect import Report, summary_line
from .tables import family_rows, findings, first_loss_rows, intro_sentences, legend

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1500px;
       padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { margin-bottom: 0.2rem; } .meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; font-family: monospace; }
td.drift { background: #fde0e0; color: #9b0000; font-weight: bold; } td.ok { color: #176b1f; }
td.low { background: #fff4d6; } td.off { color: #9b0000; font-weight: bold; }
ul.summary li.fail { color: #9b0000; } ul.summary li.pass { color: #176b1f; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5rem 0; }
.legend { color: #555; font-size: 0.9rem; }
p.verdict { margin: 0.8rem 0 0.2rem; font-size: 1.05rem; } p.verdict.drift span { color: #9b0000; font-weight: bold; }
p.verdict.ok span { color: #176b1f; font-weight: bold; }
table.answer td { text-align: left; } table.answer td:nth-child(2), table.answer td:nth-child(3) { font-family: monospace; }
details { margin: 0.6rem 0; } details summary { cursor: pointer; color: #444; }
details ul { font-family: monospace; font-size: 0.8rem; }
"""


def _cell(text: str, tag: str = "td", attrs: str = "") -> str:
    return f"<{tag}{attrs}>{escape(text)}</{tag}>"


def _family_table(family) -> str:
    header, rows, modes = family_rows(family)
    per_mode = len(family.frameworks) + 1
    top = "<tr>" + _cell("", "th", ' colspan="3"')
    top += "".join(_cell(mode, "th", f' colspan="{per_mode}"') for mode in modes) + "</tr>"
    names = "<tr>" + "".join(_cell(cell, "th") for cell in header) + "</tr>"
    body = []
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            css = ""
            if index >= 3:
                if cell.startswith("drift") or cell == "error":
                    css = ' class="drift"'
                elif cell == "ok":
                    css = ' class="ok"'
                elif cell == "low n":
                    css = ' class="low"'
                elif cell.endswith("*"):
                    css = ' class="off"'
            cells.append(_cell(cell, "td", css))
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>\n<thead>{top}\n{names}</thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>"


def _answer(family) -> str:
    """Per mode: the verdict, and a row per drift (what, measured, scheme, which tests found it)."""
    parts = []
    for found in answers(family):
        css = "ok" if found.verdict == "conforms" else "drift"
        parts.append(f'<p class="verdict {css}"><b>{escape(found.mode)}</b>: <span>{escape(found.verdict)}</span></p>')
        if found.drifts:
            rows = [[d.what, measured_words(d), d.expected, d.how] for d in found.drifts]
            parts.append(_simple_table(["drifts", "measured", "scheme", "found by"], rows, ' class="answer"'))
    return "\n".join(parts)


def _simple_table(header, rows, attrs: str = "") -> str:
    head = "<tr>" + "".join(_cell(cell, "th") for cell in header) + "</tr>"
    body = "\n".join("<tr>" + "".join(_cell(cell) for cell in row) + "</tr>" for row in rows)
    return f"<table{attrs}>\n<thead>{head}</thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def render(report: Report, images: dict[str, list[str]] | None = None, heatmap: str | None = None) -> str:
    images = images or {}
    failed = set(report.failed())
    seeds = ", ".join(map(str, report.seeds)) if report.seeds else "auto (enough for 1000 samples per role)"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8"><title>init-parity report</title>',
        f"<style>{_STYLE}</style></head>",
        "<body>",
        "<h1>init-parity report</h1>",
        f'<p class="meta">transformers {escape(transformers_version() or "")} · modes: '
        f"{escape(', '.join(report.modes))} · frameworks: {escape(', '.join(report.frameworks))} · "
        f"seeds: {escape(seeds)}</p>",
        "<h2>Summary</h2>",
        '<ul class="summary">',
    ]
    for family in report.families:
        css = "fail" if any(model_type == family.model_type for model_type, _ in failed) else "pass"
        parts.append(
            f'<li class="{css}"><a href="#{escape(family.model_type)}">{escape(summary_line(family))}</a></li>'
        )
    parts.append("</ul>")
    parts.append(f'<p class="legend">{escape(legend(report))}</p>')
    for family in report.families:
        parts.append(f'<h2 id="{escape(family.model_type)}">{escape(family.model_type)}</h2>')
        parts.extend(f"<p>{escape(sentence)}</p>" for sentence in intro_sentences(family))
        if not family.checked:
            continue
        parts.append(_answer(family))
        parts.append("<h3>Every role</h3>")
        parts.append(_family_table(family))
        notes = findings(family)
        if notes:
            parts.append(
                f"<details><summary>The test results behind the verdicts ({len(notes)} lines)</summary><ul>"
                + "".join(f"<li>{escape(line)}</li>" for line in notes)
                + "</ul></details>"
            )
        loss = first_loss_rows(family)
        if loss is not None:
            parts.append(
                "<h3>First loss</h3><p>Mean cross-entropy of the fresh model on random tokens; ideal ln(V).</p>"
            )
            parts.append(_simple_table(*loss))
        for path in images.get(family.model_type, []):
            parts.append(f'<img src="{escape(path)}" alt="{escape(family.model_type)}: {escape(path)}">')
    if heatmap:
        parts.append('<h2 id="heat-map">Every model type: the std ratio heat map</h2>')
        parts.append(f'<img src="{escape(heatmap)}" alt="std ratio heat map, family and role by mode and framework">')
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
