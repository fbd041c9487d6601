"""The PK as right-hand-side pieces for an ODE solver that integrates it together with the PD model.

:class:`PKSystem` exposes, for N patients at once, everything a batched integrator needs to carry the PK states
alongside its own: the right-hand side ``dA/dt = M(t) A + u(t)`` (N, n), the matrix M(t) for a stiff solver's
Jacobian, the bolus jumps to apply at administration times, and the times where the right-hand side is
discontinuous (so the solver stops there rather than stepping across). Doses stay events: zero-order inputs are
exact rectangular windows, boluses exact jumps.

Usage pattern (one patient batch)::

    system = pk_system(model, params, schedule)
    x = system.initial_state()                       # (N, n), mg
    for t0, t1 in consecutive(system.breakpoints(t_end)):   # shared breakpoints
        x = x + system.bolus(t0)                     # jumps at administrations
        x = integrate(system.rhs, t0, t1, x)         # any ODE method; the rhs is smooth inside (t0, t1)
    c = system.concentration(x)                      # (N,), drug unit
    c_nm = system.unbound_nanomolar(x)               # (N,), nmol/L unbound

Per-patient zero-order windows (lenvatinib D1 with inter-individual variability) end at times that differ
between patients; :meth:`PKSystem.patient_breakpoints` lists them (N, E) for a solver with per-patient steps.
"""

from __future__ import annotations

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.pk.dosing import DosingSchedule
from lenvici.sim.pk.model import IndividualParameters, PKModel
from lenvici.sim.pk.molar import nanomolar

__all__ = ["PKSystem", "pk_system"]


class PKSystem:
    """The PK of one drug for N patients as an ODE system over compartment amounts (mg).

    Attributes
    ----------
    n_patients, n_states
        Batch size N and number of PK states n.
    state_names
        Names of the states in order (``central`` is the sampled compartment).
    central_index
        Index of the central compartment.
    """

    def __init__(self, model: PKModel, parameters: IndividualParameters, schedule: DosingSchedule):
        if parameters.model_id != model.id:
            raise InputError(f"the parameters are for {parameters.model_id}, the model is {model.id}",
                             field="parameters")
        if schedule.drug is not None and schedule.drug.lower() != model.drug:
            raise InputError(f"the schedule is for {schedule.drug}, the model for {model.drug}", field="schedule")
        self.model = model
        self.parameters = parameters
        self.schedule = schedule
        self._p = parameters.values
        self._structure = model.structure
        self.inputs = self._structure.dose_inputs(self._p, schedule)
        self._gate = self._structure.gate(self._p, schedule)
        self._varying = self._structure.time_varying(self._p)
        self._static = {}
        self.n_patients = parameters.n
        self.n_states = self._structure.n_states
        self.state_names = self._structure.state_names
        self.central_index = self._structure.central
        self._volume = self._structure.central_volume(self._p)

    def initial_state(self) -> np.ndarray:
        """Zero amounts, (N, n)."""
        return np.zeros((self.n_patients, self.n_states))

    def matrix(self, t: float) -> np.ndarray:
        """M(t), (N, n, n) in 1/day: the Jacobian of :meth:`rhs` with respect to the state."""
        open_ = self._gate.is_open(t) if self._gate is not None else True
        if self._varying:
            return self._structure.matrix(self._p, t - self.schedule.start, open_)
        if open_ not in self._static:
            self._static[open_] = self._structure.matrix(self._p, None, open_)
        return self._static[open_]

    def input_rate(self, t: float) -> np.ndarray:
        """Zero-order input rates (mg/day) active at ``t``, (N, n); windows are [start, start + duration)."""
        u = np.zeros((self.n_patients, self.n_states))
        u[:, self.inputs.target] = self.inputs.rate(t)
        return u

    def rhs(self, t: float, x: np.ndarray) -> np.ndarray:
        """dA/dt = M(t) A + u(t) for the state ``x`` (N, n); returns (N, n) in mg/day."""
        return np.einsum("nij,nj->ni", self.matrix(t), x) + self.input_rate(t)

    def bolus(self, t: float) -> np.ndarray:
        """Amounts (N, n) to add to the state at ``t``: the boluses administered exactly at ``t``."""
        jump = np.zeros((self.n_patients, self.n_states))
        at = (self.inputs.times == t) & np.all(self.inputs.durations == 0, axis=0)
        if np.any(at):
            jump[:, self.inputs.target] = self.inputs.amounts[:, at].sum(axis=1)
        return jump

    def bolus_times(self) -> np.ndarray:
        """Administration times that carry a bolus (days), sorted."""
        return np.unique(self.inputs.times[np.all(self.inputs.durations == 0, axis=0)])

    def breakpoints(self, t_end: float | None = None) -> np.ndarray:
        """Times shared by the batch where the right-hand side jumps (administrations, shared input ends, gate
        switches), sorted, up to ``t_end``."""
        points = [self.inputs.times]
        if self.inputs.shared_durations:
            ends = self.inputs.times + self.inputs.durations[0]
            points.append(ends[self.inputs.durations[0] > 0])
        if self._gate is not None:
            points.append(self._gate.breakpoints())
        out = np.unique(np.concatenate(points))
        return out if t_end is None else out[out <= t_end]

    def patient_breakpoints(self) -> np.ndarray:
        """Ends of each patient's zero-order windows (N, E) (days); NaN for boluses."""
        ends = self.inputs.times[None, :] + self.inputs.durations
        return np.where(self.inputs.durations > 0, ends, np.nan)

    def concentration(self, x: np.ndarray) -> np.ndarray:
        """Central concentration (N,) in the drug's unit for the state ``x`` (N, n)."""
        return x[:, self.central_index] / self._volume * self.model.concentration_factor

    def unbound_nanomolar(self, x: np.ndarray) -> np.ndarray:
        """Unbound central concentration (N,) in nmol/L."""
        c = self.concentration(x)
        dc = self.model.drug_constants
        return nanomolar(c, dc.concentration_unit, dc.molecular_weight, dc.drug) * dc.fraction_unbound


def pk_system(model: PKModel, parameters: IndividualParameters, schedule: DosingSchedule) -> PKSystem:
    """The ODE pieces of ``model`` for these patients and this schedule (see :class:`PKSystem`)."""
    return PKSystem(model, parameters, schedule)
