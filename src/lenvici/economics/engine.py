"""Evaluate a model for many parameter sets at once: costs, QALYs and life-years per strategy.

The parameter sets (the base case, PSA draws or one-way sensitivity runs) form a leading axis S. Every
expression is evaluated once on arrays shaped ``(S, T)`` — samples × cycles — so a PSA with a thousand
draws costs a handful of NumPy operations per expression plus one batched matrix product per cycle.

Outcomes are per member of the cohort (the counts are divided by the initial cohort size):

.. math::

    C = c_0 + \\sum_{t=1}^{T} d_c(t) \\sum_s n_s(t)\\, c_s(t), \\qquad
    Q = q_0 + \\sum_{t=1}^{T} d_e(t)\\, \\ell \\sum_s n_s(t)\\, u_s(t), \\qquad
    L = \\sum_{t=1}^{T} d_e(t)\\, \\ell \\sum_{s\\,\\text{alive}} n_s(t)

with n(t) the corrected counts of cycle t (:mod:`.correction`), d the discount factors
(:mod:`.discount`), ℓ the cycle length in years, c_s per-cycle state costs, u_s utilities per year and
c₀, q₀ the strategy's undiscounted starting values. Life-years are discounted at the effects rate unless
``discount.life_years`` is false.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from lenvici.economics._expr import FUNCTIONS
from lenvici.economics.correction import correct_counts
from lenvici.economics.curves import FAMILIES, km_survival, survival, to_curve_time
from lenvici.economics.discount import discount_factors
from lenvici.economics.markov import cohort_trace, expand_tunnels
from lenvici.economics.model import Model
from lenvici.economics.psm import partition
from lenvici.errors import InputError

__all__ = ["Outcomes", "evaluate"]

_CYCLE_NAMES = ("cycle", "model_time", "markov_cycle")


@dataclass(frozen=True, eq=False)
class Outcomes:
    """Costs, QALYs and life-years of every strategy for every parameter set.

    Attributes
    ----------
    strategies
        Strategy names, in the model's order.
    cost, qaly, ly
        Arrays ``(S, k)``; ``qaly`` is NaN when no state has a utility.
    traces
        When kept: strategy → ``(S, T + 1, n_states)`` state shares at times 0 … T (tunnels summed).
    per_cycle
        When kept: strategy → {"cost", "qaly", "ly"} → ``(S, T)`` discounted values of cycles 1 … T.
    crossings
        Partitioned survival: strategy → ``(S,)`` time points where a curve was lowered to stay nested.
    """

    strategies: tuple[str, ...]
    cost: np.ndarray
    qaly: np.ndarray
    ly: np.ndarray
    traces: dict | None = None
    per_cycle: dict | None = None
    crossings: dict | None = None


class _Table:
    def __init__(self, name, breaks, values):
        self.name = name
        self.breaks = np.asarray(breaks, dtype=float)
        self.values = np.asarray(values, dtype=float)


def _lookup(table, x):
    if not isinstance(table, _Table):
        raise InputError("lookup() takes a table name as its first argument", field="tables")
    x = np.asarray(x, dtype=float)
    idx = np.searchsorted(table.breaks, x, side="right") - 1
    if np.any(idx < 0):
        raise InputError(f"tables.{table.name}: value {float(np.min(x))!r} lies below the first break "
                         f"{table.breaks[0]!r}", field=f"tables.{table.name}")
    return table.values[idx]


def _interp(table, x):
    if not isinstance(table, _Table):
        raise InputError("interp() takes a table name as its first argument", field="tables")
    return np.interp(np.asarray(x, dtype=float), table.breaks, table.values)


class _Namespace(Mapping):
    """Names visible to the expressions of one strategy; parameters are evaluated lazily and cached."""

    def __init__(self, model: Model, strategy: str, fixed: dict, T: int, parent=None, state_time=None):
        self.model = model
        self.strategy = strategy
        self.fixed = fixed
        self.T = T
        self.parent = parent
        self.state_time = state_time
        self.cache: dict = {}
        if parent is None:
            own = model.strategies[strategy].parameters
            self.paths = {n: (f"strategies.{strategy}.parameters.{n}" if n in own else f"parameters.{n}")
                          for n in model.parameters}
            self.cycle = np.arange(1, T + 1, dtype=float)[None, :]
            self.tables = {n: _Table(n, t.breaks, t.values) for n, t in model.tables.items()}
            self.curves = {n: _Curve(self, n) for n in model.curves}
            self.functions = {**FUNCTIONS, "lookup": _lookup, "interp": _interp, **model.functions}
            self.st_dependent = self._state_time_dependent()
        else:
            self.paths, self.cycle, self.tables = parent.paths, parent.cycle, parent.tables
            self.curves, self.functions, self.st_dependent = parent.curves, parent.functions, parent.st_dependent

    def _state_time_dependent(self) -> set[str]:
        out = {n for n, p in self.paths.items() if "state_time" in self.model.expr(p).names}
        changed = True
        while changed:
            changed = False
            for n, p in self.paths.items():
                if n not in out and self.model.expr(p).names & out:
                    out.add(n)
                    changed = True
        return out

    def child(self, state_time: int) -> _Namespace:
        return _Namespace(self.model, self.strategy, self.fixed, self.T, parent=self, state_time=float(state_time))

    def __getitem__(self, key):
        if key in self.cache:
            return self.cache[key]
        if key in self.paths:
            if self.parent is not None and key not in self.st_dependent:
                return self.parent[key]
            own = self.model.strategies[self.strategy].parameters
            if key in self.fixed and key not in own:
                value = self.fixed[key]
            else:
                value = self.model.expr(self.paths[key]).evaluate(self)
            self.cache[key] = value
            return value
        if key in _CYCLE_NAMES:
            return self.cycle
        if key == "state_time":
            if self.state_time is None:
                raise InputError("state_time is only defined inside a tunnel state", field="state_time")
            return self.state_time
        if key == "cycle_length":
            return self.model.settings.cycle_length_years
        if key in self.tables:
            return self.tables[key]
        if key in self.curves:
            return self.curves[key]
        if key in self.functions:
            return self.functions[key]
        raise KeyError(key)

    def __iter__(self):
        return iter(self.paths)

    def __len__(self):
        return len(self.paths)


class _Curve:
    """A model curve as a function of time in cycles, with its parameters read from the namespace."""

    def __init__(self, ns: _Namespace, name: str):
        self.ns = ns
        self.name = name
        self.spec = ns.model.curves[name]

    def _param(self, key):
        return self.ns.model.expr(f"curves.{self.name}.{key}").evaluate(self.ns)

    def __call__(self, t_cycles):
        spec, f = self.spec, self.spec.fields
        cl = self.ns.model.settings.cycle_length_years
        t = np.asarray(t_cycles, dtype=float)
        if spec.type in FAMILIES:
            params = {k: self._param(k) for k in FAMILIES[spec.type]}
            return survival(spec.type, to_curve_time(t, cl, spec.time_unit), **params)
        if spec.type == "ph":
            return np.power(self.ns.curves[f["base"]](t), self._param("hr"))
        if spec.type == "aft":
            return self.ns.curves[f["base"]](t / self._param("af"))
        # digitised Kaplan–Meier points, optionally with a parametric tail after the last point
        tc = to_curve_time(t, cl, spec.time_unit)
        km = km_survival(tc, f["times"], f["survival"])
        tail = f.get("tail")
        if tail is None:
            return km
        t_last = float(f["times"][-1])
        last_cycles = t_last / float(to_curve_time(1.0, cl, spec.time_unit))
        tail_fn = self.ns.curves[tail]
        with np.errstate(divide="ignore", invalid="ignore"):
            cont = float(f["survival"][-1]) * tail_fn(t) / tail_fn(np.asarray(last_cycles))
        return np.where(tc <= t_last, km, cont)


def _broadcast(value, S: int, T: int, path: str) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    try:
        return np.broadcast_to(a, (S, T))
    except ValueError:
        raise InputError(f"{path}: evaluates to shape {a.shape}, which does not fit samples × cycles ({S}, {T})",
                         field=path) from None


def _entry_error(path, strategy, what, value, S, Tm):
    a = np.broadcast_to(np.asarray(value, dtype=float), (S, Tm))
    bad = np.argwhere(~((a >= -1e-12) & (a <= 1 + 1e-12)))[0]
    s, t = int(bad[0]), int(bad[1])
    where = f"cycle {t + 1}" if Tm > 1 else "every cycle"
    sample = f", parameter set {s}" if S > 1 else ""
    return InputError(f"{path}: {what} is {float(a[s, t])!r} at {where}{sample} (strategy {strategy!r}); "
                      "a probability must lie in [0, 1]", field=path)


def _in_unit_interval(a) -> bool:
    a = np.asarray(a)
    return bool(a.min() >= -1e-12 and a.max() <= 1 + 1e-12) if a.size else True


def _markov_trace(model: Model, strategy: str, ns: _Namespace, S: int, T: int):
    path, mat = model.strategy_transitions(strategy)
    states = model.states
    n = len(states)
    tunnel = [s.tunnel for s in states]
    evaluated = []         # per state, per sub-state: n entries (arrays) or None for the complement
    time_varying = False
    for i in range(n):
        subs = []
        for j in range(tunnel[i]):
            sub_ns = ns.child(j + 1) if tunnel[i] > 1 else ns
            entries = []
            for k in range(n):
                if mat[i][k] == "C":
                    entries.append(None)
                    continue
                entry_path = f"{path}[{i}][{k}]"
                val = np.asarray(model.expr(entry_path).evaluate(sub_ns), dtype=float)
                if val.ndim > 2 or (val.ndim >= 1 and val.shape[-1] not in (1, T)):
                    raise InputError(f"{entry_path}: evaluates to shape {val.shape}, which does not fit "
                                     f"samples × cycles ({S}, {T})", field=entry_path)
                if val.ndim == 2 and val.shape[1] == T and T > 1:
                    time_varying = True
                if not _in_unit_interval(val):
                    raise _entry_error(entry_path, strategy, f"the probability of moving to {states[k].name!r}",
                                       val, S, val.shape[-1] if val.ndim == 2 else 1)
                entries.append(val)
            subs.append(entries)
        evaluated.append(subs)
    Tm = T if time_varying else 1
    N = sum(tunnel)
    if N == n:
        P = np.empty((Tm, n, n, S))
    rows_by_state = []
    for i in range(n):
        block = None if N == n else np.empty((tunnel[i], Tm, n, S))
        for j, entries in enumerate(evaluated[i]):
            target = P[:, i] if N == n else block[j]           # (Tm, n, S)
            total = None
            comp = None
            for k, val in enumerate(entries):
                if val is None:
                    comp = k
                    continue
                if val.ndim == 2 and val.shape[1] != Tm:
                    val = val[:, :1]
                target[:, k, :] = val.T if val.ndim == 2 else val
                total = target[:, k, :].copy() if total is None else total + target[:, k, :]
            row_path = f"{path}[{i}]"
            if comp is not None:
                rest = 1.0 - total
                if not _in_unit_interval(rest):
                    raise _entry_error(row_path, strategy, f"the complement C (staying in or moving to "
                                       f"{states[comp].name!r}) out of state {states[i].name!r}", rest.T, S, Tm)
                target[:, comp, :] = rest
            elif np.max(np.abs(total - 1.0)) > 1e-6:
                a = total.T
                s_, t_ = np.argwhere(np.abs(a - 1.0) > 1e-6)[0]
                where = f"cycle {t_ + 1}" if Tm > 1 else "every cycle"
                raise InputError(f"{row_path}: probabilities out of state {states[i].name!r} sum to "
                                 f"{float(a[s_, t_])!r}, not 1, at {where} (strategy {strategy!r}); "
                                 "use C for the complement", field=row_path)
        if N != n:
            rows_by_state.append(block)
    if N != n:
        P = expand_tunnels(rows_by_state, tunnel)
    init = np.zeros(N)
    offsets = np.cumsum([0] + tunnel)
    for i, c in enumerate(model.init_vector()):
        init[offsets[i]] = c
    init = init / init.sum()
    trace = cohort_trace(P, init, cycles=T)
    return trace, tunnel, None


def _psm_trace(model: Model, strategy: str, ns: _Namespace, S: int, T: int):
    names = model.strategy_partition(strategy)
    t = np.arange(T + 1, dtype=float)
    curves = np.stack([_broadcast(ns.curves[c](t), S, T + 1, f"curves.{c}") for c in names], axis=-1)
    shares, crossed = partition(curves)
    return shares, [1] * len(model.states), crossed


def _state_values(model: Model, ns: _Namespace, tunnel: list[int], S: int, T: int):
    N = sum(tunnel)
    cost = np.zeros((S, T, N))
    util = np.zeros((S, T, N))
    alive = np.zeros(N)
    r = 0
    for i, st in enumerate(model.states):
        for j in range(tunnel[i]):
            sub_ns = ns.child(j + 1) if tunnel[i] > 1 else ns
            for c in st.costs:
                path = f"states[{i}].costs.{c}"
                cost[:, :, r] += _broadcast(model.expr(path).evaluate(sub_ns), S, T, path)
            if st.utility is not None:
                path = f"states[{i}].utility"
                util[:, :, r] = _broadcast(model.expr(path).evaluate(sub_ns), S, T, path)
            alive[r] = 1.0 if st.alive else 0.0
            r += 1
    return cost, util, alive


def _evaluate_strategy(model: Model, strategy: str, fixed: dict, S: int, keep: bool):
    T = model.settings.n_cycles
    st = model.settings
    cl = st.cycle_length_years
    ns = _Namespace(model, strategy, fixed, T)
    if model.type == "markov":
        trace, tunnel, crossed = _markov_trace(model, strategy, ns, S, T)
    else:
        trace, tunnel, crossed = _psm_trace(model, strategy, ns, S, T)
    counts = correct_counts(trace, st.correction)
    cost_v, util_v, alive = _state_values(model, ns, tunnel, S, T)
    d = st.discount
    dc = discount_factors(d.costs, T, cl, d.first, d.steps)
    de = discount_factors(d.effects, T, cl, d.first, d.steps)
    cost_t = np.einsum("stn,stn->st", counts, cost_v) * dc
    qaly_t = np.einsum("stn,stn->st", counts, util_v) * (cl * de)
    ly_t = (counts @ alive) * (cl * (de if d.life_years else 1.0))
    start_cost = start_qaly = 0.0
    sv = model.strategies[strategy].starting_values
    if sv is not None:
        start_cost = _broadcast(model.expr(f"strategies.{strategy}.starting_values.cost").evaluate(ns), S, 1, "cost")[:, 0]
        start_qaly = _broadcast(model.expr(f"strategies.{strategy}.starting_values.qaly").evaluate(ns), S, 1, "qaly")[:, 0]
    cost = cost_t.sum(axis=1) + start_cost
    qaly = qaly_t.sum(axis=1) + start_qaly
    ly = ly_t.sum(axis=1)
    extra = None
    if keep:
        if any(k > 1 for k in tunnel):
            offsets = np.cumsum([0] + tunnel)
            trace = np.stack([trace[..., offsets[i]:offsets[i + 1]].sum(axis=-1) for i in range(len(tunnel))], axis=-1)
        extra = (trace, {"cost": cost_t, "qaly": qaly_t, "ly": ly_t})
    return cost, qaly, ly, extra, crossed


def evaluate(model: Model, draws: Mapping[str, np.ndarray] | None = None, n: int | None = None,
             keep: bool = False, chunk: int = 2048) -> Outcomes:
    """Costs, QALYs and life-years of every strategy for every parameter set.

    Parameters
    ----------
    model
        A validated model (:func:`~lenvici.economics.load_model`).
    draws
        Parameter name → array ``(S,)`` replacing the model-level definition of that parameter (a
        strategy's own override still wins). Without draws, the base case (S = 1).
    n
        Number of parameter sets S when ``draws`` is empty.
    keep
        Keep the traces and the per-cycle values (memory ∝ S·T).
    chunk
        Parameter sets evaluated together; bounds memory for large PSAs.

    Raises
    ------
    InputError
        A transition matrix is not stochastic or an expression cannot be evaluated; the message names the
        field, the cycle and the parameter set.
    """
    draws = {k: np.asarray(v, dtype=float) for k, v in (draws or {}).items()}
    for k in draws:
        if k not in model.parameters:
            raise InputError(f"unknown parameter {k!r} in the draws", field=k)
    sizes = {v.shape[0] for v in draws.values()}
    if len(sizes) > 1:
        raise InputError("all drawn parameters need the same number of samples", field="draws")
    S = sizes.pop() if sizes else (n or 1)
    names = tuple(model.strategies)
    k = len(names)
    cost = np.empty((S, k))
    qaly = np.empty((S, k))
    ly = np.empty((S, k))
    traces, per_cycle, crossings = ({}, {}, {}) if keep else (None, None, {})
    kept: dict[str, list] = {nm: [] for nm in names}
    for start in range(0, S, chunk):
        stop = min(S, start + chunk)
        fixed = {p: v[start:stop, None] for p, v in draws.items()}
        for j, nm in enumerate(names):
            try:
                c, q, y, extra, crossed = _evaluate_strategy(model, nm, fixed, stop - start, keep)
            except (FloatingPointError, ZeroDivisionError, OverflowError) as exc:
                raise InputError(f"strategies.{nm}: numerical failure while evaluating the model: {exc}",
                                 field=f"strategies.{nm}") from None
            cost[start:stop, j], qaly[start:stop, j], ly[start:stop, j] = c, q, y
            if crossed is not None:
                crossings.setdefault(nm, []).append(crossed)
            if keep:
                kept[nm].append(extra)
    if keep:
        for nm in names:
            traces[nm] = np.concatenate([e[0] for e in kept[nm]], axis=0)
            per_cycle[nm] = {key: np.concatenate([e[1][key] for e in kept[nm]], axis=0) for key in ("cost", "qaly", "ly")}
    crossings = {nm: np.concatenate(v) for nm, v in crossings.items()} or None
    if not model.has_utilities:
        qaly[:] = np.nan
    return Outcomes(names, cost, qaly, ly, traces, per_cycle, crossings)
