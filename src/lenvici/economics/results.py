"""Result types of a cost-effectiveness run: immutable values with ``summary()``, ``plot()`` and a repr.

``summary()`` returns a list of plain dicts, one per row, ready for a DataFrame or JSON; ``to_json()``
gives the document of DESIGN §4 (``lenvici cea run --json``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lenvici.economics.decision import ICERTable

__all__ = ["CEAResult", "PSAResult"]


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _icers_json(table: ICERTable) -> list[dict]:
    return [{"strategy": r.strategy, "icer": _num(r.icer), "status": r.status} for r in table.rows]


@dataclass(frozen=True, eq=False)
class CEAResult:
    """Deterministic (base-case) results of a model.

    Attributes
    ----------
    model
        The model's name.
    strategies
        Strategy names in the model's order; ``cost``, ``qaly``, ``ly`` follow it (per person).
    effect
        The effect measure of the ICERs: ``"qaly"`` or ``"ly"``.
    icers
        The ICER table (dampack's rules).
    states
        State names; ``traces[strategy]`` is ``(T + 1, n_states)`` state shares at times 0 … T.
    per_cycle
        strategy → {"cost", "qaly", "ly"} → discounted values of cycles 1 … T.
    settings
        How it was computed: cycles, cycle length, correction, discount rates and conventions.
    crossings
        Partitioned survival only: per strategy, time points where a curve was lowered to stay nested.
    """

    model: str
    strategies: tuple[str, ...]
    cost: tuple[float, ...]
    qaly: tuple[float | None, ...]
    ly: tuple[float, ...]
    effect: str
    icers: ICERTable
    states: tuple[str, ...]
    traces: dict = field(repr=False)
    per_cycle: dict = field(repr=False)
    settings: dict = field(default_factory=dict)
    crossings: dict | None = None
    currency: str = ""

    def summary(self) -> list[dict]:
        out = []
        for i, s in enumerate(self.strategies):
            r = self.icers.row(s)
            out.append({"strategy": s, "cost": self.cost[i], "qaly": self.qaly[i], "ly": self.ly[i],
                        "inc_cost": r.inc_cost, "inc_effect": r.inc_effect, "icer": r.icer, "status": r.status})
        return out

    def to_json(self) -> dict:
        return {
            "model": self.model,
            "effect": self.effect,
            "strategies": [{"name": s, "cost": _num(self.cost[i]), "qaly": _num(self.qaly[i]), "ly": _num(self.ly[i])}
                           for i, s in enumerate(self.strategies)],
            "icers": _icers_json(self.icers),
        }

    def plot(self, kind: str = "frontier", ax=None):
        """``kind="frontier"``: strategies on the CE plane; ``"trace"``: state shares over cycles."""
        from lenvici.economics import plots

        if kind == "frontier":
            return plots.plot_frontier(self.icers, ax=ax, currency=self.currency)
        if kind == "trace":
            fig, ax = plots._axes(ax)
            for j, s in enumerate(self.strategies):
                tr = self.traces[s]
                for k, st in enumerate(self.states):
                    ax.plot(np.arange(tr.shape[0]), tr[:, k], color=f"C{k}", ls=["-", "--", ":", "-."][j % 4],
                            label=f"{st} ({s})")
            ax.set_xlabel("cycle")
            ax.set_ylabel("share of cohort")
            ax.legend(fontsize=7)
            return fig
        raise ValueError(f"kind must be 'frontier' or 'trace'; got {kind!r}")

    def __str__(self) -> str:
        return f"{self.model}\n{self.icers}"


@dataclass(frozen=True, eq=False)
class PSAResult:
    """Probabilistic sensitivity analysis: per-sample outcomes and the decision metrics built on them.

    Attributes
    ----------
    n, seed
        Number of samples and the seed that reproduces them.
    cost, qaly, ly
        Arrays ``(n, k)``, strategies in the model's order.
    draws
        Parameter name → ``(n,)`` sampled values.
    wtp
        Willingness-to-pay grid (W,).
    ceac
        ``(W, k)`` probability that each strategy is cost-effective.
    ceaf_strategy, ceaf_probability
        Index of the strategy with the highest expected NMB at each WTP and its CEAC value.
    evpi
        ``(W,)`` EVPI per person.
    icers
        ICER table on the mean costs and effects (dampack's ``calculate_icers_psa``).
    """

    model: str
    strategies: tuple[str, ...]
    n: int
    seed: int | None
    cost: np.ndarray = field(repr=False)
    qaly: np.ndarray = field(repr=False)
    ly: np.ndarray = field(repr=False)
    effect: str = "qaly"
    draws: dict = field(default_factory=dict, repr=False)
    wtp: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    ceac: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    ceaf_strategy: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int), repr=False)
    ceaf_probability: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    evpi: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    icers: ICERTable | None = None
    currency: str = ""
    seconds: float = 0.0

    @property
    def effects(self) -> np.ndarray:
        return self.qaly if self.effect == "qaly" else self.ly

    def summary(self) -> list[dict]:
        """Mean, SD and 2.5 %/97.5 % quantiles of cost and effect per strategy."""
        out = []
        e = self.effects
        for j, s in enumerate(self.strategies):
            out.append({"strategy": s,
                        "cost_mean": float(self.cost[:, j].mean()), "cost_sd": float(self.cost[:, j].std(ddof=1)) if self.n > 1 else 0.0,
                        "cost_lo": float(np.quantile(self.cost[:, j], 0.025)), "cost_hi": float(np.quantile(self.cost[:, j], 0.975)),
                        "effect_mean": float(e[:, j].mean()), "effect_sd": float(e[:, j].std(ddof=1)) if self.n > 1 else 0.0,
                        "effect_lo": float(np.quantile(e[:, j], 0.025)), "effect_hi": float(np.quantile(e[:, j], 0.975))})
        return out

    def ceac_points(self) -> list[dict]:
        """The CEAC as DESIGN §4 writes it: ``[{"wtp": λ, "<strategy>": probability, …}]``."""
        return [{"wtp": float(w), **{s: float(self.ceac[i, j]) for j, s in enumerate(self.strategies)}}
                for i, w in enumerate(self.wtp)]

    def to_json(self) -> dict:
        return {
            "psa": {"n": self.n, "seed": self.seed, "effect": self.effect,
                    "strategies": [{"name": r["strategy"], "cost_mean": r["cost_mean"], "effect_mean": r["effect_mean"],
                                    "cost_ci": [r["cost_lo"], r["cost_hi"]], "effect_ci": [r["effect_lo"], r["effect_hi"]]}
                                   for r in self.summary()],
                    "icers": _icers_json(self.icers) if self.icers is not None else []},
            "ceac": self.ceac_points(),
            "ceaf": [{"wtp": float(w), "strategy": self.strategies[int(b)], "probability": float(p)}
                     for w, b, p in zip(self.wtp, self.ceaf_strategy, self.ceaf_probability)],
            "evpi": [{"wtp": float(w), "evpi": float(v)} for w, v in zip(self.wtp, self.evpi)],
        }

    def plot(self, kind: str = "ce", ax=None, comparator: int = 0, wtp: float | None = None):
        """``kind``: ``"ce"`` (CE plane against ``comparator``), ``"ceac"`` (with the CEAF) or ``"evpi"``."""
        from lenvici.economics import plots

        if kind == "ce":
            return plots.plot_ce_plane(self.cost, self.effects, self.strategies, comparator=comparator, wtp=wtp,
                                       ax=ax, currency=self.currency, effect_name=self.effect.upper())
        if kind == "ceac":
            return plots.plot_ceac(self.wtp, self.ceac, self.strategies, frontier=self.ceaf_strategy, ax=ax,
                                   currency=self.currency)
        if kind == "evpi":
            return plots.plot_evpi(self.wtp, self.evpi, ax=ax, currency=self.currency)
        raise ValueError(f"kind must be 'ce', 'ceac' or 'evpi'; got {kind!r}")

    def __str__(self) -> str:
        lines = [f"{self.model}: PSA with {self.n} samples (seed {self.seed})"]
        for r in self.summary():
            lines.append(f"  {r['strategy']:<24} cost {r['cost_mean']:,.2f} [{r['cost_lo']:,.2f}, {r['cost_hi']:,.2f}]"
                         f"  {self.effect} {r['effect_mean']:.4f} [{r['effect_lo']:.4f}, {r['effect_hi']:.4f}]")
        return "\n".join(lines)
