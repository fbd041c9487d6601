"""The optional JAX engine: the same Rodas4 and PI controller as :func:`~lenvici.sim.solver.simulate`,
compiled by XLA, for a CPU or a GPU unchanged.

One :func:`jax.lax.while_loop` advances the whole batch; each iteration mirrors one iteration of the NumPy
loop in :mod:`._simulate` patient by patient:

1. a running patient whose time has reached its next save time(s) records its state there (every patient
   steps exactly onto each save time, no interpolation); a patient past the last save time is done;
2. dose times already reached are passed: each patient's input mode amplitudes are moved to the dose time
   and the dose added (below), and the PI controller's memory is reset there, as after any discontinuity;
3. every running patient tries one Rodas4 step with its own step size, clipped so as to land exactly on
   the next save time or dose time, whichever comes first: no step ever crosses a breakpoint;
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

Inputs: every supported exposure is first put in the compiled engine's modal form
(:func:`~lenvici.sim.solver._modal.modal_inputs`): per input ``k`` a sum of exponential modes
``u_k(t) = Σ_m S[k, m] exp(−λ[k, m] (t − t_seg))``, where ``S`` are the amplitudes at the patient's last
breakpoint ``t_seg``, and a list of dose events, each adding ``amount · A[k, m]`` to ``S`` after moving it
to the dose time. No drug, :class:`ConstantExposure` (``λ = 0``, one dose at the start),
:class:`StepExposure` (``λ = 0``, a dose of each level change), :class:`DoseEventExposure` (linear PK) and
:class:`StackedExposure` of these are all this one form. ``S`` and ``t_seg`` are carried per patient in the
loop state, so a step costs the same whatever the number of past doses; doses at or before the start are
folded in on the host before the loop, as in the numba kernel. Where some ``λ ≠ 0`` the inputs vary within
a step and Rodas4's non-autonomous terms ``d_i h ∂f/∂t`` with ``∂f/∂t = (∂f/∂u) u'(t)`` enter the stages
(the directional derivative by :func:`jax.jvp` of the generated right-hand side); for piecewise-constant
inputs that term is zero and skipped (a :func:`jax.lax.cond` on the whole batch). Inputs given as
functions or tabulated curves would need host callbacks or an interpolation table on the device; they
raise :class:`~lenvici.errors.InputError`.

Precision: the engine runs in float64. JAX defaults to float32; rather than switching the process-wide
``jax_enable_x64`` flag, every trace and call here runs inside JAX's ``enable_x64`` context manager, which
sets the flag for the current thread only and restores it on exit, so other JAX users in the same process
keep their setting.

Compilation: one :func:`jax.jit` per model (cached on the model), traced again by JAX for each new
combination of shapes — patients ``N``, save times ``T``, modes per input ``M`` and dose events ``D``
(padded to a power of two, at least 2, so that schedules of similar length, and no drug, a constant and a
one-switch step exposure, share one program). Tolerances, controller constants and ``max_steps`` are
traced values, so changing them does not recompile.

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
from lenvici.sim.solver._exposure import (
    ConstantExposure,
    DoseEventExposure,
    StackedExposure,
    StepExposure,
    ZeroExposure,
)
from lenvici.sim.solver._modal import modal_inputs
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
    """Rodas4's coefficients as 6 × 6 matrices ``A`` (stage points) and ``C`` (stage corrections), the
    weights ``b`` of the solution, the stage times ``c`` and the ``∂f/∂t`` weights ``d``, read from
    :class:`~lenvici.sim.solver.Rodas4` (never retyped).

    Stage ``i`` (from 0) evaluates ``f`` at ``(t + c[i] h, y + A[i] · k)`` and adds ``C[i] · k / h`` and
    ``d[i] h ∂f/∂t``. Rodas4 is stiffly accurate: its fifth stage point ``y5 = y + Σ_{j≤4} a_5j k_j``, the
    sixth ``y5 + k_5`` and the solution ``y5 + k_5 + k_6``, so ``A[5] = (a_51, …, a_54, 1, 0)`` and
    ``b = (a_51, …, a_54, 1, 1)``; stages 5 and 6 are at ``t + h`` and have no ``∂f/∂t`` term.
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
    c = np.array([0.0, tab.c2, tab.c3, tab.c4, 1.0, 1.0])
    d = np.array([tab.d1, tab.d2, tab.d3, tab.d4, 0.0, 0.0])
    return A, C, b, c, d


def _modal_u(S, lam, tau):
    """Inputs ``Σ_m S e^{−λ τ}`` and their time derivatives ``−Σ_m λ S e^{−λ τ}``, ``τ = t − t_seg``
    (as ``_inputs`` in the numba kernel)."""
    e = S * jnp.exp(-lam * tau)
    return jnp.sum(e, axis=-1), -jnp.sum(lam * e, axis=-1)


def _rodas4_step(jm, tab: Rodas4, coef, y, p, S, lam, t, t_seg, h, tv):
    """One Rodas4 step of one patient from ``(t, y)``; ``(y_new, error_estimate)``.

    The inputs at stage time ``t + c_i h`` come from the patient's mode amplitudes ``S`` at ``t_seg`` (no
    breakpoint lies inside the step). The stage equations are those of :class:`~lenvici.sim.solver.Rodas4`:
    ``(I/(γh) − J) k_i = f(t + c_i h, y + Σ_j A_ij k_j) + Σ_j (C_ij / h) k_j + d_i h ∂f/∂t``, with
    ``J`` and ``∂f/∂t = (∂f/∂u)(y, u(t)) · u'(t)`` at the step start (as the NumPy and numba engines; the
    product by :func:`jax.jvp` of the right-hand side in ``u``, computed only when ``tv``, some input varying
    within steps: else it is zero). The solution is ``y + Σ_j b_j k_j`` and the error estimate ``k_6``.
    The six stages run in a :func:`jax.lax.fori_loop` (``A``, ``C`` strictly lower triangular, so stage
    ``i`` only reads the stages before it): the right-hand side is compiled once instead of six times, which
    halved the XLA compile time on CPU for about 25 % more run time than the unrolled stages.
    """
    A, C, b, c, d = (jnp.asarray(a, dtype=y.dtype) for a in coef)
    n = y.shape[0]
    # inputs at the six stage times (as the numba kernel: tq = t + c h, then tq − t_seg)
    U, dU = _modal_u(S[None], lam[None], ((t + c * h) - t_seg)[:, None, None])
    fx = jax.lax.cond(tv, lambda: jax.jvp(lambda u: jm.rhs(y, p, u), (U[0],), (dU[0],))[1],
                      lambda: jnp.zeros(n, dtype=y.dtype))
    lu = lu_factor(jnp.eye(n, dtype=y.dtype) / (tab.gamma * h) - jm.jac(y, p, U[0]))
    inv_h = 1.0 / h

    def stage(i, ks):
        f = jm.rhs(y + A[i] @ ks, p, U[i]) + inv_h * (C[i] @ ks) + (d[i] * h) * fx
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
    step = jax.vmap(lambda y, p, S, lam, t, t_seg, h, tv: _rodas4_step(jm, tab, coef, y, p, S, lam, t, t_seg, h, tv),
                    in_axes=(0, 0, 0, 0, 0, 0, 0, None))

    def run(y0, P, ts, S0, lam, amp, dose_t, dose_a, dptr0, tv, scale, ctl, dt_max, max_steps):
        N, n = y0.shape
        T, D = ts.shape[0], dose_t.shape[1]
        rows = jnp.arange(N)
        t_start, t_end = ts[0], ts[-1]
        span = jnp.maximum(t_end - t_start, 1e-12)

        t = jnp.full(N, t_start)
        h = jax.vmap(lambda y, p, u: _initial_step(jm, ctl, y, p, u, scale, span))(y0, P, jnp.sum(S0, axis=-1))
        ints = jnp.zeros(N, dtype=jnp.int32)
        carry = dict(t=t, y=y0, h=h, err_prev=jnp.ones(N), h_bp=jnp.full(N, jnp.inf), fresh=jnp.zeros(N, bool),
                     save_idx=ints, S=S0, t_seg=t, dptr=dptr0,
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

        def dose_due(c, running):
            k = jnp.minimum(c["dptr"], D - 1)
            td = dose_t[rows, k]
            return running & (c["dptr"] < D) & (td <= c["t"]) & (td <= t_end), td, k

        def give_doses(c, running):
            """Pass the doses reached, one per patient per inner iteration (several may share a time):
            move the amplitudes to the dose time, then add the dose (``_rebase``, ``_dose`` in numba)."""
            def body(c):
                m, td, k = dose_due(c, running)
                S = c["S"]
                decay = jnp.where((S != 0.0) & (lam != 0.0), jnp.exp(-lam * (td - c["t_seg"])[:, None, None]), 1.0)
                a = dose_a[rows, k][:, :, None]
                S_new = S * decay + jnp.where(a != 0.0, a * amp, 0.0)
                return {**c, "S": jnp.where(m[:, None, None], S_new, S), "t_seg": jnp.where(m, td, c["t_seg"]),
                        "dptr": c["dptr"] + m.astype(jnp.int32)}

            return jax.lax.while_loop(lambda c: jnp.any(dose_due(c, running)[0]), body, c)

        def body(c):
            running = c["status"] == _RUNNING
            c = record(c, running)
            done = running & (c["save_idx"] >= T)
            status = jnp.where(done, _OK, c["status"])
            running = running & ~done
            # pass the dose times already reached; reset the controller's memory there
            ptr_before = c["dptr"]
            c = give_doses(c, running)
            passed = c["dptr"] > ptr_before
            err_prev = jnp.where(passed, 1.0, c["err_prev"])
            # ... and start no larger than the step that worked after the previous breakpoint
            h = jnp.where(passed, jnp.minimum(c["h"], c["h_bp"]), c["h"])
            fresh = c["fresh"] | passed
            t, y, S, t_seg = c["t"], c["y"], c["S"], c["t_seg"]
            td = dose_t[rows, jnp.minimum(c["dptr"], D - 1)]
            bp = jnp.where((c["dptr"] < D) & (td < t_end), td, jnp.inf)
            stop = jnp.minimum(ts[jnp.minimum(c["save_idx"], T - 1)], bp)
            room = stop - t
            hit = h >= room * (1.0 - 1e-10)
            hs = jnp.where(hit, room, h)
            y_new, err = step(y, P, S, lam, t, t_seg, hs, tv)
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
            return dict(t=t, y=y, h=h, err_prev=err_prev, h_bp=h_bp, fresh=fresh, save_idx=c["save_idx"], S=S,
                        t_seg=t_seg, dptr=c["dptr"], status=status, n_steps=n_steps, n_rej=n_rej, ys=c["ys"])

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
_SUPPORTED = (ZeroExposure, ConstantExposure, StepExposure, DoseEventExposure)


def _unsupported(exposure) -> str | None:
    """The type name of the first part of ``exposure`` the engine cannot take, or ``None``."""
    if exposure is None or type(exposure) in _SUPPORTED:
        return None
    if type(exposure) is StackedExposure:
        return next((u for u in map(_unsupported, exposure.parts) if u is not None), None)
    return type(exposure).__name__


def _rebase(S, lam, t_seg, t_new):
    """Move mode amplitudes ``(N, k, M)`` from ``t_seg`` to ``t_new`` (``(N,)``), as the numba ``_rebase``."""
    with np.errstate(invalid="ignore", over="ignore"):
        move = (S != 0.0) & (lam != 0.0)
        return np.where(move, S * np.exp(-lam * (t_new - t_seg)[:, None, None]), S)


def _modal_arrays(exposures, input_names, N: int, t_start: float):
    """The exposure in modal form, per patient: amplitudes ``S0`` at ``t_start`` with every dose at or before
    ``t_start`` folded in (as at the top of the numba kernel's ``_one``), rates ``λ`` and unit-dose amplitudes
    ``A`` ``(N, n_inputs, M)``, dose times ``(N, D)`` and amounts ``(N, D, n_inputs)`` (``D`` padded with
    ``+∞`` / 0 to a power of two ≥ 2: fewer shapes, fewer compilations), the index of each patient's first
    dose after ``t_start`` and whether any input varies within a step."""
    bad = _unsupported(exposures)
    mi = None if bad else modal_inputs(exposures, input_names, N, t_start)
    if mi is None:
        raise InputError(f"the JAX engine takes no exposure, ConstantExposure, StepExposure, DoseEventExposure or a "
                         f"StackedExposure of these; got {bad or type(exposures).__name__} (use the NumPy engine "
                         f"for tabulated or callable inputs)", field="exposures")
    n_in, M = mi.amp.shape[1], mi.amp.shape[2]
    amp = np.broadcast_to(mi.amp, (N, n_in, M)).copy()
    lam = np.broadcast_to(mi.lam, (N, n_in, M)).copy()
    D0 = mi.dose_t.shape[1]
    D = max(2, 1 << max(D0 - 1, 0).bit_length())
    dose_t = np.full((N, D), np.inf)
    dose_a = np.zeros((N, D, n_in))
    dose_t[:, :D0] = mi.dose_t
    dose_a[:, :D0] = mi.dose_a
    # doses at or before the start, carried forward to it
    S = np.zeros((N, n_in, M))
    t_seg = np.full(N, t_start)
    ptr = np.zeros(N, dtype=np.int64)
    for d in range(D0):
        m = dose_t[:, d] <= t_start
        if not m.any():
            break
        td = np.where(m, dose_t[:, d], t_seg)
        if d > 0:
            S = np.where(m[:, None, None], _rebase(S, lam, t_seg, td), S)
        t_seg = td
        a = dose_a[:, d, :, None]
        S = np.where(m[:, None, None] & (a != 0.0), S + a * amp, S)
        ptr += m
    S = _rebase(S, lam, t_seg, np.full(N, t_start))
    return S, lam, amp, dose_t, dose_a, ptr.astype(np.int32), bool(mi.time_varying)


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
        ``None`` (no drug), :class:`ConstantExposure`, :class:`StepExposure`, :class:`DoseEventExposure` or a
        :class:`StackedExposure` of these; switch and dose times are breakpoints, never stepped across.
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
    S0, lam, amp, dose_t, dose_a, dptr0, tv = _modal_arrays(exposures, cm.spec.input_names, N, float(ts[0]))
    scale = np.array([s.scale for s in cm.spec.states], dtype=float)
    ctl = np.array([getattr(controller, f) for f in _CTL_FIELDS], dtype=float)
    dt_max = np.inf if controller.dt_max is None else float(controller.dt_max)

    if N == 0:
        ys, status = np.empty((0, T, n)), np.empty(0, int)
        t_fin, y_fin, n_steps, n_rej = np.empty(0), np.empty((0, n)), np.empty(0, int), np.empty(0, int)
    else:
        with _x64():
            run = _integrator(cm)
            res = run(y0, P, ts, S0, lam, amp, dose_t, dose_a, dptr0, np.bool_(tv), scale, ctl, dt_max,
                      np.int64(max_steps))
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
