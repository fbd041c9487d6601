"""Sorafenib: one compartment, a chain of four transit compartments, enterohepatic recirculation.

The model of Jain et al. (2011). Each dose enters an absorption depot and passes four transit compartments
with a common rate constant ka = 5 / MAT before reaching the central compartment. Of the drug leaving the
central compartment (rate constant k = CL/V) the fraction FENT goes to a gallbladder compartment; the rest is
eliminated. The gallbladder empties into the last transit compartment with rate constant KEHC, but only from
TGB after each scheduled administration until the next one (gallbladder emptying with meals).

Equations (amounts in mg, time in days, ka = 5/MAT, k = CL/V, g(t) = 1 when the gallbladder is emptying)::

    dA0/dt = -ka A0                               (doses are boluses into A0)
    dAi/dt = ka (A(i-1) - Ai),  i = 1..3
    dA4/dt = ka (A3 - A4) + g(t) KEHC Agb
    dAc/dt = ka A4 - k Ac
    dAgb/dt = FENT k Ac - g(t) KEHC Agb
    C = Ac / V   (ug/mL = mg/L)

Jain's switch is the smooth function tad^40 / (tad^40 + TGB^40) of the time after dose; here it is a step at
TGB, its limit, so that the system is piecewise linear and time-invariant between switches and the matrix
exponential solves it exactly. The two differ only within about +-10% of TGB after each dose.

References
----------
Jain L, Woo S, Gardner ER, et al. Population pharmacokinetic analysis of sorafenib in patients with solid
tumours. Br J Clin Pharmacol. 2011;72(2):294-305. doi:10.1111/j.1365-2125.2011.03963.x
"""

from __future__ import annotations

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.pk._structure import DoseInputs, DosingClockGate, Params, Structure
from lenvici.sim.pk.dosing import DosingSchedule

__all__ = ["OralTransitEnterohepatic", "N_TRANSIT"]

#: Transit compartments between the depot and the central compartment (Jain 2011).
N_TRANSIT = 4


class OralTransitEnterohepatic(Structure):
    """Depot, four transit compartments, central compartment and gallbladder."""

    name = "oral-transit-ehc"
    state_names = ("depot", "transit1", "transit2", "transit3", "transit4", "central", "gallbladder")
    central = 5
    route = "oral"

    def matrix(self, p: Params, t: float | None = None, gate_open: bool = True) -> np.ndarray:
        ka = (N_TRANSIT + 1) / p["MAT"]
        k = p["CL"] / p["V"]
        n = k.size
        m = np.zeros((n, 7, 7))
        for i in range(N_TRANSIT + 1):
            m[:, i, i] = -ka
            m[:, i + 1, i] = ka
        m[:, 5, 5] = -k
        m[:, 6, 5] = p["FENT"] * k
        if gate_open:
            m[:, 4, 6] = p["KEHC"]
            m[:, 6, 6] = -p["KEHC"]
        return m

    def dose_inputs(self, p: Params, schedule: DosingSchedule) -> DoseInputs:
        amounts = self.bioavailable_amounts(p, schedule)
        return DoseInputs(0, schedule.times, amounts, np.zeros_like(amounts))

    def central_volume(self, p: Params) -> np.ndarray:
        return p["V"]

    def elimination_clearance(self, p: Params) -> np.ndarray:
        return (1.0 - p["FENT"]) * p["CL"]

    def gate(self, p: Params, schedule: DosingSchedule) -> DosingClockGate:
        delay = np.unique(p["TGB"])
        if delay.size != 1:
            raise InputError("the gallbladder emptying time TGB must be the same for every patient in a batch",
                             field="TGB")
        return DosingClockGate(schedule.times, float(delay[0]))
