"""Slow, obviously correct reference: the PK equations of docs/pk.md written out by hand for one patient and
integrated with scipy's DOP853 piecewise between events (administrations, ends of zero-order inputs, gallbladder
switches), so that no discontinuity is stepped across: on each piece the input rates and the gallbladder state are
read at the middle of the piece.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

RTOL = 1e-13
ATOL = 1e-15


def _lenvatinib_rhs(p, i, windows):
    ka, cl, v1, v2, v3, q1, q2 = (p[k][i] for k in ("KA", "CL", "V1", "V2", "V3", "Q1", "Q2"))

    def f(t, a, mid):
        rate = sum(r for (s, e, r) in windows if s <= mid < e)
        d, c, p1, p2 = a
        return [rate - ka * d,
                ka * d - (cl + q1 + q2) / v1 * c + q1 / v2 * p1 + q2 / v3 * p2,
                q1 / v1 * c - q1 / v2 * p1,
                q2 / v1 * c - q2 / v3 * p2]
    return f


def _antibody_rhs(p, i, windows, start):
    cl0, v1, v2, q = (p[k][i] for k in ("CL", "V1", "V2", "Q"))
    emax = p["EMAX"][i] if "EMAX" in p else 0.0
    t50 = p["T50"][i] if "T50" in p else 1.0
    hill = p["HILL"][i] if "HILL" in p else 1.0

    def f(t, a, mid):
        rate = sum(r for (s, e, r) in windows if s <= mid < e)
        tt = t - start
        cl = cl0 * np.exp(emax * tt ** hill / (t50 ** hill + tt ** hill)) if tt > 0 else cl0
        c, pp = a
        return [rate - (cl + q) / v1 * c + q / v2 * pp, q / v1 * c - q / v2 * pp]
    return f


def _sorafenib_rhs(p, i, admin_times):
    ka = 5.0 / p["MAT"][i]
    k = p["CL"][i] / p["V"][i]
    fent, kehc, tgb = p["FENT"][i], p["KEHC"][i], p["TGB"][i]

    def f(t, a, mid):
        last = admin_times[admin_times <= mid]
        g = 1.0 if last.size == 0 or mid - last[-1] >= tgb else 0.0
        d0, t1, t2, t3, t4, c, gb = a
        return [-ka * d0, ka * (d0 - t1), ka * (t1 - t2), ka * (t2 - t3), ka * (t3 - t4) + g * kehc * gb,
                ka * t4 - k * c, fent * k * c - g * kehc * gb]
    return f


def reference_amounts(structure: str, p, schedule, times, *, gate_delay=None) -> np.ndarray:
    """Amounts (N, T, n) for every patient by DOP853, for the structure named as in the parameter file."""
    n = next(iter(p.values())).size
    amounts = schedule.amounts_for(n)
    out = []
    for i in range(n):
        f_dose = p["F"][i] if "F" in p else 1.0
        if structure == "oral-depot-3cmt":
            d1 = p["D1"][i]
            windows = [(s, s + d1, a * f_dose / d1) for s, a in zip(schedule.times, amounts[i])]
            rhs, n_state, target, boluses = _lenvatinib_rhs(p, i, windows), 4, 0, []
            breaks = [w[0] for w in windows] + [w[1] for w in windows]
        elif structure == "iv-2cmt":
            windows = [(s, s + d, a / d) for s, a, d in zip(schedule.times, amounts[i], schedule.infusion_days)
                       if d > 0]
            boluses = [(s, a) for s, a, d in zip(schedule.times, amounts[i], schedule.infusion_days) if d == 0]
            rhs, n_state, target = _antibody_rhs(p, i, windows, schedule.start), 2, 0
            breaks = [w[0] for w in windows] + [w[1] for w in windows] + [b[0] for b in boluses]
        else:
            admin = np.unique(schedule.times)
            rhs, n_state, target = _sorafenib_rhs(p, i, admin), 7, 0
            boluses = [(s, a * f_dose) for s, a in zip(schedule.times, amounts[i])]
            breaks = list(admin) + list(admin + p["TGB"][i])
        grid = np.unique(np.concatenate([np.asarray(breaks, float), times, [min(times.min(), schedule.start)]]))
        grid = grid[grid <= times.max()]
        x = np.zeros(n_state)
        res = np.zeros((times.size, n_state))
        for k, t0 in enumerate(grid):
            for s, a in boluses:
                if s == t0:
                    x[target] += a
            res[np.isclose(times, t0, rtol=0, atol=0)] = x
            if k + 1 == grid.size:
                break
            mid = 0.5 * (t0 + grid[k + 1])  # rates and switches are constant on each piece
            sol = solve_ivp(rhs, (t0, grid[k + 1]), x, method="DOP853", rtol=RTOL, atol=ATOL, args=(mid,))
            x = sol.y[:, -1]
        out.append(res)
    return np.stack(out)
