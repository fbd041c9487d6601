"""Decision metrics: ICERs on the efficiency frontier, net monetary benefit, CEAC, CEAF and EVPI.

ICERs follow dampack's ``calculate_icers`` (Alarid-Escudero et al.): strategies are sorted by cost (ties
by decreasing effect); a strategy is *dominated* when a cheaper (or equally cheap, listed earlier) one is at
least as effective; among the rest, a strategy whose ICER exceeds that of the next more effective strategy
is *extendedly dominated*, repeatedly until the ICERs increase along the frontier. The cheapest
non-dominated strategy is the *reference*; the others form the *frontier*.

With PSA samples (arrays ``(S, k)`` of costs and effects), at willingness to pay λ the net monetary benefit
is NMB = λ·E − C; the CEAC gives, per strategy, the share of samples in which it has the highest NMB (ties
go to the first strategy); the CEAF follows the strategy with the highest *expected* NMB and its
probability of being cost-effective; and EVPI = E[max_k NMB_k] − max_k E[NMB_k].

References
----------
Alarid-Escudero F, Krijkamp E, Enns EA, et al. dampack: Decision-Analytic Modeling Package. R package,
``R/icers.R``, ``R/ceac.R``, ``R/evpi.R``. Fenwick E, Claxton K, Sculpher M. Representing uncertainty: the
role of cost-effectiveness acceptability curves. Health Econ 2001;10:779–787. doi:10.1002/hec.635
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lenvici.errors import InputError

__all__ = ["ICERRow", "ICERTable", "calculate_icers", "nmb", "ceac", "ceaf", "evpi", "STATUSES"]

#: ICER statuses, in the order the table lists them.
STATUSES = ("reference", "frontier", "extendedly-dominated", "dominated")


@dataclass(frozen=True)
class ICERRow:
    """One strategy of an ICER table; incremental values are against the previous frontier strategy."""

    strategy: str
    cost: float
    effect: float
    inc_cost: float | None
    inc_effect: float | None
    icer: float | None
    status: str


@dataclass(frozen=True)
class ICERTable:
    """Strategies with their status on the efficiency frontier (reference, frontier, then the dominated)."""

    rows: tuple[ICERRow, ...]
    effect: str = "effect"

    @property
    def frontier(self) -> tuple[str, ...]:
        return tuple(r.strategy for r in self.rows if r.status in ("reference", "frontier"))

    def row(self, strategy: str) -> ICERRow:
        return next(r for r in self.rows if r.strategy == strategy)

    def summary(self) -> list[dict]:
        return [r.__dict__.copy() for r in self.rows]

    def plot(self, ax=None, currency: str = ""):
        from lenvici.economics.plots import plot_frontier

        return plot_frontier(self, ax=ax, currency=currency)

    def __str__(self) -> str:
        head = f"{'strategy':<24}{'cost':>14}{self.effect:>12}{'Δcost':>14}{'Δ' + self.effect:>12}{'ICER':>14}  status"
        lines = [head, "-" * len(head)]
        for r in self.rows:
            def f(x, d):
                return "" if x is None else f"{x:,.{d}f}"
            lines.append(f"{r.strategy[:23]:<24}{r.cost:>14,.2f}{r.effect:>12.4f}{f(r.inc_cost, 2):>14}"
                         f"{f(r.inc_effect, 4):>12}{f(r.icer, 2):>14}  {r.status}")
        return "\n".join(lines)


def _frontier_icers(idx: list[int], cost: np.ndarray, effect: np.ndarray) -> list[float]:
    out = [np.nan]
    for a, b in zip(idx, idx[1:]):
        out.append((cost[b] - cost[a]) / (effect[b] - effect[a]))
    return out


def calculate_icers(cost, effect, strategies, effect_name: str = "effect") -> ICERTable:
    """ICER table with strong and extended dominance, as dampack's ``calculate_icers``.

    Parameters
    ----------
    cost, effect
        One value per strategy.
    strategies
        Strategy names, unique.

    Examples
    --------
    >>> t = calculate_icers([55000, 35000, 25000, 10000, 12000, 5000], [5, 4, 3, 2, 1.5, 1],
    ...                     ["E", "D", "C", "B", "A", "UC"])
    >>> [(r.strategy, r.icer, r.status) for r in t.rows]  # doctest: +NORMALIZE_WHITESPACE
    [('UC', None, 'reference'), ('B', 5000.0, 'frontier'), ('D', 12500.0, 'frontier'),
     ('E', 20000.0, 'frontier'), ('C', None, 'extendedly-dominated'), ('A', None, 'dominated')]
    """
    cost = np.asarray(cost, dtype=float)
    effect = np.asarray(effect, dtype=float)
    names = [str(s) for s in strategies]
    if not (cost.shape == effect.shape == (len(names),)):
        raise InputError("cost, effect and strategies must have the same length", field="strategies")
    if len(set(names)) != len(names):
        raise InputError(f"strategy names must be unique; got {names}", field="strategies")
    if not (np.all(np.isfinite(cost)) and np.all(np.isfinite(effect))):
        raise InputError("costs and effects must be finite", field="strategies")
    order = sorted(range(len(names)), key=lambda i: (cost[i], -effect[i]))
    if len(order) == 1:
        i = order[0]
        return ICERTable((ICERRow(names[i], float(cost[i]), float(effect[i]), None, None, None, "reference"),),
                         effect_name)
    dominated: list[int] = []
    for a_pos, a in enumerate(order):
        for b in order[a_pos + 1:]:
            if effect[b] <= effect[a] and b not in dominated:
                dominated.append(b)
    extended: list[int] = []
    while True:
        nd = [i for i in order if i not in dominated and i not in extended]
        if len(nd) <= 2:
            break
        icers = _frontier_icers(nd, cost, effect)
        new = [nd[p] for p in range(1, len(nd) - 1) if icers[p] > icers[p + 1]]
        if not new:
            break
        extended.extend(new)
    nd = [i for i in order if i not in dominated and i not in extended]
    icers = _frontier_icers(nd, cost, effect)
    rows = []
    for p, i in enumerate(nd):
        if p == 0:
            rows.append(ICERRow(names[i], float(cost[i]), float(effect[i]), None, None, None, "reference"))
        else:
            prev = nd[p - 1]
            rows.append(ICERRow(names[i], float(cost[i]), float(effect[i]), float(cost[i] - cost[prev]),
                                float(effect[i] - effect[prev]), float(icers[p]), "frontier"))
    for status, group in (("extendedly-dominated", extended), ("dominated", dominated)):
        for i in sorted(group, key=lambda i: (cost[i], -effect[i])):
            rows.append(ICERRow(names[i], float(cost[i]), float(effect[i]), None, None, None, status))
    return ICERTable(tuple(rows), effect_name)


def nmb(cost, effect, wtp):
    """Net monetary benefit λ·E − C; with ``wtp`` of shape (W,), the result gains a last axis W."""
    cost = np.asarray(cost, dtype=float)
    effect = np.asarray(effect, dtype=float)
    w = np.asarray(wtp, dtype=float)
    if w.ndim == 0:
        return w * effect - cost
    return effect[..., None] * w - cost[..., None]


def ceac(cost, effect, wtp) -> np.ndarray:
    """Probability that each strategy has the highest NMB: array ``(W, k)`` from samples ``(S, k)``."""
    cost = np.atleast_2d(np.asarray(cost, dtype=float))
    effect = np.atleast_2d(np.asarray(effect, dtype=float))
    w = np.atleast_1d(np.asarray(wtp, dtype=float))
    S, k = cost.shape
    out = np.zeros((w.size, k))
    for i, lam in enumerate(w):           # one pass per WTP keeps memory at S × k
        best = np.argmax(lam * effect - cost, axis=1)
        out[i] = np.bincount(best, minlength=k) / S
    return out


def ceaf(cost, effect, wtp) -> tuple[np.ndarray, np.ndarray]:
    """Cost-effectiveness acceptability frontier: (index of the optimal strategy, its CEAC value) per WTP."""
    cost = np.atleast_2d(np.asarray(cost, dtype=float))
    effect = np.atleast_2d(np.asarray(effect, dtype=float))
    w = np.atleast_1d(np.asarray(wtp, dtype=float))
    curve = ceac(cost, effect, w)
    best = np.argmax(w[:, None] * effect.mean(axis=0) - cost.mean(axis=0), axis=1)
    return best, curve[np.arange(w.size), best]


def evpi(cost, effect, wtp) -> np.ndarray:
    """Expected value of perfect information per person at each WTP: E[max NMB] − max E[NMB]."""
    cost = np.atleast_2d(np.asarray(cost, dtype=float))
    effect = np.atleast_2d(np.asarray(effect, dtype=float))
    w = np.atleast_1d(np.asarray(wtp, dtype=float))
    out = np.empty(w.size)
    for i, lam in enumerate(w):
        b = lam * effect - cost
        out[i] = b.max(axis=1).mean() - b.mean(axis=0).max()
    return np.maximum(out, 0.0)
