"""A tiny built-in PK stub for the model tests only (the real PK lives in lenvici.sim.pk).

One-compartment models with closed-form superposition of regular doses (a geometric series, so evaluation
costs the same on day 1 and day 700): first-order oral absorption for lenvatinib (daily) and sorafenib
(twice daily), an IV bolus for the anti-PD-1 antibody (every 21 days). Concentrations are unbound (TKIs)
or serum (antibody) in nM; the amplitudes are chosen to give typical levels (unbound lenvatinib ~5 nM,
unbound sorafenib ~50 nM, pembrolizumab trough ~100 nM), not fitted to anything.
"""

from __future__ import annotations

import numpy as np

from lenvici.sim.solver import CallableExposure


def _n_doses(t_start, tau, n_max):
    # doses at 0, tau, 2 tau, ...: those at or before the step start (right limit at a dose time)
    return np.clip(np.floor(t_start / tau + 1e-9) + 1, 0, n_max)


def _series(t, t_start, tau, k, n_max):
    n = _n_doses(t_start, tau, n_max)
    last = (n - 1) * tau
    return np.where(n > 0, np.exp(-k * (t - last)) * (1 - np.exp(-k * n * tau)) / (1 - np.exp(-k * tau)), 0.0)


class OralStub:
    def __init__(self, amp, tau, ka, ke, n_doses, scale):
        self.amp, self.tau, self.ka, self.ke, self.n, self.scale = amp, tau, ka, ke, n_doses, np.asarray(scale, float)

    def value(self, t, rows, t_start):
        s = _series(t, t_start, self.tau, self.ke, self.n) - _series(t, t_start, self.tau, self.ka, self.n)
        return self.amp * self.scale[rows] * s

    def deriv(self, t, rows, t_start):
        s = -self.ke * _series(t, t_start, self.tau, self.ke, self.n) + self.ka * _series(t, t_start, self.tau, self.ka, self.n)
        return self.amp * self.scale[rows] * s

    def doses(self):
        return np.arange(self.n) * self.tau


class BolusStub(OralStub):
    def value(self, t, rows, t_start):
        return self.amp * self.scale[rows] * _series(t, t_start, self.tau, self.ke, self.n)

    def deriv(self, t, rows, t_start):
        return -self.ke * self.value(t, rows, t_start)


class _Exposure(CallableExposure):
    """CallableExposure whose functions also see the step start (for jumps and kinks at doses)."""

    def __init__(self, parts, n_patients):
        self.parts = parts
        self.names = tuple(parts)
        bps = [p.doses() for p in parts.values() if p is not None]
        bp = np.unique(np.concatenate(bps)) if bps else np.zeros(0)
        self._bp = np.broadcast_to(bp, (n_patients, bp.size))

    def values(self, t, rows, t_start):
        return np.stack([p.value(t, rows, t_start) for p in self.parts.values()])

    def derivatives(self, t, rows, t_start):
        return np.stack([p.deriv(t, rows, t_start) for p in self.parts.values()])

    def breakpoints(self, n_patients):
        return np.asarray(self._bp)


def stub_exposure(n_patients, days, *, lenvatinib=0.0, sorafenib=0.0, anti_pd1=0.0):
    """Exposure for ``n_patients`` over ``days``; each argument is a per-patient dose scale (0: drug absent)."""
    parts = {}
    if np.any(np.asarray(lenvatinib) > 0):
        parts["c_len"] = OralStub(amp=3.5, tau=1.0, ka=24.0, ke=0.55, n_doses=int(days) + 1,
                                  scale=np.broadcast_to(lenvatinib, (n_patients,)))
    if np.any(np.asarray(sorafenib) > 0):
        parts["c_sor"] = OralStub(amp=8.5, tau=0.5, ka=12.0, ke=0.35, n_doses=int(2 * days) + 1,
                                  scale=np.broadcast_to(sorafenib, (n_patients,)))
    if np.any(np.asarray(anti_pd1) > 0):
        parts["c_pd1"] = BolusStub(amp=224.0, tau=21.0, ka=0.0, ke=0.0267, n_doses=int(days / 21) + 1,
                                   scale=np.broadcast_to(anti_pd1, (n_patients,)))
    return _Exposure(parts, n_patients)
