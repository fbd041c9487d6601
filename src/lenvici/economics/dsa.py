"""One-way deterministic sensitivity analysis (DSA) and its tornado diagram.

Each parameter with a ``range: [low, high]`` in the model file (or, with ``from_distributions``, each
parameter with a univariate distribution, at its 2.5 % and 97.5 % quantiles) is set to its low and then its
high value while every other parameter keeps its base value. All 2p + 1 runs are evaluated together as
parameter sets of one vectorised evaluation.

Outcomes: ``"icer"`` (of ``strategy`` against ``comparator``), ``"inmb"`` (incremental net monetary
benefit at ``wtp``), ``"cost"``/``"effect"`` (incremental), or ``"nmb"`` of ``strategy`` alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lenvici.economics.engine import evaluate
from lenvici.economics.model import Model
from lenvici.errors import InputError

__all__ = ["DSARow", "DSAResult", "run_dsa", "OUTCOMES"]

#: The outcomes a one-way DSA can report.
OUTCOMES = ("icer", "inmb", "cost", "effect", "nmb")


@dataclass(frozen=True)
class DSARow:
    """One parameter: its low/high values and the outcome at each."""

    parameter: str
    low: float
    high: float
    low_outcome: float
    high_outcome: float

    @property
    def swing(self) -> float:
        return abs(self.high_outcome - self.low_outcome)


@dataclass(frozen=True)
class DSAResult:
    """One-way DSA: the base outcome and one row per parameter, widest swing first."""

    model: str
    outcome: str
    strategy: str
    comparator: str | None
    wtp: float | None
    base: float
    rows: tuple[DSARow, ...]

    def summary(self) -> list[dict]:
        return [{"parameter": r.parameter, "low": r.low, "high": r.high, "low_outcome": r.low_outcome,
                 "high_outcome": r.high_outcome, "swing": r.swing} for r in self.rows]

    def plot(self, ax=None):
        """Tornado diagram."""
        from lenvici.economics.plots import plot_tornado

        label = self.outcome.upper() + (f" ({self.strategy} vs {self.comparator})" if self.comparator else f" ({self.strategy})")
        return plot_tornado(list(self.rows), self.base, label, ax=ax)

    def __str__(self) -> str:
        lines = [f"{self.model}: one-way DSA of {self.outcome} (base {self.base:,.4f})"]
        for r in self.rows:
            lines.append(f"  {r.parameter:<24} [{r.low:g}, {r.high:g}] → [{r.low_outcome:,.4f}, {r.high_outcome:,.4f}]")
        return "\n".join(lines)


def _outcome(kind, cost, eff, j, c, wtp):
    dc = cost[:, j] - (cost[:, c] if c is not None else 0.0)
    de = eff[:, j] - (eff[:, c] if c is not None else 0.0)
    if kind == "icer":
        with np.errstate(divide="ignore", invalid="ignore"):
            return dc / de
    if kind == "cost":
        return dc
    if kind == "effect":
        return de
    return wtp * de - dc  # inmb and nmb


def run_dsa(model: Model, outcome: str = "icer", strategy: str | None = None, comparator: str | None = None,
            wtp: float | None = None, parameters: list[str] | None = None,
            from_distributions: bool = False) -> DSAResult:
    """One-way sensitivity analysis.

    Parameters
    ----------
    model
        A validated model.
    outcome
        One of :data:`OUTCOMES`.
    strategy, comparator
        Default: the last and the first strategy of the model (``comparator`` is unused for ``"nmb"``).
    wtp
        Willingness to pay, needed for ``"inmb"`` and ``"nmb"``.
    parameters
        Restrict to these parameters (each needs a range, or a distribution with ``from_distributions``).
    from_distributions
        Use the 2.5 % / 97.5 % quantiles of univariate distributions for parameters without a range.
    """
    if outcome not in OUTCOMES:
        raise InputError(f"outcome must be one of {', '.join(OUTCOMES)}; got {outcome!r}", field="outcome")
    names = list(model.strategies)
    strategy = strategy or names[-1]
    if strategy not in names:
        raise InputError(f"unknown strategy {strategy!r}; strategies are {', '.join(names)}", field="strategy")
    if outcome == "nmb":
        comparator = None
    else:
        comparator = comparator or names[0]
        if comparator not in names or comparator == strategy:
            raise InputError(f"comparator must be another strategy among {', '.join(names)}; got {comparator!r}",
                             field="comparator")
    if outcome in ("inmb", "nmb") and wtp is None:
        raise InputError(f"outcome {outcome!r} needs a willingness to pay (wtp)", field="wtp")
    ranges: dict[str, tuple[float, float]] = {}
    for p in (parameters or list(model.parameters)):
        if p not in model.parameters:
            raise InputError(f"unknown parameter {p!r}", field="parameters")
        spec = model.parameter(p)
        if spec.range is not None:
            ranges[p] = spec.range
        elif from_distributions and spec.distribution is not None:
            d = spec.dist
            ranges[p] = (float(d.ppf(np.array(0.025))), float(d.ppf(np.array(0.975))))
        elif parameters:
            raise InputError(f"parameter {p!r} has no range" + (" or distribution" if from_distributions else ""),
                             field=f"parameters.{p}.range")
    if not ranges:
        raise InputError("no parameter has a one-way range: add 'range: [low, high]' to parameters",
                         field="parameters")
    k = len(ranges)
    draws = {}
    for i, (p, (lo, hi)) in enumerate(ranges.items()):
        base = model.parameter(p).base
        if not isinstance(base, (int, float)):
            base = model.parameter(p).dist.mean
        col = np.full(2 * k + 1, float(base))
        col[1 + 2 * i], col[2 + 2 * i] = lo, hi
        draws[p] = col
    out = evaluate(model, draws)
    eff = out.qaly if model.settings.effect == "qaly" else out.ly
    j = names.index(strategy)
    c = None if comparator is None else names.index(comparator)
    y = _outcome(outcome, out.cost, eff, j, c, wtp)
    rows = [DSARow(p, float(lo), float(hi), float(y[1 + 2 * i]), float(y[2 + 2 * i]))
            for i, (p, (lo, hi)) in enumerate(ranges.items())]
    rows.sort(key=lambda r: -r.swing)
    return DSAResult(model.name, outcome, strategy, comparator, wtp, float(y[0]), tuple(rows))
