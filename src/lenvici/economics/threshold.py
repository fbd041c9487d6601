"""Threshold analysis: the multiplier of one parameter (a price) at which a decision flips.

A price threshold asks how far one input — typically a drug's price — must move before the decision
between two strategies changes. With the incremental net monetary benefit of ``strategy`` against
``comparator`` at willingness to pay λ,

.. math::

    \\mathrm{INMB}(m) = \\lambda\\,[E_s(m) - E_c(m)] - [C_s(m) - C_c(m)],

where every occurrence of the parameter p is replaced by m·p₀ (p₀ its base value), the threshold is the
root m* of INMB(m) = 0. With λ = 0 it is the multiplier at which ``strategy`` stops (or starts) being
cost-saving — for a more effective strategy, where its dominance flips; with λ > 0 it is where the ICER of
``strategy`` against ``comparator`` crosses λ. The model is evaluated deterministically (every other
parameter at its base value): first on a grid over ``bracket`` in one vectorised evaluation, to find a sign
change, then by Brent's method on the bracketing interval.

References
----------
Brent RP. Algorithms for Minimization without Derivatives. Prentice-Hall, 1973, ch. 4 (``scipy.optimize.brentq``).
Briggs A, Claxton K, Sculpher M. Decision Modelling for Health Economic Evaluation. Oxford University Press,
2006, §5.2 (threshold analysis, net benefit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from lenvici.economics.engine import evaluate
from lenvici.economics.model import Model
from lenvici.errors import InputError

__all__ = ["ThresholdResult", "price_threshold"]


@dataclass(frozen=True)
class ThresholdResult:
    """The multiplier of ``parameter`` at which the INMB of ``strategy`` vs ``comparator`` is zero.

    Attributes
    ----------
    multiplier
        m*, the root of INMB(m) = 0 (1 is the base case; 0.43 means a 57 % price cut).
    value
        m*·p₀, the parameter's value at the threshold.
    base_value
        p₀.
    inmb_at_base
        INMB at m = 1 (positive: ``strategy`` is preferred at λ in the base case).
    converged, iterations
        Brent's method's convergence flag and iteration count.
    grid, grid_inmb
        The multipliers evaluated to bracket the root and the INMB at each (for :meth:`plot`).
    """

    model: str
    parameter: str
    strategy: str
    comparator: str
    wtp: float
    effect: str
    multiplier: float
    value: float
    base_value: float
    inmb_at_base: float
    converged: bool
    iterations: int
    bracket: tuple[float, float]
    grid: np.ndarray = field(repr=False, compare=False)
    grid_inmb: np.ndarray = field(repr=False, compare=False)

    @property
    def reduction(self) -> float:
        """1 − m*: the fractional cut (negative: a rise) of the parameter at the threshold."""
        return 1.0 - self.multiplier

    def summary(self) -> dict:
        return {"model": self.model, "parameter": self.parameter, "strategy": self.strategy,
                "comparator": self.comparator, "wtp": self.wtp, "effect": self.effect,
                "multiplier": self.multiplier, "reduction": self.reduction, "value": self.value,
                "base_value": self.base_value, "inmb_at_base": self.inmb_at_base,
                "converged": self.converged, "iterations": self.iterations}

    def plot(self, ax=None):
        """INMB against the multiplier, with the threshold marked."""
        from lenvici.economics.plots import _axes

        fig, ax = _axes(ax)
        ax.plot(self.grid, self.grid_inmb, color="C0")
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.axvline(self.multiplier, color="C3", ls="--", label=f"m* = {self.multiplier:.4g}")
        ax.axvline(1.0, color="grey", ls=":", label="base case")
        ax.set_xlabel(f"multiplier of {self.parameter}")
        ax.set_ylabel(f"INMB of {self.strategy} vs {self.comparator} at λ = {self.wtp:,.0f}")
        ax.legend(fontsize=8)
        return fig

    def __str__(self) -> str:
        return (f"{self.model}: INMB({self.strategy} vs {self.comparator}, λ = {self.wtp:,.0f}) = 0 at "
                f"{self.parameter} × {self.multiplier:.6g} (= {self.value:,.6g}; base {self.base_value:,.6g}, "
                f"a {100 * self.reduction:.2f} % {'cut' if self.reduction >= 0 else 'rise'})")


def _inmb(model: Model, parameter: str, base: float, multipliers: np.ndarray, j: int, c: int, wtp: float) -> np.ndarray:
    out = evaluate(model, {parameter: base * np.asarray(multipliers, dtype=float)})
    effects = out.qaly if model.settings.effect == "qaly" else out.ly
    return wtp * (effects[:, j] - effects[:, c]) - (out.cost[:, j] - out.cost[:, c])


def price_threshold(model: Model, parameter: str, strategy: str, comparator: str | None = None,
                    wtp: float = 0.0, bracket: tuple[float, float] = (0.0, 10.0), grid: int = 101,
                    xtol: float = 1e-12) -> ThresholdResult:
    """Multiplier of ``parameter`` at which the INMB of ``strategy`` against ``comparator`` is zero.

    Parameters
    ----------
    model
        A validated model (:func:`~lenvici.economics.load_model`).
    parameter
        A model-level parameter with a numeric base value (e.g. a price); neither ``strategy`` nor
        ``comparator`` may override it.
    strategy, comparator
        The strategies compared; ``comparator`` defaults to the model's first strategy.
    wtp
        Willingness to pay λ per unit of the model's effect (QALY or LY), ≥ 0. λ = 0 finds where
        ``strategy`` stops being cost-saving (its dominance flips when it is more effective).
    bracket
        Multipliers [low, high] searched, low < high.
    grid
        Points of the vectorised grid that brackets the root (≥ 3).
    xtol
        Absolute tolerance of Brent's method on the multiplier.

    Returns
    -------
    ThresholdResult

    Raises
    ------
    InputError
        Unknown names, a parameter without a numeric value or overridden by either strategy, a bad bracket,
        or no sign change of the INMB within ``bracket`` (the message gives the INMB at both ends).

    Notes
    -----
    Costs are linear in a price in cohort models, so INMB(m) is a straight line and
    m* = 1 − INMB(1) / (INMB(1) − INMB(0)); Brent's method finds it to ``xtol`` in a few steps and also
    handles parameters that enter non-linearly.

    Examples
    --------
    >>> from lenvici.economics import load_model
    >>> m = load_model("examples/economics/hcc_lenvatinib_vs_sorafenib_canada.yaml")  # doctest: +SKIP
    >>> round(price_threshold(m, "price_sor_tablet", "lenvatinib").reduction, 2)      # doctest: +SKIP
    0.57
    """
    names = tuple(model.strategies)
    if parameter not in model.parameters:
        raise InputError(f"unknown parameter {parameter!r}; the model's parameters are: "
                         f"{', '.join(model.parameters)}", field="parameter")
    comparator = names[0] if comparator is None else comparator
    for role, s in (("strategy", strategy), ("comparator", comparator)):
        if s not in model.strategies:
            raise InputError(f"unknown {role} {s!r}; allowed: {', '.join(names)}", field=role)
        if parameter in model.strategies[s].parameters:
            raise InputError(f"parameter {parameter!r} is overridden by strategy {s!r}, so a multiplier would not "
                             "reach it there; scale a model-level parameter", field="parameter")
    if strategy == comparator:
        raise InputError("strategy and comparator must differ", field="comparator")
    base = model.parameter(parameter).base
    if isinstance(base, bool) or not isinstance(base, (int, float)) or not math.isfinite(base):
        raise InputError(f"parameter {parameter!r} must have a numeric value to scale; got {base!r}",
                         field="parameter")
    if isinstance(wtp, bool) or not isinstance(wtp, (int, float)) or not math.isfinite(wtp) or wtp < 0:
        raise InputError(f"wtp must be a finite amount ≥ 0; got {wtp!r}", field="wtp")
    lo, hi = (float(x) for x in bracket)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise InputError(f"bracket must be [low, high] with low < high; got {list(bracket)}", field="bracket")
    if isinstance(grid, bool) or not isinstance(grid, int) or grid < 3:
        raise InputError(f"grid must be a whole number ≥ 3; got {grid!r}", field="grid")
    j, c = names.index(strategy), names.index(comparator)
    base = float(base)
    ms = np.linspace(lo, hi, grid)
    values = _inmb(model, parameter, base, np.append(ms, 1.0), j, c, float(wtp))
    g, at_base = values[:-1], float(values[-1])
    zero = np.flatnonzero(g == 0.0)
    change = np.flatnonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)
    if zero.size:
        root, converged, iterations = float(ms[zero[0]]), True, 0
    elif change.size:
        k = int(change[0])

        def f(m: float) -> float:
            return float(_inmb(model, parameter, base, np.array([m]), j, c, float(wtp))[0])

        root, info = optimize.brentq(f, float(ms[k]), float(ms[k + 1]), xtol=xtol, full_output=True, disp=False)
        converged, iterations = bool(info.converged), int(info.iterations)
    else:
        raise InputError(f"the INMB of {strategy!r} vs {comparator!r} at λ = {wtp:g} does not change sign for "
                         f"{parameter} × [{lo:g}, {hi:g}] (INMB {g[0]:,.6g} at {lo:g}, {g[-1]:,.6g} at {hi:g}); "
                         "widen the bracket", field="bracket")
    return ThresholdResult(model=model.name, parameter=parameter, strategy=strategy, comparator=comparator,
                           wtp=float(wtp), effect=model.settings.effect, multiplier=float(root),
                           value=float(root) * base, base_value=base, inmb_at_base=at_base, converged=converged,
                           iterations=iterations, bracket=(lo, hi), grid=ms, grid_inmb=g)
