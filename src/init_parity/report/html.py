"""The report as one HTML page, with its figures referenced as PNG files next to it."""

from __future__ import annotations

from html import escape

from ..targets import transformers_version
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


def _simple_table(header, rows) -> str:
    head = "<tr>" + "".join(_cell(cell, "th") for cell in header) + "</tr>"
    body = "\n".join("<tr>" + "".join(_cell(cell) for cell in row) + "</tr>" for row in rows)
    return f"<table>\n<thead>{head}</thead>\n<tbody>\n{body}\n</tbody>\n</table>"


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
        f'<p class="legend">{escape(legend(report))}</p>',
        "<h2>Summary</h2>",
        '<ul class="summary">',
    ]
    for family in report.families:
        css = "fail" if any(model_type == family.model_type for model_type, _ in failed) else "pass"
        parts.append(
            f'<li class="{css}"><a href="#{escape(family.model_type)}">{escape(summary_line(family))}</a></li>'
        )
    parts.append("</ul>")
    if heatmap:
        parts.append(f'<img src="{escape(heatmap)}" alt="std ratio heat map, family and role by mode and framework">')
    for family in report.families:
        parts.append(f'<h2 id="{escape(family.model_type)}">{escape(family.model_type)}</h2>')
        parts.extend(f"<p>{escape(sentence)}</p>" for sentence in intro_sentences(family))
        if not family.checked:
            continue
        parts.append(_family_table(family))
        notes = findings(family)
        if notes:
            parts.append("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in notes) + "</ul>")
        loss = first_loss_rows(family)
        if loss is not None:
            parts.append(
                "<h3>First loss</h3><p>Mean cross-entropy of the fresh model on random tokens; ideal ln(V).</p>"
            )
            parts.append(_simple_table(*loss))
        for path in images.get(family.model_type, []):
            parts.append(f'<img src="{escape(path)}" alt="{escape(family.model_type)}: {escape(path)}">')
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
