"""Therapeutic antibodies: two compartments, intravenous infusion, optional time-varying clearance.

Pembrolizumab (Ahamadi et al. 2017 structure and covariates; the label's time-varying clearance), nivolumab
(Bajaj et al. 2017) and, as documented approximations, atezolizumab, durvalumab and cadonilimab.

Equations (amounts in mg, time t in days since the first dose)::

    CL(t) = CL * exp(EMAX * t^HILL / (T50^HILL + t^HILL))          (CL constant when EMAX is absent)
    dAc/dt = Dose / Tinf * 1[infusion running] - (CL(t) + Q)/V1 Ac + Q/V2 Ap
    dAp/dt = Q/V1 Ac - Q/V2 Ap
    C = Ac / V1   (ug/mL)

With a time-varying clearance the system is linear but not time-invariant: the matrix-exponential solver
integrates it with the exponential midpoint rule (clearance frozen at the middle of each step of at most
``max_step_days``; second order in the step), an ODE solver can use :class:`~lenvici.sim.pk.PKSystem`.

References
----------
Ahamadi M, Freshwater T, Prohn M, et al. Model-based characterization of the pharmacokinetics of pembrolizumab:
a humanized anti-PD-1 monoclonal antibody in advanced solid tumors. CPT Pharmacometrics Syst Pharmacol.
2017;6(1):49-57. doi:10.1002/psp4.12139

Bajaj G, Wang X, Agrawal S, Gupta M, Roy A, Feng Y. Model-based population pharmacokinetic analysis of nivolumab
in patients with solid tumors. CPT Pharmacometrics Syst Pharmacol. 2017;6(1):58-66. doi:10.1002/psp4.12143
"""

from __future__ import annotations

import numpy as np

from lenvici.sim.pk._structure import DoseInputs, ModalForm, Params, Structure
from lenvici.sim.pk.dosing import DosingSchedule

__all__ = ["IntravenousTwoCompartment", "clearance_factor"]


def clearance_factor(p: Params, t) -> np.ndarray:
    """exp(EMAX t^HILL / (T50^HILL + t^HILL)) at ``t`` days since the first dose (1 without EMAX), shape (N,).

    ``t`` is a number, or an array (N,) with one time per patient.
    """
    if "EMAX" not in p:
        return np.ones_like(p["CL"])
    t = np.asarray(t, dtype=float)
    positive = t > 0
    with np.errstate(divide="ignore"):
        frac = np.where(positive, 1.0 / (1.0 + (p["T50"] / np.where(positive, t, 1.0)) ** p["HILL"]), 0.0)
    return np.exp(p["EMAX"] * frac)


class IntravenousTwoCompartment(Structure):
    """Central and peripheral compartment; infusions into the central compartment."""

    name = "iv-2cmt"
    state_names = ("central", "peripheral")
    central = 0
    route = "intravenous"

    def time_varying(self, p: Params) -> bool:
        return "EMAX" in p and bool(np.any(p["EMAX"] != 0))

    def matrix(self, p: Params, t=None, gate_open: bool = True) -> np.ndarray:
        cl, v1, v2, q = (p[k] for k in ("CL", "V1", "V2", "Q"))
        if self.time_varying(p):
            if t is None:
                raise ValueError("a time-varying clearance needs the time since the first dose")
            cl = cl * clearance_factor(p, t)
        m = np.empty((cl.size, 2, 2))
        m[:, 0, 0] = -(cl + q) / v1
        m[:, 0, 1] = q / v2
        m[:, 1, 0] = q / v1
        m[:, 1, 1] = -q / v2
        return m

    def dose_inputs(self, p: Params, schedule: DosingSchedule) -> DoseInputs:
        self.check_schedule(schedule)
        n = p["CL"].size
        amounts = np.array(schedule.amounts_for(n), dtype=float)
        durations = np.broadcast_to(schedule.infusion_days[None, :], amounts.shape)
        return DoseInputs(0, schedule.times, amounts, durations)

    def central_volume(self, p: Params) -> np.ndarray:
        return p["V1"]

    def elimination_clearance(self, p: Params) -> np.ndarray | None:
        return None if self.time_varying(p) else p["CL"]

    def modal_form(self, p: Params, t: float | None = None) -> ModalForm | None:
        cl, v1, v2, q = (p[k] for k in ("CL", "V1", "V2", "Q"))
        if self.time_varying(p):
            if t is None:
                return None
            cl = cl * clearance_factor(p, t)
        k = np.empty((cl.size, 2, 2))
        k[:, 0, 0] = cl + q
        k[:, 0, 1] = k[:, 1, 0] = -q
        k[:, 1, 1] = q
        return ModalForm(np.stack([v1, v2], axis=1), k, None, None, (0, 1))
