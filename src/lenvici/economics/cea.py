"""Entry points: the base case (:func:`run_model`) and the probabilistic analysis (:func:`run_psa`)."""

from __future__ import annotations

import time

import numpy as np

from lenvici.economics.decision import calculate_icers, ceac, ceaf, evpi
from lenvici.economics.engine import evaluate
from lenvici.economics.model import Model
from lenvici.economics.psa import draw
from lenvici.economics.results import CEAResult, PSAResult
from lenvici.errors import InputError

__all__ = ["run_model", "run_psa", "draw_parameters", "default_wtp"]


def run_model(model: Model) -> CEAResult:
    """Evaluate the base case: every parameter at its value; ICERs on the model's effect measure.

    Examples
    --------
    >>> from lenvici.economics import load_model
    >>> res = run_model(load_model("examples/economics/dmhee_hiv.yaml"))  # doctest: +SKIP
    >>> round(res.icers.row("combination").icer, 4)  # doctest: +SKIP
    6275.9556
    """
    out = evaluate(model, keep=True)
    effects = out.qaly[0] if model.settings.effect == "qaly" else out.ly[0]
    table = calculate_icers(out.cost[0], effects, out.strategies, effect_name=model.settings.effect)
    st = model.settings
    return CEAResult(
        model=model.name,
        strategies=out.strategies,
        cost=tuple(float(x) for x in out.cost[0]),
        qaly=tuple(None if np.isnan(x) else float(x) for x in out.qaly[0]),
        ly=tuple(float(x) for x in out.ly[0]),
        effect=st.effect,
        icers=table,
        states=tuple(model.state_names),
        traces={s: out.traces[s][0] for s in out.strategies},
        per_cycle={s: {k: v[0] for k, v in out.per_cycle[s].items()} for s in out.strategies},
        settings={"type": model.type, "cycles": st.n_cycles, "cycle_length_years": st.cycle_length_years,
                  "correction": st.correction, "discount": st.discount.model_dump()},
        crossings=None if out.crossings is None else {s: int(v[0]) for s, v in out.crossings.items()},
        currency=st.currency,
    )


def draw_parameters(model: Model, n: int, seed: int | np.random.Generator | None = None) -> dict[str, np.ndarray]:
    """``n`` joint draws of every parameter with a distribution (univariate, copula, MVN, Dirichlet)."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    cops, mvns, dirs = model.psa_groups()
    return draw(n, rng, model.distributions(), cops, mvns, dirs)


def default_wtp(table, points: int = 51) -> np.ndarray:
    """WTP grid from 0 to twice the largest frontier ICER (rounded up), or 0 … 100,000 without one."""
    icers = [r.icer for r in table.rows if r.icer is not None and np.isfinite(r.icer) and r.icer > 0]
    top = 2.0 * max(icers) if icers else 100_000.0
    mag = 10 ** np.floor(np.log10(top))
    top = float(np.ceil(top / mag) * mag)
    return np.linspace(0.0, top, points)


def run_psa(model: Model, n: int, seed: int | None = None, wtp=None) -> PSAResult:
    """Probabilistic sensitivity analysis with ``n`` samples, evaluated for all samples at once.

    Parameters
    ----------
    model
        A validated model with at least one parameter distribution.
    n
        Number of samples, ≥ 1.
    seed
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same draws.
    wtp
        Willingness-to-pay grid for the CEAC, CEAF and EVPI; default ``settings.wtp`` or
        :func:`default_wtp` of the mean results.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"the number of PSA samples must be a whole number ≥ 1; got {n!r}", field="psa")
    if not model.distributions() and not any(model.psa_groups()):
        raise InputError("the model has no parameter distributions to sample", field="parameters")
    t0 = time.perf_counter()
    draws = draw_parameters(model, int(n), seed)
    out = evaluate(model, draws)
    effects = out.qaly if model.settings.effect == "qaly" else out.ly
    table = calculate_icers(out.cost.mean(axis=0), effects.mean(axis=0), out.strategies,
                            effect_name=model.settings.effect)
    if wtp is None:
        wtp = model.settings.wtp
    grid = default_wtp(table) if wtp is None else np.asarray(wtp, dtype=float)
    curve = ceac(out.cost, effects, grid)
    front, front_p = ceaf(out.cost, effects, grid)
    value = evpi(out.cost, effects, grid)
    return PSAResult(model=model.name, strategies=out.strategies, n=int(n), seed=seed, cost=out.cost, qaly=out.qaly,
                     ly=out.ly, effect=model.settings.effect, draws=draws, wtp=grid, ceac=curve, ceaf_strategy=front,
                     ceaf_probability=front_p, evpi=value, icers=table, currency=model.settings.currency,
                     seconds=time.perf_counter() - t0)
