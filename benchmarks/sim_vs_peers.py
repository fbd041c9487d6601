"""Batched simulation throughput: lenvici's vectorised Rodas4 vs a per-patient SciPy loop (and, once the SBML
export exists, libRoadRunner on it).

Scenario (issue 5): N virtual patients, 2 years, daily lenvatinib + pembrolizumab 200 mg q3w, same
tolerances (rtol 1e-6, atol 1e-6 x state scale), same outputs (all states at every 6-weekly scan). The
exposure is a closed-form one-compartment superposition (oral first-order absorption, IV bolus) so that both
integrators see exactly the same inputs and breakpoints (every dose). SciPy runs on ``--n-ref`` patients and
is scaled linearly to N; its trajectories are compared with lenvici's (relative difference above a 1e-6
floor).

    python benchmarks/sim_vs_peers.py [--n 10000] [--days 730] [--n-ref 10] [--scaling]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lenvici.sim.model import compile_model, hcc_model, load_parameters
from lenvici.sim.pretreatment import pretreatment_state
from lenvici.sim.solver import Exposure, PIController, simulate, simulate_reference

RTOL, ATOL = 1e-6, 1e-6


class _Regimen(Exposure):
    """Unbound lenvatinib (oral, daily) and serum pembrolizumab (IV bolus, q21d), closed form."""

    names = ("c_len", "c_pd1")

    def __init__(self, n, days, scale):
        self.n, self.days, self.scale = n, days, scale
        self.ka, self.ke, self.amp = 24.0, 0.55, 3.5        # lenvatinib: ~1 h absorption, ~30 h half-life
        self.ke_ab, self.c0_ab = 0.0267, 224.0              # pembrolizumab: 26 d half-life, 200 mg / 6 L

    @staticmethod
    def _series(t, t_start, tau, k, n_max):
        n = np.clip(np.floor(t_start / tau + 1e-9) + 1, 0, n_max)
        last = (n - 1) * tau
        return np.exp(-k * (t - last)) * (1 - np.exp(-k * n * tau)) / (1 - np.exp(-k * tau))

    def values(self, t, rows, t_start):
        nd, na = self.days + 1, self.days // 21 + 1
        c_len = self.amp * self.scale[rows] * (self._series(t, t_start, 1.0, self.ke, nd)
                                               - self._series(t, t_start, 1.0, self.ka, nd))
        c_ab = self.c0_ab * self._series(t, t_start, 21.0, self.ke_ab, na)
        return np.stack([c_len, c_ab])

    def derivatives(self, t, rows, t_start):
        nd, na = self.days + 1, self.days // 21 + 1
        d_len = self.amp * self.scale[rows] * (-self.ke * self._series(t, t_start, 1.0, self.ke, nd)
                                               + self.ka * self._series(t, t_start, 1.0, self.ka, nd))
        d_ab = -self.ke_ab * self.c0_ab * self._series(t, t_start, 21.0, self.ke_ab, na)
        return np.stack([d_len, d_ab])

    def breakpoints(self, n_patients):
        return np.broadcast_to(np.arange(0.0, self.days + 1.0), (n_patients, self.days + 1))


def _population(n, seed=2024):
    rng = np.random.default_rng(seed)
    table = load_parameters()
    params = table.array(n, {"k_prol": rng.uniform(0.008, 0.02, n), "e_prune": rng.uniform(0.2, 0.8, n),
                             "k_rec": rng.lognormal(np.log(0.1), 0.5, n), "egfr": rng.lognormal(0, 0.5, n)})
    pre = pretreatment_state(params, rng.uniform(40, 140, n))
    return pre, rng.uniform(0.67, 1.0, n)  # 8 vs 12 mg-like exposure scale


def run(n, days, n_ref):
    cm = compile_model(hcc_model())
    ts = np.unique(np.r_[np.arange(0.0, days, 42.0), float(days)])
    t0 = time.perf_counter()
    pre, scale = _population(n)
    t_pre = time.perf_counter() - t0
    exp = _Regimen(n, days, scale)
    t0 = time.perf_counter()
    sol = simulate(cm, pre.y0, pre.params, ts, exp, controller=PIController(rtol=RTOL, atol=ATOL))
    ours = time.perf_counter() - t0
    ok = int(sol.ok.sum())
    print(f"# lenvici: N={n} days={days} pretreatment {t_pre:.1f} s, treatment {ours:.1f} s, "
          f"{n / ours:.0f} patients/s, mean steps {sol.n_steps.mean():.0f} (+{sol.n_rejected.mean():.0f} rejected), "
          f"ok {ok}/{n}", flush=True)
    if n_ref:
        sub = np.arange(n_ref)
        exp_ref = _Regimen(n_ref, days, scale[sub])
        t0 = time.perf_counter()
        ref = simulate_reference(cm, pre.y0[sub], pre.params[sub], ts, exp_ref, method="LSODA", rtol=RTOL, atol=ATOL)
        t_ref = time.perf_counter() - t0
        peer = t_ref / n_ref * n
        rel = np.abs(sol.ys[sub] - ref) / np.maximum(np.abs(ref), 1e-6)
        print(f"# scipy LSODA: {n_ref} patients {t_ref:.1f} s -> {peer:.0f} s scaled to N={n}; "
              f"max relative difference {np.nanmax(rel):.2e}", flush=True)
        print(f"BENCH sim_{n}x{days}d ours_s={ours:.2f} peer=scipy-lsoda-loop peer_s={peer:.2f} ratio={peer / ours:.1f}")
    print(f"BENCH sim_{n}x{days}d_roadrunner ours_s={ours:.2f} peer=libroadrunner peer_s=nan ratio=nan "
          "(SBML export not yet built)")
    return ours


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--n-ref", type=int, default=10)
    ap.add_argument("--scaling", action="store_true", help="also time N = 1e3, 1e4, 1e5")
    a = ap.parse_args(argv)
    run(a.n, a.days, a.n_ref)
    if a.scaling:
        for n in (1_000, 10_000, 100_000):
            run(n, a.days, 0)


if __name__ == "__main__":
    main()
