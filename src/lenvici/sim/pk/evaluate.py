"""Point evaluation of the PK at any (patient, time) pairs: what a batched PD integrator asks for.

A :class:`PKEvaluator` stores each patient's state at a few anchor times and, for a query - patient rows (m,) and
times (m,) - propagates from the last anchor exactly: with scalar exponentials for the modal models (lenvatinib,
antibodies with constant clearance), with the matrix exponential for the sorafenib model (constant between
gallbladder switches), and with the exponential midpoint rule inside one grid step for a time-varying clearance.
It also gives the exact time derivative ``dC/dt = (M(t) A + u(t))_central / V`` and the breakpoints where the
concentration or its derivative is not smooth, per patient - the three things an exposure for a Rosenbrock solver
needs (``lenvici.sim.solver.CallableExposure(names, fn, dfn, breakpoints)``).

Convention at a breakpoint: with ``t_start`` (the start of the solver's current step; no step crosses a
breakpoint) the evaluator takes the values inside [t_start, t] - the right limit at t_start, the left limit at t.
Without ``t_start`` values are right-continuous.
"""

from __future__ import annotations

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.pk._expm import expm_grid, step_propagators
from lenvici.sim.pk._modal import active_events, modes, propagate
from lenvici.sim.pk.dosing import DosingSchedule
from lenvici.sim.pk.model import IndividualParameters, PKModel
from lenvici.sim.pk.molar import nanomolar
from lenvici.sim.pk.simulate import simulate

__all__ = ["PKEvaluator", "pk_evaluator"]


def _take(p, rows):
    return {k: v[rows] for k, v in p.items()}


class PKEvaluator:
    """The PK of N patients, evaluated at arbitrary (patient row, time) pairs.

    Parameters
    ----------
    model, parameters, schedule
        As for :func:`~lenvici.sim.pk.simulate`.
    t_end
        Last time (days) that will be asked for; required for the grid-based models (sorafenib, time-varying
        clearance), where the evaluator refuses later times. The modal models answer any time.
    max_step_days
        Grid step for a time-varying clearance (exponential midpoint rule).
    """

    def __init__(self, model: PKModel, parameters: IndividualParameters, schedule: DosingSchedule, *,
                 t_end: float, max_step_days: float = 1.0):
        self.model = model
        self.parameters = parameters
        self.schedule = schedule
        s = model.structure
        self._s = s
        self._p = parameters.values
        self.inputs = s.dose_inputs(self._p, schedule)
        self._gate = s.gate(self._p, schedule)
        self._varying = s.time_varying(self._p)
        form = None if self._gate is not None else s.modal_form(self._p)
        self.n_patients = parameters.n
        self._volume = s.central_volume(self._p)
        self._factor = model.concentration_factor
        self.t_end = float(t_end)
        if form is not None:
            self._kind = "modal"
            self.anchors = np.unique(self.inputs.times)
            self._modes = modes(form)
            amounts = simulate(model, parameters, schedule, self.anchors, method="modal").amounts
            rows = np.arange(self.n_patients)[:, None]
            self._d, self._z = self._modes.to_modal(amounts, rows)
            self._active = active_events(self.inputs, self.anchors)
            dur = self.inputs.durations
            with np.errstate(divide="ignore", invalid="ignore"):
                self._rates = np.where(dur > 0, self.inputs.amounts / np.where(dur > 0, dur, 1.0), 0.0)
            self._into_depot = self._modes.has_depot and self.inputs.target == form.depot
        else:
            self._kind = "grid"
            times = np.array([min(self.inputs.times.min(), self.t_end), self.t_end])
            self.anchors = expm_grid(s, self._p, self.inputs, times, self._gate, max_step_days)
            self._amounts = simulate(model, parameters, schedule, self.anchors, method="expm",
                                     max_step_days=max_step_days).amounts
            mids = 0.5 * (self.anchors[:-1] + self.anchors[1:])
            self._interval_rate = np.stack([self.inputs.rate(m) for m in mids], axis=1) if mids.size \
                else np.zeros((self.n_patients, 0))
            self._interval_open = np.array([self._gate.is_open(a) if self._gate else True for a in self.anchors])

    # --------------------------------------------------------------------------------------------- queries
    def _locate(self, t, rows, t_start):
        t = np.asarray(t, dtype=float).reshape(-1)
        rows = np.asarray(rows, dtype=int).reshape(-1)
        if t.shape != rows.shape:
            raise InputError("'t' and 'rows' must have the same shape (m,)", field="t")
        ref = t if t_start is None else np.asarray(t_start, dtype=float).reshape(-1)
        if self._kind == "grid" and np.any(t > self.t_end + 1e-12):
            raise InputError(f"this evaluator was built up to t_end = {self.t_end}", field="t")
        j = np.searchsorted(self.anchors, ref, side="right") - 1
        return t, rows, j

    def amounts(self, t, rows, t_start=None) -> np.ndarray:
        """Compartment amounts (m, n) in mg of patients ``rows`` (m,) at times ``t`` (m,)."""
        t, rows, j = self._locate(t, rows, t_start)
        out = np.zeros((t.size, self._s.n_states))
        ok = j >= 0
        if not np.any(ok):
            return out
        t, rows, j = t[ok], rows[ok], j[ok]
        h = t - self.anchors[j]
        if self._kind == "modal":
            md = self._modes
            ev = self._active[j]                                          # (m, A)
            valid = ev >= 0
            evc = np.where(valid, ev, 0)
            start = self.inputs.times[evc]
            dur = np.where(valid, self.inputs.durations[rows[:, None], evc], 0.0)
            rate = np.where(valid, self._rates[rows[:, None], evc], 0.0)
            h_on = np.clip(start + dur - self.anchors[j][:, None], 0.0, h[:, None])
            d, z = propagate(self._d[rows, j], self._z[rows, j], h, md.alpha[rows], md.ka[rows], md.w[rows],
                             h_on, rate, self._into_depot, md.has_depot)
            out[ok] = md.to_amounts(d, z, rows, self._s.n_states)
            return out
        x0 = self._amounts[rows, j]
        last = j >= self.anchors.size - 1
        jj = np.minimum(j, self.anchors.size - 2) if self.anchors.size > 1 else j
        p = _take(self._p, rows)
        res = np.array(x0, copy=True)
        moving = (h > 0) & ~last
        if np.any(moving):
            pm = _take(p, moving)
            tm = self.anchors[jj[moving]] + 0.5 * h[moving] - self.schedule.start
            opens = self._interval_open[jj[moving]]
            rate = self._interval_rate[rows[moving], jj[moving]]
            xm = x0[moving]
            new = np.empty_like(xm)
            for flag in np.unique(opens):
                sel = opens == flag
                e, phi = step_propagators(self._s, _take(pm, sel), tm[sel] if self._varying else None, bool(flag),
                                          h[moving][sel])
                new[sel] = np.einsum("nij,nj->ni", e, xm[sel]) + phi[:, :, self.inputs.target] * rate[sel, None]
            res[moving] = new
        out[ok] = res
        return out

    def _rate(self, t, rows, t_start):
        """Zero-order input rate (m,) inside [t_start, t] (at t without t_start)."""
        probe = t if t_start is None else 0.5 * (np.asarray(t_start, float).reshape(-1) + t)
        probe = np.where(probe < t, probe, t) if t_start is not None else probe
        starts = self.inputs.times[None, :]
        dur = self.inputs.durations[rows]
        active = (dur > 0) & (starts <= probe[:, None]) & (probe[:, None] < starts + dur)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(active, self.inputs.amounts[rows] / np.where(dur > 0, dur, 1.0), 0.0)
        return r.sum(axis=1)

    def concentration(self, t, rows, t_start=None) -> np.ndarray:
        """Central concentration (m,) in the drug's unit."""
        rows_ = np.asarray(rows, dtype=int).reshape(-1)
        return self.amounts(t, rows, t_start)[:, self._s.central] / self._volume[rows_] * self._factor

    def concentration_derivative(self, t, rows, t_start=None) -> np.ndarray:
        """d(concentration)/dt (m,) in the drug's unit per day: (M(t) A + u(t))_central / V."""
        t = np.asarray(t, dtype=float).reshape(-1)
        rows = np.asarray(rows, dtype=int).reshape(-1)
        a = self.amounts(t, rows, t_start)
        p = _take(self._p, rows)
        out = np.empty(t.size)
        if self._gate is not None:
            ref = t if t_start is None else np.asarray(t_start, float).reshape(-1)
            opens = np.array([self._gate.is_open(x) for x in ref])
        else:
            opens = np.ones(t.size, dtype=bool)
        for flag in np.unique(opens):
            sel = opens == flag
            tt = (t[sel] - self.schedule.start) if self._varying else None
            m = self._s.matrix(_take(p, sel), tt, bool(flag))
            out[sel] = np.einsum("nj,nj->n", m[:, self._s.central, :], a[sel])
        if self.inputs.target == self._s.central:
            out = out + self._rate(t, rows, t_start)
        return out / self._volume[rows] * self._factor

    def unbound_nanomolar(self, t, rows, t_start=None) -> np.ndarray:
        """Unbound central concentration (m,) in nmol/L."""
        dc = self.model.drug_constants
        c = self.concentration(t, rows, t_start)
        return nanomolar(c, dc.concentration_unit, dc.molecular_weight, dc.drug) * dc.fraction_unbound

    def unbound_nanomolar_derivative(self, t, rows, t_start=None) -> np.ndarray:
        """d(unbound nmol/L)/dt (m,) per day."""
        dc = self.model.drug_constants
        dcdt = self.concentration_derivative(t, rows, t_start)
        return nanomolar(dcdt, dc.concentration_unit, dc.molecular_weight, dc.drug) * dc.fraction_unbound

    def breakpoints(self) -> np.ndarray:
        """Times (N, B) where the concentration or its derivative is not smooth, sorted, padded with inf:
        administrations, ends of zero-order inputs (per patient), gallbladder switches."""
        n = self.n_patients
        starts = np.broadcast_to(self.inputs.times, (n, self.inputs.times.size))
        ends = np.where(self.inputs.durations > 0, self.inputs.times[None, :] + self.inputs.durations, np.inf)
        parts = [starts, ends]
        if self._gate is not None:
            parts.append(np.broadcast_to(self._gate.breakpoints(), (n, self._gate.breakpoints().size)))
        bp = np.sort(np.concatenate(parts, axis=1), axis=1)
        # drop duplicates within a row (keep the padding at the end)
        dup = np.zeros_like(bp, dtype=bool)
        dup[:, 1:] = bp[:, 1:] == bp[:, :-1]
        bp = np.where(dup, np.inf, bp)
        return np.sort(bp, axis=1)


def pk_evaluator(model: PKModel, parameters: IndividualParameters, schedule: DosingSchedule, *, t_end: float,
                 max_step_days: float = 1.0) -> PKEvaluator:
    """A :class:`PKEvaluator` for these patients and this schedule."""
    return PKEvaluator(model, parameters, schedule, t_end=t_end, max_step_days=max_step_days)
