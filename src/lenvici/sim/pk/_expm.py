"""The matrix-exponential solver: piecewise-constant linear systems on a grid shared by the batch.

Between consecutive breakpoints (outputs, administrations, ends of infusions, switches of a dosing-clock gate)
the system ``dA/dt = M A + r e_target`` has constant M and constant input rate r, so over a step h::

    A(t + h) = E(h) A(t) + Phi(h) e_target r,   E(h) = exp(M h),   Phi(h) = integral_0^h exp(M s) ds

and both blocks come from one exponential of the augmented matrix [[M h, I h], [0, 0]] (Van Loan 1978,
IEEE Trans Autom Control 23:395-404), computed for all patients at once (:func:`batched_expm`). When
the whole system is mammillary (no depot), M = -K V^-1 is similar to the symmetric -V^-1/2 K V^-1/2 = -U s U', and
the same pair is E = V^1/2 U e^{-s h} U' V^-1/2, Phi = V^1/2 U phi1(-s, h) U' V^-1/2 from a batched ``eigh`` - much
cheaper than ``expm`` when M changes every step. For a time-invariant M the pair is cached per distinct step
length and gate state. A time-varying M (clearance
changing with time since the first dose) is frozen at the middle of each step of at most ``max_step`` days: the
exponential midpoint rule, second order in the step (a second-order Magnus integrator; Blanes, Casas, Oteo & Ros,
Physics Reports 2009;470:151-238, section 5).
"""

from __future__ import annotations

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.pk._expfuncs import phi1
from lenvici.sim.pk._structure import DoseInputs, DosingClockGate, ModalForm, Params, Structure

__all__ = ["batched_expm", "solve_expm", "propagators", "symmetric_propagators", "step_propagators", "expm_grid"]

# Pade (13, 13) coefficients and the 1-norm bound theta_13 of Higham, SIAM J Matrix Anal Appl 2005;26:1179-1193.
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0,
           960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def batched_expm(a: np.ndarray) -> np.ndarray:
    """exp(A) for a stack A (N, n, n): scaling and squaring with the (13, 13) Pade approximant (Higham 2005),
    vectorised over the stack with one scaling shared by the batch (the largest 1-norm decides)."""
    n = a.shape[-1]
    norm = np.abs(a).sum(axis=-2).max(axis=-1).max(initial=0.0)
    s = max(0, int(np.ceil(np.log2(norm / _THETA13)))) if norm > _THETA13 else 0
    a = a / 2.0 ** s
    b = _PADE13
    ident = np.eye(n)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * ident)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * ident
    r = np.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r


def propagators(m: np.ndarray, h) -> tuple[np.ndarray, np.ndarray]:
    """E = exp(M h) and Phi = integral_0^h exp(M s) ds for a stack M (N, n, n); h a number or an array (N,)."""
    n_pat, n, _ = m.shape
    hh = np.asarray(h, dtype=float).reshape(-1, 1, 1) if np.ndim(h) else float(h)
    aug = np.zeros((n_pat, 2 * n, 2 * n))
    aug[:, :n, :n] = m * hh
    aug[:, :n, n:] = np.eye(n) * hh
    big = batched_expm(aug)
    return big[:, :n, :n], big[:, :n, n:]


def symmetric_propagators(form: ModalForm, h) -> tuple[np.ndarray, np.ndarray]:
    """E and Phi for a mammillary system without depot (states = disposition compartments, in that order);
    h a number or an array (N,)."""
    sq = np.sqrt(form.volumes)
    s, u = np.linalg.eigh(form.clearances / (sq[:, :, None] * sq[:, None, :]))
    hh = np.asarray(h, dtype=float).reshape(-1, 1) if np.ndim(h) else float(h)
    left = sq[:, :, None] * u                      # V^1/2 U
    right = np.swapaxes(u, 1, 2) / sq[:, None, :]  # U' V^-1/2
    e = np.einsum("nik,nk,nkj->nij", left, np.exp(-s * hh), right)
    phi = np.einsum("nik,nk,nkj->nij", left, phi1(-s, hh), right)
    return e, phi


def step_propagators(structure: Structure, p: Params, t, open_: bool, h):
    """E and Phi over a step h with M frozen at time ``t`` (numbers, or arrays (N,) per patient)."""
    form = structure.modal_form(p, t) if open_ else None
    if form is not None and form.depot is None and form.disposition == tuple(range(structure.n_states)):
        return symmetric_propagators(form, h)
    return propagators(structure.matrix(p, t, open_), h)


def expm_grid(structure: Structure, p: Params, inputs: DoseInputs, times: np.ndarray,
              gate: DosingClockGate | None, max_step: float) -> np.ndarray:
    """The shared grid: outputs, administrations, infusion ends, gate switches, and for a time-varying system
    the substeps of at most ``max_step`` days."""
    if not inputs.shared_durations:
        raise InputError("the matrix-exponential solver needs input durations shared by all patients "
                         "(use method='modal' for per-patient zero-order durations)", field="method")
    durations = inputs.durations[0]
    ends = inputs.times + durations
    points = [times, inputs.times, ends[durations > 0]]
    if gate is not None:
        points.append(gate.breakpoints())
    grid = np.unique(np.concatenate(points))
    first = min(times.min(), inputs.times.min())
    grid = grid[(grid >= first) & (grid <= times.max())]
    if structure.time_varying(p):
        if not max_step > 0:
            raise InputError("'max_step_days' must be positive", field="max_step_days")
        refined = [grid[:1]]
        for a, b in zip(grid[:-1], grid[1:]):
            k = int(np.ceil((b - a) / max_step - 1e-12))
            refined.append(np.linspace(a, b, k + 1)[1:])
        grid = np.concatenate(refined)
    return grid


def solve_expm(structure: Structure, p: Params, inputs: DoseInputs, times: np.ndarray, *, start: float,
               gate: DosingClockGate | None = None, max_step: float = 1.0) -> np.ndarray:
    """Compartment amounts (N, T, n) at ``times`` (right-continuous at boluses)."""
    grid = expm_grid(structure, p, inputs, times, gate, max_step)
    durations = inputs.durations[0]
    n_pat = inputs.amounts.shape[0]
    n = structure.n_states
    varying = structure.time_varying(p)
    ends = inputs.times + durations
    out = np.zeros((n_pat, times.size, n))
    x = np.zeros((n_pat, n))
    cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
    out_index = np.searchsorted(grid, times)
    bolus_mask = durations == 0
    k_out = 0
    for i, t0 in enumerate(grid):
        at = (inputs.times == t0) & bolus_mask
        if np.any(at):
            x[:, inputs.target] += inputs.amounts[:, at].sum(axis=1)
        while k_out < times.size and out_index[k_out] == i:
            out[:, k_out, :] = x
            k_out += 1
        if i + 1 == grid.size:
            break
        t1 = grid[i + 1]
        h = t1 - t0
        if h <= 0:  # pragma: no cover - grid is unique
            continue
        mid = 0.5 * (t0 + t1)
        open_ = gate.is_open(t0) if gate is not None else True
        if varying:
            e, phi = step_propagators(structure, p, mid - start, open_, h)
        else:
            key = (round(h, 12), open_)
            if key not in cache:
                cache[key] = step_propagators(structure, p, None, open_, h)
            e, phi = cache[key]
        x = np.einsum("nij,nj->ni", e, x)
        running = np.nonzero((inputs.times <= mid) & (mid < ends) & ~bolus_mask)[0]
        if running.size:
            rate = (inputs.amounts[:, running] / durations[running]).sum(axis=1)
            x = x + phi[:, :, inputs.target] * rate[:, None]
    return out
