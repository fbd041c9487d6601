"""Source template of the compiled per-patient integrator (read as text, never imported on its own).

:mod:`lenvici.sim.solver._numba` appends this file's text to the generated per-patient model functions
(``rhs``, ``lu``, ``solve``, ``dfdu``, ``outputs``, the constants ``N_STATES``, ``N_INPUTS``,
``N_OUTPUTS``, ``STATE_SCALE``; see :mod:`lenvici.sim.model._codegen_numba`) and compiles the whole as one
module with ``numba.njit(cache=True)``, so that the integrator calls the model functions directly and
numba can inline them. The algorithm is the NumPy engine's (:mod:`._simulate`, :mod:`._rosenbrock`,
:mod:`._controller`) written for one patient: the same Rodas4 stages in the same order of operations, the
same error norm, PI controller, initial-step heuristic, save-grid and breakpoint handling, event location
and statuses, so that both back ends agree to rounding.

Inputs are sums of exponential modes per input ``k``: ``u_k(t) = Σ_m S[k, m] exp(−λ[k, m] (t − t_seg))``
where ``S`` are the mode amplitudes at the last breakpoint ``t_seg``. A dose at ``t_d`` (a breakpoint, never
stepped across) moves the amplitudes to ``t_d`` and adds ``amount · A[k, m]``; so the cost per step does not
grow with the number of past doses. Constant inputs (``λ = 0``, one "dose" at the start) and piecewise-
constant ones (``λ = 0``, a dose of the level change at each switch) are the same machinery.
"""
# ruff: noqa: F821  (rhs, lu, solve, dfdu, outputs, derived and the N_* constants come from the generated part)

import math

import numba
import numpy

RUNNING, SUCCESSFUL, EVENT, MAX_STEPS, DT_MIN, NONFINITE = 9, 0, 1, 2, 3, 4


@numba.njit(cache=True, error_model="numpy")
def _inputs(tq, t_seg, S, lam, u, du):
    """Inputs and their time derivatives at ``tq`` from the mode amplitudes ``S`` at ``t_seg``."""
    for k in range(S.shape[0]):
        v = 0.0
        d = 0.0
        for m in range(S.shape[1]):
            a = S[k, m]
            if a != 0.0:
                rate = lam[k, m]
                e = a * math.exp(-rate * (tq - t_seg)) if rate != 0.0 else a
                v += e
                d -= rate * e
        u[k] = v
        du[k] = d


@numba.njit(cache=True, error_model="numpy")
def _rebase(S, lam, t_seg, t_new):
    """Move the mode amplitudes from ``t_seg`` to ``t_new``."""
    for k in range(S.shape[0]):
        for m in range(S.shape[1]):
            if S[k, m] != 0.0 and lam[k, m] != 0.0:
                S[k, m] *= math.exp(-lam[k, m] * (t_new - t_seg))


@numba.njit(cache=True, error_model="numpy")
def _dose(S, amp, dose_a, rd, d):
    for k in range(S.shape[0]):
        a = dose_a[rd, d, k]
        if a != 0.0:
            for m in range(S.shape[1]):
                S[k, m] += a * amp[k, m]


@numba.njit(cache=True, error_model="numpy")
def _step(tab, p, t, y, h, t_seg, S, lam, use_fx, u, du, fx, f, k, yt, ynew, err):
    """One Rodas4 step of ``h`` from ``(t, y)``: ``ynew`` and the error estimate ``err`` (= the last stage).

    Mirrors :meth:`lenvici.sim.solver.Rodas4.step` operation by operation. Inputs that do not vary within a
    segment (``use_fx`` false: constant and step exposures) are evaluated once, at the step's start."""
    (gamma, c2, c3, c4, d1, d2, d3, d4, a21, a31, a32, a41, a42, a43, a51, a52, a53, a54, c21, c31, c32, c41, c42,
     c43, c51, c52, c53, c54, c61, c62, c63, c64, c65) = (tab[0], tab[1], tab[2], tab[3], tab[4], tab[5], tab[6],
                                                         tab[7], tab[8], tab[9], tab[10], tab[11], tab[12], tab[13],
                                                         tab[14], tab[15], tab[16], tab[17], tab[18], tab[19],
                                                         tab[20], tab[21], tab[22], tab[23], tab[24], tab[25],
                                                         tab[26], tab[27], tab[28], tab[29], tab[30], tab[31],
                                                         tab[32])
    n = N_STATES  # compile-time constant: loops unrolled, vectorised
    inv_h = 1.0 / h
    _inputs(t, t_seg, S, lam, u, du)
    F = lu(y, p, u, 1.0 / (gamma * h))
    if use_fx:
        dfdu(y, p, u, du, fx)
    # stage 1
    rhs(y, p, u, f)
    if use_fx:
        for i in range(n):
            f[i] += (d1 * h) * fx[i]
    solve(F, f, k[0])
    # stage 2
    for i in range(n):
        yt[i] = y[i] + a21 * k[0, i]
    if use_fx:
        _inputs(t + c2 * h, t_seg, S, lam, u, du)
    rhs(yt, p, u, f)
    for i in range(n):
        f[i] += (c21 * inv_h) * k[0, i]
    if use_fx:
        for i in range(n):
            f[i] += (d2 * h) * fx[i]
    solve(F, f, k[1])
    # stage 3
    for i in range(n):
        yt[i] = y[i] + (a31 * k[0, i] + a32 * k[1, i])
    if use_fx:
        _inputs(t + c3 * h, t_seg, S, lam, u, du)
    rhs(yt, p, u, f)
    for i in range(n):
        f[i] += inv_h * (c31 * k[0, i] + c32 * k[1, i])
    if use_fx:
        for i in range(n):
            f[i] += (d3 * h) * fx[i]
    solve(F, f, k[2])
    # stage 4
    for i in range(n):
        yt[i] = y[i] + (a41 * k[0, i] + a42 * k[1, i] + a43 * k[2, i])
    if use_fx:
        _inputs(t + c4 * h, t_seg, S, lam, u, du)
    rhs(yt, p, u, f)
    for i in range(n):
        f[i] += inv_h * (c41 * k[0, i] + c42 * k[1, i] + c43 * k[2, i])
    if use_fx:
        for i in range(n):
            f[i] += (d4 * h) * fx[i]
    solve(F, f, k[3])
    # stage 5 (y5 kept in yt)
    for i in range(n):
        yt[i] = y[i] + (a51 * k[0, i] + a52 * k[1, i] + a53 * k[2, i] + a54 * k[3, i])
    if use_fx:
        _inputs(t + h, t_seg, S, lam, u, du)
    rhs(yt, p, u, f)
    for i in range(n):
        f[i] += inv_h * (c51 * k[0, i] + c52 * k[1, i] + c53 * k[2, i] + c54 * k[3, i])
    solve(F, f, k[4])
    # stage 6 (y6 = y5 + k5 in yt)
    for i in range(n):
        yt[i] = yt[i] + k[4, i]
    rhs(yt, p, u, f)
    for i in range(n):
        f[i] += inv_h * (c61 * k[0, i] + c62 * k[1, i] + c63 * k[2, i] + c64 * k[3, i] + c65 * k[4, i])
    solve(F, f, k[5])
    for i in range(n):
        ynew[i] = yt[i] + k[5, i]
        err[i] = k[5, i]


@numba.njit(cache=True, error_model="numpy")
def _error_norm(ctrl, err, y0, y1):
    """Scaled RMS error (as ``PIController.error_norm``); ``inf`` where anything is not finite."""
    n = N_STATES
    finite = True
    for i in range(n):
        if not math.isfinite(y1[i]):
            finite = False
    if ctrl[0] == 0.0:  # ConstantStepSize
        return 0.0 if finite else math.inf
    rtol, atol = ctrl[1], ctrl[2]
    acc = 0.0
    for i in range(n):
        sc = atol * STATE_SCALE[i] + rtol * max(abs(y0[i]), abs(y1[i]))
        r = err[i] / sc
        acc += r * r
    e = math.sqrt(acc / n)
    if not finite or not math.isfinite(e):
        return math.inf
    return e


@numba.njit(cache=True, error_model="numpy")
def _propose(ctrl, h, en, err_prev, accepted, order):
    """Next step size (as ``PIController.propose`` / ``ConstantStepSize.propose``)."""
    if ctrl[0] == 0.0:
        return ctrl[9]
    safety, fmin, fmax, beta1, beta2, dt_max = ctrl[3], ctrl[4], ctrl[5], ctrl[6], ctrl[7], ctrl[8]
    kk = float(order)
    e = max(en, 1e-10)
    if not math.isfinite(en):
        fac = 0.25
    elif accepted:
        fac = safety * e ** (-beta1 / kk) * max(err_prev, 1e-4) ** (beta2 / kk)
        fac = min(max(fac, fmin), fmax)
    else:
        fac = safety * e ** (-1.0 / kk)
        fac = min(max(fac, fmin), 1.0)
    out = h * fac
    if out > dt_max:
        out = dt_max
    return out


@numba.njit(cache=True, error_model="numpy")
def _initial_step(ctrl, p, t0, y, span, t_seg, S, lam, u, du, f):
    """The NumPy engine's initial-step heuristic for one patient."""
    _inputs(t0, t_seg, S, lam, u, du)
    rhs(y, p, u, f)
    rtol, atol = ctrl[1], ctrl[2]
    n = N_STATES
    a0 = 0.0
    a1 = 0.0
    for i in range(n):
        sc = atol * STATE_SCALE[i] + rtol * abs(y[i])
        a0 += (y[i] / sc) ** 2
        a1 += (f[i] / sc) ** 2
    d0 = math.sqrt(a0 / n)
    d1 = math.sqrt(a1 / n)
    if d0 < 1e-5 or d1 < 1e-5:
        h = 1e-6
    else:
        h = 0.01 * d0 / d1
    if not math.isfinite(h):
        h = 1e-6
    return min(max(h, 1e-10), span)


@numba.njit(cache=True, error_model="numpy")
def _event_g(p, tq, y, t_seg, S, lam, u, du, o, ev_out, thr):
    _inputs(tq, t_seg, S, lam, u, du)
    outputs(y, p, u, o)
    return o[ev_out] - thr


@numba.njit(cache=True, error_model="numpy")
def _one(i, Y0, PAR, ts, t_start, amp, lam_all, dose_t, dose_a, use_fx, ctrl, tab, dt0, max_steps, ev_on, ev_out,
         ev_thr, ev_xtol, ev_maxit, out_idx, ys, outs, status, t_final, y_final, n_steps, n_rej):
    n = N_STATES
    T = ts.shape[0]
    t_end = ts[T - 1]
    # the patient's parameters, extended by the derived ones (parameter-only terms computed once)
    p = numpy.empty(N_PARAMS + N_DERIVED)
    for j in range(N_PARAMS):
        p[j] = PAR[i, j]
    derived(p)
    amp_i = amp[i if amp.shape[0] > 1 else 0]
    lam = lam_all[i if lam_all.shape[0] > 1 else 0]
    rt = i if dose_t.shape[0] > 1 else 0
    rd = i if dose_a.shape[0] > 1 else 0
    D = dose_t.shape[1]
    NI = amp.shape[1]
    y = Y0[i].copy()
    ynew = numpy.empty(n)
    yt = numpy.empty(n)
    f = numpy.empty(n)
    fx = numpy.zeros(n)
    err = numpy.empty(n)
    k = numpy.empty((6, n))
    u = numpy.zeros(max(NI, 1))
    du = numpy.zeros(max(NI, 1))
    o = numpy.empty(max(N_OUTPUTS, 1))
    S = numpy.zeros((NI, amp.shape[2]))
    # inputs at the start: every dose at or before t_start, carried forward
    t_seg = t_start
    ptr = 0
    while ptr < D and dose_t[rt, ptr] <= t_start:
        td = dose_t[rt, ptr]
        if ptr > 0:
            _rebase(S, lam, t_seg, td)
        t_seg = td
        _dose(S, amp_i, dose_a, rd, ptr)
        ptr += 1
    _rebase(S, lam, t_seg, t_start)
    t_seg = t_start

    t = t_start
    span = max(t_end - t_start, 1e-12)
    if ctrl[0] == 0.0:
        h = ctrl[9]
    elif math.isnan(dt0[i]):
        h = _initial_step(ctrl, p, t, y, span, t_seg, S, lam, u, du, f)
    else:
        h = dt0[i]
    thr = ev_thr[i] if ev_on else 0.0
    g_prev = _event_g(p, t, y, t_seg, S, lam, u, du, o, ev_out, thr) if ev_on else 0.0
    save_idx = 0
    err_prev = 1.0
    h_bp = math.inf  # step proposed after the first accepted step past the last breakpoint
    fresh = False
    st = RUNNING
    ns = 0
    nr = 0
    tf = math.nan
    while True:
        # pass the breakpoints (doses) already reached, then record the saves due
        while ptr < D and dose_t[rt, ptr] <= t and dose_t[rt, ptr] <= t_end:
            td = dose_t[rt, ptr]
            _rebase(S, lam, t_seg, td)
            t_seg = td
            _dose(S, amp_i, dose_a, rd, ptr)
            ptr += 1
            err_prev = 1.0  # restart the controller's memory after a discontinuity
            h = min(h, h_bp)  # ... and start no larger than what worked after the previous one
            fresh = True
        while save_idx < T and ts[save_idx] <= t:
            for j in range(n):
                ys[i, save_idx, j] = y[j]
            if out_idx.shape[0]:
                _inputs(t, t_seg, S, lam, u, du)
                outputs(y, p, u, o)
                for j in range(out_idx.shape[0]):
                    outs[j, i, save_idx] = o[out_idx[j]]
            save_idx += 1
        if save_idx >= T:
            st = SUCCESSFUL
            break
        bp = dose_t[rt, ptr] if ptr < D and dose_t[rt, ptr] < t_end else math.inf
        stop = min(ts[save_idx], bp)
        room = stop - t
        hit = h >= room * (1.0 - 1e-10)
        hs = room if hit else h
        _step(tab, p, t, y, hs, t_seg, S, lam, use_fx, u, du, fx, f, k, yt, ynew, err)
        en = _error_norm(ctrl, err, y, ynew)
        ok = en <= 1.0
        t_new = stop if hit else t + hs
        crossing = False
        if ev_on and ok:
            g_new = _event_g(p, t_new, ynew, t_seg, S, lam, u, du, o, ev_out, thr)
            crossing = g_prev < 0.0 and g_new >= 0.0
            if crossing:
                # Illinois regula falsi on the step size, on fresh steps from (t, y)
                lo = 0.0
                hi = hs
                g_lo = g_prev
                g_hi = g_new
                side = 0
                for _ in range(ev_maxit):
                    if hi - lo <= ev_xtol * max(1.0, abs(t)):
                        break
                    hm = (lo * g_hi - hi * g_lo) / (g_hi - g_lo)
                    if not math.isfinite(hm) or hm <= lo or hm >= hi:
                        hm = 0.5 * (lo + hi)
                    _step(tab, p, t, y, hm, t_seg, S, lam, use_fx, u, du, fx, f, k, yt, ynew, err)
                    gm = _event_g(p, t + hm, ynew, t_seg, S, lam, u, du, o, ev_out, thr)
                    if gm >= 0.0:
                        hi = hm
                        g_hi = gm
                        if side == 1:
                            g_lo = 0.5 * g_lo
                        side = 1
                    else:
                        lo = hm
                        g_lo = gm
                        if side == -1:
                            g_hi = 0.5 * g_hi
                        side = -1
                _step(tab, p, t, y, hi, t_seg, S, lam, use_fx, u, du, fx, f, k, yt, ynew, err)
                st = EVENT
                tf = t + hi
                t = tf
                for j in range(n):
                    y[j] = ynew[j]
                    y_final[i, j] = ynew[j]
            else:
                g_prev = g_new
        if ok and not crossing:
            for j in range(n):
                y[j] = ynew[j]
            t = t_new
        h_new = _propose(ctrl, hs, en, err_prev, ok, 4)
        if ok and hit:
            h_new = max(h_new, h)
        h = h_new
        if ok:
            if fresh:
                h_bp = h
                fresh = False
            err_prev = max(en, 1e-4)
            ns += 1
        else:
            nr += 1
        if st == RUNNING:
            if ns + nr >= max_steps:
                st = MAX_STEPS
            elif h < 1e-13 * max(1.0, abs(t)):
                bad = not math.isfinite(en)
                for j in range(n):
                    if not math.isfinite(y[j]):
                        bad = True
                st = NONFINITE if bad else DT_MIN
        if st != RUNNING:
            break
    status[i] = st
    n_steps[i] = ns
    n_rej[i] = nr
    if st != EVENT:
        t_final[i] = t
        for j in range(n):
            y_final[i, j] = y[j]
    else:
        t_final[i] = tf


@numba.njit(cache=True, error_model="numpy", parallel=True)
def integrate(Y0, PAR, ts, t_start, amp, lam, dose_t, dose_a, use_fx, ctrl, tab, dt0, max_steps, ev_on, ev_out,
              ev_thr, ev_xtol, ev_maxit, out_idx, ys, outs, status, t_final, y_final, n_steps, n_rej):
    """Integrate every patient (one per thread-pool task); results written into the arrays passed."""
    for j in numba.prange(Y0.shape[0]):
        i = numpy.int64(j)  # prange indices may be unsigned; keep row arithmetic in int64
        _one(i, Y0, PAR, ts, t_start, amp, lam, dose_t, dose_a, use_fx, ctrl, tab, dt0, max_steps, ev_on, ev_out,
             ev_thr, ev_xtol, ev_maxit, out_idx, ys, outs, status, t_final, y_final, n_steps, n_rej)
