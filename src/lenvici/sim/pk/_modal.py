"""The exact solver for a depot feeding a mammillary system: eigen-decomposition, then scalar exponentials.

For disposition amounts a, volumes V and the symmetric clearance matrix K (``V dc/dt = -K c``), the variables
y = a / sqrt(V) obey ``dy/dt = -S y`` with ``S = V^-1/2 K V^-1/2`` symmetric positive definite, so S = U diag(s) U'
with real s > 0 and orthogonal U (numpy ``eigh``, batched over patients; no ill-conditioned eigenvectors even when
two peripheral rate constants coincide). In modal coordinates z = U' y every mode decays independently::

    dz_k/dt = -s_k z_k + w_k (ka d(t) + central input rate),   w_k = U[0, k] / sqrt(V_central)
    dd/dt   = -ka d + depot input rate

Between two administrations the state at any later time is a closed form in the elapsed time h, built from the
divided differences in :mod:`._expfuncs`; zero-order inputs whose end differs between patients (a per-patient
zero-order absorption duration D1) need no common time grid. The solver therefore visits each administration
once and evaluates every output time between administrations in one vectorised step; the same kernel evaluates
single (patient, time) points for :class:`~lenvici.sim.pk.PKEvaluator`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lenvici.sim.pk._expfuncs import dd1, dd2z, phi1
from lenvici.sim.pk._structure import DoseInputs, ModalForm

__all__ = ["Modes", "modes", "propagate", "solve_modal", "active_events"]


@dataclass(frozen=True)
class Modes:
    """Eigen-decomposition of a batch of modal forms (arrays over patients first)."""

    alpha: np.ndarray    # (N, m) modal rates, -s
    u: np.ndarray        # (N, m, m)
    sq: np.ndarray       # (N, m) sqrt of volumes
    w: np.ndarray        # (N, m) projection of a unit central input
    ka: np.ndarray       # (N,) (zeros without depot)
    has_depot: bool
    form: ModalForm

    def to_modal(self, amounts: np.ndarray, rows) -> tuple[np.ndarray, np.ndarray]:
        """Depot amount (...,) and modal coordinates (..., m) from full amounts (..., n) of patients ``rows``."""
        disp = amounts[..., list(self.form.disposition)] / self.sq[rows]
        z = np.einsum("...jk,...j->...k", self.u[rows], disp)
        d = amounts[..., self.form.depot] if self.has_depot else np.zeros(amounts.shape[:-1])
        return d, z

    def to_amounts(self, d: np.ndarray, z: np.ndarray, rows, n_states: int) -> np.ndarray:
        """Full amounts (..., n) from depot (...) and modal coordinates (..., m)."""
        out = np.zeros((*z.shape[:-1], n_states))
        disp = self.sq[rows] * np.einsum("...jk,...k->...j", self.u[rows], z)
        out[..., list(self.form.disposition)] = disp
        if self.has_depot:
            out[..., self.form.depot] = d
        return out


def modes(form: ModalForm) -> Modes:
    sq = np.sqrt(form.volumes)
    s, u = np.linalg.eigh(form.clearances / (sq[:, :, None] * sq[:, None, :]))
    w = u[:, 0, :] / sq[:, :1]
    has_depot = form.ka is not None
    ka = form.ka if has_depot else np.zeros(sq.shape[0])
    return Modes(-s, u, sq, w, ka, has_depot, form)


def propagate(d0, z0, h, alpha, ka, w, h_on, rate, into_depot: bool, has_depot: bool):
    """State after an elapsed time ``h`` (broadcast leading shape L).

    ``d0`` (L), ``z0`` (L, m); ``alpha`` (L, m), ``ka`` (L), ``w`` (L, m) per patient; ``h_on`` (L, A) the part of
    [0, h] during which each of A zero-order inputs is running (it starts at 0, the anchor), ``rate`` (L, A) its
    rate (mg/day). Returns d (L), z (L, m).
    """
    beta = -ka
    z = np.exp(alpha * h[..., None]) * z0
    d = np.exp(beta * h) * d0
    wk = w * ka[..., None]
    if has_depot:
        z = z + wk * d0[..., None] * dd1(alpha, beta[..., None], h[..., None])
    if h_on.shape[-1] == 0:
        return d, z
    h2 = h[..., None] - h_on                                    # (L, A) input off
    a_ = alpha[..., None, :]                                    # (L, 1, m)
    if into_depot:
        b_ = beta[..., None]                                    # (L, 1)
        d1 = rate * phi1(b_, h_on)                              # (L, A)
        z1 = wk[..., None, :] * rate[..., None] * dd2z(a_, b_[..., None], h_on[..., None])
        d = d + (np.exp(b_ * h2) * d1).sum(axis=-1)
        z = z + (np.exp(a_ * h2[..., None]) * z1
                 + wk[..., None, :] * d1[..., None] * dd1(a_, b_[..., None], h2[..., None])).sum(axis=-2)
    else:
        z1 = w[..., None, :] * rate[..., None] * phi1(a_, h_on[..., None])
        z = z + (np.exp(a_ * h2[..., None]) * z1).sum(axis=-2)
    return d, z


def active_events(inputs: DoseInputs, anchors: np.ndarray) -> np.ndarray:
    """For each anchor time, the indices of zero-order inputs that may be running from it (padded with -1)."""
    starts = inputs.times
    ends_max = starts + inputs.durations.max(axis=0)
    zero_order = np.any(inputs.durations > 0, axis=0)
    lists = [np.nonzero((starts <= t0) & (ends_max > t0) & zero_order)[0] for t0 in anchors]
    width = max((len(x) for x in lists), default=0)
    out = np.full((anchors.size, width), -1, dtype=int)
    for j, x in enumerate(lists):
        out[j, :len(x)] = x
    return out


def _rates(inputs: DoseInputs) -> np.ndarray:
    dur = inputs.durations
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(dur > 0, inputs.amounts / np.where(dur > 0, dur, 1.0), 0.0)


def solve_modal(form: ModalForm, inputs: DoseInputs, times: np.ndarray, n_states: int) -> np.ndarray:
    """Compartment amounts (N, T, n_states) at ``times`` (right-continuous at administrations)."""
    md = modes(form)
    into_depot = md.has_depot and inputs.target == form.depot
    if not into_depot and inputs.target != form.disposition[0]:  # pragma: no cover - structures route doses
        raise ValueError("the modal solver takes doses into the depot or the central compartment")
    n = md.sq.shape[0]
    rows = np.arange(n)
    rates = _rates(inputs)
    anchors = np.unique(inputs.times)
    active = active_events(inputs, anchors)
    out = np.zeros((n, times.size, n_states))
    d = np.zeros(n)
    z = np.zeros_like(md.alpha)

    def advance(d0, z0, t0, j, h):
        """From the anchor state (N,), (N, m) at t0 to t0 + h for h (H,): d (N, H), z (N, H, m)."""
        ev = active[j][active[j] >= 0]
        hh = np.broadcast_to(h[None, :], (n, h.size))
        h_on = np.clip(inputs.times[ev][None, None, :] + inputs.durations[:, ev][:, None, :] - t0, 0.0,
                       hh[..., None])                                                 # (N, H, A)
        r = np.broadcast_to(rates[:, ev][:, None, :], h_on.shape)
        return propagate(d0[:, None], z0[:, None, :], hh, md.alpha[:, None, :], md.ka[:, None],
                         md.w[:, None, :], h_on, r, into_depot, md.has_depot)

    for j, t0 in enumerate(anchors):
        at = inputs.times == t0
        bolus = np.where(inputs.durations[:, at] == 0, inputs.amounts[:, at], 0.0).sum(axis=1)
        if into_depot:
            d = d + bolus
        else:
            z = z + md.w * bolus[:, None]
        t1 = anchors[j + 1] if j + 1 < anchors.size else np.inf
        idx = np.nonzero((times >= t0) & (times < t1))[0]
        h = times[idx] - t0
        if np.isfinite(t1):
            h = np.append(h, t1 - t0)  # the outputs and the next anchor in one evaluation
        if h.size:
            dh, zh = advance(d, z, t0, j, h)
            if idx.size:
                out[:, idx, :] = md.to_amounts(dh[:, :idx.size], zh[:, :idx.size], rows[:, None], n_states)
            if np.isfinite(t1):
                d, z = dh[:, -1], zh[:, -1, :]
    return out
