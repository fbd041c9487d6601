"""The slow reference: SciPy's ``solve_ivp`` one patient at a time (obviously correct, for tests and
benchmarks; STYLE §6). It integrates piecewise between the same breakpoints as :func:`simulate`, with the
model's analytic Jacobian.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from lenvici.sim.model._compile import CompiledModel, compile_model
from lenvici.sim.model._spec import ModelSpec
from lenvici.sim.solver._exposure import Exposure
from lenvici.sim.solver._term import ODETerm

__all__ = ["simulate_reference"]


def simulate_reference(model: ModelSpec | CompiledModel, y0, params, t_grid, exposures: Exposure | None = None,
                       *, method: str = "LSODA", rtol: float = 1e-8, atol: float = 1e-12) -> np.ndarray:
    """States ``(N, T, n)`` on ``t_grid`` by ``scipy.integrate.solve_ivp``, one patient at a time.

    ``atol`` is multiplied by each state's ``scale``, as in :class:`PIController`. A patient whose
    integration fails gets NaN from the failure on.
    """
    cm = model if isinstance(model, CompiledModel) else compile_model(model)
    term = ODETerm(cm, params, exposures)
    N, n = term.n_patients, cm.n_states
    y0 = np.asarray(y0, dtype=float)
    if y0.ndim == 1:
        y0 = np.tile(y0, (N, 1))
    ts = np.asarray(t_grid, dtype=float)
    scale = np.array([s.scale for s in cm.spec.states], dtype=float)
    out = np.full((N, ts.size, n), np.nan)
    bps = term.breakpoints()
    for i in range(N):
        rows = np.array([i])
        bp = np.unique(bps[i][(bps[i] > ts[0]) & (bps[i] < ts[-1])])
        edges = np.concatenate([[ts[0]], bp, [ts[-1]]])
        y = y0[i].copy()
        out[i, ts == ts[0]] = y
        for a, b in zip(edges[:-1], edges[1:]):
            if b <= a:
                continue
            ta = np.array([a])

            def fun(t, yy, ta=ta):
                return term.f(np.array([t]), yy[:, None], rows, ta)[:, 0]

            def jac(t, yy, ta=ta):
                return cm.jac(yy[:, None], term.P[:, rows], term.inputs(np.array([t]), rows, ta))[:, :, 0]

            inside = ts[(ts > a) & (ts <= b)]
            t_eval = np.unique(np.concatenate([inside, [b]]))
            kw = {"jac": jac} if method in ("LSODA", "BDF", "Radau") else {}
            sol = solve_ivp(fun, (a, b), y, method=method, t_eval=t_eval, rtol=rtol, atol=atol * scale, **kw)
            if not sol.success:
                break
            for k in np.flatnonzero((ts > a) & (ts <= b)):
                out[i, k] = sol.y[:, np.searchsorted(t_eval, ts[k])]
            y = sol.y[:, -1]
    return out
