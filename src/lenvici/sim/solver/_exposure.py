"""Drug exposure as a model input: per-patient concentrations over time, from the PK layer.

An exposure supplies, for patient rows ``rows`` at times ``t`` (both of shape ``(m,)``), the input values
``(n_inputs, m)`` and their time derivatives (the Rosenbrock solver needs ``∂f/∂t``), plus the times where
the input is not smooth (dose times: a kink for oral absorption, a jump for a bolus or the start and end of
an infusion). The solver never steps across such a *breakpoint*: it stops there and restarts, so that every
step sees a smooth right-hand side.

``t_start`` is the start of the current step. Since no step crosses a breakpoint, an exposure with jumps
takes the value inside ``[t_start, t]``: the right limit at ``t_start`` and the left limit at a step end.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.model.sbml import DoseSchedule

__all__ = ["Exposure", "ZeroExposure", "ConstantExposure", "StepExposure", "DoseEventExposure", "GridExposure",
           "CallableExposure", "StackedExposure", "bolus_modes", "oral_modes"]


class Exposure(ABC):
    """Per-patient inputs over time. ``names`` are the model input names this exposure supplies."""

    names: tuple[str, ...]

    @abstractmethod
    def values(self, t: np.ndarray, rows: np.ndarray, t_start: np.ndarray) -> np.ndarray:
        """Input values, shape ``(len(names), m)``."""

    def derivatives(self, t: np.ndarray, rows: np.ndarray, t_start: np.ndarray) -> np.ndarray:
        """Time derivatives ``(len(names), m)``; by default a forward difference inside the step."""
        dt = 1e-6 * np.maximum(1.0, np.abs(t))
        return (self.values(t + dt, rows, t_start) - self.values(t, rows, t_start)) / dt

    def breakpoints(self, n_patients: int) -> np.ndarray:
        """Times where the input is not smooth, ``(n_patients, B)`` sorted, padded with ``inf``."""
        return np.full((n_patients, 0), np.inf)


class ZeroExposure(Exposure):
    """No drug: every input is zero (untreated growth, placebo)."""

    def __init__(self, names: Sequence[str] = ()):
        self.names = tuple(names)

    def values(self, t, rows, t_start):
        return np.zeros((len(self.names), np.shape(t)[0]))

    def derivatives(self, t, rows, t_start):
        return np.zeros((len(self.names), np.shape(t)[0]))


class ConstantExposure(Exposure):
    """Inputs constant in time: ``values`` of shape ``(n_inputs,)`` or ``(n_patients, n_inputs)``."""

    def __init__(self, names: Sequence[str], values):
        self.names = tuple(names)
        v = np.asarray(values, dtype=float)
        if v.ndim == 1:
            v = v[None, :]
        if v.shape[-1] != len(self.names):
            raise InputError(f"ConstantExposure: values need {len(self.names)} columns; got shape {v.shape}",
                             field="values")
        self._v = v

    def values(self, t, rows, t_start):
        if self._v.shape[0] == 1:
            return np.repeat(self._v.T, np.shape(t)[0], axis=1)
        return self._v[rows].T.copy()

    def derivatives(self, t, rows, t_start):
        return np.zeros((len(self.names), np.shape(t)[0]))


class StepExposure(Exposure):
    """Inputs piecewise constant in time, per patient: a start day, a dose interruption, a dose reduction.

    Parameters
    ----------
    names
        Input names.
    times
        ``(n_patients, K)`` switch times (days), sorted per row, padded with ``inf``; a switch is a jump, so
        a breakpoint.
    levels
        ``(n_patients, K + 1, n_inputs)`` values: ``levels[:, 0]`` before the first switch, ``levels[:, k]``
        from switch ``k - 1`` to switch ``k``.

    Since no step crosses a switch, the level in force is the one at the step's start (``t_start``).
    """

    def __init__(self, names: Sequence[str], times, levels):
        self.names = tuple(names)
        tm = np.asarray(times, dtype=float)
        lv = np.asarray(levels, dtype=float)
        if tm.ndim != 2 or lv.ndim != 3 or lv.shape[0] != tm.shape[0] or lv.shape[1] != tm.shape[1] + 1 \
                or lv.shape[2] != len(self.names):
            raise InputError(f"StepExposure: times must be (N, K) and levels (N, K + 1, {len(self.names)}); "
                             f"got {tm.shape} and {lv.shape}", field="levels")
        if tm.shape[1] > 1 and np.any(tm[:, 1:] < tm[:, :-1]):
            raise InputError("StepExposure: switch times must be sorted per patient", field="times")
        if not np.all(np.isfinite(lv)):
            raise InputError("StepExposure: levels must be finite", field="levels")
        self.times, self.levels = tm, lv

    def values(self, t, rows, t_start):
        t0 = np.broadcast_to(np.asarray(t_start, float), np.shape(t))
        k = (self.times[rows] <= (t0 + 1e-9)[:, None]).sum(axis=1)
        return self.levels[rows, k].T.copy()

    def derivatives(self, t, rows, t_start):
        return np.zeros((len(self.names), np.shape(t)[0]))

    def breakpoints(self, n_patients: int) -> np.ndarray:
        if self.times.shape[0] != n_patients:
            raise InputError(f"StepExposure holds {self.times.shape[0]} patients; the simulation has {n_patients}",
                             field="exposures")
        return self.times


class DoseEventExposure(Exposure):
    """Linear pharmacokinetics as dose events: each dose adds a sum of decaying exponentials.

    For input ``k`` of patient ``i`` the concentration is the superposition of the unit-dose response over
    the doses given so far,

    .. math:: u_k(t) = \\sum_{d:\\,t_d \\le t} a_{dk} \\sum_m A_{km}\\, e^{-\\lambda_{km} (t - t_d)},

    which covers any linear compartmental model (the response of a linear system is a sum of exponential
    modes): an IV bolus into one compartment is one mode (``A = 1/V``, ``λ = CL/V``); first-order oral
    absorption is two (the Bateman function: ``A = ±F·ka / (V (ka − ke))`` at ``λ = ke, ka``); see
    :func:`bolus_modes` and :func:`oral_modes`. Every dose time is a breakpoint (a jump for a bolus, a kink
    for absorption), so the solver never steps across one.

    Parameters
    ----------
    names
        Input names.
    amplitudes
        ``A``: ``(N, n_inputs, M)`` or ``(1, n_inputs, M)`` (shared) mode amplitudes per unit dose, in the
        input's unit per dose unit (e.g. nM per mg). Unused modes have amplitude 0.
    rates
        ``λ``: same shape as ``amplitudes`` (or broadcastable to it), in 1/day, ``≥ 0``.
    dose_times
        ``(N, D)`` or ``(1, D)`` dose times (days), sorted per patient, padded with ``inf``.
    doses
        ``(N, D, n_inputs)`` or ``(1, D, n_inputs)`` dose amounts (0 where a dose event does not concern an
        input).

    Notes
    -----
    Gibaldi M, Perrier D. Pharmacokinetics, 2nd ed. Marcel Dekker 1982, chapters 1-3 (one-compartment
    bolus and first-order absorption) and 3 (multiple dosing by superposition). The compiled engine
    carries the mode amplitudes from dose to dose (``S ← S·e^{−λΔt} + a·A``), so its cost does not grow
    with the number of past doses; :meth:`values` here uses the same recursion, tabulated once per dose.
    """

    def __init__(self, names: Sequence[str], amplitudes, rates, dose_times, doses):
        self.names = tuple(names)
        k = len(self.names)
        A = np.asarray(amplitudes, dtype=float)
        lam = np.asarray(rates, dtype=float)
        tm = np.asarray(dose_times, dtype=float)
        am = np.asarray(doses, dtype=float)
        if A.ndim == 2:
            A = A[None]
        if lam.ndim == 2:
            lam = lam[None]
        if tm.ndim == 1:
            tm = tm[None]
        if am.ndim == 2:
            am = am[None]
        if A.ndim != 3 or A.shape[1] != k:
            raise InputError(f"DoseEventExposure: amplitudes must be (N, {k}, M); got {A.shape}", field="amplitudes")
        try:
            lam = np.broadcast_to(lam, (lam.shape[0],) + A.shape[1:]).copy()
        except ValueError:
            raise InputError(f"DoseEventExposure: rates {lam.shape} do not match amplitudes {A.shape}",
                             field="rates") from None
        if tm.ndim != 2 or am.ndim != 3 or am.shape[1] != tm.shape[1] or am.shape[2] != k:
            raise InputError(f"DoseEventExposure: dose_times must be (N, D) and doses (N, D, {k}); got {tm.shape} "
                             f"and {am.shape}", field="doses")
        n = {A.shape[0], lam.shape[0], tm.shape[0], am.shape[0]} - {1}
        if len(n) > 1:
            raise InputError(f"DoseEventExposure: patient counts differ: {sorted(n)}", field="doses")
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(lam)) and np.all(np.isfinite(am))):
            raise InputError("DoseEventExposure: amplitudes, rates and doses must be finite", field="doses")
        if np.any(lam < 0):
            raise InputError("DoseEventExposure: rates must be >= 0 (1/day)", field="rates")
        with np.errstate(invalid="ignore"):  # inf - inf in the padding gives nan, which is not < 0
            unsorted = np.any(np.diff(tm, axis=1) < 0)
        if np.any(np.isnan(tm)) or unsorted:
            raise InputError("DoseEventExposure: dose times must be sorted per patient (pad with inf)",
                             field="dose_times")
        self.amplitudes, self.rates, self.dose_times, self.doses = A, lam, tm, am
        self.n_patients = n.pop() if n else 1
        self._table = None

    def _modes_after_doses(self) -> np.ndarray:
        """Mode amplitudes just after each dose, ``(N, D, n_inputs, M)`` (computed once, on first use)."""
        if self._table is None:
            N, D = self.n_patients, self.dose_times.shape[1]
            A = np.broadcast_to(self.amplitudes, (N,) + self.amplitudes.shape[1:])
            lam = np.broadcast_to(self.rates, (N,) + self.rates.shape[1:])
            tm = np.broadcast_to(self.dose_times, (N, D))
            am = np.broadcast_to(self.doses, (N, D, self.doses.shape[2]))
            out = np.zeros((N, D) + A.shape[1:])
            S = np.zeros(A.shape)
            for d in range(D):
                if d:
                    with np.errstate(invalid="ignore"):  # inf - inf in the padding, masked
                        gap = np.where(np.isfinite(tm[:, d]), tm[:, d] - tm[:, d - 1], 0.0)
                    S = S * np.exp(-lam * gap[:, None, None])
                S = S + am[:, d, :, None] * A
                out[:, d] = S
            self._table = out
        return self._table

    def _row(self, arr, rows):
        return arr[rows] if arr.shape[0] > 1 else arr[np.zeros_like(rows)]

    def _modes(self, t, rows, t_start):
        """Mode terms ``S·e^{−λ(t − t_last)}`` at ``t``, ``(m, n_inputs, M)``, and the rates."""
        rows = np.asarray(rows)
        t = np.asarray(t, dtype=float)
        t0 = np.broadcast_to(np.asarray(t_start, float), t.shape)
        tm = self._row(self.dose_times, rows)
        j = (tm <= (t0 + 1e-9)[:, None]).sum(axis=1)
        lam = self._row(self.rates, rows)
        if tm.shape[1] == 0:
            return np.zeros((rows.shape[0],) + lam.shape[1:]), lam
        table = self._modes_after_doses()
        jj = np.maximum(j - 1, 0)
        S = table[rows if table.shape[0] > 1 else np.zeros_like(rows), jj]
        t_last = tm[np.arange(rows.shape[0]), jj]
        gap = np.where(j > 0, t - t_last, 0.0)
        terms = np.where((j > 0)[:, None, None], S * np.exp(-lam * gap[:, None, None]), 0.0)
        return terms, lam

    def values(self, t, rows, t_start):
        terms, _ = self._modes(t, rows, t_start)
        return terms.sum(axis=2).T.copy()

    def derivatives(self, t, rows, t_start):
        terms, lam = self._modes(t, rows, t_start)
        return (-(lam * terms)).sum(axis=2).T.copy()

    def breakpoints(self, n_patients: int) -> np.ndarray:
        if self.n_patients not in (1, n_patients):
            raise InputError(f"DoseEventExposure holds {self.n_patients} patients; the simulation has {n_patients}",
                             field="exposures")
        return np.broadcast_to(self.dose_times, (n_patients, self.dose_times.shape[1]))

    def schedules(self, patient: int = 0, t_start: float = 0.0) -> list[DoseSchedule]:
        """One patient's doses, per input, as :class:`~lenvici.sim.model.sbml.DoseSchedule` (times from
        ``t_start``; modes of zero amplitude left out), for the SBML export's dose events (``to_sbml(...,
        doses=...)``)."""
        if not 0 <= patient < self.n_patients and self.n_patients != 1:
            raise InputError(f"DoseEventExposure: patient {patient} out of range ({self.n_patients})", field="patient")
        r = 0 if self.n_patients == 1 else patient
        A = self.amplitudes[min(r, self.amplitudes.shape[0] - 1)]
        lam = self.rates[min(r, self.rates.shape[0] - 1)]
        tm = self.dose_times[min(r, self.dose_times.shape[0] - 1)]
        am = self.doses[min(r, self.doses.shape[0] - 1)]
        given = np.isfinite(tm)
        out = []
        for k, name in enumerate(self.names):
            used = A[k] != 0.0
            doses = given & (am[:, k] != 0.0)
            if not used.any() or not doses.any():
                continue
            out.append(DoseSchedule(name, tuple(A[k, used].tolist()), tuple(lam[k, used].tolist()),
                                    tuple((tm[doses] - t_start).tolist()), tuple(am[doses, k].tolist())))
        return out


def bolus_modes(volume, k_el) -> tuple[np.ndarray, np.ndarray]:
    """Unit-dose modes of an IV bolus into one compartment: ``C(t) = e^{−k t} / V``.

    ``volume`` and ``k_el`` are scalars or ``(N,)``; returns ``(A, λ)`` each ``(N, 1)`` (``A`` in
    concentration per dose unit: 1/V).
    """
    V, k = np.broadcast_arrays(np.atleast_1d(np.asarray(volume, float)), np.atleast_1d(np.asarray(k_el, float)))
    if np.any(V <= 0) or np.any(k < 0):
        raise InputError("bolus_modes: volume must be > 0 and k_el >= 0", field="volume")
    return (1.0 / V)[:, None], k[:, None].copy()


def oral_modes(volume, ka, ke, bioavailability=1.0) -> tuple[np.ndarray, np.ndarray]:
    """Unit-dose modes of first-order absorption into one compartment (the Bateman function):
    ``C(t) = F·ka / (V (ka − ke)) · (e^{−ke t} − e^{−ka t})``, ``ka ≠ ke``.

    Returns ``(A, λ)`` each ``(N, 2)``: modes ``(ke, ka)`` with amplitudes ``(+c, −c)``.
    """
    V, a, e, F = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, float)) for x in (volume, ka, ke, bioavailability)))
    if np.any(V <= 0) or np.any(a <= 0) or np.any(e < 0) or np.any(np.isclose(a, e, rtol=1e-9, atol=0.0)):
        raise InputError("oral_modes: need volume > 0, ka > 0, ke >= 0 and ka != ke", field="ka")
    c = F * a / (V * (a - e))
    return np.stack([c, -c], axis=1), np.stack([e, a], axis=1)


class GridExposure(Exposure):
    """Concentrations tabulated on a time grid, interpolated by a shape-preserving cubic (PCHIP).

    Parameters
    ----------
    names
        Input names, one per column of the last axis of ``values``.
    t
        Grid times ``(G,)`` in days, non-decreasing. A time listed twice is a jump (bolus dose): the first
        value is the left limit, the second the right limit.
    values
        ``(n_patients, G, n_inputs)`` concentrations (nM).
    breakpoints
        ``(n_patients, B)`` dose times (kinks or jumps), padded with ``inf``; they should be grid times.
        At a breakpoint the interpolant uses one-sided slopes, so the kink is kept.

    Notes
    -----
    Fritsch FN, Carlson RE. Monotone piecewise cubic interpolation. SIAM J Numer Anal 1980;17:238-246.
    PCHIP never overshoots, so a positive concentration stays positive.
    """

    def __init__(self, names: Sequence[str], t, values, breakpoints=None):
        self.names = tuple(names)
        t = np.asarray(t, dtype=float)
        v = np.asarray(values, dtype=float)
        if v.ndim == 2:
            v = v[:, :, None]
        if t.ndim != 1 or v.ndim != 3 or v.shape[1] != t.shape[0] or v.shape[2] != len(self.names):
            raise InputError(f"GridExposure: values must be (n_patients, {t.shape[0]}, {len(self.names)}); "
                             f"got {v.shape}", field="values")
        if np.any(np.diff(t) < 0):
            raise InputError("GridExposure: grid times must be non-decreasing", field="t")
        self.t = t
        self.v = v
        n = v.shape[0]
        bp = np.full((n, 0), np.inf) if breakpoints is None else np.asarray(breakpoints, dtype=float)
        if bp.ndim == 1:
            bp = np.broadcast_to(bp, (n, bp.shape[0]))
        self._bp = np.sort(bp, axis=1)
        self._slopes()

    def _slopes(self) -> None:
        t, v = self.t, self.v
        G = t.shape[0]
        dt = np.diff(t)
        safe = np.where(dt > 0, dt, 1.0)
        sec = np.where((dt > 0)[None, :, None], np.diff(v, axis=1) / safe[None, :, None], 0.0)  # (n, G-1, k)
        # PCHIP interior slopes: weighted harmonic mean where the secants agree in sign, else 0
        dl = np.zeros_like(v)
        dr = np.zeros_like(v)
        if G >= 3:
            s0, s1 = sec[:, :-1], sec[:, 1:]
            h0, h1 = dt[:-1][None, :, None], dt[1:][None, :, None]
            w1, w2 = 2 * h1 + h0, h1 + 2 * h0
            same = (s0 * s1) > 0
            with np.errstate(divide="ignore", invalid="ignore"):
                hm = (w1 + w2) / (w1 / s0 + w2 / s1)
            mid = np.where(same, hm, 0.0)
            dl[:, 1:-1] = mid
            dr[:, 1:-1] = mid
        if G >= 2:
            dr[:, 0] = sec[:, 0]
            dl[:, -1] = sec[:, -1]
            dl[:, 0] = sec[:, 0]
            dr[:, -1] = sec[:, -1]
        # one-sided slopes at breakpoints (per patient) and at jumps (zero-length intervals)
        if self._bp.shape[1] and G >= 3:
            node_is_bp = np.zeros((v.shape[0], G), bool)
            for j in range(self._bp.shape[1]):
                col = self._bp[:, j]
                k = np.searchsorted(t, col)
                found = (k < G) & (t[np.minimum(k, G - 1)] == col)
                node_is_bp[np.flatnonzero(found), k[found]] = True
            inner = node_is_bp[:, 1:-1, None]
            dl[:, 1:-1] = np.where(inner, sec[:, :-1], dl[:, 1:-1])
            dr[:, 1:-1] = np.where(inner, sec[:, 1:], dr[:, 1:-1])
        self.dl, self.dr = dl, dr

    def breakpoints(self, n_patients: int) -> np.ndarray:
        if self._bp.shape[0] != n_patients:
            raise InputError(f"GridExposure holds {self._bp.shape[0]} patients; the simulation has {n_patients}",
                             field="exposures")
        return self._bp

    def _locate(self, t, t_start):
        G = self.t.shape[0]
        i = np.searchsorted(self.t, t, side="left") - 1
        i0 = np.searchsorted(self.t, t_start, side="right") - 1
        return np.clip(np.maximum(i, i0), 0, G - 2)

    def _eval(self, t, rows, t_start, deriv: bool):
        i = self._locate(t, t_start)
        t0, t1 = self.t[i], self.t[i + 1]
        h = np.where(t1 > t0, t1 - t0, 1.0)
        s = np.clip((t - t0) / h, 0.0, 1.0)
        y0, y1 = self.v[rows, i].T, self.v[rows, i + 1].T  # (k, m)
        m0, m1 = self.dr[rows, i].T * h, self.dl[rows, i + 1].T * h
        if not deriv:
            h00 = (1 + 2 * s) * (1 - s) ** 2
            h10 = s * (1 - s) ** 2
            h01 = s * s * (3 - 2 * s)
            h11 = s * s * (s - 1)
            return h00 * y0 + h10 * m0 + h01 * y1 + h11 * m1
        d00 = 6 * s * s - 6 * s
        d10 = 3 * s * s - 4 * s + 1
        d01 = -d00
        d11 = 3 * s * s - 2 * s
        return (d00 * y0 + d10 * m0 + d01 * y1 + d11 * m1) / h

    def values(self, t, rows, t_start):
        return self._eval(t, rows, t_start, False)

    def derivatives(self, t, rows, t_start):
        return self._eval(t, rows, t_start, True)


class CallableExposure(Exposure):
    """Inputs from a function ``fn(t, rows) -> (n_inputs, m)`` (e.g. a closed-form PK solution).

    ``dfn`` gives the derivatives the same way (a forward difference when omitted); ``breakpoints`` is
    ``(n_patients, B)`` (or ``(B,)`` shared by all patients).
    """

    def __init__(self, names: Sequence[str], fn: Callable, dfn: Callable | None = None, breakpoints=None):
        self.names = tuple(names)
        self._fn, self._dfn = fn, dfn
        self._bp = None if breakpoints is None else np.asarray(breakpoints, dtype=float)

    def values(self, t, rows, t_start):
        return np.asarray(self._fn(t, rows), dtype=float)

    def derivatives(self, t, rows, t_start):
        if self._dfn is None:
            return super().derivatives(t, rows, t_start)
        return np.asarray(self._dfn(t, rows), dtype=float)

    def breakpoints(self, n_patients: int) -> np.ndarray:
        if self._bp is None:
            return np.full((n_patients, 0), np.inf)
        bp = self._bp if self._bp.ndim == 2 else np.broadcast_to(self._bp, (n_patients, self._bp.shape[0]))
        return np.sort(bp, axis=1)


class StackedExposure(Exposure):
    """Several exposures side by side (one per drug); their names must not overlap."""

    def __init__(self, parts: Sequence[Exposure]):
        self.parts = tuple(parts)
        names: list[str] = []
        for p in self.parts:
            names += list(p.names)
        if len(set(names)) != len(names):
            raise InputError(f"StackedExposure: input names overlap: {names}", field="exposures")
        self.names = tuple(names)

    def values(self, t, rows, t_start):
        return np.concatenate([p.values(t, rows, t_start) for p in self.parts], axis=0)

    def derivatives(self, t, rows, t_start):
        return np.concatenate([p.derivatives(t, rows, t_start) for p in self.parts], axis=0)

    def breakpoints(self, n_patients: int) -> np.ndarray:
        bps = [p.breakpoints(n_patients) for p in self.parts]
        out = np.concatenate(bps, axis=1) if bps else np.full((n_patients, 0), np.inf)
        return np.sort(out, axis=1)
