"""The optional JAX engine: the same Rodas4 and PI controller as :func:`~lenvici.sim.solver.simulate`,
compiled by XLA, for a CPU or a GPU unchanged.

One :func:`jax.lax.while_loop` advances the whole batch; each iteration mirrors one iteration of the NumPy
loop in :mod:`._simulate` patient by patient:

1. a running patient whose time has reached its next save time(s) records its state there (every patient
   steps exactly onto each save time, no interpolation); a patient past the last save time is done;
2. switch times of a :class:`StepExposure` already reached are passed (the PI controller's memory is
   reset there, as after any discontinuity);
3. every running patient tries one Rodas4 step with its own step size, clipped so as to land exactly on
   the next save time or switch time, whichever comes first: no step ever crosses a breakpoint;
4. the scaled RMS error accepts or rejects it, and the PI controller proposes the next step size;
5. a patient stops with its own status (:class:`RESULTS`): ``max_steps_reached`` after ``max_steps`` tries,
   ``dt_min_reached`` / ``nonfinite`` when its step size collapses.

The Rodas4 step itself is written for one patient (a dense 13 × 13 ``W = I/(γh) − J``, factorised by
:func:`jax.scipy.linalg.lu_factor` with partial pivoting) and mapped over the batch with :func:`jax.vmap`.
The loop is over the batch rather than a ``vmap`` of a per-patient ``while_loop``: under ``vmap`` a
per-patient loop becomes a batched loop whose every iteration selects the *whole* carry (including the
``(N, T, n)`` save buffer) between old and new values; here the save buffer is only scattered into,
``O(N·n)`` per iteration. Patients that have finished ride along masked (their arithmetic is discarded),
as in any lock-step GPU integrator; the NumPy engine instead drops them from the batch.

Inputs supported: none, :class:`ConstantExposure` and :class:`StepExposure` — piecewise constant in time,
so ``∂f/∂t = 0`` inside every step and the Rodas4 ``d_i`` terms vanish. Inputs given as functions or
tabulated curves would need host callbacks or an interpolation table on the device; they raise
:class:`~lenvici.errors.InputError`.

Precision: the engine runs in float64. JAX defaults to float32; rather than switching the process-wide
``jax_enable_x64`` flag, every trace and call here runs inside JAX's ``enable_x64`` context manager, which
sets the flag for the current thread only and restores it on exit, so other JAX users in the same process
keep their setting.

Compilation: one :func:`jax.jit` per model (cached on the model), traced again by JAX for each new
combination of shapes — patients ``N``, save times ``T`` and switch times ``K``. Tolerances, controller
constants and ``max_steps`` are traced values, so changing them does not recompile.

References
----------
Hairer E, Wanner G. Solving Ordinary Differential Equations II, 2nd ed. Springer 1996: Section IV.7
(RODAS, the coefficients read from :class:`~lenvici.sim.solver.Rodas4`) and Section IV.8 (the PI step-size
controller, as in :class:`~lenvici.sim.solver.PIController`).
"""

from __future__ import annotations

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.model._compile import CompiledModel
from lenvici.sim.solver._controller import PIController
from lenvici.sim.solver._exposure import ConstantExposure, StepExposure, ZeroExposure
from lenvici.sim.solver._result import RESULTS, Solution
from lenvici.sim.solver._rosenbrock import Rodas4
from lenvici.sim.solver._saveat import SaveAt
from lenvici.sim.solver._term import ODETerm, initial_states

try:  # optional dependency (extra ``lenvici[jax]``)
    import jax
    import jax.numpy as jnp
    from jax.scipy.linalg import lu_factor, lu_solve
except ImportError:  # pragma: no cover - exercised only where jax is absent
    jax = None

__all__ = ["simulate_jax"]

_RUNNING, _OK = int(RESULTS.running), int(RESULTS.successful)
_MAXSTEPS, _DTMIN, _NONFINITE = int(RESULTS.max_steps_reached), int(RESULTS.dt_min_reached), int(RESULTS.nonfinite)
#: order of the controller constants in the traced vector ``ctl``
_CTL_FIELDS = ("rtol", "atol", "safety", "factor_min", "factor_max", "beta1", "beta2")


def _x64():
    """JAX's thread-local float64 context manager (``jax.enable_x64`` or, in older JAX, the experimental one)."""
    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    from jax.experimental import enable_x64  # JAX < 0.5

    return enable_x64()


# --- one patient ------------------------------------------------------------------------------------
def _tableau(tab: Rodas4):
    """Rodas4's coefficients as 6 × 6 matrices ``A`` (stage points) and ``C`` (stage corrections) and the
    weights ``b`` of the solution, read from :class:`~lenvici.sim.solver.Rodas4` (never retyped).

    Stage ``i`` (from 0) evaluates ``f`` at ``y + A[i] · k`` and adds ``C[i] · k / h``. Rodas4 is stiffly
    accurate: its fifth stage point ``y5 = y + Σ_{j≤4} a_5j k_j``, the sixth ``y5 + k_5`` and the solution
    ``y5 + k_5 + k_6``, so ``A[5] = (a_51, …, a_54, 1, 0)`` and ``b = (a_51, …, a_54, 1, 1)``.
    """
    A = np.zeros((6, 6))
    C = np.zeros((6, 6))
    for i in range(2, 7):
        for j in range(1, i):
            C[i - 1, j - 1] = getattr(tab, f"c{i}{j}")
            if i <= 5:
                A[i - 1, j - 1] = getattr(tab, f"a{i}{j}")
    A[5, :4] = A[4, :4]
    A[5, 4] = 1.0
    b = A[5].copy()
    b[5] = 1.0
    return A, C, b


def _rodas4_step(jm, tab: Rodas4, coef, y, p, u, h):
    """One Rodas4 step of one patient with inputs ``u`` constant over the step; ``(y_new, error_estimate)``.

    The stage equations are those of :class:`~lenvici.sim.solver.Rodas4` with ``∂f/∂t = 0``:
    ``(I/(γh) − J) k_i = f(y + Σ_j A_ij k_j) + Σ_j (C_ij / h) k_j``; the solution is ``y + Σ_j b_j k_j`` and
    the error estimate ``k_6``. The six stages run in a :func:`jax.lax.fori_loop` (``A``, ``C`` strictly
    lower triangular, so stage ``i`` only reads the stages before it): the right-hand side is compiled once
    instead of six times, which halved the XLA compile time on CPU for about 25 % more run time than the
    unrolled stages.
    """
    A, C, b = (jnp.asarray(a, dtype=y.dtype) for a in coef)
    n = y.shape[0]
    lu = lu_factor(jnp.eye(n, dtype=y.dtype) / (tab.gamma * h) - jm.jac(y, p, u))
    inv_h = 1.0 / h

    def stage(i, ks):
        f = jm.rhs(y + A[i] @ ks, p, u) + inv_h * (C[i] @ ks)
        return ks.at[i].set(lu_solve(lu, f))

    ks = jax.lax.fori_loop(0, 6, stage, jnp.zeros((6, n), dtype=y.dtype))
    return y + b @ ks, ks[5]


def _error_norm(ctl, err, y0, y1, scale):
    """Scaled RMS error of one patient (as :meth:`PIController.error_norm`); ``inf`` if not finite."""
    rtol, atol = ctl[0], ctl[1]
    sc = atol * scale + rtol * jnp.maximum(jnp.abs(y0), jnp.abs(y1))
    e = jnp.sqrt(jnp.mean((err / sc) ** 2))
    bad = ~jnp.isfinite(e) | ~jnp.all(jnp.isfinite(y1))
    return jnp.where(bad, jnp.inf, e)


def _propose(ctl, dt_max, h, err, err_prev, accepted, order):
    """Next step size (as :meth:`PIController.propose`)."""
    safety, fmin, fmax, beta1, beta2 = ctl[2], ctl[3], ctl[4], ctl[5], ctl[6]
    e = jnp.maximum(err, 1e-10)
    fac_acc = safety * e ** (-beta1 / order) * jnp.maximum(err_prev, 1e-4) ** (beta2 / order)
    fac_rej = safety * e ** (-1.0 / order)
    fac = jnp.where(accepted, jnp.clip(fac_acc, fmin, fmax), jnp.clip(fac_rej, fmin, 1.0))
    fac = jnp.where(jnp.isfinite(err), fac, 0.25)
    return jnp.minimum(h * fac, dt_max)


def _initial_step(jm, ctl, y, p, u, scale, span):
    """Starting step of one patient (as ``_initial_step`` in :mod:`._simulate`)."""
    rtol, atol = ctl[0], ctl[1]
    f0 = jm.rhs(y, p, u)
    sc = atol * scale + rtol * jnp.abs(y)
    d0 = jnp.sqrt(jnp.mean((y / sc) ** 2))
    d1 = jnp.sqrt(jnp.mean((f0 / sc) ** 2))
    small = (d0 < 1e-5) | (d1 < 1e-5)
    h = jnp.where(small, 1e-6, 0.01 * d0 / jnp.where(small, 1.0, d1))
    h = jnp.where(jnp.isfinite(h), h, 1e-6)
    return jnp.clip(h, 1e-10, span)


# --- the batch --------------------------------------------------------------------------------------
def _make_integrator(jm):
    """The jitted batch integrator of one model (traced per shape by JAX)."""
    tab = Rodas4()
    order = float(tab.order)
    coef = _tableau(tab)  # NumPy float64: made JAX constants when traced, inside the float64 context
    step = jax.vmap(lambda y, p, u, h: _rodas4_step(jm, tab, coef, y, p, u, h))

    def run(y0, P, ts, sw_times, levels, bp, scale, ctl, dt_max, max_steps):
        N, n = y0.shape
        T = ts.shape[0]
        rows = jnp.arange(N)
        t_start, t_end = ts[0], ts[-1]
        span = jnp.maximum(t_end - t_start, 1e-12)

        def inputs(t):  # level in force at step start t: count of switch times ≤ t (as StepExposure.values)
            k = jnp.sum(sw_times <= (t + 1e-9)[:, None], axis=1)
            return levels[rows, k]

        t = jnp.full(N, t_start)
        h = jax.vmap(lambda y, p, u: _initial_step(jm, ctl, y, p, u, scale, span))(y0, P, inputs(t))
        ints = jnp.zeros(N, dtype=jnp.int32)
        carry = dict(t=t, y=y0, h=h, err_prev=jnp.ones(N), h_bp=jnp.full(N, jnp.inf), fresh=jnp.zeros(N, bool),
                     save_idx=ints, bp_ptr=ints,
                     status=jnp.full(N, _RUNNING, dtype=jnp.int32), n_steps=ints, n_rej=ints,
                     ys=jnp.full((N, T, n), jnp.nan))

        def due(c, running):
            nxt = ts[jnp.minimum(c["save_idx"], T - 1)]
            return running & (c["save_idx"] < T) & (nxt <= c["t"])

        def record(c, running):
            def body(c):
                d = due(c, running)
                ys = c["ys"].at[rows, jnp.where(d, c["save_idx"], T)].set(c["y"], mode="drop")
                return {**c, "ys": ys, "save_idx": c["save_idx"] + d.astype(jnp.int32)}

            return jax.lax.while_loop(lambda c: jnp.any(due(c, running)), body, c)

        def body(c):
            running = c["status"] == _RUNNING
            c = record(c, running)
            done = running & (c["save_idx"] >= T)
            status = jnp.where(done, _OK, c["status"])
            running = running & ~done
            # pass the switch times already reached; reset the controller's memory there
            ptr = jnp.where(running, jnp.sum(bp <= c["t"][:, None], axis=1).astype(jnp.int32), c["bp_ptr"])
            passed = ptr > c["bp_ptr"]
            err_prev = jnp.where(passed, 1.0, c["err_prev"])
            # ... and start no larger than the step that worked after the previous breakpoint
            h = jnp.where(passed, jnp.minimum(c["h"], c["h_bp"]), c["h"])
            fresh = c["fresh"] | passed
            t, y = c["t"], c["y"]
            stop = jnp.minimum(ts[jnp.minimum(c["save_idx"], T - 1)], bp[rows, ptr])
            room = stop - t
            hit = h >= room * (1.0 - 1e-10)
            hs = jnp.where(hit, room, h)
            y_new, err = step(y, P, inputs(t), hs)
            en = jax.vmap(lambda e, a, b: _error_norm(ctl, e, a, b, scale))(err, y, y_new)
            ok = en <= 1.0
            acc = running & ok
            y = jnp.where(acc[:, None], y_new, y)
            t = jnp.where(acc, jnp.where(hit, stop, t + hs), t)
            h_new = _propose(ctl, dt_max, hs, en, err_prev, ok, order)
            h_new = jnp.where(ok & hit, jnp.maximum(h_new, h), h_new)
            h = jnp.where(running, h_new, h)
            h_bp = jnp.where(acc & fresh, h, c["h_bp"])
            fresh = fresh & ~acc
            err_prev = jnp.where(acc, jnp.maximum(en, 1e-4), err_prev)
            n_steps = c["n_steps"] + acc.astype(jnp.int32)
            n_rej = c["n_rej"] + (running & ~ok).astype(jnp.int32)
            over = running & (n_steps + n_rej >= max_steps)
            status = jnp.where(over, _MAXSTEPS, status)
            running = running & ~over
            tiny = running & (h < 1e-13 * jnp.maximum(1.0, jnp.abs(t)))
            nonfinite = ~jnp.all(jnp.isfinite(y), axis=1) | ~jnp.isfinite(en)
            status = jnp.where(tiny, jnp.where(nonfinite, _NONFINITE, _DTMIN), status)
            return dict(t=t, y=y, h=h, err_prev=err_prev, h_bp=h_bp, fresh=fresh, save_idx=c["save_idx"], bp_ptr=ptr,
                        status=status, n_steps=n_steps, n_rej=n_rej, ys=c["ys"])

        c = jax.lax.while_loop(lambda c: jnp.any(c["status"] == _RUNNING), body, carry)
        return c["ys"], c["status"], c["t"], c["y"], c["n_steps"], c["n_rej"]

    return jax.jit(run)


def _integrator(cm: CompiledModel):
    key = ("jax-integrator", cm.parameter_names)
    if key not in cm.spec._cache:
        from lenvici.sim.model._codegen_jax import jax_model

        cm.spec._cache[key] = _make_integrator(jax_model(cm.spec, cm.parameter_names))
    return cm.spec._cache[key]


# --- validation and host-side arrays ----------------------------------------------------------------
def _input_levels(term: ODETerm, exposures, N: int, n_inputs: int):
    """Switch times ``(N, K)`` (K ≥ 1, padded with ``inf``) and levels ``(N, K + 1, n_inputs)`` in model order."""
    if exposures is None or isinstance(exposures, ZeroExposure):
        times, levels = np.full((N, 0), np.inf), np.zeros((N, 1, n_inputs))
    elif isinstance(exposures, ConstantExposure):
        zero = np.zeros(N)
        try:
            u = term.inputs(zero, np.arange(N), zero)  # (n_inputs, N), model order
        except IndexError:
            raise InputError(f"ConstantExposure: values must have 1 or {N} rows", field="exposures") from None
        times, levels = np.full((N, 0), np.inf), u.T[:, None, :]
    elif isinstance(exposures, StepExposure):
        times = term.breakpoints()  # checks the patient count
        slots = [term.model.spec.input_names.index(nm) for nm in exposures.names]
        levels = np.zeros((N, times.shape[1] + 1, n_inputs))
        levels[:, :, slots] = exposures.levels
    else:
        raise InputError(f"the JAX engine takes no exposure, ConstantExposure or StepExposure; got "
                         f"{type(exposures).__name__} (use the NumPy engine for tabulated or callable inputs)",
                         field="exposures")
    if times.shape[1] == 0:  # one static shape for all piecewise-constant inputs: one compiled program
        times = np.full((N, 1), np.inf)
        levels = np.concatenate([levels, levels[:, -1:]], axis=1)
    return times, levels


def simulate_jax(compiled_model: CompiledModel, y0, params, t_grid, exposures=None, *,
                 controller: PIController | None = None, max_steps: int = 100_000,
                 outputs: bool = True) -> Solution:
    """Integrate ``N`` patients with the JAX engine (CPU or GPU); the same method as :func:`simulate`.

    Parameters
    ----------
    compiled_model
        The model, compiled by :func:`~lenvici.sim.model.compile_model` (its parameter order is used).
    y0
        Initial states ``(N, n_states)`` or ``(n_states,)`` for all patients.
    params
        Parameters ``(N, n_params)`` in the compiled model's parameter order.
    t_grid
        Save times (days), non-decreasing; the first is the start and the last the end.
    exposures
        ``None`` (no drug), :class:`ConstantExposure` or :class:`StepExposure`; switch times are breakpoints,
        never stepped across.
    controller
        A :class:`PIController` (default ``PIController()``).
    max_steps
        Most steps (accepted + rejected) per patient.
    outputs
        Also evaluate the model's output definitions at the save times (on the host, with the compiled
        NumPy functions, from the saved states).

    Returns
    -------
    Solution
        As :func:`simulate`: saved states ``(N, T, n)`` (NaN after a patient stopped early), status per
        patient, where each stopped, step counts; ``solver`` is ``"Rodas4/jax"``.

    Raises
    ------
    InputError
        Wrong shapes, a non-PI controller, ``max_steps < 1`` or an unsupported exposure.
    ImportError
        JAX is not installed (``pip install 'lenvici[jax]'``).
    """
    if jax is None:
        raise ImportError("the JAX engine needs the optional dependency jax: pip install 'lenvici[jax]'")
    if not isinstance(compiled_model, CompiledModel):
        raise InputError("simulate_jax takes a CompiledModel (lenvici.sim.model.compile_model(spec))",
                         field="model")
    controller = PIController() if controller is None else controller
    if not isinstance(controller, PIController):
        raise InputError(f"the JAX engine takes a PIController; got {type(controller).__name__}",
                         field="controller")
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise InputError(f"max_steps must be a positive integer; got {max_steps!r}", field="max_steps")
    cm = compiled_model
    term = ODETerm(cm, params, exposures)  # checks params' shape and the exposure's input names
    N, n = term.n_patients, cm.n_states
    y0 = initial_states(y0, N, n)
    ts = SaveAt(t_grid).ts
    T = ts.size
    P = term.P.T
    times, levels = _input_levels(term, exposures, N, term.n_inputs)
    bp = np.where((times > ts[0]) & (times < ts[-1]), times, np.inf)
    bp = np.sort(np.concatenate([bp, np.full((N, 1), np.inf)], axis=1), axis=1)
    scale = np.array([s.scale for s in cm.spec.states], dtype=float)
    ctl = np.array([getattr(controller, f) for f in _CTL_FIELDS], dtype=float)
    dt_max = np.inf if controller.dt_max is None else float(controller.dt_max)

    if N == 0:
        ys, status = np.empty((0, T, n)), np.empty(0, int)
        t_fin, y_fin, n_steps, n_rej = np.empty(0), np.empty((0, n)), np.empty(0, int), np.empty(0, int)
    else:
        with _x64():
            run = _integrator(cm)
            res = run(y0, P, ts, times, levels, bp, scale, ctl, dt_max, np.int64(max_steps))
            ys, status, t_fin, y_fin, n_steps, n_rej = (np.asarray(a) for a in jax.device_get(res))
        status, n_steps, n_rej = (a.astype(int) for a in (status, n_steps, n_rej))

    outs: dict[str, np.ndarray] = {}
    if outputs and cm.spec.output_names and N:
        rows = np.arange(N)
        per_t = [term.outputs(np.full(N, tk), ys[:, k, :].T, rows) for k, tk in enumerate(ts)]
        outs = {name: np.stack([o[name] for o in per_t], axis=1) for name in cm.spec.output_names}
    return Solution(ts=ts, ys=ys, status=status, t_final=t_fin, y_final=y_fin, state_names=cm.spec.state_names,
                    outputs=outs, n_steps=n_steps, n_rejected=n_rej, solver="Rodas4/jax", rtol=controller.rtol,
                    atol=controller.atol)
