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

__all__ = ["Exposure", "ZeroExposure", "ConstantExposure", "StepExposure", "GridExposure", "CallableExposure",
           "StackedExposure"]


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
        if np.any(np.diff(tm, axis=1) < 0):
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
