"""Plots of cost-effectiveness results with matplotlib (Agg): CE plane, frontier, CEAC/CEAF, EVPI, tornado.

Each function draws on ``ax`` when given, else on a new figure, and returns the figure.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_frontier", "plot_ce_plane", "plot_ceac", "plot_evpi", "plot_tornado"]


def _axes(ax, size=(6.4, 4.8)):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=size)
    return ax.figure, ax


def _money(currency: str) -> str:
    return f" ({currency})" if currency else ""


def plot_frontier(table, ax=None, currency: str = ""):
    """Strategies on the cost-effectiveness plane with the efficiency frontier joined."""
    fig, ax = _axes(ax)
    marker = {"reference": "o", "frontier": "o", "extendedly-dominated": "s", "dominated": "x"}
    for r in table.rows:
        ax.scatter(r.effect, r.cost, marker=marker[r.status], color="C0" if r.status in ("reference", "frontier") else "grey")
        ax.annotate(r.strategy, (r.effect, r.cost), textcoords="offset points", xytext=(4, 4), fontsize=8)
    front = [table.row(s) for s in table.frontier]
    ax.plot([r.effect for r in front], [r.cost for r in front], color="C0", lw=1)
    ax.set_xlabel(table.effect.upper() if table.effect in ("qaly", "ly") else table.effect)
    ax.set_ylabel("Cost" + _money(currency))
    ax.set_title("Efficiency frontier")
    return fig


def plot_ce_plane(cost, effect, strategies, comparator: int = 0, wtp: float | None = None, ax=None,
                  currency: str = "", effect_name: str = "QALY"):
    """Incremental costs and effects of each PSA sample against ``comparator``, with a WTP line."""
    fig, ax = _axes(ax)
    cost = np.asarray(cost)
    effect = np.asarray(effect)
    for j, name in enumerate(strategies):
        if j == comparator:
            continue
        dc = cost[:, j] - cost[:, comparator]
        de = effect[:, j] - effect[:, comparator]
        ax.scatter(de, dc, s=4, alpha=0.4, label=f"{name} vs {strategies[comparator]}")
        ax.scatter([de.mean()], [dc.mean()], marker="X", s=60, edgecolor="black")
    ax.axhline(0, color="black", lw=0.5)
    ax.axvline(0, color="black", lw=0.5)
    if wtp is not None:
        lim = np.array(ax.get_xlim())
        ax.plot(lim, wtp * lim, ls="--", color="grey", lw=1, label=f"WTP {wtp:,.0f}")
        ax.set_xlim(*lim)
    ax.set_xlabel(f"Incremental {effect_name}")
    ax.set_ylabel("Incremental cost" + _money(currency))
    ax.set_title("Cost-effectiveness plane")
    ax.legend(fontsize=8)
    return fig


def plot_ceac(wtp, probabilities, strategies, frontier=None, ax=None, currency: str = ""):
    """Acceptability curves, one per strategy; ``frontier`` (indices per WTP) draws the CEAF."""
    fig, ax = _axes(ax)
    wtp = np.asarray(wtp)
    probabilities = np.asarray(probabilities)
    for j, name in enumerate(strategies):
        ax.plot(wtp, probabilities[:, j], label=name)
    if frontier is not None:
        ax.plot(wtp, probabilities[np.arange(wtp.size), frontier], color="black", lw=2.5, alpha=0.3, label="CEAF")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("Willingness to pay" + _money(currency))
    ax.set_ylabel("Probability cost-effective")
    ax.set_title("Cost-effectiveness acceptability")
    ax.legend(fontsize=8)
    return fig


def plot_evpi(wtp, values, ax=None, currency: str = ""):
    """EVPI per person against willingness to pay."""
    fig, ax = _axes(ax)
    ax.plot(wtp, values)
    ax.set_xlabel("Willingness to pay" + _money(currency))
    ax.set_ylabel("EVPI per person" + _money(currency))
    ax.set_title("Expected value of perfect information")
    return fig


def plot_tornado(rows, base: float, outcome: str, ax=None):
    """Tornado diagram: one bar per parameter from its low to its high value's outcome, widest on top."""
    fig, ax = _axes(ax, size=(6.4, 0.4 * max(len(rows), 3) + 1.5))
    rows = sorted(rows, key=lambda r: abs(r.high_outcome - r.low_outcome))
    for y, r in enumerate(rows):
        lo, hi = r.low_outcome, r.high_outcome
        ax.barh(y, lo - base, left=base, color="C0", label="low value" if y == 0 else None)
        ax.barh(y, hi - base, left=base, color="C1", label="high value" if y == 0 else None)
    ax.set_yticks(range(len(rows)), [f"{r.parameter} [{r.low:g}, {r.high:g}]" for r in rows], fontsize=8)
    ax.axvline(base, color="black", lw=1)
    ax.set_xlabel(outcome)
    ax.set_title("One-way sensitivity analysis")
    if rows:
        ax.legend(fontsize=8)
    return fig
