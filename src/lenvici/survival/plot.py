"""Plots for the survival results: Kaplan–Meier curves, fitted parametric curves, forest plots, and a
reconstruction against its digitised curve.

Every function draws on the Axes it is given, or on a new matplotlib ``Figure`` (no pyplot state, so it
works under any backend, Agg included) and returns the Axes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_hazard_ratios", "plot_km", "plot_parametric", "plot_reconstruction"]


def _axes(ax):
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=(6.4, 4.4)).subplots()


def _steps(km):
    """x, y of a right-continuous step curve starting at (0, 1)."""
    return np.concatenate(([0.0], km.time)), np.concatenate(([1.0], km.survival))


def plot_km(curves, ax=None, ci: bool = True, censor_marks: bool = True, **style):
    """Kaplan–Meier step curves (a list of KaplanMeierResult) with bands and censoring ticks."""
    ax = _axes(ax)
    for km in curves:
        x, y = _steps(km)
        (line,) = ax.step(x, y, where="post", label=km.label, **style)
        color = line.get_color()
        if ci:
            lo = np.concatenate(([1.0], np.nan_to_num(km.lower, nan=0.0)))
            hi = np.concatenate(([1.0], np.nan_to_num(km.upper, nan=1.0)))
            ax.fill_between(x, lo, hi, step="post", alpha=0.15, color=color, linewidth=0)
        if censor_marks:
            marks = km.n_censor > 0
            ax.plot(km.time[marks], km.survival[marks], "|", color=color, markersize=6)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel("time")
    ax.set_ylabel("survival probability")
    if any(km.label is not None for km in curves):
        ax.legend(frameon=False)
    return ax


def plot_parametric(fits, ax=None, t_max: float | None = None, km=None, **style):
    """Fitted parametric survival curves, optionally over a Kaplan–Meier curve."""
    ax = _axes(ax)
    if km is not None:
        plot_km([km], ax=ax, ci=False, censor_marks=False, color="black", linewidth=1.0)
    if t_max is None:
        t_max = float(km.time[-1]) * 1.5 if km is not None else max(float(f.quantile(0.95)) for f in fits if np.isfinite(f.quantile(0.95)))
    grid = np.linspace(0.0, t_max, 400)[1:]
    for f in fits:
        ax.plot(grid, f.survival(grid), label=f"{f.family} (AIC {f.aic:.1f})", **style)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, t_max)
    ax.set_xlabel("time")
    ax.set_ylabel("survival probability")
    ax.legend(frameon=False, fontsize="small")
    return ax


def plot_hazard_ratios(result, ax=None, **style):
    """Forest plot of a CoxResult's hazard ratios on a log axis, with a line at HR = 1."""
    ax = _axes(ax)
    y = np.arange(len(result.names))[::-1]
    err = np.vstack((result.hr - result.hr_lower, result.hr_upper - result.hr))
    ax.errorbar(result.hr, y, xerr=err, fmt="s", capsize=3, **style)
    ax.axvline(1.0, color="grey", linestyle=":")
    ax.set_xscale("log")
    ax.set_yticks(y)
    ax.set_yticklabels(result.names)
    ax.set_xlabel(f"hazard ratio ({100 * result.conf_level:g}% CI)")
    return ax


def plot_reconstruction(ipd, ax=None, **style):
    """The digitised points against the Kaplan–Meier curve of the reconstructed data."""
    ax = _axes(ax)
    ax.plot(ipd.curve_time, ipd.curve_survival, ".", color="grey", markersize=3, label="digitised")
    km = ipd.km(label="reconstructed")
    plot_km([km], ax=ax, ci=False, censor_marks=True, **style)
    ax.legend(frameon=False)
    return ax
