"""The one entry point: integrate a batch of patients, each with its own parameters, inputs and steps."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lenvici.errors import InputError, SimulationError
from lenvici.sim.model._compile import CompiledModel, compile_model
from lenvici.sim.model._spec import ModelSpec
from lenvici.sim.solver._controller import PIController
from lenvici.sim.solver._event import Event, OutputEvent
from lenvici.sim.solver._exposure import Exposure
from lenvici.sim.solver._result import RESULTS, Solution
from lenvici.sim.solver._rosenbrock import AbstractRosenbrock, Rodas4
from lenvici.sim.solver._saveat import SaveAt
from lenvici.sim.solver._term import ODETerm, initial_states

__all__ = ["simulate", "BACKENDS"]

_RUNNING = int(RESULTS.running)

#: Values of ``simulate(..., backend=)``.
BACKENDS = ("auto", "numpy", "numba", "jax")
#: ``backend="auto"`` compiles only for batches at least this large: compiling a model the first time on a
#: machine takes seconds (later processes load numba's cache), which a few patients never pay back.
AUTO_NUMBA_MIN_PATIENTS = 64


def _try_numba(cm, y0, params, t_grid, exposures, *, t0, solver, controller, event, max_steps, dt0, outputs,
               required):
    """The compiled engine's solution, or ``None`` where it does not support the options (and
    ``required`` is false: ``backend="auto"``)."""
    from lenvici.sim.solver import _numba
    from lenvici.sim.solver._modal import modal_inputs

    reason = _numba.unsupported(solver, controller, event)
    term = ODETerm(cm, params, exposures)  # validates params and the exposure's input names
    N, n = term.n_patients, cm.n_states
    save = SaveAt(t_grid)
    ts = save.ts
    t_start = float(ts[0]) if t0 is None else float(t0)
    if t_start > ts[0]:
        raise InputError(f"t0 ({t_start}) is after the first save time ({ts[0]})", field="t0")
    inputs = None
    if reason is None:
        inputs = modal_inputs(exposures, cm.spec.input_names, N, t_start)
        if inputs is None:
            reason = f"exposure {type(exposures).__name__} (supported: none, constant, step, dose events, stacks)"
    if reason is not None:
        if required:
            raise InputError(f"backend='numba' does not support {reason}; use backend='numpy' or 'auto'",
                             field="backend")
        return None
    y0 = initial_states(y0, N, n)
    return _numba.simulate_numba(cm, y0, term.P.T, ts, t_start, inputs, controller=controller or PIController(),
                                 event=event, max_steps=max_steps, dt0=dt0, outputs=outputs)


def _output_names(cm: CompiledModel, outputs) -> tuple[str, ...]:
    """The outputs to evaluate: all for ``True``, none for ``False``/``None``, else the names given (checked)."""
    if outputs is None or isinstance(outputs, bool | np.bool_):
        return tuple(cm.spec.output_names) if outputs else ()
    names = (outputs,) if isinstance(outputs, str) else tuple(outputs)
    unknown = [k for k in names if k not in cm.spec.output_names]
    if unknown:
        raise InputError(f"unknown outputs {unknown}; the model's: {list(cm.spec.output_names)}", field="outputs")
    return names


def _simulate_jax(cm, y0, params, t_grid, exposures, *, controller, max_steps, outputs, event, solver, dt0, t0):
    """Dispatch to the JAX engine (optional extra)."""
    try:
        import jax  # noqa: F401
    except ImportError:
        raise InputError("backend='jax' needs the optional extra: pip install 'lenvici[jax]'", field="backend") from None
    for name, value in (("event", event), ("solver", solver), ("dt0", dt0), ("t0", t0)):
        if value is not None:
            raise InputError(f"backend='jax' does not take {name}=; use backend='numpy' or 'numba'", field=name)
    from lenvici.sim.solver._jax import simulate_jax

    sol = simulate_jax(cm, y0, params, t_grid, exposures, controller=controller, max_steps=max_steps,
                       outputs=bool(outputs))
    for name in [k for k in sol.outputs if k not in outputs]:
        del sol.outputs[name]
    return sol


def _initial_step(term, t0, Y, scale, controller, span):
    rows = np.arange(Y.shape[1])
    f0 = term.f(t0, Y, rows, t0)
    sc = controller.atol * scale[:, None] + controller.rtol * np.abs(Y)
    d0 = np.sqrt(np.mean((Y / sc) ** 2, axis=0))
    d1 = np.sqrt(np.mean((f0 / sc) ** 2, axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where((d0 < 1e-5) | (d1 < 1e-5), 1e-6, 0.01 * d0 / d1)
    h = np.where(np.isfinite(h), h, 1e-6)
    return np.clip(h, 1e-10, span)


def _locate_event(event, solver, term, t, y, h, g_lo, g_hi, rows):
    """Illinois regula falsi on the step size: the smallest h' in (0, h] with event ≥ 0, per patient."""
    lo = np.zeros_like(h)
    hi = h.copy()
    side = np.zeros(h.shape, int)
    y_hi = None
    for _ in range(event.max_iter):
        width = hi - lo
        if np.all(width <= event.xtol * np.maximum(1.0, np.abs(t))):
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            hm = (lo * g_hi - hi * g_lo) / (g_hi - g_lo)
        bad = ~np.isfinite(hm) | (hm <= lo) | (hm >= hi)
        hm = np.where(bad, 0.5 * (lo + hi), hm)
        ym, _ = solver.step(term, t, y, hm, rows)
        gm = event.fn(t + hm, ym, rows)
        up = gm >= 0
        hi = np.where(up, hm, hi)
        g_hi = np.where(up, gm, g_hi)
        lo = np.where(up, lo, hm)
        g_lo = np.where(up, g_lo, gm)
        # Illinois: halve the stale end's value when the same side moves twice
        g_lo = np.where(up & (side == 1), 0.5 * g_lo, g_lo)
        g_hi = np.where(~up & (side == -1), 0.5 * g_hi, g_hi)
        side = np.where(up, 1, -1)
    y_hi, _ = solver.step(term, t, y, hi, rows)
    return t + hi, y_hi


def simulate(model: ModelSpec | CompiledModel, y0, params, t_grid, exposures: Exposure | None = None, *,
             t0: float | None = None, solver: AbstractRosenbrock | None = None, controller=None,
             event: Event | OutputEvent | None = None, max_steps: int = 100_000, dt0=None,
             outputs: bool | Sequence[str] = True,
             throw: bool = False, chunk_size: int | None = 2048, backend: str = "auto") -> Solution:
    """Integrate ``N`` patients at once, each with its own parameters, inputs and adaptive steps.

    Parameters
    ----------
    model
        The model (:class:`~lenvici.sim.model.ModelSpec`, compiled on first use, or a compiled one).
    y0
        Initial states ``(N, n_states)`` (or ``(n_states,)`` for all patients).
    params
        Parameters ``(N, n_params)`` in the model's parameter order.
    t_grid
        Save times (days), non-decreasing; the last is the end. Every patient steps onto each.
    exposures
        Drug inputs per patient over time (:class:`~lenvici.sim.solver.Exposure`); ``None`` for no drug.
        Their breakpoints (dose times) are never stepped across: each patient stops and restarts there.
    t0
        Start time; defaults to ``t_grid[0]``.
    solver
        A batched Rosenbrock method; default :class:`~lenvici.sim.solver.Rodas4`.
    controller
        Step-size controller; default ``PIController(rtol=1e-6, atol=1e-9)``.
    event
        A terminating :class:`~lenvici.sim.solver.Event`, or an :class:`~lenvici.sim.solver.OutputEvent`
        (an output reaching a per-patient threshold, e.g. the baseline RECIST diameter), which the compiled
        engine also runs.
    max_steps
        Most steps (accepted + rejected) per patient.
    dt0
        Initial step (days, scalar or ``(N,)``); estimated per patient when omitted.
    outputs
        Also evaluate the model's output definitions at the save times: ``True`` all of them, ``False`` none,
        or a sequence of output names (e.g. ``("d_recist", "d_mrecist")``), which saves memory and time when
        only a few are read.
    throw
        Raise :class:`~lenvici.errors.SimulationError` if any patient fails, instead of only recording its
        status.
    chunk_size
        Patients integrated together (``None``: all at once). Patients are independent, so chunking changes
        no number; blocks of a few thousand keep the working arrays in cache and are faster than one
        huge batch. The compiled engine integrates each patient on its own and ignores it.
    backend
        ``"numpy"``: the vectorised engine; ``"numba"``: the compiled per-patient engine
        (:mod:`lenvici.sim.solver._numba`; Rodas4 with :class:`PIController` or :class:`ConstantStepSize`,
        exposures that are none, constant, step, dose events or a stack of these, no event or an
        :class:`OutputEvent`); ``"auto"``: numba where it supports the options and the batch has at least
        ``AUTO_NUMBA_MIN_PATIENTS`` (64) patients, else numpy; ``"jax"``:
        the JAX engine (the optional extra ``lenvici[jax]``). numpy and numba agree to rounding error.

    Returns
    -------
    Solution
        Saved states ``(N, T, n)``, outputs, per-patient status and step counts.

    Notes
    -----
    Each loop iteration takes one step for every still-running patient with that patient's own step size;
    rejected patients retry with a smaller step while the others advance, and finished patients drop out
    of the batch, so one stiff or failing patient costs only its own work.
    """
    cm = model if isinstance(model, CompiledModel) else compile_model(model)
    outputs = _output_names(cm, outputs)
    params = np.asarray(params, dtype=float)
    N = params.shape[0] if params.ndim == 2 else 0
    if backend not in BACKENDS:
        raise InputError(f"backend must be one of {list(BACKENDS)}; got {backend!r}", field="backend")
    if backend == "jax":
        return _checked(_simulate_jax(cm, y0, params, t_grid, exposures, controller=controller, max_steps=max_steps,
                                      outputs=outputs, event=event, solver=solver, dt0=dt0, t0=t0), throw)
    if backend == "numba" or (backend == "auto" and N >= AUTO_NUMBA_MIN_PATIENTS):
        sol = _try_numba(cm, y0, params, t_grid, exposures, t0=t0, solver=solver, controller=controller, event=event,
                         max_steps=max_steps, dt0=dt0, outputs=outputs, required=backend == "numba")
        if sol is not None:
            return _checked(sol, throw)
    if isinstance(event, OutputEvent):
        event = event.as_event(ODETerm(cm, params, exposures))
    if chunk_size is not None and N > chunk_size:
        y0 = np.asarray(y0, dtype=float)
        parts = []
        for a in range(0, N, chunk_size):
            idx = np.arange(a, min(a + chunk_size, N))
            sub_exp = None if exposures is None else _SubsetExposure(exposures, idx, N)
            sub_event = None if event is None else Event(_SubsetFn(event.fn, idx), event.xtol, event.max_iter)
            parts.append(simulate(cm, y0 if y0.ndim == 1 else y0[idx], params[idx], t_grid, sub_exp, t0=t0,
                                  solver=solver, controller=controller, event=sub_event, max_steps=max_steps,
                                  dt0=dt0 if np.ndim(dt0) == 0 else np.asarray(dt0)[idx], outputs=outputs,
                                  throw=False, chunk_size=None, backend="numpy"))
        return _checked(_concatenate(parts), throw)
    term = ODETerm(cm, params, exposures)
    N, n = term.n_patients, cm.n_states
    y0 = initial_states(y0, N, n)
    save = SaveAt(t_grid)
    ts = save.ts
    T = ts.size
    t_start = float(ts[0]) if t0 is None else float(t0)
    if t_start > ts[0]:
        raise InputError(f"t0 ({t_start}) is after the first save time ({ts[0]})", field="t0")
    t_end = float(ts[-1])
    solver = solver or Rodas4()
    controller = controller or PIController()
    scale = np.array([s.scale for s in cm.spec.states], dtype=float)

    bp = term.breakpoints()
    bp = np.where((bp > t_start) & (bp < t_end), bp, np.inf)
    bp = np.sort(np.concatenate([bp, np.full((N, 1), np.inf)], axis=1), axis=1)

    Y = y0.T.copy()
    t = np.full(N, t_start)
    ys = np.full((T, n, N), np.nan)
    save_idx = np.zeros(N, int)
    bp_ptr = np.zeros(N, int)
    status = np.full(N, _RUNNING)
    n_steps = np.zeros(N, int)
    n_rej = np.zeros(N, int)
    err_prev = np.ones(N)
    h_bp = np.full(N, np.inf)  # step proposed after the first accepted step past the last breakpoint
    fresh = np.zeros(N, bool)
    t_final = np.full(N, np.nan)
    y_final = np.full((N, n), np.nan)
    span = max(t_end - t_start, 1e-12)
    if controller.adaptive:
        h = _initial_step(term, np.full(N, t_start), Y, scale, controller, span) if dt0 is None \
            else np.broadcast_to(np.asarray(dt0, float), (N,)).copy()
    else:
        h = np.full(N, controller.dt)
    g_prev = event.fn(t, Y, np.arange(N)) if event is not None else None

    while True:
        act = np.flatnonzero(status == _RUNNING)
        if act.size == 0:
            break
        # record saves at the current time and pass breakpoints already reached
        while True:
            due = act[(save_idx[act] < T) & (ts[np.minimum(save_idx[act], T - 1)] <= t[act])]
            if due.size == 0:
                break
            ys[save_idx[due], :, due] = Y[:, due].T
            save_idx[due] += 1
        done = act[save_idx[act] >= T]
        status[done] = int(RESULTS.successful)
        act = act[save_idx[act] < T]
        if act.size == 0:
            continue
        passed = act[bp[act, bp_ptr[act]] <= t[act]]
        while passed.size:
            bp_ptr[passed] += 1
            err_prev[passed] = 1.0  # restart the controller's memory after a discontinuity
            h[passed] = np.minimum(h[passed], h_bp[passed])  # ... no larger than what worked after the last
            fresh[passed] = True
            passed = passed[bp[passed, bp_ptr[passed]] <= t[passed]]

        ta, ya, ha = t[act], Y[:, act], h[act]
        stop = np.minimum(ts[save_idx[act]], bp[act, bp_ptr[act]])
        room = stop - ta
        hit = ha >= room * (1.0 - 1e-10)
        hs = np.where(hit, room, ha)
        with np.errstate(all="ignore"):
            y_new, err = solver.step(term, ta, ya, hs, act)
        en = controller.error_norm(err, ya, y_new, scale)
        ok = en <= 1.0
        t_new = np.where(hit, stop, ta + hs)

        crossing = np.zeros(act.size, bool)
        if event is not None and np.any(ok):
            g_new = np.full(act.size, -np.inf)
            g_new[ok] = event.fn(t_new[ok], y_new[:, ok], act[ok])
            crossing = ok & (g_prev[act] < 0) & (g_new >= 0)
            if np.any(crossing):
                c = np.flatnonzero(crossing)
                with np.errstate(all="ignore"):
                    te, ye = _locate_event(event, solver, term, ta[c], ya[:, c], hs[c], g_prev[act[c]],
                                           g_new[c], act[c])
                rows = act[c]
                status[rows] = int(RESULTS.event_occurred)
                t_final[rows] = te
                y_final[rows] = ye.T
                t[rows] = te
                Y[:, rows] = ye
            acc_g = ok & ~crossing
            g_prev[act[acc_g]] = g_new[acc_g]
        acc = ok & ~crossing
        rows = act[acc]
        Y[:, rows] = y_new[:, acc]
        t[rows] = t_new[acc]

        h_new = controller.propose(hs, en, err_prev[act], ok, solver.order)
        h_new = np.where(ok & hit, np.maximum(h_new, ha), h_new)
        h[act] = h_new
        first = act[ok & fresh[act]]
        h_bp[first] = h[first]
        fresh[first] = False
        err_prev[act[ok]] = np.maximum(en[ok], 1e-4)
        n_steps[act[ok]] += 1
        n_rej[act[~ok]] += 1

        running = act[status[act] == _RUNNING]
        over = running[n_steps[running] + n_rej[running] >= max_steps]
        status[over] = int(RESULTS.max_steps_reached)
        running = act[status[act] == _RUNNING]
        tiny = running[h[running] < 1e-13 * np.maximum(1.0, np.abs(t[running]))]
        if tiny.size:
            nonfinite = ~np.all(np.isfinite(Y[:, tiny]), axis=0) | ~np.isfinite(
                en[np.searchsorted(act, tiny)])
            status[tiny] = np.where(nonfinite, int(RESULTS.nonfinite), int(RESULTS.dt_min_reached))

    fin = np.isnan(t_final)
    t_final[fin] = t[fin]
    y_final[fin] = Y[:, fin].T
    ys = np.transpose(ys, (2, 0, 1)).copy()
    outs: dict[str, np.ndarray] = {}
    if outputs:
        rows = np.arange(N)
        per_t = [term.outputs(np.full(N, tk), ys[:, k, :].T, rows) for k, tk in enumerate(ts)]
        for name in outputs:
            outs[name] = np.stack([o[name] for o in per_t], axis=1)
    sol = Solution(ts=ts, ys=ys, status=status, t_final=t_final, y_final=y_final,
                   state_names=cm.spec.state_names, outputs=outs, n_steps=n_steps, n_rejected=n_rej,
                   solver=type(solver).__name__, rtol=getattr(controller, "rtol", float("nan")),
                   atol=getattr(controller, "atol", float("nan")))
    return _checked(sol, throw)


def _checked(sol: Solution, throw: bool) -> Solution:
    """``sol``, or :class:`~lenvici.errors.SimulationError` naming the first failed patient when ``throw``."""
    if throw and not np.all(sol.ok):
        bad = np.flatnonzero(~sol.ok)
        raise SimulationError(f"{bad.size} of {bad.size + int(np.sum(sol.ok))} patients failed; first: patient "
                              f"{bad[0]}: {sol.message(bad[0])}")
    return sol


class _SubsetExposure(Exposure):
    """An exposure seen through a block of patients (local row i is global row ``idx[i]``)."""

    def __init__(self, base: Exposure, idx: np.ndarray, n_total: int):
        self.base, self.idx, self.n_total = base, idx, n_total
        self.names = base.names

    def values(self, t, rows, t_start):
        return self.base.values(t, self.idx[rows], t_start)

    def derivatives(self, t, rows, t_start):
        return self.base.derivatives(t, self.idx[rows], t_start)

    def breakpoints(self, n_patients):
        return self.base.breakpoints(self.n_total)[self.idx]


class _SubsetFn:
    def __init__(self, fn, idx):
        self.fn, self.idx = fn, idx

    def __call__(self, t, y, rows):
        return self.fn(t, y, self.idx[rows])


def _concatenate(parts: list[Solution]) -> Solution:
    first = parts[0]

    def cat(name):
        return np.concatenate([getattr(p, name) for p in parts], axis=0)

    outs = {k: np.concatenate([p.outputs[k] for p in parts], axis=0) for k in first.outputs}
    return Solution(ts=first.ts, ys=cat("ys"), status=cat("status"), t_final=cat("t_final"), y_final=cat("y_final"),
                    state_names=first.state_names, outputs=outs, n_steps=cat("n_steps"), n_rejected=cat("n_rejected"),
                    solver=first.solver, rtol=first.rtol, atol=first.atol)
