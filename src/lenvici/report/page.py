"""The HTML shell of the report: one self-contained file, figures embedded as data URIs."""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Section", "figure_html", "format_number", "table_html", "render_page"]

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#1d2733;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #d0d7de;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}th,td{border:1px solid #d0d7de;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#f3f5f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#57606a;font-size:.9em}figure{margin:1em 0}figure img{max-width:100%}figcaption{color:#57606a;
font-size:.85em}.hit{color:#1a7f37;font-weight:600}.miss{color:#cf222e;font-weight:600}
nav a{margin-right:1em}
"""


@dataclass(frozen=True)
class Section:
    """One titled part of the report (``body`` is trusted HTML built by this package); ``summary`` is one
    line of plain text saying what the section found, for the terminal's summary of ``lenvici demo``."""

    anchor: str
    title: str
    body: str
    summary: str = ""


def figure_html(fig, caption: str) -> str:
    """A matplotlib figure as an embedded PNG with a caption; the figure is closed."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def format_number(value) -> str:
    """One number as the report and the command line's tables show it: ``None`` a dash, NaN ``NaN`` (never
    hidden), whole numbers as they are, other values with thousands separators at or above 1,000, 2 decimals
    at or above 1 and 3 significant digits below."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _cell(value) -> str:
    if value is None:
        return "<td>–</td>"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<td class="num">{format_number(value)}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def table_html(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A plain HTML table; large floats with thousands separators, others with 2 decimals or 3 significant
    digits below 1; ``None`` as a dash."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_page(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """The whole document."""
    nav = "".join(f'<a href="#{s.anchor}">{html.escape(s.title)}</a>' for s in sections)
    parts = "".join(f'<section id="{s.anchor}"><h2>{html.escape(s.title)}</h2>{s.body}</section>'
                    for s in sections)
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f'<p class="note">{html.escape(subtitle)}</p><nav>{nav}</nav>{parts}</body></html>')
