"""Spider and waterfall plots of the change in target sum from baseline.

Drawn on a matplotlib ``Figure`` with the Agg canvas (no pyplot, no global backend change), or on the
``Axes`` given. Reference lines mark the PR (−30 %) and PD (+20 %) thresholds; note that PD is judged
against the nadir, so a line crossing +20 % from baseline is a guide, not the rule.
"""

from __future__ import annotations

from lenvici.clinical.response.result import CR, NE, NON_CR_NON_PD, PD, PR, SD, ResponseAssessment
from lenvici.clinical.validation import check_choice

__all__ = ["BOR_COLOURS", "plot_response", "plot_spider", "plot_waterfall"]

#: Colour of each best overall response.
BOR_COLOURS = {CR: "#1b7837", PR: "#5aae61", SD: "#4393c3", NON_CR_NON_PD: "#92c5de", PD: "#d6604d", NE: "#878787"}


def _axes(ax, figsize):
    if ax is not None:
        return ax
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def _guides(ax, horizontal: bool = True) -> None:
    for y, label in ((20, "+20 %"), (-30, "−30 %")):
        ax.axhline(y, color="#555555", linestyle="--", linewidth=0.8)
        ax.annotate(label, xy=(1.0, y), xycoords=("axes fraction", "data"), fontsize=8, ha="right",
                    va="bottom", color="#555555")
    ax.axhline(0, color="#222222", linewidth=0.8)


def _legend(ax, used: set[str]) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(color=c, label=k) for k, c in BOR_COLOURS.items() if k in used]
    if handles:
        ax.legend(handles=handles, title="best response", fontsize=8, title_fontsize=8, loc="best")


def plot_spider(assessment: ResponseAssessment, ax=None):
    """Percent change of the target sum from baseline against days since baseline, one line per patient."""
    ax = _axes(ax, (7, 4.5))
    used = set()
    for p in assessment.patients:
        pts = [(v.day - p.baseline_day, v.change_from_baseline_pct) for v in p.visits
               if v.change_from_baseline_pct is not None]
        if len(pts) < 1:
            continue
        colour = BOR_COLOURS[p.best_overall_response]
        used.add(p.best_overall_response)
        ax.plot([x for x, _ in pts], [y for _, y in pts], marker="o", markersize=3, linewidth=1, color=colour)
        at_pd = next((v for v in p.visits if v.day == p.progression_day), None)
        if at_pd is not None and at_pd.change_from_baseline_pct is not None:
            ax.plot([at_pd.day - p.baseline_day], [at_pd.change_from_baseline_pct], marker="x", markersize=7,
                    color=BOR_COLOURS[PD])
    _guides(ax)
    ax.set_xlabel("days since baseline")
    ax.set_ylabel("change in target sum from baseline (%)")
    ax.set_title(f"Spider plot ({assessment.criteria})")
    _legend(ax, used)
    return ax


def plot_waterfall(assessment: ResponseAssessment, ax=None):
    """Best (smallest) percent change of the target sum from baseline, one bar per patient, sorted."""
    ax = _axes(ax, (7, 4.5))
    bars = []
    for p in assessment.patients:
        changes = [v.change_from_baseline_pct for v in p.visits[1:] if v.change_from_baseline_pct is not None]
        if changes:
            bars.append((min(changes), p.best_overall_response, p.patient))
    bars.sort(key=lambda b: -b[0])
    ax.bar(range(len(bars)), [b[0] for b in bars], color=[BOR_COLOURS[b[1]] for b in bars], width=0.85)
    if len(bars) <= 40:
        ax.set_xticks(range(len(bars)), [b[2] for b in bars], rotation=90, fontsize=7)
    else:
        ax.set_xticks([])
    _guides(ax)
    ax.set_xlabel("patients")
    ax.set_ylabel("best change in target sum from baseline (%)")
    ax.set_title(f"Waterfall plot ({assessment.criteria})")
    _legend(ax, {b[1] for b in bars})
    return ax


def plot_response(assessment: ResponseAssessment, kind: str = "spider", ax=None):
    """A spider (``kind="spider"``) or waterfall (``kind="waterfall"``) plot; returns the ``Axes``.

    Save it with ``ax.figure.savefig("response.png")``.
    """
    kind = check_choice(kind, "kind", ("spider", "waterfall"))
    return plot_spider(assessment, ax) if kind == "spider" else plot_waterfall(assessment, ax)
